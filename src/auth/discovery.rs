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
    /// RFC 9728 §2: the DPoP proof algorithms the server accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
    /// RFC 9728 §2: the server takes DPoP-bound tokens only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub dpop_bound_access_tokens_required: bool,
}

impl ResourceMetadata {
    /// The server says it takes DPoP-bound tokens.
    pub fn asks_for_dpop(&self) -> bool {
        self.dpop_bound_access_tokens_required
            || self
                .dpop_signing_alg_values_supported
                .as_ref()
                .is_some_and(|a| !a.is_empty())
    }
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
    /// RFC 9449 §5.1: the DPoP proof algorithms the token endpoint accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_signing_alg_values_supported: Option<Vec<String>>,
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

/// One place discovery looked, and what it found there.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub url: Url,
    pub source: Source,
    /// "found", or why not: "HTTP 404", "request failed (…)", "not valid
    /// metadata (…)", "not fetched: …", "issuer is …, expected …".
    pub result: String,
}

impl Attempt {
    fn new(url: &Url, source: Source, result: impl Into<String>) -> Attempt {
        Attempt {
            url: url.clone(),
            source,
            result: result.into(),
        }
    }

    /// The line for a `tried` list.
    fn line(&self) -> String {
        format!("{}: {}", self.url, self.result)
    }
}

/// The lookup discovery stopped in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The protected resource metadata (RFC 9728), or which authorization
    /// server it names.
    ResourceMetadata,
    /// The authorization server's metadata (RFC 8414 / OIDC).
    AuthorizationServer,
}

/// What discovery tried and found, step by step. The bridge takes
/// `outcome`; `doctor` shows the rest. One walk, so the two can't disagree.
#[derive(Debug)]
pub struct Trace {
    pub resource_attempts: Vec<Attempt>,
    /// Where the protected resource metadata was found, and the document.
    pub resource_metadata: Option<(Url, Source, ResourceMetadata)>,
    /// The authorization server whose metadata was looked up (for a server
    /// that is its own, its origin); None if discovery stopped before.
    pub issuer: Option<Url>,
    /// No protected resource metadata and no issuer named: a 2025-03-26
    /// server, its own authorization server.
    pub own_auth_server: bool,
    pub server_attempts: Vec<Attempt>,
    /// The authorization server metadata fetched, whether or not it was
    /// then accepted (its issuer and endpoints are checked after).
    pub server_metadata: Option<(Url, ServerMetadata)>,
    pub outcome: Result<Discovered, (Stage, AuthError)>,
}

impl Trace {
    fn new() -> Trace {
        Trace {
            resource_attempts: Vec::new(),
            resource_metadata: None,
            issuer: None,
            own_auth_server: false,
            server_attempts: Vec::new(),
            server_metadata: None,
            outcome: Err((
                Stage::ResourceMetadata,
                AuthError::Discovery {
                    what: "discovery did not run".into(),
                    tried: Vec::new(),
                },
            )),
        }
    }

    /// Every URL tried so far and what it gave, for error messages.
    fn tried(&self) -> Vec<String> {
        self.resource_attempts
            .iter()
            .chain(&self.server_attempts)
            .map(Attempt::line)
            .collect()
    }

    fn stop(mut self, stage: Stage, error: AuthError) -> Trace {
        self.outcome = Err((stage, error));
        self
    }
}

/// Run discovery for `server`, starting from the 401's challenge if there was one.
pub async fn discover(
    http: &reqwest::Client,
    server: &Url,
    challenge: Option<&Challenge>,
    overrides: &Overrides,
) -> Result<Discovered, AuthError> {
    trace(http, server, challenge, overrides)
        .await
        .outcome
        .map_err(|(_, e)| e)
}

