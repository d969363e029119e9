//! OAuth 2.1 for MCP servers that are OAuth resource servers (MCP authorization
//! spec 2025-11-25, compatible with 2025-06-18 and 2025-03-26).
//!
//! The relay asks this module for a header and, when the server refuses one,
//! hands over the challenge and hears "retry" or "fail". Nothing here knows
//! about stdio or JSON-RPC. [`Auth`] (this file) keeps the token and decides
//! when to refresh ([`refresh`]) or sign in ([`sign_in`], here or in the
//! helper process, [`keeper`]); each step of a sign-in lives in its own
//! file: [`challenge`] → [`discovery`] → [`registration`] → a [`grant`]
//! (`code` with `browser`, `callback` and `pkce`; `device`;
//! `client_credentials`), with [`scope`] → [`token`] → [`store`], one at a
//! time across processes ([`lock`]). What they share is [`context`].
//!
//! Nothing an authorization server sends may panic this layer: the lints
//! keep `unwrap`, `expect` and `panic!` out of it, tests aside.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod body;
pub mod challenge;
mod context;
pub mod credential;
pub mod discovery;
pub mod dpop;
mod error;
pub mod flow;
pub mod grant;
pub mod keeper;
pub mod lock;
mod person;
pub mod private_files;
pub mod provider_error;
mod refresh;
pub mod registration;
pub mod scope;
mod sign_in;
pub mod store;
pub mod token;

use crate::locked::Locked;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use url::Url;

use challenge::Challenge;
use context::Context;
pub use context::Credentials;
use discovery::Overrides;
pub use error::{AuthError, CannotRefresh, ClientAssertionError, CredentialReadError, PasteError};
use flow::Flow;
use grant::callback::CallbackHost;
pub use person::{Notice, Person};
pub use provider_error::{ErrorCode, ProviderError};
use registration::{ClientOptions, ClientSource};
use scope::scope_list;
pub use scope::{ScopeChoice, ScopeSource, choose_scope};
use store::{Record, TokenStore};

/// After the authorization server failed to answer an early refresh, how long
/// the current (still valid) token is used before asking again.
const REFRESH_PAUSE: Duration = Duration::from_secs(30);

/// An `AtomicBool` set for as long as this lives.
struct Flag<'a>(&'a std::sync::atomic::AtomicBool);

impl<'a> Flag<'a> {
    fn raise(flag: &'a std::sync::atomic::AtomicBool) -> Self {
        flag.store(true, std::sync::atomic::Ordering::Release);
        Flag(flag)
    }
}

impl Drop for Flag<'_> {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::Release);
    }
}

/// The authorization settings resolved from the command line.
#[derive(Debug, Clone, Default)]
pub struct AuthConfig {
    pub overrides: Overrides,
    pub client: ClientOptions,
    /// `--scope`: wins over everything the server says.
    pub scope: Option<String>,
    /// `--resource`: the RFC 8707 resource, instead of the server's.
    pub resource: Option<String>,
    /// `--no-resource`: send no `resource` parameter at all (Entra ID v2).
    pub no_resource: bool,
    /// `--auth-param k=v`: extra authorization request parameters.
    pub extra_params: Vec<(String, String)>,
    pub assume_pkce: bool,
    pub callback_port: Option<u16>,
    pub callback_host: CallbackHost,
    /// The redirect URI's path (`--callback-path`, checked in config).
    pub callback_path: String,
    pub open_browser: bool,
    pub auth_timeout: Duration,
    pub store: Option<TokenStore>,
    /// `--flow`.
    pub flow: Flow,
    /// `--assertion-file` / `--assertion-env`, for `--flow jwt-bearer`.
    pub assertion: Option<credential::CredentialSource>,
    /// The enterprise IdP, for `--flow enterprise`.
    pub enterprise: Option<grant::idp::IdpOptions>,
    /// `--dpop` / `--no-dpop`.
    pub dpop: dpop::Mode,
    /// Whether a browser can be opened here (asked only when signing in).
    pub surroundings: flow::Surroundings,
    /// Certificate checks, the same as for the MCP server.
    pub tls: crate::net::Tls,
    /// `--ipv4`, `--connect-timeout`, the same as for the MCP server.
    pub network: crate::net::Network,
    /// `--auth-success-url`: where the browser goes after a sign-in that
    /// worked (checked in config: https, or http on loopback).
    pub success_url: Option<Url>,
    /// `--use-id-token`: send the OIDC ID token instead of the access token
    /// (servers that check who the caller is, e.g. Cognito in front of AWS
    /// Bedrock AgentCore).
    pub use_id_token: bool,
}

