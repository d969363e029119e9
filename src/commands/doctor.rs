//! `mcp-tether doctor <url> [--json]`: walk what the bridge would do to get a
//! token, without relaying anything, signing in or registering a client, and
//! say for each step what was found and, when something would fail, which flag
//! or which request to the provider's admin fixes it. See docs/doctor.md.
//!
//! It talks to the server once without a token (a JSON-RPC ping, as `login`
//! does), then only GETs metadata documents. Unlike
//! [`crate::auth::discovery::discover`] it doesn't stop at the first error:
//! every URL tried is reported with what it returned.

use reqwest::StatusCode;
use reqwest::header::WWW_AUTHENTICATE;
use serde::Serialize;
use url::Url;

use crate::auth::AuthConfig;
use crate::auth::AuthError;
use crate::auth::ScopeSource;
use crate::auth::challenge::Challenge;
use crate::auth::discovery::{self, ResourceMetadata, ServerMetadata, Stage, Trace};
use crate::auth::flow::{self, Flow, Grant};
use crate::auth::registration::ClientSource;
use crate::auth::token;
use crate::config::Config;

/// The `--json` schema version. Bump it when a field changes meaning or goes
/// away; adding fields keeps it.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Ok,
    Warn,
    Fail,
}

#[derive(Debug, Serialize)]
pub struct Check {
    /// Stable name of the check: probe, resource_metadata, authorization_server,
    /// capabilities, pkce, client, redirect_uri, scope, flow, stored_token.
    pub id: &'static str,
    pub status: Status,
    pub message: String,
    /// What to do about it (a flag, or what to ask the provider's admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// URLs tried for this step, when they matter for the message.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tried: Vec<Attempt>,
}

/// One URL fetched and what it gave.
#[derive(Debug, Clone, Serialize)]
pub struct Attempt {
    pub url: String,
    /// flag, challenge, well-known, well-known-root, issuer, origin.
    pub source: &'static str,
    /// "found", "HTTP 404", "request failed (…)", "not valid metadata (…)"…
    pub result: String,
}

#[derive(Debug, Default, Serialize)]
pub struct ProbeReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    pub www_authenticate: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub challenge: Option<ChallengeReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ChallengeReport {
    pub error: Option<String>,
    pub scope: Option<String>,
    pub resource_metadata: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct PrmReport {
    /// Where it was found; None when nowhere.
    pub url: Option<String>,
    pub source: Option<&'static str>,
    pub tried: Vec<Attempt>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<ResourceMetadata>,
}

#[derive(Debug, Serialize)]
pub struct AsReport {
    pub issuer: String,
    /// None when no metadata was found and the 2025-03-26 defaults would be used.
    pub metadata_url: Option<String>,
    pub tried: Vec<Attempt>,
    pub authorization_endpoint: Option<String>,
    pub token_endpoint: Option<String>,
    pub grant_types_supported: Option<Vec<String>>,
    pub code_challenge_methods_supported: Option<Vec<String>>,
    pub registration_endpoint: Option<String>,
    pub client_id_metadata_document_supported: bool,
    pub device_authorization_endpoint: Option<String>,
    pub scopes_supported: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
pub struct ClientReport {
    /// pre-registered, metadata-document, dynamic-registration or none.
    pub kind: &'static str,
    pub client_id: Option<String>,
    pub registration_endpoint: Option<String>,
    /// Whether registration needs an initial access token: true or false when
    /// the server said so, null when it can't be told without registering.
    pub registration_needs_token: Option<bool>,
}

#[derive(Debug, Serialize)]
pub struct ScopeReport {
    /// What the authorization request would carry (None: no scope parameter).
    pub value: Option<String>,
    /// flag, challenge, resource-metadata or none.
    pub source: &'static str,
    pub offline_access_added: bool,
}

#[derive(Debug, Serialize)]
pub struct FlowReport {
    /// browser, device or client-credentials.
    pub grant: &'static str,
    pub why: String,
    pub no_browser: Option<String>,
}

#[derive(Debug, Default, Serialize)]
pub struct StoredReport {
    pub present: bool,
    pub store: Option<String>,
    pub issuer: Option<String>,
    pub client_id: Option<String>,
    pub expires_at: Option<u64>,
    pub expired: bool,
    pub refresh_token: bool,
    /// The bridge would use it with these flags (same client settings).
    pub usable: bool,
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub version: u32,
    pub server: String,
    /// Nothing would block the bridge from getting a token.
    pub ok: bool,
    pub probe: ProbeReport,
    pub resource_metadata: Option<PrmReport>,
    pub authorization_server: Option<AsReport>,
    pub resource: Option<String>,
    pub client: Option<ClientReport>,
    pub scope: Option<ScopeReport>,
    pub flow: Option<FlowReport>,
    pub stored_token: StoredReport,
    pub checks: Vec<Check>,
}

impl Report {
    fn check(
        &mut self,
        id: &'static str,
        status: Status,
        message: impl Into<String>,
    ) -> &mut Check {
        self.checks.push(Check {
            id,
            status,
            message: message.into(),
            fix: None,
            tried: Vec::new(),
        });
        self.checks.last_mut().expect("just pushed")
    }
}

impl Check {
    fn fix(&mut self, fix: impl Into<String>) -> &mut Check {
        self.fix = Some(fix.into());
        self
    }

