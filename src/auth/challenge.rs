//! The `WWW-Authenticate: Bearer …` (or `DPoP …`, RFC 9449 §7.1) challenge
//! (RFC 6750 §3, RFC 9728 §5.1): what the server says about how to
//! authorize — where its metadata is, which scope it wants, why it refused,
//! and whether it takes DPoP-bound tokens.

use reqwest::header::{HeaderMap, WWW_AUTHENTICATE};

/// The parameters of a Bearer challenge that the flow uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Challenge {
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// Space-separated scopes the server wants.
    pub scope: Option<String>,
    /// RFC 9728: where the protected resource metadata is.
    pub resource_metadata: Option<String>,
    /// The server offered the `DPoP` scheme (RFC 9449 §7.1).
    #[serde(default)]
    pub dpop: bool,
    /// Its `algs` parameter: the proof algorithms it accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_algs: Option<String>,
}

impl Challenge {
    /// The Bearer (or DPoP) challenge among a response's `WWW-Authenticate`
    /// headers (several headers, or several challenges in one, are both
    /// allowed): the first one's parameters, and whether any offered DPoP.
    pub fn from_headers(headers: &HeaderMap) -> Option<Challenge> {
        let mut found = None::<Challenge>;
        for c in headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(parse_bearer)
        {
            match found.as_mut() {
                None => found = Some(c),
                Some(first) if c.dpop && !first.dpop => {
                    first.dpop = true;
                    first.dpop_algs = c.dpop_algs;
                }
                Some(_) => {}
            }
        }
        found
    }

    pub fn is_insufficient_scope(&self) -> bool {
        self.error.as_deref() == Some("insufficient_scope")
    }

    /// RFC 9449 §9: the server wants a proof with its nonce.
    pub fn is_use_dpop_nonce(&self) -> bool {
        self.error.as_deref() == Some("use_dpop_nonce")
    }
}

/// Parse one header value; returns the Bearer or DPoP challenge's parameters
/// if it has one (both: the first one's, with `dpop` set).
pub fn parse_bearer(value: &str) -> Option<Challenge> {
    let mut rest = value;
    let mut in_bearer = false;
    let mut in_dpop = false;
    let mut found = None::<Challenge>;
    // What an earlier Bearer/DPoP challenge in this value already set: a
    // later challenge doesn't override it (within one challenge, as
    // before, a repeated parameter's last value counts).
    let mut earlier = Challenge::default();
    loop {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_whitespace());
        if rest.is_empty() {
            break;
        }
        let end = rest
            .find(|c: char| c == '=' || c == ',' || c.is_whitespace())
            .unwrap_or(rest.len());
        let token = &rest[..end];
        let after = rest[end..].trim_start();
        if let Some(value_part) = after.strip_prefix('=') {
            // An auth-param: token=token or token="quoted string".
            let (value, remaining) = read_param_value(value_part.trim_start());
            if in_bearer || in_dpop {
                let c = found.get_or_insert_with(Challenge::default);
                // The first challenge's value wins; DPoP's `algs` is its own.
                let (slot, set_before) = match token.to_ascii_lowercase().as_str() {
                    "error" => (Some(&mut c.error), earlier.error.is_some()),
                    "error_description" => (
                        Some(&mut c.error_description),
                        earlier.error_description.is_some(),
                    ),
                    "scope" => (Some(&mut c.scope), earlier.scope.is_some()),
                    "resource_metadata" => (
                        Some(&mut c.resource_metadata),
                        earlier.resource_metadata.is_some(),
                    ),
                    "algs" if in_dpop => (Some(&mut c.dpop_algs), earlier.dpop_algs.is_some()),
                    _ => (None, false),
                };
                if let Some(slot) = slot.filter(|_| !set_before) {
                    *slot = Some(value);
                }
            }
            rest = remaining;
        } else {
            // A new scheme.
            if let Some(c) = &found {
                earlier = c.clone();
            }
            in_bearer = token.eq_ignore_ascii_case("bearer");
            in_dpop = token.eq_ignore_ascii_case("dpop");
            if in_bearer || in_dpop {
                let c = found.get_or_insert_with(Challenge::default);
                c.dpop |= in_dpop;
            }
            rest = &rest[end..];
        }
    }
    found
}

/// Read a parameter value; returns it and the text after it.
fn read_param_value(s: &str) -> (String, &str) {
    if let Some(quoted) = s.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => return (value, &quoted[i + 1..]),
                c => value.push(c),
            }
        }
        (value, "")
    } else {
        let end = s
            .find(|c: char| c == ',' || c.is_whitespace())
            .unwrap_or(s.len());
        (s[..end].to_string(), &s[end..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_bearer_parameters() {
        let c = parse_bearer(
            r#"Bearer realm="mcp", error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="https://x.example/.well-known/oauth-protected-resource/mcp""#,
        )
        .unwrap();
        assert_eq!(c.error.as_deref(), Some("insufficient_scope"));
        assert_eq!(c.scope.as_deref(), Some("mcp:read mcp:write"));
        assert_eq!(
            c.resource_metadata.as_deref(),
            Some("https://x.example/.well-known/oauth-protected-resource/mcp")
        );
        assert!(c.is_insufficient_scope());
    }

    #[test]
    fn finds_bearer_among_other_schemes() {
        let c = parse_bearer(r#"Basic realm="a", Bearer error=invalid_token, scope="s""#).unwrap();
        assert_eq!(c.error.as_deref(), Some("invalid_token"));
        assert_eq!(c.scope.as_deref(), Some("s"));
        let c = parse_bearer(r#"Bearer scope="a", Basic realm="b""#).unwrap();
        assert_eq!(c.scope.as_deref(), Some("a"));
        assert_eq!(parse_bearer(r#"Basic realm="only basic""#), None);
        assert_eq!(parse_bearer("Bearer"), Some(Challenge::default()));
        let c = parse_bearer(r#"DPoP algs="ES256 PS256", error="use_dpop_nonce""#).unwrap();
        assert!(c.dpop && c.is_use_dpop_nonce());
        assert_eq!(c.dpop_algs.as_deref(), Some("ES256 PS256"));
        let c = parse_bearer(r#"Bearer scope="a", DPoP algs="ES256", scope="b""#).unwrap();
        assert!(c.dpop, "both schemes offered");
        assert_eq!(
            c.scope.as_deref(),
            Some("a"),
            "the first challenge's value wins"
        );
        assert!(!parse_bearer(r#"Bearer scope="a""#).unwrap().dpop);
        assert_eq!(
            parse_bearer(r#"bearer error_description="say \"hi\"""#)
                .unwrap()
                .error_description
                .as_deref(),
            Some(r#"say "hi""#)
        );
    }
}
