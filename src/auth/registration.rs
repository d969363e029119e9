//! Who mcp-tether is to the authorization server: a pre-registered client, a
//! Client ID Metadata Document URL, or a client registered on the fly (RFC 7591).

use serde::{Deserialize, Serialize};

use super::AuthError;
use super::discovery::ServerMetadata;

/// How the client proves itself at the token endpoint.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum ClientAuth {
    /// A public client: `client_id` in the body, no secret.
    None,
    /// `client_secret_basic`: HTTP Basic.
    Basic { secret: String },
    /// `client_secret_post`: the secret in the form body.
    Post { secret: String },
    /// `private_key_jwt` (RFC 7523): a JWT signed with this key. The key stays
    /// in its file; only the path is kept.
    PrivateKeyJwt {
        key_path: std::path::PathBuf,
        alg: JwtAlg,
        /// The assertion's `aud`: the authorization server's issuer.
        audience: String,
    },
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum JwtAlg {
    RS256,
    ES256,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ClientSource {
    PreRegistered,
    MetadataDocument,
    Dynamic,
}

#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct Client {
    pub client_id: String,
    pub auth: ClientAuth,
    pub source: ClientSource,
    /// The redirect URI a dynamically registered client was registered with:
    /// later flows listen on the same port, for servers that match it exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_uri: Option<String>,
    /// The grants a dynamically registered client was registered for. Empty
    /// for a registration stored by a version that did not keep them (those
    /// asked for `authorization_code` and `refresh_token` only), and for a
    /// client the bridge did not register (unknown: assumed to allow all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_types: Vec<String>,
    /// RFC 7592: where the registration can be read back, and the token for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_client_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_access_token: Option<String>,
}

/// The device grant's type (RFC 8628).
pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

impl Client {
    /// A client registered by an admin, known by its id (and, for a
    /// confidential one, its credential); nothing of a registration to keep.
    pub fn pre_registered(client_id: String, auth: ClientAuth) -> Client {
        Client {
            client_id,
            auth,
            source: ClientSource::PreRegistered,
            redirect_uri: None,
            grant_types: Vec::new(),
            registration_client_uri: None,
            registration_access_token: None,
        }
    }

    /// Whether this client may use `grant` as far as the bridge knows.
    pub fn allows(&self, grant: &str) -> bool {
        match self.source {
            ClientSource::Dynamic if self.grant_types.is_empty() => {
                // Registered by an older version: these two only.
                grant == "authorization_code" || grant == "refresh_token"
            }
            ClientSource::Dynamic => self.grant_types.iter().any(|g| g == grant),
            // The person (or the metadata document) decides what it allows.
            ClientSource::PreRegistered | ClientSource::MetadataDocument => true,
        }
    }
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let method = match self.auth {
            ClientAuth::None => "none",
            ClientAuth::Basic { .. } => "client_secret_basic",
            ClientAuth::Post { .. } => "client_secret_post",
            ClientAuth::PrivateKeyJwt { .. } => "private_key_jwt",
        };
        f.debug_struct("Client")
            .field("client_id", &self.client_id)
            .field("auth", &method)
            .field("source", &self.source)
            .finish()
    }
}

/// What the person gave on the command line about the client.
#[derive(Clone, Default)]
pub struct ClientOptions {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub client_metadata_url: Option<String>,
    pub registration_token: Option<String>,
    /// `--client-assertion-key` and its algorithm, for private_key_jwt.
    pub assertion_key: Option<(std::path::PathBuf, JwtAlg)>,
}