/// Run discovery and keep the record of every step: the protected resource
/// metadata (the flag, the challenge's URL, the well-known ones), which
/// authorization server it names, then that server's metadata (or, for a
/// 2025-03-26 server, the default endpoints). Stops at the first error.
pub async fn trace(
    http: &reqwest::Client,
    server: &Url,
    challenge: Option<&Challenge>,
    overrides: &Overrides,
) -> Trace {
    let mut t = Trace::new();
    if let Some(token_endpoint) = &overrides.token_endpoint {
        t.outcome = given_token_endpoint(token_endpoint, overrides.allow_http)
            .map_err(|e| (Stage::AuthorizationServer, e));
        return t;
    }

    // 1. Protected resource metadata.
    for (url, source) in resource_metadata_plan(server, challenge, overrides) {
        if let Err(e) = check_transport(&url, overrides.allow_http) {
            t.resource_attempts
                .push(Attempt::new(&url, source, format!("not fetched: {e}")));
            return t.stop(Stage::ResourceMetadata, e);
        }
        match fetch_json::<ResourceMetadata>(http, &url).await {
            Ok(m) => {
                t.resource_attempts
                    .push(Attempt::new(&url, source, "found"));
                t.resource_metadata = Some((url, source, m));
                break;
            }
            Err(e) if e.fatal => {
                let why = e.why.clone();
                let error = e.into_discovery_error(&url, &t.tried());
                t.resource_attempts.push(Attempt::new(&url, source, why));
                return t.stop(Stage::ResourceMetadata, error);
            }
            Err(why) => t
                .resource_attempts
                .push(Attempt::new(&url, source, why.to_string())),
        }
    }
    if let Some((url, _, m)) = &t.resource_metadata
        && !resource_matches(&m.resource, server)
    {
        let error = AuthError::ResourceMismatch {
            resource: m.resource.clone(),
            server: server.to_string(),
            metadata_url: url.to_string(),
        };
        return t.stop(Stage::ResourceMetadata, error);
    }

    // 2. Which authorization server.
    let issuer: Option<Url> = match (&overrides.auth_server, &t.resource_metadata) {
        (Some(issuer), _) => Some(issuer.clone()),
        (None, Some((_, _, m))) => {
            let Some(first) = m.authorization_servers.first() else {
                let error = AuthError::Discovery {
                    what: "the protected resource metadata lists no authorization_servers".into(),
                    tried: t.tried(),
                };
                return t.stop(Stage::ResourceMetadata, error);
            };
            match Url::parse(first) {
                Ok(u) => Some(u),
                Err(e) => {
                    let error = AuthError::Discovery {
                        what: format!("the authorization server '{first}' is not a URL ({e})"),
                        tried: t.tried(),
                    };
                    return t.stop(Stage::ResourceMetadata, error);
                }
            }
        }
        // A 2025-03-26 server is its own authorization server.
        (None, None) => None,
    };
    t.own_auth_server = issuer.is_none();
    let issuer = issuer.unwrap_or_else(|| with_path(server, ""));
    t.issuer = Some(issuer.clone());

    // 3. Authorization server metadata.
    for (url, source) in server_metadata_plan(&issuer, t.own_auth_server, overrides) {
        if let Err(e) = check_transport(&url, overrides.allow_http) {
            t.server_attempts
                .push(Attempt::new(&url, source, format!("not fetched: {e}")));
            return t.stop(Stage::AuthorizationServer, e);
        }
        match fetch_json::<ServerMetadata>(http, &url).await {
            Ok(md) => {
                t.server_metadata = Some((url.clone(), md.clone()));
                if let Err(expected) =
                    accept_issuer(&md, &issuer, t.own_auth_server, server, overrides)
                {
                    t.server_attempts.push(Attempt::new(
                        &url,
                        source,
                        format!("issuer is {}, expected {expected}", md.issuer),
                    ));
                    let error = AuthError::IssuerMismatch {
                        expected,
                        found: md.issuer.clone(),
                        metadata_url: url.to_string(),
                    };
                    return t.stop(Stage::AuthorizationServer, error);
                }
                t.server_attempts.push(Attempt::new(&url, source, "found"));
                if let Err(e) = check_endpoints(&md, overrides.allow_http) {
                    return t.stop(Stage::AuthorizationServer, e);
                }
                t.outcome = Ok(Discovered {
                    resource_metadata: t.resource_metadata.as_ref().map(|(_, _, m)| m.clone()),
                    resource_metadata_url: None,
                    metadata: md,
                    metadata_url: Some(url.to_string()),
                    tried: t.tried(),
                });
                return t;
            }
            Err(e) if e.fatal => {
                let why = e.why.clone();
                let error = e.into_discovery_error(&url, &t.tried());
                t.server_attempts.push(Attempt::new(&url, source, why));
                return t.stop(Stage::AuthorizationServer, error);
            }
            Err(why) => t
                .server_attempts
                .push(Attempt::new(&url, source, why.to_string())),
        }
    }
    if t.own_auth_server && overrides.auth_server_metadata.is_none() {
        // 2025-03-26: no metadata at all means the default endpoints at the origin.
        let base = with_path(server, "");
        let at = |p: &str| with_path(&base, p).to_string();
        let mut tried = t.tried();
        tried.push(format!(
            "no metadata: using {} and {}",
            at("/authorize"),
            at("/token")
        ));
        t.outcome = Ok(Discovered {
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
        return t;
    }
    let error = AuthError::Discovery {
        what: format!("found no authorization server metadata for {issuer}"),
        tried: t.tried(),
    };
    t.stop(Stage::AuthorizationServer, error)
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

/// Every endpoint in the metadata under the https-or-loopback rule (shared
/// with the enterprise IdP's metadata, `grant::idp`).
pub(crate) fn check_endpoints(md: &ServerMetadata, allow_http: bool) -> Result<(), AuthError> {
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
