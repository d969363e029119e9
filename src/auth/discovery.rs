//! Finding the authorization server, in the MCP 2025-11-25 order:
//! protected resource metadata (RFC 9728), then authorization server metadata
//! (RFC 8414 or OpenID Connect discovery), with the 2025-03-26 fallbacks and the
//! overrides a person may have to give.

use serde::{Deserialize, Serialize};
use url::Url;

use super::AuthError;
use super::challenge::Challenge;

/// RFC 9728 protected resource metadata (the fields we use).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ResourceMetadata {
    pub resource: String,
    #[serde(default)]
    pub authorization_servers: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
}

/// RFC 8414 / OIDC authorization server metadata (the fields we use).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct ServerMetadata {
    pub issuer: String,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scopes_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grant_types_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge_methods_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint_auth_methods_supported: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub client_id_metadata_document_supported: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub authorization_response_iss_parameter_supported: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl ServerMetadata {
    /// The token endpoint, which every grant needs.
    pub fn require_token_endpoint(&self) -> Result<&str, AuthError> {
        self.require(self.token_endpoint.as_deref(), "token_endpoint")
    }

    /// The authorization endpoint, which the browser flow needs.
    pub fn require_authorization_endpoint(&self) -> Result<&str, AuthError> {
        self.require(
            self.authorization_endpoint.as_deref(),
            "authorization_endpoint",
        )
    }

    fn require<'a>(
        &self,
        endpoint: Option<&'a str>,
        name: &'static str,
    ) -> Result<&'a str, AuthError> {
        endpoint.ok_or_else(|| AuthError::MissingEndpoint {
            issuer: self.issuer.clone(),
            endpoint: name,
        })
    }

    pub fn supports_s256(&self) -> bool {
        self.code_challenge_methods_supported
            .as_ref()
            .is_some_and(|m| m.iter().any(|m| m == "S256"))
    }

    pub fn lists_scope(&self, scope: &str) -> bool {
        self.scopes_supported
            .as_ref()
            .is_some_and(|s| s.iter().any(|s| s == scope))
    }
}

/// What a person told us instead of (or on top of) discovery.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub resource_metadata: Option<Url>,
    pub auth_server: Option<Url>,
    pub auth_server_metadata: Option<Url>,
    /// Plain http to non-loopback hosts is allowed (--allow-http).
    pub allow_http: bool,
    /// `--token-endpoint` (client credentials only): no discovery at all.
    pub token_endpoint: Option<Url>,
}

/// Everything discovery found, and where.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Discovered {
    pub resource_metadata: Option<ResourceMetadata>,
    pub resource_metadata_url: Option<String>,
    pub metadata: ServerMetadata,
    /// None when the 2025-03-26 endpoint fallback was used.
    pub metadata_url: Option<String>,
    /// Every URL tried and what it gave, for error messages and `doctor`.
    #[serde(skip)]
    pub tried: Vec<String>,
}

/// The well-known PRM URLs for a server URL: path-inserted, then root.
pub fn resource_metadata_candidates(server: &Url) -> Vec<Url> {
    let mut out = Vec::new();
    let path = server.path().trim_end_matches('/');
    if !path.is_empty() {
        out.push(with_path(
            server,
            &format!("/.well-known/oauth-protected-resource{path}"),
        ));
    }
    out.push(with_path(server, "/.well-known/oauth-protected-resource"));
    out
}

/// The spec's order of AS metadata URLs for an issuer.
pub fn server_metadata_candidates(issuer: &Url) -> Vec<Url> {
    let path = issuer.path().trim_end_matches('/');
    if path.is_empty() {
        vec![
            with_path(issuer, "/.well-known/oauth-authorization-server"),
            with_path(issuer, "/.well-known/openid-configuration"),
        ]
    } else {
        vec![
            with_path(
                issuer,
                &format!("/.well-known/oauth-authorization-server{path}"),
            ),
            with_path(issuer, &format!("/.well-known/openid-configuration{path}")),
            with_path(issuer, &format!("{path}/.well-known/openid-configuration")),
        ]
    }
}