impl std::fmt::Debug for ClientOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientOptions")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("client_metadata_url", &self.client_metadata_url)
            .field(
                "registration_token",
                &self.registration_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The token endpoint auth method for a client holding `secret`: what the AS
/// lists, preferring Basic (RFC 8414's default when it lists nothing).
pub fn auth_for_secret(md: &ServerMetadata, secret: Option<String>) -> ClientAuth {
    let Some(secret) = secret else {
        return ClientAuth::None;
    };
    let listed = md
        .token_endpoint_auth_methods_supported
        .as_deref()
        .unwrap_or(&[]);
    let has = |m: &str| listed.iter().any(|l| l == m);
    if has("client_secret_basic") || listed.is_empty() {
        ClientAuth::Basic { secret }
    } else if has("client_secret_post") {
        ClientAuth::Post { secret }
    } else {
        ClientAuth::Basic { secret }
    }
}

/// Steps 1 and 2 of the order: a client the person named, or a metadata
/// document URL the AS accepts. None means: register dynamically.
pub fn configured_client(opts: &ClientOptions, md: &ServerMetadata) -> Option<Client> {
    if let Some(id) = &opts.client_id {
        let auth = match &opts.assertion_key {
            Some((key_path, alg)) => ClientAuth::PrivateKeyJwt {
                key_path: key_path.clone(),
                alg: *alg,
                audience: md.issuer.clone(),
            },
            None => auth_for_secret(md, opts.client_secret.clone()),
        };
        return Some(Client::pre_registered(id.clone(), auth));
    }
    if let Some(url) = &opts.client_metadata_url {
        if md.client_id_metadata_document_supported {
            return Some(Client {
                client_id: url.clone(),
                auth: ClientAuth::None,
                source: ClientSource::MetadataDocument,
                redirect_uri: None,
                grant_types: Vec::new(),
                registration_client_uri: None,
                registration_access_token: None,
            });
        }
        tracing::info!(
            "the authorization server does not accept client metadata documents; trying dynamic registration"
        );
    }
    None
}

#[derive(Deserialize)]
struct RegistrationResponse {
    client_id: String,
    #[serde(default)]
    client_secret: Option<String>,
    #[serde(default)]
    token_endpoint_auth_method: Option<String>,
    #[serde(default)]
    grant_types: Option<Vec<String>>,
    #[serde(default)]
    registration_client_uri: Option<String>,
    #[serde(default)]
    registration_access_token: Option<String>,
}

/// Every grant this bridge may use with this authorization server: a
/// registration serves all of them, so that switching flows (a browser
/// today, the device flow over SSH tomorrow) needs no new registration.
pub fn wanted_grants(md: &ServerMetadata) -> Vec<&'static str> {
    let listed = |g: &str| {
        md.grant_types_supported
            .as_ref()
            .is_some_and(|l| l.iter().any(|x| x == g))
    };
    let mut grants = vec!["authorization_code"];
    if md.grant_types_supported.is_none() || listed("refresh_token") {
        grants.push("refresh_token");
    }
    if md.device_authorization_endpoint.is_some() || listed(DEVICE_GRANT) {
        grants.push(DEVICE_GRANT);
    }
    grants
}

/// The token endpoint auth method to register with. A public client when
/// the server allows one; else `client_secret_post` when listed, because it
/// carries `client_id` in the body, which the MCP Python SDK's (and so
/// FastMCP's) token endpoint requires whatever the method (docs/oauth-client.md).
fn registration_method(md: &ServerMetadata) -> &'static str {
    let listed = md
        .token_endpoint_auth_methods_supported
        .as_deref()
        .unwrap_or(&[]);
    let has = |m: &str| listed.iter().any(|l| l == m);
    if listed.is_empty() || has("none") {
        "none"
    } else if has("client_secret_post") {
        "client_secret_post"
    } else {
        "client_secret_basic"
    }
}

/// Step 3: RFC 7591 dynamic registration.
pub async fn register(
    http: &reqwest::Client,
    md: &ServerMetadata,
    redirect_uri: &str,
    registration_token: Option<&str>,
) -> Result<Client, AuthError> {
    let Some(endpoint) = md.registration_endpoint.as_deref() else {
        return Err(AuthError::NoClient {
            issuer: md.issuer.clone(),
        });
    };
    let grant_types = wanted_grants(md);
    match register_once(
        http,
        endpoint,
        md,
        redirect_uri,
        registration_token,
        &grant_types,
    )
    .await
    {
        // A server that won't register the device grant for a dynamic client
        // still gets one for the browser (the device flow then says why not).
        Err(AuthError::Registration { detail, .. })
            if grant_types.contains(&DEVICE_GRANT) && detail.contains("HTTP 400") =>
        {
            tracing::info!(
                "the authorization server refused to register the device grant ({detail}); registering without it"
            );
            let fewer: Vec<&str> = grant_types
                .into_iter()
                .filter(|g| *g != DEVICE_GRANT)
                .collect();
            register_once(http, endpoint, md, redirect_uri, registration_token, &fewer).await
        }
        other => other,
    }
}