impl AuthConfig {
    /// Whether a sign-in may need the person: the browser and device flows,
    /// and `--flow enterprise` without an ID token (mcp-tether signs in to
    /// the IdP). Such a sign-in runs in the helper when a host started the
    /// bridge, so that it outlives a host that gives up waiting.
    pub fn may_involve_person(&self) -> bool {
        self.flow.involves_person()
            || (self.flow == Flow::Enterprise
                && self
                    .enterprise
                    .as_ref()
                    .is_some_and(|e| e.id_token.is_none()))
    }
}

/// What the relay holds: the header to send, and recovery when the server
/// refuses it (adopt what another process stored, refresh, or sign in: one
/// at a time, here and across processes). The sign-in itself is
/// [`sign_in`] and the grants under [`grant`]; what they share is [`Context`].
pub struct Auth {
    cx: Context,
    /// Held for the whole of a refresh or an authorization: one at a time.
    record: tokio::sync::Mutex<Record>,
    /// Counts finished authorization attempts, and why the last one failed:
    /// requests that queued behind a failed sign-in fail with it instead of
    /// each opening another browser tab.
    attempts: std::sync::atomic::AtomicU64,
    /// No early refresh before this time (Unix seconds): the authorization
    /// server did not answer the last one.
    refresh_paused_until: std::sync::atomic::AtomicU64,
    /// The header of the token the last 401-driven refresh got.
    last_refreshed: std::sync::Mutex<Option<HeaderValue>>,
    last_failure: std::sync::Mutex<Option<String>>,
    /// When the last sign-in (a person involved) started, and the header it
    /// ended with: a server that refuses every fresh token gets one sign-in
    /// per `--auth-timeout`, not one per request.
    last_sign_in: std::sync::Mutex<Option<(std::time::Instant, Option<HeaderValue>)>>,
    /// Set while a sign-in runs: a bridge whose host closed stdin lets it finish.
    signing_in: std::sync::atomic::AtomicBool,
}

impl Auth {
    pub fn new(
        server: Url,
        cfg: AuthConfig,
        person: Person,
        timeout: Duration,
    ) -> Result<Auth, AuthError> {
        let record = cfg
            .store
            .as_ref()
            .and_then(|s| s.load(server.as_str()))
            .filter(|r| record_fits(r, &cfg))
            .unwrap_or_else(|| Record {
                server_url: server.to_string(),
                ..Record::default()
            });
        let cx = Context::new(server, cfg, person, timeout);
        cx.set_current(&record);
        let auth = Auth {
            cx,
            record: tokio::sync::Mutex::new(record),
            attempts: std::sync::atomic::AtomicU64::new(0),
            refresh_paused_until: std::sync::atomic::AtomicU64::new(0),
            last_refreshed: std::sync::Mutex::new(None),
            last_failure: std::sync::Mutex::new(None),
            last_sign_in: std::sync::Mutex::new(None),
            signing_in: std::sync::atomic::AtomicBool::new(false),
        };
        Ok(auth)
    }

