//! The ID token for `--flow enterprise` when none is given
//! (`--id-token-file`/`--id-token-env`): mcp-tether signs the person in to
//! the enterprise IdP itself, with OpenID Connect's authorization code flow
//! (PKCE and a `nonce`) as the IdP client (`--idp-client-id`).
//!
//! What the IdP gives is kept with the record ([`IdpSession`]): the ID
//! token, and the IdP's refresh token when it issues one (`offline_access`
//! is asked for when the IdP lists it). The next exchange uses the kept ID
//! token while it has more than [`ID_TOKEN_MARGIN`] left; after that the
//! refresh token gets a new one (OIDC Core §12.2: a refresh with `openid`
//! granted returns an ID token), and only when that fails is the person
//! sent to the browser again. The IdP's SSO session usually makes that
//! second sign-in a redirect with nothing to type.
//!
//! The ID token is not checked for its signature: it comes straight from
//! the IdP's token endpoint over TLS, which OIDC Core §3.1.3.7 (6) accepts
//! in its place, and the IdP verifies it again in the token exchange. Its
//! issuer, audience, expiry and nonce are checked, so a token for another
//! app or another sign-in is never passed on.

use url::Url;

use super::code::{self, Ask};
use super::pkce;
use crate::auth::context::Context;
use crate::auth::credential::CredentialSource;
pub use crate::auth::error::IdTokenProblem;
use crate::auth::registration::Client;
pub use crate::auth::store::IdpSession;
use crate::auth::store::Record;
use crate::auth::token::{self, Tokens};
use crate::auth::{AuthError, discovery};

/// The enterprise IdP and its client, from `--idp-*` and `--id-token-*`.
#[derive(Clone, PartialEq, Eq)]
pub struct IdpOptions {
    /// `--idp-issuer`: the token endpoint is discovered (RFC 8414 / OIDC).
    pub issuer: Option<Url>,
    /// `--idp-token-endpoint`: no discovery.
    pub token_endpoint: Option<Url>,
    /// `--idp-client-id`: this app's client at the IdP.
    pub client_id: String,
    pub client_secret: Option<String>,
    /// `--id-token-file` / `--id-token-env`; None: mcp-tether signs in to
    /// the IdP for it (which needs `issuer`, for the authorization endpoint).
    pub id_token: Option<CredentialSource>,
}

impl std::fmt::Debug for IdpOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdpOptions")
            .field("issuer", &self.issuer)
            .field("token_endpoint", &self.token_endpoint)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("id_token", &self.id_token)
            .finish()
    }
}

/// The IdP's token endpoint: given, or from its metadata (whose
/// `token_endpoint_auth_methods_supported` then chooses how the secret is
/// sent, and whose authorization endpoint the sign-in uses). For `doctor`
/// too.
pub async fn endpoints(
    http: &reqwest::Client,
    idp: &IdpOptions,
    allow_http: bool,
) -> Result<(Url, discovery::ServerMetadata), AuthError> {
    if let Some(url) = &idp.token_endpoint {
        discovery::check_transport(url, allow_http)?;
        return Ok((url.clone(), discovery::ServerMetadata::default()));
    }
    let Some(issuer) = &idp.issuer else {
        return Err(AuthError::FlowNeeds {
            flow: "enterprise",
            what: "--idp-issuer URL or --idp-token-endpoint URL",
        });
    };
    discovery::check_transport(issuer, allow_http)?;
    let mut tried = Vec::new();
    for url in discovery::server_metadata_candidates(issuer) {
        let md = match discovery::fetch_json::<discovery::ServerMetadata>(http, &url).await {
            Ok(md) => md,
            Err(e) => {
                tried.push(format!("{url}: {e}"));
                continue;
            }
        };
        if !discovery::same_issuer(&md.issuer, issuer.as_str()) {
            tried.push(format!("{url}: names the issuer {}", md.issuer));
            continue;
        }
        let Some(endpoint) = md
            .token_endpoint
            .as_deref()
            .and_then(|e| Url::parse(e).ok())
        else {
            tried.push(format!("{url}: no usable token_endpoint"));
            continue;
        };
        // The same https rule as for the MCP server's authorization server,
        // for every endpoint: the person's browser goes to the authorization
        // endpoint, the ID token comes from the token endpoint.
        discovery::check_endpoints(&md, allow_http)?;
        return Ok((endpoint, md));
    }
    Err(AuthError::IdpDiscovery {
        issuer: issuer.to_string(),
        tried,
    })
}