async fn register_once(
    http: &reqwest::Client,
    endpoint: &str,
    md: &ServerMetadata,
    redirect_uri: &str,
    registration_token: Option<&str>,
    grant_types: &[&str],
) -> Result<Client, AuthError> {
    let method = registration_method(md);
    // No `scope`: RFC 7591 makes it the limit of what the client may ever
    // request, which would rule out a later step-up.
    let body = serde_json::json!({
        "client_name": "mcp-tether",
        "redirect_uris": [redirect_uri],
        "grant_types": grant_types,
        "response_types": ["code"],
        "token_endpoint_auth_method": method,
        "application_type": "native",
    });
    let mut req = http.post(endpoint).json(&body);
    if let Some(token) = registration_token {
        req = req.bearer_auth(token);
    }
    let resp = req.send().await.map_err(|e| AuthError::RequestFailed {
        what: "client registration",
        url: endpoint.to_string(),
        cause: e.to_string(),
    })?;
    let status = resp.status();
    let body = super::body::read_limited(resp, super::body::MAX_OAUTH_BODY)
        .await
        .map_err(|e| AuthError::Registration {
            endpoint: endpoint.to_string(),
            detail: e.to_string(),
        })?;
    let text = String::from_utf8_lossy(&body);
    if status.as_u16() == 401 || status.as_u16() == 403 {
        return Err(AuthError::RegistrationNeedsToken {
            endpoint: endpoint.to_string(),
            had_token: registration_token.is_some(),
        });
    }
    if !status.is_success() {
        return Err(AuthError::Registration {
            endpoint: endpoint.to_string(),
            detail: format!(
                "HTTP {}: {}",
                status.as_u16(),
                text.chars().take(200).collect::<String>()
            ),
        });
    }
    let r: RegistrationResponse =
        serde_json::from_str(&text).map_err(|e| AuthError::Registration {
            endpoint: endpoint.to_string(),
            detail: format!("the answer is not a registration response ({e})"),
        })?;
    // The method the server chose; what we asked for when it doesn't say.
    let auth = match (r.client_secret, r.token_endpoint_auth_method.as_deref()) {
        (None, _) | (_, Some("none")) => ClientAuth::None,
        (Some(secret), Some("client_secret_post")) => ClientAuth::Post { secret },
        (Some(secret), Some("client_secret_basic")) => ClientAuth::Basic { secret },
        (Some(secret), _) if method == "client_secret_post" => ClientAuth::Post { secret },
        (Some(secret), _) => ClientAuth::Basic { secret },
    };
    tracing::info!(client_id = %r.client_id, "registered mcp-tether as a client of {}", md.issuer);
    Ok(Client {
        client_id: r.client_id,
        auth,
        source: ClientSource::Dynamic,
        redirect_uri: Some(redirect_uri.to_string()),
        // What the server granted, or (when it doesn't echo them) what we asked for.
        grant_types: r
            .grant_types
            .unwrap_or_else(|| grant_types.iter().map(|g| g.to_string()).collect()),
        registration_client_uri: r.registration_client_uri,
        registration_access_token: r.registration_access_token,
    })
}

/// Whether the authorization server still knows a client it registered
/// earlier, asked without involving the person: an RFC 7592 read of the
/// registration. `None`: it can't be asked (no management endpoint) or did
/// not say; `Some(false)`: it has forgotten the client.
pub async fn still_registered(
    http: &reqwest::Client,
    md: &ServerMetadata,
    client: &Client,
) -> Option<bool> {
    let uri = client.registration_client_uri.as_deref()?;
    let token = client.registration_access_token.as_deref()?;
    // The registration token goes only back to the server that issued it.
    let same_origin = |a: &str, b: &str| match (url::Url::parse(a), url::Url::parse(b)) {
        (Ok(a), Ok(b)) => a.origin() == b.origin(),
        _ => false,
    };
    if !md
        .registration_endpoint
        .as_deref()
        .is_some_and(|r| same_origin(r, uri))
    {
        return None;
    }
    let resp = http.get(uri).bearer_auth(token).send().await.ok()?;
    match resp.status().as_u16() {
        200 => Some(true),
        // RFC 7592 §2.1: an unknown client (or a revoked token) is a 401.
        401 | 403 | 404 => Some(false),
        _ => None,
    }
}