fn with_path(base: &Url, path: &str) -> Url {
    let mut u = base.clone();
    u.set_path(path);
    u.set_query(None);
    u.set_fragment(None);
    u
}

/// Whether PRM's `resource` covers the server URL: same origin, and the
/// server's path is the resource's path or below it.
pub fn resource_matches(resource: &str, server: &Url) -> bool {
    let Ok(resource) = Url::parse(resource) else {
        return false;
    };
    if resource.origin() != server.origin() {
        return false;
    }
    let rp = resource.path().trim_end_matches('/');
    let sp = server.path().trim_end_matches('/');
    sp == rp || sp.starts_with(&format!("{rp}/"))
}

/// Issuers compare as strings (RFC 8414 §3.3); a trailing slash is forgiven.
pub fn same_issuer(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// The authorization server the protected resource metadata names now, if
/// it can be read (one request: the challenge's URL, else the well-known one).
pub async fn current_authorization_server(
    http: &reqwest::Client,
    server: &Url,
    challenge: &Challenge,
    overrides: &Overrides,
) -> Option<String> {
    let url = match (&overrides.resource_metadata, &challenge.resource_metadata) {
        (Some(u), _) => u.clone(),
        (None, Some(u)) => Url::parse(u).ok()?,
        (None, None) => resource_metadata_candidates(server).into_iter().next()?,
    };
    check_transport(&url, overrides.allow_http).ok()?;
    let prm = fetch_json::<ResourceMetadata>(http, &url).await.ok()?;
    if !resource_matches(&prm.resource, server) {
        return None; // discovery proper will refuse it, with the full story
    }
    prm.authorization_servers.into_iter().next()
}

/// Why a metadata document was looked for at a URL: the step of discovery
/// that named it. `doctor` shows it next to each URL tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `--resource-metadata` or `--auth-server-metadata`.
    Flag,
    /// The 401's `resource_metadata`.
    Challenge,
    /// RFC 9728's well-known URL with the endpoint's path.
    WellKnown,
    /// The well-known URL at the origin's root.
    WellKnownRoot,
    /// RFC 8414 / OIDC well-known URLs of the issuer.
    Issuer,
    /// A 2025-03-26 server, its own authorization server: its origin.
    Origin,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Flag => "flag",
            Source::Challenge => "challenge",
            Source::WellKnown => "well-known",
            Source::WellKnownRoot => "well-known-root",
            Source::Issuer => "issuer",
            Source::Origin => "origin",
        }
    }
}

/// Where to look for the protected resource metadata, in order: the flag
/// alone if given; else the challenge's URL, then the well-known ones.
pub fn resource_metadata_plan(
    server: &Url,
    challenge: Option<&Challenge>,
    overrides: &Overrides,
) -> Vec<(Url, Source)> {
    if let Some(u) = &overrides.resource_metadata {
        return vec![(u.clone(), Source::Flag)];
    }
    let mut plan = Vec::new();
    if let Some(u) = challenge
        .and_then(|c| c.resource_metadata.as_deref())
        .and_then(|u| Url::parse(u).ok())
    {
        plan.push((u, Source::Challenge));
    }
    for (u, source) in well_known_resource_metadata(server) {
        if !plan.iter().any(|(p, _)| *p == u) {
            plan.push((u, source));
        }
    }
    plan
}

/// The RFC 9728 well-known URLs for `server`, each marked as with the
/// endpoint's path or at the root.
pub fn well_known_resource_metadata(server: &Url) -> Vec<(Url, Source)> {
    let at_root = server.path().trim_end_matches('/').is_empty();
    resource_metadata_candidates(server)
        .into_iter()
        .enumerate()
        .map(|(i, u)| {
            let source = if i > 0 || at_root {
                Source::WellKnownRoot
            } else {
                Source::WellKnown
            };
            (u, source)
        })
        .collect()
}