/// A kept ID token is used only with at least this much time left (s): the
/// IdP checks its expiry when it receives it, after the exchange's round trip.
pub const ID_TOKEN_MARGIN: u64 = 60;

/// Where the ID token for an exchange came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// `--id-token-file` / `--id-token-env`.
    Given,
    /// Kept from an earlier sign-in or refresh.
    Kept,
    /// Just refreshed at the IdP.
    Refreshed,
    /// The person just signed in.
    SignedIn,
}

/// In a log line: "exchanging the ID token (kept from …)".
impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Origin::Given => "given",
            Origin::Kept => "kept from the last sign-in to the IdP",
            Origin::Refreshed => "just refreshed at the IdP",
            Origin::SignedIn => "from the sign-in just now",
        })
    }
}

/// The checked claims of an ID token.
struct Checked {
    expires_at: u64,
    subject: Option<String>,
}

/// Check `jwt` as an ID token from `issuer` for `client_id` (OIDC Core
/// §3.1.3.7 2, 3, 9, 11), with `nonce` when the request sent one.
fn check(
    jwt: &str,
    issuer: &str,
    client_id: &str,
    nonce: Option<&str>,
    now: u64,
) -> Result<Checked, IdTokenProblem> {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let claims: serde_json::Value = jwt
        .split('.')
        .nth(1)
        .and_then(|p| URL_SAFE_NO_PAD.decode(p.trim_end_matches('=')).ok())
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(serde_json::Value::is_object)
        .ok_or(IdTokenProblem::NotAJwt)?;
    let iss = claims["iss"].as_str().unwrap_or_default();
    if !discovery::same_issuer(iss, issuer) {
        return Err(IdTokenProblem::WrongIssuer(iss.to_string()));
    }
    let for_us = match &claims["aud"] {
        serde_json::Value::String(a) => a == client_id,
        serde_json::Value::Array(all) => all.iter().any(|a| a.as_str() == Some(client_id)),
        _ => false,
    };
    if !for_us {
        return Err(IdTokenProblem::WrongAudience(client_id.to_string()));
    }
    let expires_at = claims["exp"]
        .as_u64()
        .filter(|exp| *exp > now)
        .ok_or(IdTokenProblem::Expired)?;
    if let Some(sent) = nonce
        && claims["nonce"].as_str() != Some(sent)
    {
        return Err(IdTokenProblem::WrongNonce);
    }
    Ok(Checked {
        expires_at,
        subject: claims["sub"].as_str().map(str::to_string),
    })
}

/// The IdP and the client to sign in with.
pub(in crate::auth) struct Idp<'a> {
    pub options: &'a IdpOptions,
    /// The IdP's metadata (its authorization endpoint).
    pub metadata: &'a discovery::ServerMetadata,
    pub token_endpoint: &'a Url,
    pub client: &'a Client,
}

