//! What the token-keeping facade ([`super::Auth`]) and the sign-in
//! ([`super::sign_in`], the grants) share: the server and settings, the
//! person and how to reach them, the HTTP client for the authorization
//! server, the header the relay sends now, what the person must do to finish
//! a sign-in, and which clients this process registered.

use crate::locked::Locked;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use tokio::sync::watch;
use url::Url;

use super::registration::{self, Client, ClientSource};
use super::store::Record;
use super::token::Tokens;
use super::{AuthConfig, AuthError, Person, discovery, dpop};

/// The token the relay currently sends.
#[derive(Clone)]
struct Current {
    /// `Bearer <token>`, or `DPoP <token>` for a bound one.
    header: HeaderValue,
    /// A DPoP-bound token: the key that signs each request's proof, and the
    /// token's hash for the proofs' `ath` (made once).
    bound: Option<(Arc<dpop::Signer>, Arc<str>)>,
    /// From this time on (Unix seconds), refresh before use.
    refresh_due: Option<u64>,
    can_refresh: bool,
}

pub struct Context {
    pub(super) server: Url,
    pub(super) cfg: AuthConfig,
    pub(super) person: Person,
    /// For metadata, registration and token requests: never follows redirects,
    /// and never carries the MCP server's token. Built on first use: with a
    /// valid stored token the bridge never needs it, and building a TLS
    /// client costs milliseconds of start-up.
    http_client: std::sync::OnceLock<reqwest::Client>,
    timeout: Duration,
    current: std::sync::RwLock<Option<Current>>,
    /// What the person must do to finish the sign-in under way (open this
    /// URL, enter that code), for the error of a request the host cancels.
    /// A watch channel: the sign-in helper passes each change on at once.
    pub(super) sign_in_hint: watch::Sender<Option<String>>,
    /// Clients this process registered: known to the server a moment ago,
    /// so an `invalid_client` with one of them is not a forgotten registration.
    pub(super) fresh_clients: std::sync::Mutex<std::collections::HashSet<String>>,
    /// The latest DPoP nonce each server (authorization or MCP) gave.
    pub(super) nonces: dpop::Nonces,
    /// The MCP server answered a DPoP-bound token with a Bearer-only
    /// challenge: tokens of this process's next sign-ins are not bound.
    pub(super) dpop_refused: std::sync::atomic::AtomicBool,
}

/// What a request to the MCP server carries: the Authorization header and,
/// for a DPoP-bound token, the `DPoP` proof for this request.
pub struct Credentials {
    pub authorization: HeaderValue,
    pub dpop: Option<HeaderValue>,
}

impl Context {
    pub(super) fn new(server: Url, cfg: AuthConfig, person: Person, timeout: Duration) -> Context {
        Context {
            server,
            cfg,
            person,
            http_client: std::sync::OnceLock::new(),
            timeout,
            current: std::sync::RwLock::new(None),
            sign_in_hint: watch::Sender::new(None),
            fresh_clients: std::sync::Mutex::default(),
            nonces: dpop::Nonces::default(),
            dpop_refused: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The header to send now, when it is due for a refresh, and whether
    /// it can be refreshed.
    pub(super) fn current(&self) -> Option<(HeaderValue, Option<u64>, bool)> {
        let current = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let c = current.as_ref()?;
        Some((c.header.clone(), c.refresh_due, c.can_refresh))
    }

    // See the comment at `expect`: not reachable from anything a server sends.
    #[allow(clippy::expect_used)]
    pub(super) fn http(&self) -> &reqwest::Client {
        self.http_client.get_or_init(|| {
            crate::net::client(
                crate::net::Purpose::Authorization,
                &self.cfg.tls,
                &self.cfg.network,
                self.timeout,
            )
            // Building fails only if the TLS backend can't initialise, which
            // the relay's own client (built first, same backend) would have hit.
            .expect("the HTTP client builds with the backend the relay already uses")
        })
    }

    /// Send the record's token from now on.
    pub(super) fn set_current(&self, record: &Record) {
        let tokens = record.tokens.as_ref();
        if tokens.is_some() {
            // A token in hand: no sign-in is waiting for the person.
            self.sign_in_hint.send_replace(None);
        }
        let use_id = self.cfg.use_id_token;
        let current = tokens.and_then(|t| {
            let credential = t.credential(use_id)?;
            // A bound token is never sent as a bearer token: without its
            // key (an unreadable store entry) it is not sent at all.
            let bound = match (t.dpop_bound, &record.dpop_key) {
                (false, _) => None,
                (true, Some(key)) => match key.signer() {
                    Ok(signer) => Some((Arc::new(signer), Arc::<str>::from(dpop::ath(credential)))),
                    Err(e) => {
                        tracing::warn!("{e}");
                        return None;
                    }
                },
                (true, None) => {
                    tracing::warn!(
                        "the stored token is DPoP-bound but its key is missing; signing in again"
                    );
                    return None;
                }
            };
            let scheme = if bound.is_some() { "DPoP" } else { "Bearer" };
            let mut header = HeaderValue::from_str(&format!("{scheme} {credential}")).ok()?;
            header.set_sensitive(true);
            Some(Current {
                header,
                bound,
                refresh_due: t.refresh_due(use_id),
                can_refresh: t.refresh_token.is_some(),
            })
        });
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = current;
    }

    pub(super) fn header_now(&self) -> Option<HeaderValue> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|c| c.header.clone())
    }