/// Where to look for the authorization server's metadata: the flag alone
/// if given; else the issuer's (or, for a 2025-03-26 server, the origin's)
/// well-known URLs.
pub fn server_metadata_plan(
    issuer: &Url,
    own_auth_server: bool,
    overrides: &Overrides,
) -> Vec<(Url, Source)> {
    match &overrides.auth_server_metadata {
        Some(u) => vec![(u.clone(), Source::Flag)],
        None => server_metadata_candidates(issuer)
            .into_iter()
            .map(|u| {
                (
                    u,
                    if own_auth_server {
                        Source::Origin
                    } else {
                        Source::Issuer
                    },
                )
            })
            .collect(),
    }
}

/// Whether authorization server metadata is for the issuer it was looked up
/// for (RFC 8414 §3.3; mix-up defence). `Err` holds the issuer expected.
/// With only `--auth-server-metadata`, the document names its own issuer; a
/// 2025-03-26 server's own metadata may name its origin any way.
pub fn accept_issuer(
    md: &ServerMetadata,
    looked_up_for: &Url,
    own_auth_server: bool,
    server: &Url,
    overrides: &Overrides,
) -> Result<(), String> {
    let expected = match (&overrides.auth_server_metadata, &overrides.auth_server) {
        (Some(_), None) => md.issuer.clone(),
        _ => looked_up_for.to_string(),
    };
    if same_issuer(&md.issuer, &expected)
        || (own_auth_server && same_origin_str(&md.issuer, server))
    {
        Ok(())
    } else {
        Err(expected)
    }
}

/// Run discovery for `server`, starting from the 401's challenge if there was one.
pub async fn discover(
    http: &reqwest::Client,
    server: &Url,
    challenge: Option<&Challenge>,
    overrides: &Overrides,
) -> Result<Discovered, AuthError> {
    if let Some(token_endpoint) = &overrides.token_endpoint {
        return given_token_endpoint(token_endpoint, overrides.allow_http);
    }
    let mut tried = Vec::new();

    // 1. Protected resource metadata.
    let mut prm = None;
    for (url, _) in resource_metadata_plan(server, challenge, overrides) {
        check_transport(&url, overrides.allow_http)?;
        match fetch_json::<ResourceMetadata>(http, &url).await {
            Ok(m) => {
                tried.push(format!("{url}: found"));
                prm = Some((url, m));
                break;
            }
            Err(e) if e.fatal => return Err(e.into_discovery_error(&url, &tried)),
            Err(why) => tried.push(format!("{url}: {why}")),
        }
    }
    if let Some((url, m)) = &prm
        && !resource_matches(&m.resource, server)
    {
        return Err(AuthError::ResourceMismatch {
            resource: m.resource.clone(),
            server: server.to_string(),
            metadata_url: url.to_string(),
        });
    }

    // 2. Which authorization server.
    let issuer: Option<Url> = match (&overrides.auth_server, &prm) {
        (Some(issuer), _) => Some(issuer.clone()),
        (None, Some((_, m))) => {
            let first = m
                .authorization_servers
                .first()
                .ok_or_else(|| AuthError::Discovery {
                    what: "the protected resource metadata lists no authorization_servers".into(),
                    tried: tried.clone(),
                })?;
            Some(Url::parse(first).map_err(|e| AuthError::Discovery {
                what: format!("the authorization server '{first}' is not a URL ({e})"),
                tried: tried.clone(),
            })?)
        }
        // A 2025-03-26 server is its own authorization server.
        (None, None) => None,
    };
    // No protected resource metadata and no issuer named: a 2025-03-26
    // server, which is its own authorization server.
    let own_auth_server = issuer.is_none();
    let issuer = issuer.unwrap_or_else(|| with_path(server, ""));

    // 3. Authorization server metadata.
    for (url, _) in server_metadata_plan(&issuer, own_auth_server, overrides) {
        check_transport(&url, overrides.allow_http)?;
        match fetch_json::<ServerMetadata>(http, &url).await {
            Ok(md) => {
                if let Err(expected) =
                    accept_issuer(&md, &issuer, own_auth_server, server, overrides)
                {
                    return Err(AuthError::IssuerMismatch {
                        expected,
                        found: md.issuer.clone(),
                        metadata_url: url.to_string(),
                    });
                }
                tried.push(format!("{url}: found"));
                check_endpoints(&md, overrides.allow_http)?;
                return Ok(Discovered {
                    resource_metadata: prm.map(|(_, m)| m),
                    resource_metadata_url: None,
                    metadata: md,
                    metadata_url: Some(url.to_string()),
                    tried,
                });
            }
            Err(e) if e.fatal => return Err(e.into_discovery_error(&url, &tried)),
            Err(why) => tried.push(format!("{url}: {why}")),
        }
    }
    if own_auth_server && overrides.auth_server_metadata.is_none() {
        // 2025-03-26: no metadata at all means the default endpoints at the origin.
        let base = with_path(server, "");
        let at = |p: &str| with_path(&base, p).to_string();
        tried.push(format!(
            "no metadata: using {} and {}",
            at("/authorize"),
            at("/token")
        ));
        return Ok(Discovered {
            resource_metadata: None,
            resource_metadata_url: None,
            metadata: ServerMetadata {
                issuer: base.as_str().trim_end_matches('/').to_string(),
                authorization_endpoint: Some(at("/authorize")),
                token_endpoint: Some(at("/token")),
                registration_endpoint: Some(at("/register")),
                // The 2025-03-26 spec makes PKCE mandatory for these servers.
                code_challenge_methods_supported: Some(vec!["S256".into()]),
                ..ServerMetadata::default()
            },
            metadata_url: None,
            tried,
        });
    }
    Err(AuthError::Discovery {
        what: format!("found no authorization server metadata for {issuer}"),
        tried,
    })
}