/// The ID token to exchange: given, kept (unless `kept_refused`: the IdP
/// just refused it), refreshed, or from a new sign-in.
pub(in crate::auth) async fn id_token(
    cx: &Context,
    record: &mut Record,
    idp: &Idp<'_>,
    kept_refused: bool,
) -> Result<(String, Origin), AuthError> {
    if let Some(source) = &idp.options.id_token {
        return Ok((source.read("the ID token")?, Origin::Given));
    }
    let issuer = idp.metadata.issuer.as_str();
    let client_id = idp.client.client_id.as_str();
    // A session with another IdP or client is of no use (and is replaced).
    let kept = record
        .idp
        .clone()
        .filter(|s| discovery::same_issuer(&s.issuer, issuer) && s.client_id == client_id);
    if let Some(session) = kept {
        if !kept_refused && session.expires_at > token::now() + ID_TOKEN_MARGIN {
            tracing::info!("using the ID token kept from the sign-in to {issuer}");
            return Ok((session.id_token, Origin::Kept));
        }
        if let Some(refresh_token) = &session.refresh_token {
            match refresh(cx, idp, refresh_token).await {
                Ok(fresh) => {
                    let id_token = fresh.id_token.clone();
                    keep(cx, record, fresh);
                    return Ok((id_token, Origin::Refreshed));
                }
                Err(e @ AuthError::Unreachable { .. }) => return Err(e),
                Err(e) => {
                    tracing::info!(
                        "refreshing the sign-in at {issuer} failed ({e}); signing in again"
                    );
                }
            }
        }
        record.idp = None;
    }
    let session = sign_in(cx, idp).await?;
    let id_token = session.id_token.clone();
    keep(cx, record, session);
    Ok((id_token, Origin::SignedIn))
}

/// Keep the session with the record, stored now: a token exchange refused
/// later must not cost the person another sign-in.
fn keep(cx: &Context, record: &mut Record, session: IdpSession) {
    record.idp = Some(session);
    cx.save(record);
}

/// A new ID token for the refresh token (the refresh token too, when the
/// IdP rotates it).
async fn refresh(
    cx: &Context,
    idp: &Idp<'_>,
    refresh_token: &str,
) -> Result<IdpSession, AuthError> {
    let form = vec![
        ("grant_type", "refresh_token".to_string()),
        ("refresh_token", refresh_token.to_string()),
    ];
    let tokens = token::request(
        cx.http(),
        idp.token_endpoint.as_str(),
        Some(idp.client),
        form,
        None,
        None,
    )
    .await?;
    let mut session = session_from(idp, tokens, None)?;
    if session.refresh_token.is_none() {
        session.refresh_token = Some(refresh_token.to_string());
    }
    tracing::info!("refreshed the sign-in at {}", idp.metadata.issuer);
    Ok(session)
}

/// The person signs in to the IdP in the browser (or pastes the address
/// with `login --paste`), as for the MCP server's own sign-in.
async fn sign_in(cx: &Context, idp: &Idp<'_>) -> Result<IdpSession, AuthError> {
    let md = idp.metadata;
    let offline = md
        .scopes_supported
        .as_ref()
        .is_some_and(|s| s.iter().any(|s| s == "offline_access"));
    let scope = if offline {
        "openid offline_access"
    } else {
        "openid"
    };
    let nonce = pkce::random_token(16);
    let extra = [("nonce".to_string(), nonce.clone())];
    cx.person.tell(format!(
        "mcp-tether: signing in to your identity provider {} for an ID token (--flow enterprise)",
        md.issuer
    ));
    let listener = code::listen(cx, cx.cfg.callback_port.unwrap_or(0)).await?;
    let ask = Ask {
        scope: Some(scope),
        resource: None,
        extra: &extra,
        dpop: None,
    };
    let mut session = None;
    code::run(cx, md, idp.client, listener, ask, |tokens| {
        session = Some(session_from(idp, tokens.clone(), Some(&nonce))?);
        Ok(tokens)
    })
    .await?;
    session.ok_or(AuthError::BadIdToken {
        issuer: md.issuer.clone(),
        problem: IdTokenProblem::Missing,
    })
}