    fn tried(&mut self, tried: &[Attempt]) -> &mut Check {
        self.tried = tried.to_vec();
        self
    }
}

/// Run the checks and print the report on stdout. `Ok(true)`: nothing blocks.
pub async fn run(config: Config, json: bool) -> anyhow::Result<bool> {
    let report = diagnose(&config).await?;
    let out = if json {
        let mut s = serde_json::to_string_pretty(&report)?;
        s.push('\n');
        s
    } else {
        render(&report)
    };
    // doctor is not the bridge: stdout is free for its report.
    use std::io::Write;
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(report.ok)
}

/// Everything doctor finds, as data.
pub async fn diagnose(config: &Config) -> anyhow::Result<Report> {
    let mut r = Report {
        version: SCHEMA_VERSION,
        server: config.url.to_string(),
        ok: true,
        probe: ProbeReport::default(),
        resource_metadata: None,
        authorization_server: None,
        resource: None,
        client: None,
        scope: None,
        flow: None,
        stored_token: StoredReport::default(),
        checks: Vec::new(),
    };
    let http = crate::net::client(
        crate::net::Purpose::Doctor,
        &config.tls,
        &config.network,
        config.timeout,
    )?;

    // 1. The unauthenticated probe.
    let challenge = match probe(&http, config, &mut r).await {
        Some(c) => c,
        None => {
            finish(&mut r);
            return Ok(r);
        }
    };
    let auth = config
        .auth
        .as_ref()
        .expect("probe() stops when there is no OAuth");
    stored_token(config, auth, &mut r);

    // 2. Discovery, exactly as the bridge runs it; doctor reports each step.
    let trace = discovery::trace(&http, &config.url, challenge.as_ref(), &auth.overrides).await;
    let prm = resource_metadata(&http, config, auth, &trace, &mut r).await;
    if r.checks.iter().any(|c| c.status == Status::Fail) {
        finish(&mut r);
        return Ok(r);
    }

    // 3. Authorization server metadata.
    let Some(md) = authorization_server(config, auth, &trace, &mut r) else {
        finish(&mut r);
        return Ok(r);
    };
    capabilities(&md, &mut r);
    r.resource = Some(
        auth.resource
            .clone()
            .or_else(|| prm.as_ref().map(|p| p.resource.clone()))
            .unwrap_or_else(|| {
                let mut u = config.url.clone();
                u.set_fragment(None);
                u.to_string()
            }),
    );

    // 4. The flow, then what it needs.
    let (grant, why) = flow::choose(auth.flow, auth.surroundings.no_browser(), &md);
    if grant.involves_person() {
        pkce(auth, &md, &mut r);
    }
    client(&http, auth, &md, grant, &mut r).await;
    if grant == Grant::Browser {
        redirect_uri(auth, &mut r).await;
    }
    scope(auth, challenge.as_ref(), prm.as_ref(), &md, grant, &mut r);
    dpop_check(auth, challenge.as_ref(), prm.as_ref(), &md, &mut r);
    flow_check(config, auth, &md, grant, why, &mut r);
    if grant == Grant::Enterprise {
        idp_check(&http, auth, &mut r).await;
    }
    stored_token_issuer(&md, &mut r);
    finish(&mut r);
    Ok(r)
}

fn finish(r: &mut Report) {
    r.ok = r.checks.iter().all(|c| c.status != Status::Fail);
}

/// POST a ping without a token. Returns the challenge (Some(None) for a 401
/// without a Bearer challenge), or None when there is nothing more to check.
async fn probe(
    http: &reqwest::Client,
    config: &Config,
    r: &mut Report,
) -> Option<Option<Challenge>> {
    let sent = super::probe_without_token(http, config).await;
    let resp = match sent {
        Ok(resp) => resp,
        Err(e) => {
            let why = error_chain(&e);
            r.probe.error = Some(why.clone());
            r.check(
                "probe",
                Status::Fail,
                format!("could not reach {}: {why}", config.url),
            )
            .fix(
                "check the URL and the network; behind a proxy set HTTPS_PROXY (and NO_PROXY); behind a TLS-inspecting proxy pass --ca-cert with its root certificate",
            );
            return None;
        }
    };
    let status = resp.status();
    r.probe.status = Some(status.as_u16());
    r.probe.www_authenticate = resp
        .headers()
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    let challenge = Challenge::from_headers(resp.headers());
    r.probe.challenge = challenge.as_ref().map(|c| ChallengeReport {
        error: c.error.clone(),
        scope: c.scope.clone(),
        resource_metadata: c.resource_metadata.clone(),
    });
    let refused = status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN;
    let www = if r.probe.www_authenticate.is_empty() {
        "no WWW-Authenticate".to_string()
    } else {
        format!("WWW-Authenticate: {}", r.probe.www_authenticate.join(", "))
    };
    if config.auth.is_none() {
        // The person passes their own Authorization header: OAuth is off.
        if refused {
            r.check(
                "probe",
                Status::Fail,
                format!("HTTP {} with your Authorization header ({www})", status.as_u16()),
            )
            .fix("the token in --header is refused: renew it, or drop the Authorization header so mcp-tether signs in by itself");
        } else {
            r.check(
                "probe",
                Status::Ok,
                format!(
                    "HTTP {} with your Authorization header; mcp-tether's OAuth is off because you pass your own",
                    status.as_u16()
                ),
            );
        }
        return None;
    }
    if status.is_redirection() {
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("?");
        r.check(
            "probe",
            Status::Warn,
            format!("HTTP {} redirect to {to}", status.as_u16()),
        )
        .fix("give the URL the server redirects to, so headers and tokens go where they should");
        return None;
    }
    if !refused {
        r.check(
            "probe",
            Status::Ok,
            format!(
                "HTTP {} to an unauthenticated ping: the server doesn't ask for authorization, nothing to sign in to",
                status.as_u16()
            ),
        );
        return None;
    }
    match &challenge {
        Some(_) => {
            r.check(
                "probe",
                Status::Ok,
                format!("HTTP {} to an unauthenticated ping; {www}", status.as_u16()),
            );
        }
        None => {
            r.check(
                "probe",
                Status::Warn,
                format!(
                    "HTTP {} without a Bearer challenge ({www}); discovery falls back to the well-known paths",
                    status.as_u16()
                ),
            );
        }
    }
    Some(challenge)
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        let text = inner.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        source = inner.source();
    }
    s
}

/// GET a JSON document; the error is a short reason.
async fn fetch_json<T: serde::de::DeserializeOwned>(
    http: &reqwest::Client,
    url: &Url,
    allow_http: bool,
) -> Result<T, String> {
    if let Err(e) = discovery::check_transport(url, allow_http) {
        return Err(format!("not fetched: {e}"));
    }
    discovery::fetch_json(http, url)
        .await
        .map_err(|e| e.to_string())
}

/// One attempt of discovery's, as doctor reports it.
fn attempt(a: &discovery::Attempt) -> Attempt {
    Attempt {
        url: a.url.to_string(),
        source: a.source.as_str(),
        result: a.result.clone(),
    }
}

/// Why discovery stopped, short (the `tried` list is shown on its own).
fn stop_reason(e: &AuthError) -> String {
    match e {
        AuthError::Discovery { what, .. } => what.clone(),
        other => other.to_string(),
    }
}

/// The protected resource metadata step of discovery's trace.
async fn resource_metadata(
    http: &reqwest::Client,
    config: &Config,
    auth: &AuthConfig,
    trace: &Trace,
    r: &mut Report,
) -> Option<ResourceMetadata> {
    if auth.overrides.token_endpoint.is_some() {
        return None; // no discovery at all: see authorization_server()
    }
    let allow_http = auth.overrides.allow_http;
    let well_known = discovery::well_known_resource_metadata(&config.url);
    let mut report = PrmReport {
        tried: trace.resource_attempts.iter().map(attempt).collect(),
        ..PrmReport::default()
    };
    let stopped = match &trace.outcome {
        Err((Stage::ResourceMetadata, e)) => Some(e),
        _ => None,
    };
    let Some((url, source, m)) = trace.resource_metadata.clone() else {
        let tried = report.tried.clone();
        r.resource_metadata = Some(report);
        if let Some(e) = stopped {
            // Discovery stopped before it found any (a URL it may not fetch,
            // a hostile answer): the bridge stops there too.
            r.check("resource_metadata", Status::Fail, stop_reason(e))
                .fix("check the URL with the server's admin, or pass --resource-metadata URL")
                .tried(&tried);
        } else if let Some(u) = &auth.overrides.resource_metadata {
            r.check(
                "resource_metadata",
                Status::Fail,
                format!("nothing usable at --resource-metadata {u}"),
            )
            .fix("check the URL with the server's admin, or drop --resource-metadata to use the server's own discovery")
            .tried(&tried);
        }
        return None;
    };
    report.url = Some(url.to_string());
    report.source = Some(source.as_str());
    report.document = Some(m.clone());
    let at_well_known = well_known.iter().any(|(u, _)| *u == url);
    if let Some(AuthError::ResourceMismatch { .. }) = stopped {
        let tried = report.tried.clone();
        r.resource_metadata = Some(report);
        r.check(
            "resource_metadata",
            Status::Fail,
            format!(
                "the protected resource metadata at {url} is for resource {}, not for {}; the bridge refuses to get a token for another resource",
                m.resource, config.url
            ),
        )
        .fix("tell the server's admin that the metadata's `resource` must be the MCP endpoint's URL (or pass --resource-metadata with the right document)")
        .tried(&tried);
        return None;
    }
    let summary = format!(
        "{url} (resource {}, authorization servers: {})",
        m.resource,
        if m.authorization_servers.is_empty() {
            "none listed".to_string()
        } else {
            m.authorization_servers.join(", ")
        }
    );
    if at_well_known {
        r.resource_metadata = Some(report);
        r.check("resource_metadata", Status::Ok, summary);
    } else {
        // Found only at a custom path: see whether the well-known paths have
        // it too (doctor's own question; discovery stops at the first found).
        let mut elsewhere = false;
        for (u, source) in &well_known {
            let result = match fetch_json::<ResourceMetadata>(http, u, allow_http).await {
                Ok(_) => {
                    elsewhere = true;
                    "found".to_string()
                }
                Err(why) => why,
            };
            report.tried.push(Attempt {
                url: u.to_string(),
                source: source.as_str(),
                result,
            });
        }
        let tried = report.tried.clone();
        r.resource_metadata = Some(report);
        if elsewhere {
            r.check("resource_metadata", Status::Ok, summary);
        } else if source == discovery::Source::Flag {
            r.check(
                "resource_metadata",
                Status::Warn,
                format!("{summary}; found only through --resource-metadata, not at the well-known paths"),
            )
            .fix("keep --resource-metadata in the host's config, or ask the server's admin to serve it at /.well-known/oauth-protected-resource")
            .tried(&tried);
        } else {
            r.check(
                "resource_metadata",
                Status::Warn,
                format!("{summary}; found only through the 401's resource_metadata, not at the well-known paths (mcp-tether follows the challenge; clients that don't would miss it)"),
            )
            .fix("nothing to do for mcp-tether; if the server ever stops naming it in WWW-Authenticate, pass --resource-metadata with that URL")
            .tried(&tried);
        }
    }
    if let Some(e) = stopped {
        // The document names no authorization server the bridge can use.
        r.check("authorization_server", Status::Fail, stop_reason(e))
            .fix("pass --auth-server ISSUER, and tell the server's admin to list it in authorization_servers");
        return None;
    }
    Some(m)
}

/// The authorization server step of discovery's trace.
fn authorization_server(
    config: &Config,
    auth: &AuthConfig,
    trace: &Trace,
    r: &mut Report,
) -> Option<ServerMetadata> {
    if let (Some(endpoint), Ok(d)) = (&auth.overrides.token_endpoint, &trace.outcome) {
        r.check(
            "authorization_server",
            Status::Ok,
            format!("token endpoint {endpoint} given with --token-endpoint; discovery skipped"),
        );
        r.authorization_server = Some(as_report(&d.metadata, None, Vec::new()));
        return Some(d.metadata.clone());
    }
    // None: discovery stopped before it knew which (reported above).
    let issuer = trace.issuer.clone()?;
    let own_auth_server = trace.own_auth_server;
    let mut origin = config.url.clone();
    origin.set_path("");
    origin.set_query(None);
    origin.set_fragment(None);
    if own_auth_server && !r.checks.iter().any(|c| c.id == "resource_metadata") {
        let tried = r
            .resource_metadata
            .as_ref()
            .map(|p| p.tried.clone())
            .unwrap_or_default();
        r.check(
            "resource_metadata",
            Status::Warn,
            "no protected resource metadata at any URL tried; treating the server as its own authorization server (MCP 2025-03-26)",
        )
        .fix("if the server's metadata lives elsewhere, pass --resource-metadata URL (ask the server's admin where it is)")
        .tried(&tried);
    }
    let tried: Vec<Attempt> = trace.server_attempts.iter().map(attempt).collect();
    let fetched = trace.server_metadata.as_ref();
    match &trace.outcome {
        Ok(d) if d.metadata_url.is_some() => {
            let url = d.metadata_url.clone().unwrap_or_default();
            r.check(
                "authorization_server",
                Status::Ok,
                format!("{} (metadata at {url})", d.metadata.issuer),
            );
            r.authorization_server = Some(as_report(&d.metadata, Some(url), tried));
            Some(d.metadata.clone())
        }
        Ok(_) => {
            // What the bridge does: the 2025-03-26 default endpoints. They
            // seldom exist, so say so rather than promise a sign-in.
            let mut all = r
                .resource_metadata
                .as_ref()
                .map(|p| p.tried.clone())
                .unwrap_or_default();
            all.extend(tried.iter().cloned());
            r.checks.retain(|c| c.id != "resource_metadata");
            r.check(
                "resource_metadata",
                Status::Fail,
                format!(
                    "found no OAuth metadata: no protected resource metadata and no authorization server metadata at {origin}; the bridge would fall back to the 2025-03-26 defaults {}authorize, /token and /register, which most servers don't have",
                    origin
                ),
            )
            .fix("ask the server's admin where its protected resource metadata is and pass --resource-metadata URL (or --auth-server ISSUER / --auth-server-metadata URL)")
            .tried(&all);
            r.authorization_server = Some(AsReport {
                issuer: origin.as_str().trim_end_matches('/').to_string(),
                metadata_url: None,
                tried,
                authorization_endpoint: Some(format!("{origin}authorize")),
                token_endpoint: Some(format!("{origin}token")),
                grant_types_supported: None,
                code_challenge_methods_supported: Some(vec!["S256".into()]),
                registration_endpoint: Some(format!("{origin}register")),
                client_id_metadata_document_supported: false,
                device_authorization_endpoint: None,
                scopes_supported: None,
            });
            None
        }
        Err((
            _,
            AuthError::IssuerMismatch {
                expected,
                found,
                metadata_url,
            },
        )) => {
            r.check(
                "authorization_server",
                Status::Fail,
                format!(
                    "the metadata at {metadata_url} says its issuer is {found}, but it was looked up for {expected}; the bridge refuses it (possible mix-up)"
                ),
            )
            .fix("check --auth-server / --auth-server-metadata; if the resource metadata names the server by another spelling, tell the server's admin")
            .tried(&tried);
            r.authorization_server =
                fetched.map(|(url, md)| as_report(md, Some(url.to_string()), tried));
            None
        }
        Err((_, e)) => {
            let (message, fix) = match e {
                AuthError::Discovery { .. } => (
                    stop_reason(e),
                    "if the provider publishes it elsewhere, pass --auth-server-metadata URL; otherwise tell the server's admin which issuer the resource metadata should name",
                ),
                // An endpoint or a metadata URL the bridge may not use.
                _ => (
                    e.to_string(),
                    "tell the provider's admin; the bridge sends nothing over plain http except to loopback (--allow-http overrides that)",
                ),
            };
            r.check("authorization_server", Status::Fail, message)
                .fix(fix)
                .tried(&tried);
            r.authorization_server = Some(match fetched {
                Some((url, md)) => as_report(md, Some(url.to_string()), tried),
                None => AsReport {
                    issuer: issuer.to_string(),
                    metadata_url: None,
                    tried,
                    authorization_endpoint: None,
                    token_endpoint: None,
                    grant_types_supported: None,
                    code_challenge_methods_supported: None,
                    registration_endpoint: None,
                    client_id_metadata_document_supported: false,
                    device_authorization_endpoint: None,
                    scopes_supported: None,
                },
            });
            None
        }
    }
}

fn as_report(md: &ServerMetadata, url: Option<String>, tried: Vec<Attempt>) -> AsReport {
    AsReport {
        issuer: md.issuer.clone(),
        metadata_url: url,
        tried,
        authorization_endpoint: md.authorization_endpoint.clone(),
        token_endpoint: md.token_endpoint.clone(),
        grant_types_supported: md.grant_types_supported.clone(),
        code_challenge_methods_supported: md.code_challenge_methods_supported.clone(),
        registration_endpoint: md.registration_endpoint.clone(),
        client_id_metadata_document_supported: md.client_id_metadata_document_supported,
        device_authorization_endpoint: md.device_authorization_endpoint.clone(),
        scopes_supported: md.scopes_supported.clone(),
    }
}

/// Whether tokens will be DPoP-bound (RFC 9449), and why: the same rule
/// the sign-in follows (`auth::dpop::wanted`).
fn dpop_check(
    auth: &AuthConfig,
    challenge: Option<&Challenge>,
    prm: Option<&ResourceMetadata>,
    md: &ServerMetadata,
    r: &mut Report,
) {
    let server_asks =
        challenge.is_some_and(|c| c.dpop) || prm.is_some_and(ResourceMetadata::asks_for_dpop);
    let algs = md.dpop_signing_alg_values_supported.as_deref();
    let offered = match algs {
        Some(a) if !a.is_empty() => format!("the authorization server offers {}", a.join(", ")),
        _ => "the authorization server does not offer DPoP".to_string(),
    };
    let asks = if server_asks {
        "the MCP server asks for DPoP-bound tokens"
    } else {
        "the MCP server does not ask for DPoP"
    };
    match crate::auth::dpop::wanted(auth.dpop, server_asks, algs) {
        Ok(true) => {
            r.check(
                "dpop",
                Status::Ok,
                format!("tokens will be DPoP-bound: {asks}; {offered}"),
            );
        }
        Ok(false) if server_asks && auth.dpop != crate::auth::dpop::Mode::Never => {
            r.check(
                "dpop",
                Status::Warn,
                format!("{asks}, but {offered} ({} needed); Bearer tokens will be sent", crate::auth::dpop::ALG),
            )
            .fix("ask the provider's admin to enable DPoP with ES256, or the server's admin to accept Bearer tokens");
        }
        Ok(false) => {
            r.check(
                "dpop",
                Status::Ok,
                format!("Bearer tokens: {asks}; {offered}"),
            );
        }
        Err(e) => {
            r.check("dpop", Status::Fail, e.to_string())
                .fix("drop --dpop, or ask the provider's admin to enable DPoP with ES256");
        }
    }
}

fn capabilities(md: &ServerMetadata, r: &mut Report) {
    let list = |v: &Option<Vec<String>>| match v {
        Some(v) if !v.is_empty() => v.join(", "),
        _ => "not listed".to_string(),
    };
    let yes_no = |b: bool| if b { "yes" } else { "no" };
    r.check(
        "capabilities",
        Status::Ok,
        format!(
            "grants {}; PKCE {}; dynamic registration {}; client metadata documents {}; device flow {}",
            list(&md.grant_types_supported),
            list(&md.code_challenge_methods_supported),
            yes_no(md.registration_endpoint.is_some()),
            yes_no(md.client_id_metadata_document_supported),
            yes_no(md.device_authorization_endpoint.is_some()),
        ),
    );
}

fn pkce(auth: &AuthConfig, md: &ServerMetadata, r: &mut Report) {
    if md.supports_s256() {
        r.check("pkce", Status::Ok, "S256 advertised");
    } else if auth.assume_pkce {
        r.check(
            "pkce",
            Status::Ok,
            "S256 not advertised; used anyway because of --assume-pkce",
        );
    } else {
        r.check(
            "pkce",
            Status::Fail,
            format!(
                "{} does not advertise PKCE S256 (code_challenge_methods_supported), which MCP requires",
                md.issuer
            ),
        )
        .fix("if the provider supports PKCE without saying so (Entra ID does), pass --assume-pkce; otherwise ask its admin to enable PKCE S256");
    }
}

fn flow_check(
    config: &Config,
    auth: &AuthConfig,
    md: &ServerMetadata,
    grant: Grant,
    why: String,
    r: &mut Report,
) {
    r.flow = Some(FlowReport {
        grant: grant.as_flag(),
        why: why.clone(),
        no_browser: auth.surroundings.no_browser().map(str::to_string),
    });
    match grant {
        Grant::Device if md.device_authorization_endpoint.is_none() => {
            r.check(
                "flow",
                Status::Fail,
                format!("device flow ({why}), but {} does not offer it", md.issuer),
            )
            .fix(format!(
                "run `mcp-tether login {} --paste` to sign in from another machine, or use --flow browser",
                config.url
            ));
        }
        Grant::Device => {
            r.check("flow", Status::Ok, format!("device flow: {why}")).fix(format!(
                "a host-started bridge can't show you the code: run `mcp-tether login {}` in a terminal once; the bridge then uses the stored token",
                config.url
            ));
        }
        Grant::Browser if auth.surroundings.no_browser().is_some() && auth.flow == Flow::Auto => {
            r.check("flow", Status::Warn, format!("browser flow: {why}")).fix(format!(
                "run `mcp-tether login {} --paste`: open the printed URL on any machine, then paste back the address the browser ends on",
                config.url
            ));
        }
        Grant::Browser => {
            r.check("flow", Status::Ok, format!("browser flow: {why}"));
        }
        Grant::ClientCredentials => {
            let listed = md
                .grant_types_supported
                .as_ref()
                .is_none_or(|g| g.iter().any(|g| g == "client_credentials"));
            if listed {
                r.check("flow", Status::Ok, format!("client credentials: {why}"));
            } else {
                r.check(
                    "flow",
                    Status::Fail,
                    format!(
                        "client credentials ({why}), but {} does not list the client_credentials grant",
                        md.issuer
                    ),
                )
                .fix("ask the provider's admin to allow the client credentials grant for your client, or drop --flow client-credentials");
            }
        }
        Grant::JwtBearer | Grant::Enterprise => {
            let jwt_bearer = crate::auth::grant::jwt_bearer::GRANT_TYPE;
            let listed = md
                .grant_types_supported
                .as_ref()
                .is_none_or(|g| g.iter().any(|g| g == jwt_bearer));
            if listed {
                r.check("flow", Status::Ok, format!("{grant}: {why}"));
            } else {
                r.check(
                    "flow",
                    Status::Fail,
                    format!(
                        "{grant} ({why}), but {} does not list the grant {jwt_bearer}",
                        md.issuer
                    ),
                )
                .fix("ask the authorization server's admin to allow the JWT bearer grant (RFC 7523) for your client and to trust your identity provider");
            }
        }
    }
}

/// `--flow enterprise`: the IdP's metadata, what the sign-in there needs
/// (when no ID token is given), and whether it lists the token exchange.
async fn idp_check(http: &reqwest::Client, auth: &AuthConfig, r: &mut Report) {
    use crate::auth::grant::{enterprise::TOKEN_EXCHANGE, idp};
    let Some(options) = &auth.enterprise else {
        return; // config refuses --flow enterprise without it
    };
    let (endpoint, md) = match idp::endpoints(http, options, auth.overrides.allow_http).await {
        Ok(found) => found,
        Err(e) => {
            r.check("idp", Status::Fail, format!("the enterprise IdP: {e}"))
                    .fix("check --idp-issuer (the IdP's issuer URL, as its metadata names it), or pass --idp-token-endpoint with --id-token-file");
            return;
        }
    };
    let source = match &options.id_token {
        Some(source) => format!("the ID token from {source}"),
        None => match &md.authorization_endpoint {
            Some(at) => format!(
                "mcp-tether signs you in at {at} as {} for the ID token",
                options.client_id
            ),
            None => {
                r.check(
                    "idp",
                    Status::Fail,
                    format!(
                        "the enterprise IdP {} lists no authorization_endpoint, so mcp-tether can't sign you in there",
                        md.issuer
                    ),
                )
                .fix("pass your ID token with --id-token-file PATH or --id-token-env VAR");
                return;
            }
        },
    };
    let lists_exchange = md
        .grant_types_supported
        .as_ref()
        .is_none_or(|g| g.iter().any(|g| g == TOKEN_EXCHANGE));
    if lists_exchange {
        r.check(
            "idp",
            Status::Ok,
            format!("token exchange at {endpoint}; {source}"),
        );
    } else {
        r.check(
            "idp",
            Status::Warn,
            format!(
                "{} does not list the token exchange grant ({TOKEN_EXCHANGE}); {source}",
                md.issuer
            ),
        )
        .fix("ask the IdP's admin whether cross-app access (ID-JAG token exchange) is enabled for --idp-client-id");
    }
}

async fn client(
    http: &reqwest::Client,
    auth: &AuthConfig,
    md: &ServerMetadata,
    grant: Grant,
    r: &mut Report,
) {
    let opts = &auth.client;
    let register_fix = "register an application with the provider (a public/native client, redirect URI http://127.0.0.1/callback, or http://127.0.0.1:PORT/callback with --callback-port PORT if it matches ports exactly) and pass --client-id ID (plus --client-secret-env VAR for a confidential client)";
    if grant == Grant::ClientCredentials {
        let has_credential = opts.client_secret.is_some() || opts.assertion_key.is_some();
        r.client = Some(ClientReport {
            kind: if opts.client_id.is_some() {
                "pre-registered"
            } else {
                "none"
            },
            client_id: opts.client_id.clone(),
            registration_endpoint: None,
            registration_needs_token: None,
        });
        if opts.client_id.is_some() && has_credential {
            r.check(
                "client",
                Status::Ok,
                format!(
                    "pre-registered confidential client {}",
                    opts.client_id.as_deref().unwrap_or_default()
                ),
            );
        } else {
            r.check(
                "client",
                Status::Fail,
                "--flow client-credentials needs a confidential client",
            )
            .fix(
                "pass --client-id with --client-secret-env VAR, or with --client-assertion-key PEM",
            );
        }
        return;
    }
    if matches!(grant, Grant::JwtBearer | Grant::Enterprise) && opts.client_id.is_none() {
        // RFC 7523 needs no client; --flow enterprise requires one (config).
        r.client = Some(ClientReport {
            kind: "none",
            client_id: None,
            registration_endpoint: None,
            registration_needs_token: None,
        });
        r.check(
            "client",
            Status::Ok,
            "no client: the assertion alone is presented (pass --client-id if the authorization server wants one)",
        );
        return;
    }
    if let Some(id) = &opts.client_id {
        r.client = Some(ClientReport {
            kind: "pre-registered",
            client_id: Some(id.clone()),
            registration_endpoint: md.registration_endpoint.clone(),
            registration_needs_token: None,
        });
        let secret = if opts.client_secret.is_some() {
            "confidential (secret given)"
        } else if opts.assertion_key.is_some() {
            "private_key_jwt"
        } else {
            "public"
        };
        r.check(
            "client",
            Status::Ok,
            format!("pre-registered client {id}, {secret} (--client-id)"),
        );
        return;
    }
    if let Some(url) = &opts.client_metadata_url
        && md.client_id_metadata_document_supported
    {
        r.client = Some(ClientReport {
            kind: "metadata-document",
            client_id: Some(url.clone()),
            registration_endpoint: md.registration_endpoint.clone(),
            registration_needs_token: None,
        });
        r.check(
            "client",
            Status::Ok,
            format!("client metadata document {url} (--client-metadata-url)"),
        );
        return;
    }
    let cimd_note = if opts.client_metadata_url.is_some() {
        " (--client-metadata-url is given, but the server does not accept client metadata documents)"
    } else {
        ""
    };
    let Some(endpoint) = md.registration_endpoint.clone() else {
        r.client = Some(ClientReport {
            kind: "none",
            client_id: None,
            registration_endpoint: None,
            registration_needs_token: None,
        });
        let mut fix = register_fix.to_string();
        if md.client_id_metadata_document_supported && opts.client_metadata_url.is_none() {
            fix.push_str("; or, since it accepts client metadata documents, host one and pass --client-metadata-url URL");
        }
        r.check(
            "client",
            Status::Fail,
            format!(
                "{} does not support dynamic client registration (no registration_endpoint), and no --client-id was given{cimd_note}",
                md.issuer
            ),
        )
        .fix(fix);
        return;
    };
    // Whether registration needs an initial access token can't be known
    // without registering; a GET on the endpoint (which creates nothing) is
    // answered 401 by some servers that protect it.
    let needs_token = registration_hint(http, &endpoint).await;
    r.client = Some(ClientReport {
        kind: "dynamic-registration",
        client_id: None,
        registration_endpoint: Some(endpoint.clone()),
        registration_needs_token: needs_token,
    });
    match (needs_token, opts.registration_token.is_some()) {
        (_, true) => {
            r.check(
                "client",
                Status::Ok,
                format!("dynamic client registration at {endpoint}, with --registration-token{cimd_note}"),
            );
        }
        (Some(true), false) => {
            r.check(
                "client",
                Status::Fail,
                format!("dynamic client registration at {endpoint} requires an initial access token (it answers 401 with a Bearer challenge){cimd_note}"),
            )
            .fix(format!("get an initial access token from the provider's admin and pass --registration-token TOKEN; or {register_fix}"));
        }
        _ => {
            r.check(
                "client",
                Status::Ok,
                format!("dynamic client registration at {endpoint}{cimd_note}"),
            )
            .fix("doctor registers nothing, so it can't tell whether registration needs an initial access token; if sign-in fails with \"requires an initial access token\", pass --registration-token TOKEN (from the provider's admin) or --client-id");
        }
    }
}

/// A harmless GET on the registration endpoint: Some(true) when it is refused
/// with a Bearer challenge (the endpoint wants a token), else None (can't tell).
async fn registration_hint(http: &reqwest::Client, endpoint: &str) -> Option<bool> {
    let resp = http
        .get(endpoint)
        .header(reqwest::header::ACCEPT, "application/json")
        .send()
        .await
        .ok()?;
    let refused =
        resp.status() == StatusCode::UNAUTHORIZED || resp.status() == StatusCode::FORBIDDEN;
    (refused && Challenge::from_headers(resp.headers()).is_some()).then_some(true)
}

async fn redirect_uri(auth: &AuthConfig, r: &mut Report) {
    let host = match auth.callback_host {
        crate::auth::grant::callback::CallbackHost::Ip => "127.0.0.1",
        crate::auth::grant::callback::CallbackHost::Localhost => "localhost",
    };
    let pre_registered = auth.client.client_id.is_some();
    let path = &auth.callback_path;
    match auth.callback_port {
        Some(port) => {
            let uri = format!("http://{host}:{port}{path}");
            match tokio::net::TcpListener::bind(("127.0.0.1", port)).await {
                Ok(_) => {
                    r.check(
                        "redirect_uri",
                        Status::Ok,
                        format!("{uri} (--callback-port)"),
                    );
                }
                Err(e) => {
                    r.check(
                        "redirect_uri",
                        Status::Warn,
                        format!("{uri}, but port {port} can't be listened on now ({e})"),
                    )
                    .fix("stop whatever holds the port, or register another port and pass it with --callback-port");
                }
            }
        }
        None if pre_registered => {
            r.check(
                "redirect_uri",
                Status::Warn,
                format!("http://{host}:<random port>{path}: a pre-registered client whose provider matches redirect URIs exactly, port included, refuses it (\"Invalid Redirect URI\", \"redirect_uri_mismatch\")"),
            )
            .fix(format!("register http://{host}:PORT{path} with the provider and pass --callback-port PORT (add --callback-host localhost if you registered localhost); providers that allow any loopback port need nothing"));
        }
        None => {
            r.check(
                "redirect_uri",
                Status::Ok,
                format!(
                    "http://{host}:<random port>{path}; a dynamically registered client is registered with it (and kept on that port)"
                ),
            );
        }
    }
}

fn scope(
    auth: &AuthConfig,
    challenge: Option<&Challenge>,
    prm: Option<&ResourceMetadata>,
    md: &ServerMetadata,
    grant: Grant,
    r: &mut Report,
) {
    let choice = crate::auth::choose_scope(
        auth.scope.as_deref(),
        challenge,
        prm,
        md,
        auth.use_id_token,
        grant.involves_person(),
    );
    let source = match choice.source {
        ScopeSource::Given => "flag",
        ScopeSource::Challenge => "challenge",
        ScopeSource::ResourceMetadata => "resource-metadata",
        ScopeSource::None => "none",
    };
    let offline_added = choice.offline_access_added;
    let value = choice.value;
    let base = (choice.source != ScopeSource::None).then_some(());
    r.scope = Some(ScopeReport {
        value: value.clone(),
        source,
        offline_access_added: offline_added,
    });
    let from = match source {
        "flag" => "from --scope",
        "challenge" => "from the server's WWW-Authenticate challenge",
        "resource-metadata" => "from the resource metadata's scopes_supported",
        _ => "",
    };
    let offline = if offline_added {
        "; offline_access added for a refresh token"
    } else {
        ""
    };
    match (base, &value) {
        (Some(_), Some(v)) => {
            r.check(
                "scope",
                Status::Ok,
                format!("would request \"{v}\" ({from}{offline})"),
            );
        }
        _ => {
            let asked = value
                .as_deref()
                .map(|v| format!("only \"{v}\""))
                .unwrap_or_else(|| "no scope parameter".into());
            r.check(
                "scope",
                Status::Warn,
                format!("{asked}: no --scope, the challenge names none, and the resource metadata lists no scopes_supported. Many servers then grant a default; some providers refuse (Entra ID: AADSTS70011, \"The provided value for the input parameter 'scope' is not valid\")"),
            )
            .fix("pass --scope with the scopes the server needs (Entra ID: --scope 'api://<application-id>/.default offline_access'; ask the server's admin which)");
        }
    }
}

fn stored_token(config: &Config, auth: &AuthConfig, r: &mut Report) {
    let Some(store) = &auth.store else {
        r.stored_token = StoredReport::default();
        return;
    };
    let mut s = StoredReport {
        store: Some(store.describe()),
        ..StoredReport::default()
    };
    if let Some(record) = store.load(config.url.as_str()) {
        let tokens = record.tokens.as_ref();
        s.present = tokens.is_some();
        s.issuer = record.issuer.clone();
        s.client_id = record.client.as_ref().map(|c| c.client_id.clone());
        s.expires_at = tokens.and_then(|t| t.expires_at);
        s.expired = s.expires_at.is_some_and(|e| e <= token::now());
        s.refresh_token = tokens.is_some_and(|t| t.refresh_token.is_some());
        // The same rule the bridge applies (auth::record_fits).
        s.usable = s.present
            && match (&auth.client.client_id, &record.client) {
                (Some(id), Some(c)) => &c.client_id == id,
                (Some(_), None) => true,
                (None, Some(c)) => c.source != ClientSource::PreRegistered,
                (None, None) => true,
            };
    }
    r.stored_token = s;
}

/// The stored-token line, once the issuer is known.
fn stored_token_issuer(md: &ServerMetadata, r: &mut Report) {
    let s = &r.stored_token;
    let store = s
        .store
        .clone()
        .unwrap_or_else(|| "no config directory".into());
    if !s.present {
        r.check(
            "stored_token",
            Status::Ok,
            format!("none stored ({store}); the first use signs in"),
        );
        return;
    }
    let other_issuer = s
        .issuer
        .as_deref()
        .is_some_and(|i| i.trim_end_matches('/') != md.issuer.trim_end_matches('/'));
    let expiry = match s.expires_at {
        None => "expiry unknown".to_string(),
        Some(at) if at <= token::now() => "expired".to_string(),
        Some(at) => format!("expires in {}", human_duration(at - token::now())),
    };
    let refresh = if s.refresh_token {
        "refresh token: yes"
    } else {
        "refresh token: no"
    };
    if !s.usable {
        r.check(
            "stored_token",
            Status::Warn,
            format!(
                "a token is stored, but for another client ({}); the bridge will sign in again",
                s.client_id.as_deref().unwrap_or("?")
            ),
        )
        .fix("pass the same --client-id as when you signed in, or run `mcp-tether logout <url>`");
    } else if other_issuer {
        r.check(
            "stored_token",
            Status::Warn,
            format!(
                "a token is stored for issuer {}, but the server now uses {}; the bridge will sign in again",
                s.issuer.as_deref().unwrap_or("?"),
                md.issuer
            ),
        );
    } else {
        r.check(
            "stored_token",
            Status::Ok,
            format!("stored, {expiry}, {refresh} ({store})"),
        );
    }
}

fn human_duration(secs: u64) -> String {
    match secs {
        0..=119 => format!("{secs} s"),
        120..=7199 => format!("{} min", secs / 60),
        _ => format!("{} h", secs / 3600),
    }
}

/// The human report: one line per check, marked ✓ (fine), ! (works, but
/// look) or ✗ (blocks), with the fix and any URLs tried indented below.
pub fn render(r: &Report) -> String {
    let mut out = format!("mcp-tether doctor {}\n\n", r.server);
    for c in &r.checks {
        let mark = match c.status {
            Status::Ok => "✓",
            Status::Warn => "!",
            Status::Fail => "✗",
        };
        out.push_str(&format!("{mark} {}: {}\n", label(c.id), c.message));
        if c.status != Status::Ok {
            for t in &c.tried {
                out.push_str(&format!(
                    "    tried {} ({}): {}\n",
                    t.url, t.source, t.result
                ));
            }
        }
        if let Some(fix) = &c.fix {
            let arrow = if c.status == Status::Ok {
                "note"
            } else {
                "fix"
            };
            out.push_str(&format!("    {arrow}: {fix}\n"));
        }
    }
    out.push('\n');
    if r.ok {
        out.push_str(&format!(
            "Nothing blocks: a host can start `mcp-tether {}`.\n",
            r.server
        ));
    } else {
        let n = r.checks.iter().filter(|c| c.status == Status::Fail).count();
        out.push_str(&format!(
            "{n} problem{} would stop the bridge from getting a token; see the fix lines above.\n",
            if n == 1 { "" } else { "s" }
        ));
    }
    out
}

fn label(id: &str) -> &str {
    match id {
        "probe" => "probe",
        "resource_metadata" => "resource metadata",
        "authorization_server" => "authorization server",
        "capabilities" => "capabilities",
        "pkce" => "PKCE",
        "client" => "client",
        "redirect_uri" => "redirect URI",
        "scope" => "scope",
        "flow" => "flow",
        "dpop" => "DPoP",
        "idp" => "enterprise IdP",
        "stored_token" => "stored token",
        other => other,
    }
}