    /// The credentials for one request to the MCP server (`header` is
    /// what [`Self::current`] gave): for a bound token, a fresh proof.
    pub(super) fn credentials(
        &self,
        header: HeaderValue,
        method: &str,
        url: &url::Url,
    ) -> Credentials {
        // The common case, a bearer token: nothing more to look up.
        if !header.as_bytes().starts_with(b"DPoP ") {
            return Credentials {
                authorization: header,
                dpop: None,
            };
        }
        let bound = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .filter(|c| c.header == header)
            .and_then(|c| c.bound.clone());
        let dpop = bound.and_then(|(signer, ath)| {
            match signer.proof_with_ath(method, url, Some(&ath), self.nonces.get(url).as_deref()) {
                Ok(proof) => HeaderValue::from_str(&proof).ok(),
                Err(e) => {
                    tracing::warn!("{e}");
                    None
                }
            }
        });
        Credentials {
            authorization: header,
            dpop,
        }
    }

    /// Whether the token sent now is DPoP-bound.
    pub(super) fn is_bound(&self) -> bool {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .is_some_and(|c| c.bound.is_some())
    }

    pub(super) fn save(&self, record: &Record) {
        self.set_current(record);
        if let Some(store) = &self.cfg.store
            && let Err(e) = store.save(record)
        {
            tracing::warn!(
                "could not save the token in {} ({e}); you will have to sign in again next time",
                store.dir().display()
            );
        }
    }

    /// The client for token requests: the configured one (with its secret or
    /// key from the command line), else the stored registration.
    pub(super) fn effective_client(
        &self,
        record: &Record,
        md: &discovery::ServerMetadata,
    ) -> Option<Client> {
        registration::configured_client(&self.cfg.client, md).or_else(|| record.client.clone())
    }

    /// Tokens a grant gave, if they carry what will be sent: with
    /// `--use-id-token`, an ID token.
    pub(super) fn usable(&self, tokens: Tokens, issuer: &str) -> Result<Tokens, AuthError> {
        if self.cfg.use_id_token && tokens.id_token.is_none() {
            return Err(AuthError::NoIdToken {
                issuer: issuer.to_string(),
            });
        }
        Ok(tokens)
    }

    pub(super) fn finish(
        &self,
        record: &mut Record,
        client: Option<Client>,
        tokens: Tokens,
    ) -> Result<(), AuthError> {
        let tokens = self.usable(tokens, record.issuer.as_deref().unwrap_or_default())?;
        // A pre-registered client's secret stays on the command line, not on disk.
        record.client = client.map(|mut c| {
            if c.source == ClientSource::PreRegistered {
                c.auth = registration::ClientAuth::None;
            }
            c
        });
        record.tokens = Some(tokens);
        self.save(record);
        tracing::info!("authorized");
        Ok(())
    }

    /// RFC 7591 registration, remembered as fresh and stored.
    pub(super) async fn register(
        &self,
        record: &mut Record,
        md: &discovery::ServerMetadata,
        redirect_uri: &str,
    ) -> Result<Client, AuthError> {
        let client = registration::register(
            self.http(),
            md,
            redirect_uri,
            self.cfg.client.registration_token.as_deref(),
        )
        .await?;
        self.fresh_clients.locked().insert(client.client_id.clone());
        record.client = Some(client.clone());
        self.save(record);
        Ok(client)
    }

    pub(super) fn is_fresh(&self, client: &Client) -> bool {
        self.fresh_clients.locked().contains(&client.client_id)
    }

    /// Whether a dynamically registered client can be sent to the person's
    /// browser (or the device flow) without risk that the server forgot it:
    /// registered by this process, or read back through RFC 7592. Without
    /// a way to ask, it is not confirmed, and the caller registers afresh:
    /// one POST, no person involved, instead of a "client not found" page
    /// (providers that keep clients in memory forget them on a restart).
    pub(super) async fn confirmed(&self, md: &discovery::ServerMetadata, client: &Client) -> bool {
        if self.is_fresh(client) {
            return true;
        }
        match registration::still_registered(self.http(), md, client).await {
            Some(true) => {
                self.fresh_clients.locked().insert(client.client_id.clone());
                true
            }
            Some(false) => {
                tracing::info!(
                    "the authorization server no longer knows client {}; registering again",
                    client.client_id
                );
                false
            }
            None => {
                tracing::info!(
                    "client {} was registered by an earlier run and can't be checked (no RFC 7592 endpoint); registering afresh before signing in",
                    client.client_id
                );
                false
            }
        }
    }
}