fn same_origin_str(a: &str, server: &Url) -> bool {
    Url::parse(a).is_ok_and(|u| u.origin() == server.origin())
}

/// Metadata and endpoints must be https, except on loopback or when allowed.
/// What `--token-endpoint` stands for: an authorization server known only by
/// its token endpoint, which is also its name (the record's issuer), so a
/// change of endpoint never reuses another one's tokens.
fn given_token_endpoint(url: &Url, allow_http: bool) -> Result<Discovered, AuthError> {
    check_transport(url, allow_http)?;
    Ok(Discovered {
        resource_metadata: None,
        resource_metadata_url: None,
        metadata: ServerMetadata {
            issuer: url.to_string(),
            token_endpoint: Some(url.to_string()),
            grant_types_supported: Some(vec!["client_credentials".into()]),
            ..ServerMetadata::default()
        },
        metadata_url: None,
        tried: vec![format!(
            "{url}: given with --token-endpoint, discovery skipped"
        )],
    })
}

/// [`crate::net::check_transport`], as the error this layer reports.
pub fn check_transport(url: &Url, allow_http: bool) -> Result<(), AuthError> {
    crate::net::check_transport(url, allow_http).map_err(|why| match why {
        crate::net::Unsafe::PlainHttp => AuthError::Insecure(url.to_string()),
        // javascript:, data:, file:… would be handed to a browser or a file read.
        crate::net::Unsafe::NotHttp => AuthError::NotHttp(url.to_string()),
    })
}

fn check_endpoints(md: &ServerMetadata, allow_http: bool) -> Result<(), AuthError> {
    for e in [
        &md.authorization_endpoint,
        &md.token_endpoint,
        &md.registration_endpoint,
        &md.device_authorization_endpoint,
    ]
    .into_iter()
    .flatten()
    {
        let url = Url::parse(e).map_err(|_| AuthError::Discovery {
            what: format!("the authorization server metadata has a bad endpoint '{e}'"),
            tried: vec![],
        })?;
        check_transport(&url, allow_http)?;
    }
    Ok(())
}