/// The session for the IdP's answer, its ID token checked.
fn session_from(
    idp: &Idp<'_>,
    tokens: Tokens,
    nonce: Option<&str>,
) -> Result<IdpSession, AuthError> {
    let issuer = &idp.metadata.issuer;
    let bad = |problem| AuthError::BadIdToken {
        issuer: issuer.clone(),
        problem,
    };
    let id_token = tokens.id_token.ok_or(bad(IdTokenProblem::Missing))?;
    let checked = check(
        &id_token,
        issuer,
        &idp.client.client_id,
        nonce,
        token::now(),
    )
    .map_err(bad)?;
    Ok(IdpSession {
        issuer: issuer.clone(),
        client_id: idp.client.client_id.clone(),
        id_token,
        expires_at: checked.expires_at,
        refresh_token: tokens.refresh_token,
        subject: checked.subject,
        revocation_endpoint: idp.metadata.revocation_endpoint.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn jwt(claims: serde_json::Value) -> String {
        format!(
            "{}.{}.sig",
            URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#),
            URL_SAFE_NO_PAD.encode(claims.to_string())
        )
    }

    const IDP: &str = "https://idp.example.com";

    #[test]
    fn an_id_token_for_this_app_from_the_idp_with_our_nonce_passes() {
        let t = jwt(serde_json::json!({
            "iss": IDP, "aud": ["other", "app"], "exp": 2000, "nonce": "n1", "sub": "alice"
        }));
        let c = check(&t, IDP, "app", Some("n1"), 1000).unwrap();
        assert_eq!(c.expires_at, 2000);
        assert_eq!(c.subject.as_deref(), Some("alice"));
        // A refresh sends no nonce: whatever the token says is accepted.
        assert!(check(&t, IDP, "app", None, 1000).is_ok());
    }

    #[test]
    fn each_wrong_claim_is_named() {
        let base = serde_json::json!({"iss": IDP, "aud": "app", "exp": 2000, "nonce": "n1"});
        let with = |k: &str, v: serde_json::Value| {
            let mut c = base.clone();
            c[k] = v;
            jwt(c)
        };
        let at = |t: &str| check(t, IDP, "app", Some("n1"), 1000).err();
        assert_eq!(
            at(&with("iss", "https://evil.example".into())),
            Some(IdTokenProblem::WrongIssuer("https://evil.example".into()))
        );
        assert_eq!(
            at(&with("aud", "another-app".into())),
            Some(IdTokenProblem::WrongAudience("app".into()))
        );
        assert_eq!(at(&with("exp", 999.into())), Some(IdTokenProblem::Expired));
        assert_eq!(
            at(&with("exp", serde_json::Value::Null)),
            Some(IdTokenProblem::Expired)
        );
        assert_eq!(
            at(&with("nonce", "n2".into())),
            Some(IdTokenProblem::WrongNonce)
        );
        assert_eq!(at("not-a-jwt"), Some(IdTokenProblem::NotAJwt));
        assert_eq!(at("a.W10.c"), Some(IdTokenProblem::NotAJwt)); // payload `[]`
    }

    #[test]
    fn the_client_secret_stays_out_of_debug_output() {
        let idp = IdpOptions {
            issuer: None,
            token_endpoint: None,
            client_id: "idp-client".into(),
            client_secret: Some("s3cret-value".into()),
            id_token: Some(CredentialSource::Env {
                flag: "--id-token-env",
                var: "ID_TOKEN".into(),
            }),
        };
        let shown = format!("{idp:?}");
        assert!(!shown.contains("s3cret-value"), "{shown}");
        assert!(shown.contains("idp-client"), "{shown}");
    }

    #[test]
    fn the_kept_session_stays_out_of_debug_output() {
        let s = IdpSession {
            issuer: IDP.into(),
            client_id: "app".into(),
            id_token: "secret.id.token".into(),
            expires_at: 1,
            refresh_token: Some("secret-refresh".into()),
            subject: Some("alice".into()),
            revocation_endpoint: None,
        };
        let shown = format!("{s:?}");
        assert!(!shown.contains("secret"), "{shown}");
    }
}
