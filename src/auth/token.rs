//! Requests to the token endpoint (RFC 6749 §4.1.3, §6) and what they give back.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::registration::{Client, ClientAuth, JwtAlg};
use super::{AuthError, ClientAssertionError, ErrorCode, dpop};

/// Tokens as stored. `expires_at` is seconds since the Unix epoch.
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct Tokens {
    pub access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// The scopes granted (or, when the server didn't say, requested).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    /// When the token was issued (Unix seconds), to know its lifetime.
    #[serde(default)]
    pub obtained_at: u64,
    /// The OpenID Connect ID token, when `openid` was granted: sent instead of
    /// the access token with `--use-id-token`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    /// Bound to the record's DPoP key (token_type DPoP): sent with the
    /// `DPoP` scheme and a proof, never as a bearer token.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dpop_bound: bool,
}

impl std::fmt::Debug for Tokens {
    // Secrets never reach a log, not even through {:?}.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("access_token", &"<redacted>")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expires_at", &self.expires_at)
            .field("scope", &self.scope)
            .field("obtained_at", &self.obtained_at)
            .field("id_token", &self.id_token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Refresh this long before expiry at most...
const REFRESH_MARGIN_SECS: u64 = 60;

impl Tokens {
    /// Whether the credential sent (see [`Self::credential`]) should be
    /// refreshed before use: within a minute of expiry, or in the last half of
    /// a short lifetime. Unknown expiry: never.
    pub fn needs_refresh(&self, use_id_token: bool) -> bool {
        self.refresh_due(use_id_token)
            .is_some_and(|due| now() >= due)
    }

    /// When the credential sent becomes due for a refresh (Unix seconds). An
    /// ID token is due by its own `exp` claim, which need not match the
    /// access token's lifetime.
    pub fn refresh_due(&self, use_id_token: bool) -> Option<u64> {
        let expires_at = match &self.id_token {
            Some(id) if use_id_token => jwt_exp(id)?,
            _ => self.expires_at?,
        };
        let lifetime = expires_at.saturating_sub(self.obtained_at);
        Some(expires_at - REFRESH_MARGIN_SECS.min(lifetime / 2))
    }

    /// What goes after `Bearer`: the access token, or with `--use-id-token`
    /// the ID token (None when none was issued).
    pub fn credential(&self, use_id_token: bool) -> Option<&str> {
        if use_id_token {
            self.id_token.as_deref()
        } else {
            Some(&self.access_token)
        }
    }
}

/// The `exp` claim of a JWT, read without checking the signature: only to
/// know when to refresh (the server that receives it does the checking).
fn jwt_exp(jwt: &str) -> Option<u64> {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = jwt.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    serde_json::from_slice::<serde_json::Value>(&bytes)
        .ok()?
        .get("exp")?
        .as_u64()
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    token_type: Option<String>,
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    scope: Option<String>,
    #[serde(default)]
    id_token: Option<String>,
}

/// The RFC 8707 `resource` and the `scope` of a token request, when given:
/// the grants that involve no person all send both the same way.
pub fn add_target(
    form: &mut Vec<(&'static str, String)>,
    resource: Option<&str>,
    scope: Option<&str>,
) {
    if let Some(resource) = resource {
        form.push(("resource", resource.to_string()));
    }
    if let Some(scope) = scope {
        form.push(("scope", scope.to_string()));
    }
}

/// A token request's DPoP proof (RFC 9449 §5): the key the token is to be
/// bound to, and the nonces servers gave.
pub struct Binding<'a> {
    pub signer: &'a dpop::Signer,
    pub nonces: &'a dpop::Nonces,
}

/// POST a grant to the token endpoint, authenticating the client its way
/// (no client: the grant alone, as RFC 7523 allows); with `dpop`, with a
/// proof, retried once when the server asks for its nonce (`use_dpop_nonce`).
pub async fn request(
    http: &reqwest::Client,
    endpoint: &str,
    client: Option<&Client>,
    form: Vec<(&'static str, String)>,
    requested_scope: Option<&str>,
    dpop: Option<&Binding<'_>>,
) -> Result<Tokens, AuthError> {
    let url = token_url(endpoint)?;
    let mut nonce_retried = false;
    loop {
        match request_once(http, &url, client, form.clone(), requested_scope, dpop).await {
            Err(AuthError::Token(p))
                if p.error == ErrorCode::UseDpopNonce
                    && dpop.is_some_and(|d| d.nonces.get(&url).is_some())
                    && !nonce_retried =>
            {
                tracing::debug!("the token endpoint asked for a DPoP nonce; retrying with it");
                nonce_retried = true;
            }
            other => return other,
        }
    }
}

fn token_url(endpoint: &str) -> Result<url::Url, AuthError> {
    url::Url::parse(endpoint).map_err(|cause| AuthError::BadEndpoint {
        which: "token_endpoint",
        url: endpoint.to_string(),
        cause,
    })
}

/// The RFC 8693 token type of an Identity Assertion JWT Authorization Grant.
pub const ID_JAG: &str = "urn:ietf:params:oauth:token-type:id-jag";

#[derive(Deserialize)]
struct ExchangeResponse {
    access_token: String,
    #[serde(default)]
    issued_token_type: Option<String>,
}

/// An RFC 8693 token exchange for an ID-JAG (SEP-990): the token issued,
/// which is a grant to present elsewhere, not an access token (its
/// `token_type` is `N_A`).
pub async fn exchange_for_id_jag(
    http: &reqwest::Client,
    endpoint: &str,
    client: &Client,
    form: Vec<(&'static str, String)>,
) -> Result<String, AuthError> {
    let url = token_url(endpoint)?;
    let body = post(http, &url, Some(client), form, None).await?;
    let t: ExchangeResponse =
        serde_json::from_slice(&body).map_err(|e| AuthError::BadResponse {
            what: "token exchange",
            url: endpoint.to_string(),
            why: format!("is not a token exchange response: {e}"),
        })?;
    match t.issued_token_type {
        Some(issued) if issued != ID_JAG => Err(AuthError::NotIdJag {
            endpoint: endpoint.to_string(),
            issued,
        }),
        _ => Ok(t.access_token),
    }
}

/// POST a form to a token endpoint with the client authenticated (and a
/// DPoP proof with `dpop`): the body of a successful answer, or the OAuth
/// error.
async fn post(
    http: &reqwest::Client,
    url: &url::Url,
    client: Option<&Client>,
    mut form: Vec<(&'static str, String)>,
    dpop: Option<&Binding<'_>>,
) -> Result<Vec<u8>, AuthError> {
    let endpoint = url.as_str();
    let mut req = http
        .post(url.clone())
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(d) = dpop {
        let proof = d
            .signer
            .proof("POST", url, None, d.nonces.get(url).as_deref())
            .map_err(AuthError::Dpop)?;
        req = req.header("DPoP", proof);
    }
    if let Some(client) = client {
        req = authenticate(req, &mut form, client)?;
    }
    let resp = req.form(&form).send().await.map_err(|e| {
        if e.is_connect() || e.is_timeout() {
            AuthError::Unreachable {
                what: format!("the token endpoint {endpoint}"),
                cause: if e.is_timeout() {
                    "no answer in time".into()
                } else {
                    "could not connect".into()
                },
            }
        } else {
            AuthError::RequestFailed {
                what: "token",
                url: endpoint.to_string(),
                cause: e.to_string(),
            }
        }
    })?;
    if let Some(d) = dpop {
        d.nonces.remember(url, resp.headers());
    }
    let status = resp.status();
    let body = super::body::read_limited(resp, super::body::MAX_OAUTH_BODY)
        .await
        .map_err(|e| AuthError::BadResponse {
            what: "token",
            url: endpoint.to_string(),
            why: format!("could not be read: {e}"),
        })?;
    if !status.is_success() {
        return Err(oauth_error(&body, endpoint, status));
    }
    Ok(body.to_vec())
}

async fn request_once(
    http: &reqwest::Client,
    url: &url::Url,
    client: Option<&Client>,
    form: Vec<(&'static str, String)>,
    requested_scope: Option<&str>,
    dpop: Option<&Binding<'_>>,
) -> Result<Tokens, AuthError> {
    let endpoint = url.as_str();
    let body = post(http, url, client, form, dpop).await?;
    let t: TokenResponse = serde_json::from_slice(&body).map_err(|e| AuthError::BadResponse {
        what: "token",
        url: endpoint.to_string(),
        why: format!("is not a token response: {e}"),
    })?;
    // A DPoP-bound token only when a proof was sent (RFC 9449 §5).
    let dpop_bound = match t.token_type.as_deref() {
        Some(tt) if tt.eq_ignore_ascii_case("dpop") && dpop.is_some() => true,
        Some(tt) if !tt.eq_ignore_ascii_case("bearer") => {
            return Err(AuthError::NotBearer(tt.to_string()));
        }
        _ => false,
    };
    // Some servers send expires_in as a string.
    let expires_in = t.expires_in.and_then(|v| match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    });
    let obtained_at = now();
    Ok(Tokens {
        access_token: t.access_token,
        refresh_token: t.refresh_token,
        expires_at: expires_in.map(|s| obtained_at + s),
        scope: t.scope.or_else(|| requested_scope.map(str::to_string)),
        obtained_at,
        id_token: t.id_token,
        dpop_bound,
    })
}

/// An OAuth error response (RFC 6749 §5.2), or a plain HTTP failure.
pub fn oauth_error(body: &[u8], endpoint: &str, status: reqwest::StatusCode) -> AuthError {
    match serde_json::from_slice::<super::ProviderError>(body) {
        Ok(e) => AuthError::Token(e),
        Err(_) => AuthError::HttpStatus {
            url: endpoint.to_string(),
            status: status.as_u16(),
        },
    }
}

/// Add the client's credentials to a request to the token, device
/// authorization or revocation endpoint.
pub fn authenticate(
    mut req: reqwest::RequestBuilder,
    form: &mut Vec<(&'static str, String)>,
    client: &Client,
) -> Result<reqwest::RequestBuilder, AuthError> {
    match &client.auth {
        ClientAuth::None => form.push(("client_id", client.client_id.clone())),
        ClientAuth::Post { secret } => {
            form.push(("client_id", client.client_id.clone()));
            form.push(("client_secret", secret.clone()));
        }
        ClientAuth::Basic { secret } => {
            // `client_id` in the body as well: RFC 6749 §3.2.1 lets a client
            // identify itself that way, and the MCP Python SDK's token
            // endpoint (FastMCP's) looks the client up only there. It is not
            // a second authentication method: the secret is only in the header.
            form.push(("client_id", client.client_id.clone()));
            // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
            let user = form_encode(&client.client_id);
            let pass = form_encode(secret);
            req = req.header(
                reqwest::header::AUTHORIZATION,
                format!("Basic {}", STANDARD.encode(format!("{user}:{pass}"))),
            );
        }
        ClientAuth::PrivateKeyJwt {
            key_path,
            alg,
            audience,
        } => {
            form.push(("client_id", client.client_id.clone()));
            form.push((
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".into(),
            ));
            form.push((
                "client_assertion",
                client_assertion(&client.client_id, key_path, *alg, audience)?,
            ));
        }
    }
    Ok(req)
}

/// An RFC 7523 client assertion: iss = sub = client id, aud = the issuer,
/// valid for a minute, with a random jti against replay.
fn client_assertion(
    client_id: &str,
    key_path: &std::path::Path,
    alg: JwtAlg,
    audience: &str,
) -> Result<String, AuthError> {
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    let pem = std::fs::read(key_path).map_err(|cause| {
        AuthError::ClientAssertion(ClientAssertionError::Read {
            path: key_path.to_path_buf(),
            cause,
        })
    })?;
    let bad_key = |cause: jsonwebtoken::errors::Error| {
        AuthError::ClientAssertion(ClientAssertionError::NotAKey {
            path: key_path.to_path_buf(),
            alg: match alg {
                JwtAlg::RS256 => "RS256",
                JwtAlg::ES256 => "ES256",
            },
            cause,
        })
    };
    let (algorithm, key) = match alg {
        JwtAlg::RS256 => (
            Algorithm::RS256,
            EncodingKey::from_rsa_pem(&pem).map_err(bad_key)?,
        ),
        JwtAlg::ES256 => (
            Algorithm::ES256,
            EncodingKey::from_ec_pem(&pem).map_err(bad_key)?,
        ),
    };
    let iat = now();
    let claims = serde_json::json!({
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": iat,
        "exp": iat + 60,
        "jti": super::grant::pkce::random_token(16),
    });
    jsonwebtoken::encode(&Header::new(algorithm), &claims, &key)
        .map_err(|e| AuthError::ClientAssertion(ClientAssertionError::Sign(e)))
}

fn form_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn jwt(claims: serde_json::Value) -> String {
        let part = |v: serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
        format!(
            "{}.{}.sig",
            part(serde_json::json!({"alg": "RS256"})),
            part(claims)
        )
    }

    #[test]
    fn the_id_token_is_due_by_its_own_exp() {
        let t = Tokens {
            access_token: "at".into(),
            refresh_token: Some("rt".into()),
            expires_at: Some(10_000),
            scope: None,
            obtained_at: 1_000,
            id_token: Some(jwt(serde_json::json!({"sub": "alice", "exp": 4_000}))),
            dpop_bound: false,
        };
        assert_eq!(t.credential(false), Some("at"));
        assert_eq!(t.credential(true), t.id_token.as_deref());
        assert_eq!(t.refresh_due(false), Some(10_000 - 60));
        assert_eq!(t.refresh_due(true), Some(4_000 - 60));
        // A fresh access token doesn't make an expired ID token fresh.
        let id_expired = Tokens {
            expires_at: Some(now() + 3_600),
            obtained_at: now() - 3_600,
            id_token: Some(jwt(serde_json::json!({"exp": now() - 1}))),
            ..t.clone()
        };
        assert!(!id_expired.needs_refresh(false));
        assert!(id_expired.needs_refresh(true));
        let no_id = Tokens {
            id_token: None,
            ..t.clone()
        };
        assert_eq!(no_id.credential(true), None);
        let opaque = Tokens {
            id_token: Some("not-a-jwt".into()),
            ..t
        };
        assert_eq!(opaque.refresh_due(true), None);
    }
}