    /// The Authorization header to send, refreshing first when the token is
    /// about to expire.
    pub async fn header(&self) -> Option<HeaderValue> {
        let (header, refresh_due, can_refresh) = self.cx.current()?;
        if refresh_due.is_none_or(|due| token::now() < due) {
            return Some(header);
        }
        if token::now()
            < self
                .refresh_paused_until
                .load(std::sync::atomic::Ordering::Acquire)
        {
            // The authorization server just failed to answer: use the token
            // while it lasts instead of making every request wait on it.
            return Some(header);
        }
        if can_refresh {
            let mut record = self.record.lock().await;
            let _lock = match self.cross_process_lock().await {
                Ok(l) => l,
                Err(e) => {
                    tracing::info!("{e}; the server will ask for a new token");
                    return self.cx.header_now();
                }
            };
            // Another request, or another process, may have refreshed while we
            // waited: re-read before spending the refresh token.
            self.adopt_stored(&mut record);
            if record
                .tokens
                .as_ref()
                .is_some_and(|t| !t.needs_refresh(self.cx.cfg.use_id_token))
                || token::now()
                    < self
                        .refresh_paused_until
                        .load(std::sync::atomic::Ordering::Acquire)
            {
                return self.cx.header_now();
            }
            match refresh::refresh(&self.cx, &mut record).await {
                Ok(()) => {}
                Err(e @ AuthError::Unreachable { .. }) => {
                    tracing::warn!("{e}; using the current token until it expires");
                    self.refresh_paused_until.store(
                        token::now() + REFRESH_PAUSE.as_secs(),
                        std::sync::atomic::Ordering::Release,
                    );
                }
                Err(e) => tracing::info!(
                    "refreshing the token failed ({e}); the server will ask for a new one"
                ),
            }
        }
        self.cx.header_now()
    }

    /// What one request to the MCP server carries: the Authorization header
    /// (refreshed first when due) and, for a DPoP-bound token, a fresh proof
    /// for this method and URL.
    pub async fn credentials(&self, method: &str, url: &Url) -> Option<Credentials> {
        let header = self.header().await?;
        Some(self.cx.credentials(header, method, url))
    }

    /// A response from the MCP server: keep the DPoP nonce it carries, if any
    /// (RFC 9449 §9), for the next proof to that server.
    pub fn remember_nonce(&self, url: &Url, headers: &reqwest::header::HeaderMap) {
        self.cx.nonces.remember(url, headers);
    }

    /// The cross-process lock for this server's record (none without a store).
    async fn cross_process_lock(&self) -> Result<Option<lock::RecordLock>, AuthError> {
        let Some(store) = &self.cx.cfg.store else {
            return Ok(None);
        };
        lock::acquire(
            &store.lock_path(self.cx.server.as_str()),
            self.cx.cfg.auth_timeout,
        )
        .await
        .map(Some)
        .map_err(AuthError::Lock)
    }

    /// Take the stored record if another process wrote newer tokens. Returns
    /// whether it did.
    fn adopt_stored(&self, record: &mut Record) -> bool {
        let Some(stored) = self
            .cx
            .cfg
            .store
            .as_ref()
            .and_then(|s| s.load(self.cx.server.as_str()))
        else {
            return false;
        };
        if stored.tokens.is_none()
            || stored.tokens == record.tokens
            || !record_fits(&stored, &self.cx.cfg)
        {
            return false;
        }
        *record = stored;
        self.cx.set_current(record);
        true
    }

    /// The server refused the request (401, or 403 with insufficient_scope).
    /// Get a token that should work; `Ok` means: retry the request.
    pub async fn recover(
        &self,
        status: StatusCode,
        challenge: Option<Challenge>,
        sent: Option<&HeaderValue>,
    ) -> Result<(), AuthError> {
        use std::sync::atomic::Ordering;
        if status == StatusCode::UNAUTHORIZED
            && self.cx.is_bound()
            && challenge.as_ref().is_some_and(Challenge::is_use_dpop_nonce)
        {
            // RFC 9449 §9: the server wants its nonce in the proof; the
            // answer carried it (the transport kept it). Retry (bounded by
            // the relay's attempts).
            tracing::debug!("the MCP server asked for a DPoP nonce; retrying with it");
            return Ok(());
        }
        let attempts_seen = self.attempts.load(Ordering::Acquire);
        let mut record = self.record.lock().await;
        if self.cx.header_now().as_ref() != sent {
            // Someone else got a new token while this request was out.
            return Ok(());
        }
        if self.attempts.load(Ordering::Acquire) != attempts_seen
            && let Some(why) = self.last_failure.locked().clone()
        {
            return Err(AuthError::Earlier(why));
        }
        let result = self
            .recover_locked(&mut record, status, challenge, sent)
            .await;
        *self.last_failure.locked() = result.as_ref().err().map(|e| e.to_string());
        self.attempts.fetch_add(1, Ordering::Release);
        result
    }