/// GET a JSON document; the error is a short reason for the `tried` list.
pub async fn fetch_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &Url,
) -> Result<T, FetchError> {
    let skip = |why: String| FetchError { why, fatal: false };
    let resp = http
        .get(url.clone())
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| skip(format!("request failed ({e})")))?;
    let status = resp.status();
    if !status.is_success() {
        return Err(skip(format!("HTTP {}", status.as_u16())));
    }
    let body = super::body::read_limited(resp, super::body::MAX_OAUTH_BODY)
        .await
        .map_err(|e| FetchError {
            fatal: matches!(e, super::body::BodyError::TooLarge { .. }),
            why: e.to_string(),
        })?;
    serde_json::from_slice(&body).map_err(|e| skip(format!("not valid metadata ({e})")))
}

/// Why a metadata document can't be used.
#[derive(Debug)]
pub struct FetchError {
    pub why: String,
    /// The server answered with something hostile (an oversized document):
    /// stop discovery instead of trying the next place.
    pub fatal: bool,
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

impl FetchError {
    fn into_discovery_error(self, url: &Url, tried: &[String]) -> AuthError {
        AuthError::Discovery {
            what: format!("{url}: {}", self.why),
            tried: tried.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn prm_urls_insert_the_path_then_try_the_root() {
        let c = resource_metadata_candidates(&u("https://x.example/api/mcp?q=1"));
        assert_eq!(
            c.iter().map(Url::as_str).collect::<Vec<_>>(),
            vec![
                "https://x.example/.well-known/oauth-protected-resource/api/mcp",
                "https://x.example/.well-known/oauth-protected-resource",
            ]
        );
        assert_eq!(
            resource_metadata_candidates(&u("https://x.example/")).len(),
            1
        );
    }

    #[test]
    fn as_metadata_urls_follow_the_spec_order() {
        let with_path = server_metadata_candidates(&u("https://auth.example/tenant1"));
        assert_eq!(
            with_path.iter().map(Url::as_str).collect::<Vec<_>>(),
            vec![
                "https://auth.example/.well-known/oauth-authorization-server/tenant1",
                "https://auth.example/.well-known/openid-configuration/tenant1",
                "https://auth.example/tenant1/.well-known/openid-configuration",
            ]
        );
        let root = server_metadata_candidates(&u("https://auth.example"));
        assert_eq!(
            root.iter().map(Url::as_str).collect::<Vec<_>>(),
            vec![
                "https://auth.example/.well-known/oauth-authorization-server",
                "https://auth.example/.well-known/openid-configuration",
            ]
        );
    }

    #[test]
    fn resource_must_cover_the_server() {
        let server = u("https://mcp.example/mcp");
        assert!(resource_matches("https://mcp.example/mcp", &server));
        assert!(resource_matches("https://mcp.example/", &server));
        assert!(resource_matches("https://mcp.example", &server));
        assert!(!resource_matches("https://evil.example/mcp", &server));
        assert!(!resource_matches("https://mcp.example/mc", &server));
        assert!(!resource_matches("https://mcp.example/mcp/other", &server));
        assert!(!resource_matches("not a url", &server));
    }

    /// The plan the bridge and doctor both follow: the flag alone; else the
    /// challenge's URL first, each URL once, every one marked with why.
    #[test]
    fn the_resource_metadata_plan_names_its_sources() {
        let server = Url::parse("https://mcp.example/tenant/mcp").unwrap();
        let challenge = Challenge {
            resource_metadata: Some(
                "https://mcp.example/.well-known/oauth-protected-resource".into(),
            ),
            ..Challenge::default()
        };
        let plan = resource_metadata_plan(&server, Some(&challenge), &Overrides::default());
        let got: Vec<(String, &str)> = plan
            .iter()
            .map(|(u, s)| (u.to_string(), s.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "https://mcp.example/.well-known/oauth-protected-resource".to_string(),
                    "challenge"
                ),
                (
                    "https://mcp.example/.well-known/oauth-protected-resource/tenant/mcp"
                        .to_string(),
                    "well-known"
                ),
            ]
        );
        let flag = Url::parse("https://elsewhere.example/prm").unwrap();
        let overrides = Overrides {
            resource_metadata: Some(flag.clone()),
            ..Overrides::default()
        };
        assert_eq!(
            resource_metadata_plan(&server, Some(&challenge), &overrides),
            vec![(flag, Source::Flag)]
        );
    }
}
