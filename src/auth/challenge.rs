//! The `WWW-Authenticate: Bearer …` challenge (RFC 6750 §3, RFC 9728 §5.1): what
//! the server says about how to authorize — where its metadata is, which scope
//! it wants, and why it refused.

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
}

impl Challenge {
    /// The Bearer challenge among a response's `WWW-Authenticate` headers
    /// (several headers, or several challenges in one, are both allowed).
    pub fn from_headers(headers: &HeaderMap) -> Option<Challenge> {
        headers
            .get_all(WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(parse_bearer)
    }

    pub fn is_insufficient_scope(&self) -> bool {
        self.error.as_deref() == Some("insufficient_scope")
    }
}

/// Parse one header value; returns the Bearer challenge's parameters if it has one.
pub fn parse_bearer(value: &str) -> Option<Challenge> {
    let mut rest = value;
    let mut in_bearer = false;
    let mut found = None::<Challenge>;
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
            if in_bearer {
                let c = found.get_or_insert_with(Challenge::default);
                match token.to_ascii_lowercase().as_str() {
                    "error" => c.error = Some(value),
                    "error_description" => c.error_description = Some(value),
                    "scope" => c.scope = Some(value),
                    "resource_metadata" => c.resource_metadata = Some(value),
                    _ => {}
                }
            }
            rest = remaining;
        } else {
            // A new scheme.
            if found.is_some() && in_bearer {
                break;
            }
            in_bearer = token.eq_ignore_ascii_case("bearer");
            if in_bearer {
                found.get_or_insert_with(Challenge::default);
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
        assert_eq!(
            parse_bearer(r#"bearer error_description="say \"hi\"""#)
                .unwrap()
                .error_description
                .as_deref(),
            Some(r#"say "hi""#)
        );
    }
}