    async fn recover_locked(
        &self,
        record: &mut Record,
        status: StatusCode,
        challenge: Option<Challenge>,
        sent: Option<&HeaderValue>,
    ) -> Result<(), AuthError> {
        // One sign-in or refresh at a time across processes; whoever held the
        // lock before us may have stored a token that makes ours unnecessary.
        let _lock = self.cross_process_lock().await?;
        if self.adopt_stored(record) && self.cx.header_now().as_ref() != sent {
            tracing::info!("using the token another mcp-tether process just stored");
            return Ok(());
        }
        let challenge = challenge.unwrap_or_default();
        if status == StatusCode::UNAUTHORIZED
            && sent.is_some()
            && self.cx.is_bound()
            && !challenge.dpop
            && !self
                .cx
                .dpop_refused
                .swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            // The server refused a bound token and offers Bearer only: it
            // does not take DPoP after all. Once: sign in for an unbound token.
            tracing::warn!(
                "the server refused the DPoP-bound token and asks for a Bearer token; signing in again without DPoP (pass --no-dpop to skip this)"
            );
            record.tokens = None;
            return self.authorize(record, &challenge, None).await;
        }
        if status == StatusCode::FORBIDDEN {
            // Step-up: ask for what we have plus what the server wants.
            let mut scopes = scope_list(record.tokens.as_ref().and_then(|t| t.scope.as_deref()));
            for s in scope_list(challenge.scope.as_deref()) {
                if !scopes.contains(&s) {
                    scopes.push(s);
                }
            }
            tracing::info!(
                "the server needs more scope ({}); authorizing again",
                scopes.join(" ")
            );
            return self
                .authorize(record, &challenge, Some(scopes.join(" ")))
                .await;
        }
        // A token we just refreshed, refused at once: the refresh can't fix
        // it. Perhaps the server moved to another authorization server. The
        // same for the token the last sign-in gave (a provider that issues
        // no refresh token): without this check, the throttle below would
        // refuse the sign-in at the new authorization server.
        let fresh_token_refused = sent.is_some() && self.last_refreshed.locked().as_ref() == sent;
        let signed_in_token_refused = sent.is_some()
            && self
                .last_sign_in
                .locked()
                .as_ref()
                .is_some_and(|(_, ended_with)| ended_with.as_ref() == sent);
        if (fresh_token_refused || signed_in_token_refused)
            && self.authorization_server_moved(record, &challenge).await
        {
            // SEP-2352: credentials belong to the server that issued them.
            record.client = None;
            record.tokens = None;
            record.discovered = None;
            return self.authorize(record, &challenge, None).await;
        }
        if record
            .tokens
            .as_ref()
            .is_some_and(|t| t.refresh_token.is_some())
            && sent.is_some()
            && !fresh_token_refused
        {
            match refresh::refresh(&self.cx, record).await {
                Ok(()) => {
                    *self.last_refreshed.locked() = self.cx.header_now();
                    return Ok(());
                }
                // A sign-in would need the same server: say what is wrong.
                Err(e @ AuthError::Unreachable { .. }) => return Err(e),
                Err(e) => tracing::info!("refreshing the token failed ({e}); authorizing again"),
            }
        }
        // A token refused after it expired is no sign of a server that
        // refuses every token; an unattended grant (client credentials, a
        // JWT bearer assertion, an ID-JAG) involves no person and just runs
        // again.
        let expired = record
            .tokens
            .as_ref()
            .and_then(|t| t.expires_at)
            .is_some_and(|at| token::now() + 5 >= at);
        // An enterprise sign-in needs the person only when the IdP's ID
        // token is gone; a server refusing its tokens costs exchanges,
        // bounded by the relay's attempts, as for the other unattended grants.
        if !expired && self.cx.cfg.flow.involves_person() {
            self.throttle_sign_in(sent)?;
        }
        self.authorize(record, &challenge, None).await
    }

    /// Refuse a second sign-in within `--auth-timeout` of the last one when
    /// that one failed, or when its token is what was just refused: the
    /// server would refuse the next token too, and each sign-in may register
    /// a client and open a browser tab.
    fn throttle_sign_in(&self, sent: Option<&HeaderValue>) -> Result<(), AuthError> {
        let last = self.last_sign_in.locked().clone();
        let Some((started, ended_with)) = last else {
            return Ok(());
        };
        let ago = started.elapsed();
        if ago >= self.cx.cfg.auth_timeout {
            return Ok(());
        }
        let failed = ended_with.is_none();
        let its_token_refused = ended_with.is_some() && ended_with.as_ref() == sent;
        if !(failed || its_token_refused) {
            return Ok(());
        }
        let why = if failed {
            "the sign-in failed"
        } else {
            "the server refused the token it gave"
        };
        Err(AuthError::Earlier(format!(
            "{why} {} s ago; mcp-tether signs in at most once per --auth-timeout ({} s) for a server that refuses its tokens. Check that your account may use {}, or run `mcp-tether login {}`",
            ago.as_secs(),
            self.cx.cfg.auth_timeout.as_secs(),
            self.cx.server,
            self.cx.server
        )))
    }

    /// Whether the server's metadata now names another authorization server
    /// than the one our token (and registration) came from. One request, only
    /// when a just-refreshed token is refused; without an answer, nothing is
    /// assumed to have moved.
    async fn authorization_server_moved(&self, record: &Record, challenge: &Challenge) -> bool {
        if self.cx.cfg.overrides.auth_server.is_some()
            || self.cx.cfg.overrides.auth_server_metadata.is_some()
        {
            return false; // the person named it
        }
        let Some(issuer) = record.issuer.as_deref() else {
            return false;
        };
        match discovery::current_authorization_server(
            self.cx.http(),
            &self.cx.server,
            challenge,
            &self.cx.cfg.overrides,
        )
        .await
        {
            Some(now) if !discovery::same_issuer(&now, issuer) => {
                tracing::info!(
                    "the server's authorization server changed from {issuer} to {now}; registering and signing in there"
                );
                true
            }
            _ => false,
        }
    }

    /// What the person must do to finish the sign-in under way, if one is.
    pub fn sign_in_hint(&self) -> Option<String> {
        self.cx.sign_in_hint.borrow().clone()
    }

    /// Whether a sign-in is under way in this process.
    pub fn signing_in(&self) -> bool {
        self.signing_in.load(std::sync::atomic::Ordering::Acquire)
    }

    /// `mcp-tether login`: sign in now, whatever is stored. `challenge` is what
    /// the server answered an unauthenticated request with.
    pub async fn login(&self, challenge: Option<Challenge>) -> Result<(), AuthError> {
        let mut record = self.record.lock().await;
        let _lock = self.cross_process_lock().await?;
        self.authorize(&mut record, &challenge.unwrap_or_default(), None)
            .await
    }

    /// What is stored now (for `login` to report).
    pub async fn record(&self) -> Record {
        self.record.lock().await.clone()
    }

    /// The full flow: discovery, client identity, browser, callback, code
    /// exchange. Remembered for [`Self::throttle_sign_in`].
    async fn authorize(
        &self,
        record: &mut Record,
        challenge: &Challenge,
        step_up_scope: Option<String>,
    ) -> Result<(), AuthError> {
        let started = std::time::Instant::now();
        let result = if self.delegates_sign_in() {
            match self
                .sign_in_elsewhere(record, challenge, step_up_scope.clone())
                .await
            {
                Err(AuthError::HelperUnavailable { cause }) => {
                    tracing::warn!(
                        "the sign-in helper could not be started ({cause}); signing in within the bridge, so closing the host ends the sign-in"
                    );
                    self.authorize_here(record, challenge, step_up_scope).await
                }
                other => other,
            }
        } else {
            self.authorize_here(record, challenge, step_up_scope).await
        };
        self.cx.sign_in_hint.send_replace(None);
        // An authorization server that did not answer got no registration
        // and sent nobody anywhere: that one doesn't count.
        if !matches!(result, Err(AuthError::Unreachable { .. })) {
            let ended_with = result.as_ref().ok().and_then(|()| self.cx.header_now());
            *self.last_sign_in.locked() = Some((started, ended_with));
        }
        result
    }

    /// The sign-in, in this process.
    async fn authorize_here(
        &self,
        record: &mut Record,
        challenge: &Challenge,
        step_up_scope: Option<String>,
    ) -> Result<(), AuthError> {
        // Cleared on drop too: a request that is cancelled mid-sign-in
        // drops this future.
        let _flag = Flag::raise(&self.signing_in);
        sign_in::sign_in(&self.cx, record, challenge, step_up_scope).await
    }

    /// Whether a sign-in runs in a helper process ([`keeper`]): for a
    /// host-started bridge with a token store, when a person may be
    /// involved (the unattended grants involve nobody and take a second).
    fn delegates_sign_in(&self) -> bool {
        matches!(self.cx.person, Person::ViaHost { detach: true, .. })
            && self.cx.cfg.store.is_some()
            && self.cx.cfg.may_involve_person()
    }

    /// Sign in through the helper, then take the token it stored.
    async fn sign_in_elsewhere(
        &self,
        record: &mut Record,
        challenge: &Challenge,
        step_up_scope: Option<String>,
    ) -> Result<(), AuthError> {
        let order = keeper::Order {
            challenge: challenge.clone(),
            step_up_scope,
            refused: self.cx.header_now().as_ref().map(keeper::fingerprint),
            host_opens_urls: self.cx.person.host_opens_urls(),
            fresh_clients: self.cx.fresh_clients.locked().iter().cloned().collect(),
            no_dpop: self
                .cx
                .dpop_refused
                .load(std::sync::atomic::Ordering::Acquire),
        };
        keeper::sign_in_elsewhere(
            &order,
            self.cx.person.notifier(),
            &self.cx.sign_in_hint,
            &self.cx.fresh_clients,
            self.cx.cfg.auth_timeout,
        )
        .await?;
        if self.adopt_stored(record) {
            tracing::info!("authorized");
            Ok(())
        } else {
            Err(AuthError::HelperTokenMissing)
        }
    }

    /// The header sent now (for the sign-in helper, [`keeper`]).
    pub(super) fn header_now(&self) -> Option<HeaderValue> {
        self.cx.header_now()
    }

    /// Clients another process registered moments ago: known to the server.
    pub(super) fn adopt_fresh_clients(&self, ids: impl IntoIterator<Item = String>) {
        self.cx.fresh_clients.locked().extend(ids);
    }

    /// The bridge found the server refuses DPoP-bound tokens (for the
    /// sign-in helper, [`keeper`]).
    pub(super) fn refuse_dpop(&self) {
        self.cx
            .dpop_refused
            .store(true, std::sync::atomic::Ordering::Release);
    }

    /// Clients registered in this process (or adopted as fresh).
    pub(super) fn fresh_clients(&self) -> Vec<String> {
        self.cx.fresh_clients.locked().iter().cloned().collect()
    }

    /// Each change of what the person must do to finish the sign-in.
    pub(super) fn watch_sign_in_hint(&self) -> tokio::sync::watch::Receiver<Option<String>> {
        self.cx.sign_in_hint.subscribe()
    }

    /// The sign-in helper's work: sign in here, in this process.
    pub async fn sign_in_here(
        &self,
        challenge: Challenge,
        step_up_scope: Option<String>,
    ) -> Result<(), AuthError> {
        let mut record = self.record.lock().await;
        self.authorize(&mut record, &challenge, step_up_scope).await
    }
}

/// A stored record is used only if it was made with the same client settings.
fn record_fits(record: &Record, cfg: &AuthConfig) -> bool {
    match (&cfg.client.client_id, &record.client) {
        (Some(id), Some(c)) => &c.client_id == id,
        (Some(_), None) => true,
        (None, Some(c)) => c.source != ClientSource::PreRegistered,
        (None, None) => true,
    }
}
