//! OAuth 2.1 for MCP servers that are OAuth resource servers (MCP authorization
//! spec 2025-11-25, compatible with 2025-06-18 and 2025-03-26).
//!
//! The relay asks this module for a header and, when the server refuses one,
//! hands over the challenge and hears "retry" or "fail". Nothing here knows
//! about stdio or JSON-RPC. Each step of the flow lives in its own file:
//! [`challenge`] → [`discovery`] → [`registration`] → [`browser`] and
//! [`callback`] (with [`pkce`]) → [`token`] → [`store`].
//!
//! Nothing an authorization server sends may panic this layer: the lints
//! keep `unwrap`, `expect` and `panic!` out of it, tests aside.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod body;
pub mod challenge;
pub mod discovery;
pub mod flow;
pub mod grant;
pub mod keeper;
pub mod lock;
pub mod private_files;
pub mod provider_error;
pub mod registration;
pub mod store;
pub mod token;

use crate::locked::Locked;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use url::Url;

use challenge::Challenge;
use discovery::{Discovered, Overrides};
use flow::{Flow, Grant};
use grant::callback::{CallbackHost, Expect, Listener};
use grant::{browser, callback, device, pkce};
pub use provider_error::{ErrorCode, ProviderError};
use registration::{Client, ClientOptions, ClientSource};
use store::{Record, TokenStore};
use token::Tokens;

/// After the authorization server failed to answer an early refresh, how long
/// the current (still valid) token is used before asking again.
const REFRESH_PAUSE: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{what}. Tried: {}. If the server's metadata lives elsewhere, pass --resource-metadata URL, --auth-server ISSUER or --auth-server-metadata URL", .tried.join("; "))]
    Discovery { what: String, tried: Vec<String> },

    #[error(
        "the server's protected resource metadata ({metadata_url}) is for resource {resource}, not for {server}; refusing to get a token for another resource. Tell the server's admin; no token was sent"
    )]
    ResourceMismatch {
        resource: String,
        server: String,
        metadata_url: String,
    },

    #[error(
        "the authorization server metadata at {metadata_url} says its issuer is {found}, but it was looked up for {expected}; refusing it (possible mix-up). Check --auth-server / --auth-server-metadata"
    )]
    IssuerMismatch {
        expected: String,
        found: String,
        metadata_url: String,
    },

    #[error("refusing plain http:// for {0}: use https, or pass --allow-http on a trusted network")]
    Insecure(String),

    #[error(
        "refusing the endpoint {0}: only https:// (or http:// on loopback) is allowed for OAuth endpoints. The server's metadata is broken or hostile; tell its admin. Nothing was sent or opened"
    )]
    NotHttp(String),

    #[error(
        "the authorization server {issuer} does not advertise PKCE with S256 (code_challenge_methods_supported), which MCP requires. If you know it supports PKCE (Entra ID does, without saying so), pass --assume-pkce"
    )]
    NoPkce { issuer: String },

    #[error(
        "the authorization server {issuer} does not support dynamic client registration, and no client was given. Register an application with the provider (redirect URI http://127.0.0.1/callback, or a fixed port with --callback-port) and pass --client-id ID (and --client-secret-env VAR for a confidential client)"
    )]
    NoClient { issuer: String },

    #[error("client registration at {endpoint} {}. Get an initial access token from the provider's admin and pass --registration-token TOKEN, or pre-register a client and pass --client-id", token_verdict(*.had_token))]
    RegistrationNeedsToken { endpoint: String, had_token: bool },

    #[error(
        "client registration at {endpoint} failed ({detail}). Pre-register a client with the provider and pass --client-id"
    )]
    Registration { endpoint: String, detail: String },

    #[error(
        "the authorization response's state did not match the request (possible CSRF); nothing was exchanged. Try again"
    )]
    StateMismatch,

    #[error(
        "the authorization response came from issuer {found}, expected {expected} (RFC 9207 mix-up defence); nothing was exchanged"
    )]
    IssuerParamMismatch { expected: String, found: String },

    #[error("the authorization server refused: {0}. {hint}", hint = .0.hint())]
    Denied(ProviderError),

    #[error(
        "no sign-in completed within {0} s. Open the URL printed on stderr, or raise --auth-timeout"
    )]
    AuthTimeout(u64),

    #[error("the token endpoint refused: {0}. {hint}", hint = .0.hint())]
    Token(ProviderError),

    #[error("{0}")]
    Http(String),

    /// The authorization server's metadata lacks an endpoint the flow needs.
    #[error("{issuer} lists no {endpoint}")]
    MissingEndpoint {
        issuer: String,
        endpoint: &'static str,
    },

    /// A request to an authorization server endpoint got no HTTP answer
    /// (other than a connect failure or a timeout, which are `Unreachable`).
    #[error("the {what} request to {url} failed: {cause}")]
    RequestFailed {
        what: &'static str,
        url: String,
        cause: String,
    },

    /// An authorization server endpoint's answer could not be used.
    #[error("the {what} response from {url} {why}")]
    BadResponse {
        what: &'static str,
        url: String,
        why: String,
    },

    /// An OAuth endpoint answered with an error status and no OAuth error body.
    #[error("{url} answered HTTP {status}")]
    HttpStatus { url: String, status: u16 },

    /// The sign-in helper process could not be talked to.
    #[error("the sign-in helper: {what} ({cause})")]
    Helper { what: &'static str, cause: String },

    /// The sign-in helper could not be started (the binary was replaced by
    /// an upgrade while the bridge ran, say): the sign-in runs in-process.
    #[error("the sign-in helper could not be started ({cause})")]
    HelperUnavailable { cause: String },

    /// The authorization server could not be reached (connect or timeout).
    #[error(
        "the authorization server did not answer ({what}: {cause}). mcp-tether tries again with the next request; check your network, proxy, or the provider's status"
    )]
    Unreachable { what: String, cause: String },

    #[error(
        "the device code expired before it was approved. Run the sign-in again and approve it sooner"
    )]
    DeviceExpired,

    #[error(
        "the authorization server {issuer} does not offer the device flow. Use `mcp-tether login --paste` to sign in from another machine, or --flow browser"
    )]
    NoDeviceFlow { issuer: String },

    #[error(
        "--flow client-credentials needs a confidential client: pass --client-id with --client-secret-env VAR, or with --client-assertion-key PEM"
    )]
    ClientCredentialsNeedClient,

    #[error(
        "--use-id-token: the authorization server {issuer} issued no ID token although `openid` was asked for. Check that the client may use the openid scope, or leave out --use-id-token"
    )]
    NoIdToken { issuer: String },

    #[error(
        "the authorization server {issuer} refused the device flow for the client mcp-tether registered ({refusal}). Its admin must allow the grant urn:ietf:params:oauth:grant-type:device_code for dynamically registered clients; meanwhile sign in with the browser (--flow browser) or `mcp-tether login --paste`"
    )]
    DeviceGrantRefused {
        issuer: String,
        refusal: ProviderError,
    },

    /// No browser launcher worked (the caller falls back to the device flow).
    #[error("no browser could be opened ({why})")]
    BrowserFailed { why: String },

    /// The sign-in this request waited for failed; the same reason applies.
    #[error("{0}")]
    Earlier(String),
}

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

fn token_verdict(had_token: bool) -> &'static str {
    if had_token {
        "refused the registration token"
    } else {
        "requires an initial access token"
    }
}

/// Something the person has to see while a host-started bridge signs in.
#[derive(Debug, Clone)]
pub enum Notice {
    /// A line for the host's log.
    Log(String),
    /// A URL to open, offered as a URL-mode elicitation (MCP 2025-11-25)
    /// when the host declared it can show one.
    OpenUrl { url: String, message: String },
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
    /// Why no browser can be opened here (None: one can).
    pub no_browser: Option<String>,
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

/// Where the person who signs in is, which decides how they are reached.
/// Set by whoever starts the sign-in (the relay, `login`, the sign-in
/// helper), never by the command line: the settings are [`AuthConfig`].
#[derive(Debug, Clone)]
pub enum Person {
    /// Behind a host that started this bridge: reached through stderr and
    /// the host (`notifier`), with links shown by the host when it declared
    /// URL elicitation (`host_opens_urls`, learnt from `initialize`).
    /// `detach`: sign in through a helper process that outlives the bridge
    /// ([`keeper`]).
    ViaHost {
        notifier: Option<tokio::sync::mpsc::UnboundedSender<Notice>>,
        host_opens_urls: std::sync::Arc<std::sync::atomic::AtomicBool>,
        detach: bool,
    },
    /// At this terminal (`mcp-tether login`); `paste`: the redirect URL (or
    /// the code) is read back from stdin.
    AtTerminal { paste: bool },
}

impl Person {
    fn at_terminal(&self) -> bool {
        matches!(self, Person::AtTerminal { .. })
    }

    fn pastes(&self) -> bool {
        matches!(self, Person::AtTerminal { paste: true })
    }

    /// The host declared it can show the person a link.
    fn host_opens_urls(&self) -> bool {
        match self {
            Person::ViaHost {
                host_opens_urls, ..
            } => host_opens_urls.load(std::sync::atomic::Ordering::Acquire),
            Person::AtTerminal { .. } => false,
        }
    }

    /// Send a notice to the host, if there is one to send it to.
    fn notify(&self, notice: Notice) {
        if let Person::ViaHost {
            notifier: Some(n), ..
        } = self
        {
            let _ = n.send(notice);
        }
    }

    fn notifier(&self) -> Option<&tokio::sync::mpsc::UnboundedSender<Notice>> {
        match self {
            Person::ViaHost { notifier, .. } => notifier.as_ref(),
            Person::AtTerminal { .. } => None,
        }
    }
}

/// The token the relay currently sends.
#[derive(Clone)]
struct Current {
    header: HeaderValue,
    /// From this time on (Unix seconds), refresh before use.
    refresh_due: Option<u64>,
    can_refresh: bool,
}

pub struct Auth {
    server: Url,
    cfg: AuthConfig,
    person: Person,
    /// For metadata, registration and token requests: never follows redirects,
    /// and never carries the MCP server's token. Built on first use: with a
    /// valid stored token the bridge never needs it, and building a TLS
    /// client costs milliseconds of start-up.
    http_client: std::sync::OnceLock<reqwest::Client>,
    timeout: Duration,
    /// Held for the whole of a refresh or an authorization: one at a time.
    record: tokio::sync::Mutex<Record>,
    current: std::sync::RwLock<Option<Current>>,
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
    /// Clients this process registered: known to the server a moment ago,
    /// so an `invalid_client` with one of them is not a forgotten registration.
    fresh_clients: std::sync::Mutex<std::collections::HashSet<String>>,
    /// When the last sign-in (a person involved) started, and the header it
    /// ended with: a server that refuses every fresh token gets one sign-in
    /// per `--auth-timeout`, not one per request.
    last_sign_in: std::sync::Mutex<Option<(std::time::Instant, Option<HeaderValue>)>>,
    /// Set while a sign-in runs: a bridge whose host closed stdin lets it finish.
    signing_in: std::sync::atomic::AtomicBool,
    /// What the person must do to finish the sign-in under way (open this
    /// URL, enter that code), for the error of a request the host cancels.
    /// A watch channel: the sign-in helper passes each change on at once.
    sign_in_hint: tokio::sync::watch::Sender<Option<String>>,
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
        let tokens = record.tokens.clone();
        let auth = Auth {
            server,
            cfg,
            person,
            http_client: std::sync::OnceLock::new(),
            timeout,
            current: std::sync::RwLock::new(None),
            record: tokio::sync::Mutex::new(record),
            attempts: std::sync::atomic::AtomicU64::new(0),
            refresh_paused_until: std::sync::atomic::AtomicU64::new(0),
            last_refreshed: std::sync::Mutex::new(None),
            last_failure: std::sync::Mutex::new(None),
            fresh_clients: std::sync::Mutex::default(),
            last_sign_in: std::sync::Mutex::new(None),
            signing_in: std::sync::atomic::AtomicBool::new(false),
            sign_in_hint: tokio::sync::watch::Sender::new(None),
        };
        auth.set_current(tokens.as_ref());
        Ok(auth)
    }

    // See the comment at `expect`: not reachable from anything a server sends.
    #[allow(clippy::expect_used)]
    fn http(&self) -> &reqwest::Client {
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

    /// The Authorization header to send, refreshing first when the token is
    /// about to expire.
    pub async fn header(&self) -> Option<HeaderValue> {
        let (header, refresh_due, can_refresh) = {
            let current = self
                .current
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let c = current.as_ref()?;
            (c.header.clone(), c.refresh_due, c.can_refresh)
        };
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
                    return self.header_now();
                }
            };
            // Another request, or another process, may have refreshed while we
            // waited: re-read before spending the refresh token.
            self.adopt_stored(&mut record);
            if record
                .tokens
                .as_ref()
                .is_some_and(|t| !t.needs_refresh(self.cfg.use_id_token))
                || token::now()
                    < self
                        .refresh_paused_until
                        .load(std::sync::atomic::Ordering::Acquire)
            {
                return self.header_now();
            }
            match self.refresh(&mut record).await {
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
        self.header_now()
    }

    /// The cross-process lock for this server's record (none without a store).
    async fn cross_process_lock(&self) -> Result<Option<lock::RecordLock>, AuthError> {
        let Some(store) = &self.cfg.store else {
            return Ok(None);
        };
        lock::acquire(
            &store.lock_path(self.server.as_str()),
            self.cfg.auth_timeout,
        )
        .await
        .map(Some)
        .map_err(|e| AuthError::Http(format!("waiting for another mcp-tether's sign-in: {e}")))
    }

    /// Take the stored record if another process wrote newer tokens. Returns
    /// whether it did.
    fn adopt_stored(&self, record: &mut Record) -> bool {
        let Some(stored) = self
            .cfg
            .store
            .as_ref()
            .and_then(|s| s.load(self.server.as_str()))
        else {
            return false;
        };
        if stored.tokens.is_none()
            || stored.tokens == record.tokens
            || !record_fits(&stored, &self.cfg)
        {
            return false;
        }
        *record = stored;
        self.set_current(record.tokens.as_ref());
        true
    }

    fn header_now(&self) -> Option<HeaderValue> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .map(|c| c.header.clone())
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
        let attempts_seen = self.attempts.load(Ordering::Acquire);
        let mut record = self.record.lock().await;
        if self.header_now().as_ref() != sent {
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
        if self.adopt_stored(record) && self.header_now().as_ref() != sent {
            tracing::info!("using the token another mcp-tether process just stored");
            return Ok(());
        }
        let challenge = challenge.unwrap_or_default();
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
        // it. Perhaps the server moved to another authorization server.
        let fresh_token_refused = sent.is_some() && self.last_refreshed.locked().as_ref() == sent;
        if fresh_token_refused && self.authorization_server_moved(record, &challenge).await {
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
            match self.refresh(record).await {
                Ok(()) => {
                    *self.last_refreshed.locked() = self.header_now();
                    return Ok(());
                }
                // A sign-in would need the same server: say what is wrong.
                Err(e @ AuthError::Unreachable { .. }) => return Err(e),
                Err(e) => tracing::info!("refreshing the token failed ({e}); authorizing again"),
            }
        }
        // A token refused after it expired is no sign of a server that
        // refuses every token; a client-credentials grant involves no person.
        let expired = record
            .tokens
            .as_ref()
            .and_then(|t| t.expires_at)
            .is_some_and(|at| token::now() + 5 >= at);
        if !expired && self.cfg.flow != Flow::ClientCredentials {
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
        if ago >= self.cfg.auth_timeout {
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
            self.cfg.auth_timeout.as_secs(),
            self.server,
            self.server
        )))
    }

    /// Whether the server's metadata now names another authorization server
    /// than the one our token (and registration) came from. One request, only
    /// when a just-refreshed token is refused; without an answer, nothing is
    /// assumed to have moved.
    async fn authorization_server_moved(&self, record: &Record, challenge: &Challenge) -> bool {
        if self.cfg.overrides.auth_server.is_some()
            || self.cfg.overrides.auth_server_metadata.is_some()
        {
            return false; // the person named it
        }
        let Some(issuer) = record.issuer.as_deref() else {
            return false;
        };
        match discovery::current_authorization_server(
            self.http(),
            &self.server,
            challenge,
            &self.cfg.overrides,
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
        self.sign_in_hint.borrow().clone()
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

    fn set_current(&self, tokens: Option<&Tokens>) {
        if tokens.is_some() {
            // A token in hand: no sign-in is waiting for the person.
            self.sign_in_hint.send_replace(None);
        }
        let use_id = self.cfg.use_id_token;
        let current = tokens.and_then(|t| {
            let credential = t.credential(use_id)?;
            let mut header = HeaderValue::from_str(&format!("Bearer {credential}")).ok()?;
            header.set_sensitive(true);
            Some(Current {
                header,
                refresh_due: t.refresh_due(use_id),
                can_refresh: t.refresh_token.is_some(),
            })
        });
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = current;
    }

    fn save(&self, record: &Record) {
        self.set_current(record.tokens.as_ref());
        if let Some(store) = &self.cfg.store
            && let Err(e) = store.save(record)
        {
            tracing::warn!(
                "could not save the token in {} ({e}); you will have to sign in again next time",
                store.dir().display()
            );
        }
    }

    async fn refresh(&self, record: &mut Record) -> Result<(), AuthError> {
        let Some(tokens) = record.tokens.clone() else {
            return Err(AuthError::Http("nothing to refresh".into()));
        };
        let refresh_token = tokens
            .refresh_token
            .clone()
            .ok_or_else(|| AuthError::Http("no refresh token".into()))?;
        let discovered = match &record.discovered {
            Some(d) => d.clone(),
            None => {
                let d = discovery::discover(self.http(), &self.server, None, &self.cfg.overrides)
                    .await?;
                record.discovered = Some(d.clone());
                record.discovered_at = token::now();
                d
            }
        };
        let client = self
            .effective_client(record, &discovered.metadata)
            .ok_or_else(|| AuthError::Http("no client to refresh with".into()))?;
        let endpoint = discovered.metadata.require_token_endpoint()?.to_string();
        let mut form = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", refresh_token.clone()),
        ];
        if let Some(resource) = record.resource.as_ref().filter(|_| !self.cfg.no_resource) {
            form.push(("resource", resource.clone()));
        }
        let result = token::request(
            self.http(),
            &endpoint,
            &client,
            form,
            tokens.scope.as_deref(),
        )
        .await;
        match result {
            Ok(mut new) => {
                // A server that doesn't rotate keeps the old refresh token valid.
                if new.refresh_token.is_none() {
                    new.refresh_token = Some(refresh_token);
                }
                if new.scope.is_none() {
                    new.scope = tokens.scope.clone();
                }
                // A refresh response need not carry a new ID token (OIDC
                // Core §12.2); the one we have stays until it expires.
                if new.id_token.is_none() {
                    new.id_token = tokens.id_token.clone();
                }
                tracing::info!("access token refreshed");
                record.tokens = Some(new);
                self.save(record);
                Ok(())
            }
            Err(e) => {
                if let AuthError::Token(p) = &e
                    && p.error == ErrorCode::InvalidGrant
                {
                    // The refresh token is dead: forget it so nobody retries it.
                    if let Some(t) = record.tokens.as_mut() {
                        t.refresh_token = None;
                    }
                    self.save(record);
                }
                Err(e)
            }
        }
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
        self.sign_in_hint.send_replace(None);
        // An authorization server that did not answer got no registration
        // and sent nobody anywhere: that one doesn't count.
        if !matches!(result, Err(AuthError::Unreachable { .. })) {
            let ended_with = result.as_ref().ok().and_then(|()| self.header_now());
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
        self.authorize_now(record, challenge, step_up_scope).await
    }

    /// Whether a sign-in runs in a helper process ([`keeper`]): for a
    /// host-started bridge with a token store, when a person may be
    /// involved (client credentials involve nobody and take a second).
    fn delegates_sign_in(&self) -> bool {
        matches!(self.person, Person::ViaHost { detach: true, .. })
            && self.cfg.store.is_some()
            && self.cfg.flow != Flow::ClientCredentials
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
            refused: self.header_now().as_ref().map(keeper::fingerprint),
            host_opens_urls: self.person.host_opens_urls(),
            fresh_clients: self.fresh_clients.locked().iter().cloned().collect(),
        };
        keeper::sign_in_elsewhere(
            &order,
            self.person.notifier(),
            &self.sign_in_hint,
            &self.fresh_clients,
            self.cfg.auth_timeout,
        )
        .await?;
        if self.adopt_stored(record) {
            tracing::info!("authorized");
            Ok(())
        } else {
            Err(AuthError::Http(
                "the sign-in finished, but no new token could be read from the token store".into(),
            ))
        }
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

    async fn authorize_now(
        &self,
        record: &mut Record,
        challenge: &Challenge,
        step_up_scope: Option<String>,
    ) -> Result<(), AuthError> {
        let discovered = discovery::discover(
            self.http(),
            &self.server,
            Some(challenge),
            &self.cfg.overrides,
        )
        .await?;
        let md = &discovered.metadata;
        let (grant, why) = flow::choose(self.cfg.flow, self.cfg.no_browser.as_deref(), md);
        crate::say::say(format!(
            "mcp-tether: signing in with the {} flow: {why}",
            grant_name(grant)
        ));
        if grant != Grant::ClientCredentials && !md.supports_s256() {
            if self.cfg.assume_pkce {
                tracing::info!(
                    "the server does not advertise PKCE S256; using it anyway (--assume-pkce)"
                );
            } else {
                return Err(AuthError::NoPkce {
                    issuer: md.issuer.clone(),
                });
            }
        }
        let scope = self.choose_scope(&discovered, challenge, step_up_scope);
        let resource = self.choose_resource(&discovered);

        // A stored registration is only good for the same authorization server.
        if record.issuer.as_deref() != Some(md.issuer.as_str()) {
            record.client = None;
            record.tokens = None;
        }
        record.issuer = Some(md.issuer.clone());
        record.discovered = Some(discovered.clone());
        record.discovered_at = token::now();
        record.resource = resource.clone();
        let resource = resource.as_deref();

        match grant {
            Grant::ClientCredentials => {
                let (client, tokens) = self
                    .client_credentials(md, scope.as_deref(), resource)
                    .await?;
                return self.finish(record, Some(client), tokens);
            }
            Grant::Device => {
                return self
                    .device_flow(record, md, scope.as_deref(), resource)
                    .await
                    .map_err(|e| explain_fallback(e, &discovered));
            }
            Grant::Browser => {}
        }

        let mut registered_again = false;
        loop {
            let (client, listener) = self
                .client_and_listener(record, md)
                .await
                .map_err(|e| explain_fallback(e, &discovered))?;
            match self
                .code_flow(md, &client, listener, scope.as_deref(), resource)
                .await
            {
                Ok(tokens) => return self.finish(record, Some(client), tokens),
                Err(AuthError::BrowserFailed { why }) => {
                    crate::say::say(format!(
                        "mcp-tether: no browser could be opened ({why}); the server offers the device flow, so signing in with it instead"
                    ));
                    return self
                        .device_flow(record, md, scope.as_deref(), resource)
                        .await
                        .map_err(|e| explain_fallback(e, &discovered));
                }
                // A client registered in this process is known to the
                // server: its invalid_client is about something else (how
                // it authenticates, say), and a new registration would fail
                // the same way after sending the person through again.
                Err(AuthError::Token(p))
                    if p.error == ErrorCode::InvalidClient
                        && client.source == ClientSource::Dynamic
                        && !self.is_fresh(&client)
                        && !registered_again =>
                {
                    tracing::info!(
                        "the authorization server no longer knows our registration ({p}); registering again"
                    );
                    registered_again = true;
                    record.client = None;
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Tokens a grant gave, if they carry what will be sent: with
    /// `--use-id-token`, an ID token.
    fn usable(&self, tokens: Tokens, issuer: &str) -> Result<Tokens, AuthError> {
        if self.cfg.use_id_token && tokens.id_token.is_none() {
            return Err(AuthError::NoIdToken {
                issuer: issuer.to_string(),
            });
        }
        Ok(tokens)
    }

    fn finish(
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

    /// The client for token requests: the configured one (with its secret or
    /// key from the command line), else the stored registration.
    fn effective_client(&self, record: &Record, md: &discovery::ServerMetadata) -> Option<Client> {
        registration::configured_client(&self.cfg.client, md).or_else(|| record.client.clone())
    }

    async fn client_credentials(
        &self,
        md: &discovery::ServerMetadata,
        scope: Option<&str>,
        resource: Option<&str>,
    ) -> Result<(Client, Tokens), AuthError> {
        let client = registration::configured_client(&self.cfg.client, md)
            .filter(|c| !matches!(c.auth, registration::ClientAuth::None))
            .ok_or(AuthError::ClientCredentialsNeedClient)?;
        let endpoint = md.require_token_endpoint()?;
        let mut form = vec![("grant_type", "client_credentials".to_string())];
        if let Some(resource) = resource {
            form.push(("resource", resource.to_string()));
        }
        if let Some(scope) = scope {
            form.push(("scope", scope.to_string()));
        }
        let tokens = token::request(self.http(), endpoint, &client, form, scope).await?;
        Ok((client, tokens))
    }

    async fn device_flow(
        &self,
        record: &mut Record,
        md: &discovery::ServerMetadata,
        scope: Option<&str>,
        resource: Option<&str>,
    ) -> Result<(), AuthError> {
        let endpoint =
            md.device_authorization_endpoint
                .clone()
                .ok_or_else(|| AuthError::NoDeviceFlow {
                    issuer: md.issuer.clone(),
                })?;
        let token_endpoint = md.require_token_endpoint()?.to_string();
        let mut registered_again = false;
        let (client, d) = loop {
            let client = self.device_client(record, md).await?;
            match device::start(self.http(), &endpoint, &client, scope, resource).await {
                Ok(d) => break (client, d),
                Err(AuthError::Token(p))
                    if matches!(
                        p.error,
                        ErrorCode::InvalidClient | ErrorCode::UnauthorizedClient
                    ) && client.source == ClientSource::Dynamic =>
                {
                    // A client registered a moment ago would be refused again.
                    if registered_again || self.is_fresh(&client) {
                        return Err(AuthError::DeviceGrantRefused {
                            issuer: md.issuer.clone(),
                            refusal: p,
                        });
                    }
                    tracing::info!(
                        "the device authorization endpoint refused client {} ({p}); registering again",
                        client.client_id
                    );
                    registered_again = true;
                    record.client = None;
                    self.fresh_clients.locked().remove(&client.client_id);
                }
                Err(e) => return Err(e),
            }
        };
        self.show_device_code(&d);
        let tokens =
            device::poll(self.http(), &token_endpoint, &client, &d, scope, resource).await?;
        self.finish(record, Some(client), tokens)
    }

    /// Put the device code where the person looks, whatever the host shows:
    /// stderr (hosts log it, people tail it), a log notification at warning
    /// level, and a URL elicitation when the host declared it can show one.
    fn show_device_code(&self, d: &device::DeviceAuthorization) {
        if self.person.at_terminal() {
            device::show(d);
            return;
        }
        let message = format!(
            "Sign in to {} to continue: {} (or run `mcp-tether login {}` in a terminal)",
            self.server,
            d.instruction(),
            self.server
        );
        self.sign_in_hint.send_replace(Some(d.instruction()));
        device::show(d);
        self.person
            .notify(Notice::Log(format!("mcp-tether: {message}")));
        if self.person.host_opens_urls() {
            self.person.notify(Notice::OpenUrl {
                url: d.url().to_string(),
                message,
            });
        }
    }

    /// The browser could not be opened: put the sign-in URL where the person
    /// looks (stderr has it already): the host's log, and a link the host
    /// shows when it declared URL elicitation.
    fn show_sign_in_url(&self, url: &str, why: &str) {
        if self.person.at_terminal() {
            return;
        }
        let message = format!(
            "Sign in to {} to continue: open {url} (no browser could be opened here: {why}; or run `mcp-tether login {}` in a terminal)",
            self.server, self.server
        );
        self.person
            .notify(Notice::Log(format!("mcp-tether: {message}")));
        if self.person.host_opens_urls() {
            self.person.notify(Notice::OpenUrl {
                url: url.to_string(),
                message,
            });
        }
    }

    /// The client for the device flow: the configured one, or a registration
    /// that includes the device grant and that the server still knows.
    async fn device_client(
        &self,
        record: &mut Record,
        md: &discovery::ServerMetadata,
    ) -> Result<Client, AuthError> {
        if let Some(c) = self.effective_client(record, md) {
            if c.source != ClientSource::Dynamic {
                return Ok(c);
            }
            if !c.allows(registration::DEVICE_GRANT) {
                tracing::info!(
                    "client {} was registered without the device grant; registering again with it",
                    c.client_id
                );
            } else if self.confirmed(md, &c).await {
                return Ok(c);
            }
        }
        // Registration needs a redirect URI even for the device grant: the
        // browser flow may use this client later.
        let listener = self.bind(self.cfg.callback_port.unwrap_or(0)).await?;
        self.register(record, md, &listener.redirect_uri).await
    }

    fn choose_scope(
        &self,
        d: &Discovered,
        challenge: &Challenge,
        step_up: Option<String>,
    ) -> Option<String> {
        let wanted = self.cfg.scope.clone().or(step_up);
        choose_scope(
            wanted.as_deref(),
            Some(challenge),
            d.resource_metadata.as_ref(),
            &d.metadata,
            self.cfg.use_id_token,
        )
        .value
    }

    /// The RFC 8707 resource to ask for; None with `--no-resource`.
    fn choose_resource(&self, d: &Discovered) -> Option<String> {
        if self.cfg.no_resource {
            return None;
        }
        if let Some(r) = &self.cfg.resource {
            return Some(r.clone());
        }
        if let Some(m) = &d.resource_metadata {
            return Some(m.resource.clone());
        }
        let mut canonical = self.server.clone();
        canonical.set_fragment(None);
        Some(canonical.to_string())
    }

    /// The client to use and a listener whose redirect URI it accepts.
    async fn client_and_listener(
        &self,
        record: &mut Record,
        md: &discovery::ServerMetadata,
    ) -> Result<(Client, Listener), AuthError> {
        if let Some(client) = registration::configured_client(&self.cfg.client, md) {
            let listener = self.bind(self.cfg.callback_port.unwrap_or(0)).await?;
            return Ok((client, listener));
        }
        // A client registered earlier: listen on the port it was registered with.
        if let Some(client) = record
            .client
            .clone()
            .filter(|c| c.source == ClientSource::Dynamic)
        {
            let port = client
                .redirect_uri
                .as_deref()
                .and_then(|u| Url::parse(u).ok())
                .and_then(|u| u.port());
            let wanted = self.cfg.callback_port.or(port).unwrap_or(0);
            if let Ok(listener) = self.bind(wanted).await
                && Some(listener.redirect_uri.as_str()) == client.redirect_uri.as_deref()
            {
                if self.confirmed(md, &client).await {
                    return Ok((client, listener));
                }
                // The person must not land on a "client not found" page.
                let client = self.register(record, md, &listener.redirect_uri).await?;
                return Ok((client, listener));
            }
            tracing::info!("the registered redirect URI can't be used now; registering again");
        }
        let listener = self.bind(self.cfg.callback_port.unwrap_or(0)).await?;
        let client = self.register(record, md, &listener.redirect_uri).await?;
        Ok((client, listener))
    }

    /// RFC 7591 registration, remembered as fresh and stored.
    async fn register(
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

    fn is_fresh(&self, client: &Client) -> bool {
        self.fresh_clients.locked().contains(&client.client_id)
    }

    /// Whether a dynamically registered client can be sent to the person's
    /// browser (or the device flow) without risk that the server forgot it:
    /// registered by this process, or read back through RFC 7592. Without
    /// a way to ask, it is not confirmed, and the caller registers afresh:
    /// one POST, no person involved, instead of a "client not found" page
    /// (providers that keep clients in memory forget them on a restart).
    async fn confirmed(&self, md: &discovery::ServerMetadata, client: &Client) -> bool {
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

    async fn bind(&self, port: u16) -> Result<Listener, AuthError> {
        Listener::bind(self.cfg.callback_host, port, &self.cfg.callback_path)
            .await
            .map_err(|e| {
            AuthError::Http(format!(
                "could not listen for the sign-in callback on 127.0.0.1:{port} ({e}); pick another --callback-port"
            ))
        })
    }

    async fn code_flow(
        &self,
        md: &discovery::ServerMetadata,
        client: &Client,
        listener: Listener,
        scope: Option<&str>,
        resource: Option<&str>,
    ) -> Result<Tokens, AuthError> {
        let authorization_endpoint = md.require_authorization_endpoint()?;
        let token_endpoint = md.require_token_endpoint()?;
        let pkce = pkce::Pkce::new();
        let state = pkce::random_token(24);
        let mut url = Url::parse(authorization_endpoint)
            .map_err(|e| AuthError::Http(format!("bad authorization_endpoint: {e}")))?;
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", &client.client_id)
                .append_pair("redirect_uri", &listener.redirect_uri)
                .append_pair("state", &state)
                .append_pair("code_challenge", &pkce.challenge)
                .append_pair("code_challenge_method", "S256");
            if let Some(resource) = resource {
                q.append_pair("resource", resource);
            }
            if let Some(scope) = scope {
                q.append_pair("scope", scope);
            }
            for (k, v) in &self.cfg.extra_params {
                q.append_pair(k, v);
            }
        }
        let launch =
            browser::send_person_to(url.as_str(), self.cfg.open_browser && !self.person.pastes())
                .await;
        self.sign_in_hint.send_replace(Some(format!("open {url}")));
        let launch_failed = match launch {
            browser::Launch::Failed(why) => {
                if self.cfg.flow == Flow::Auto && md.device_authorization_endpoint.is_some() {
                    return Err(AuthError::BrowserFailed { why });
                }
                self.show_sign_in_url(url.as_str(), &why);
                true
            }
            browser::Launch::Started | browser::Launch::NotTried => false,
        };
        let redirect_uri = listener.redirect_uri.clone();
        let expect = Expect {
            state: &state,
            issuer: &md.issuer,
            iss_required: md.authorization_response_iss_parameter_supported,
        };
        let (code, answer) = if self.person.pastes() {
            // The browser may be on another machine: take whichever comes first,
            // the pasted address or a callback on this one.
            tokio::select! {
                pasted = callback::read_pasted(&expect) => (pasted?, None),
                called = listener.wait(Expect { ..expect }, self.cfg.auth_timeout) => {
                    let (code, answer) = called?;
                    (code, Some(answer))
                }
            }
        } else {
            let (code, answer) = listener
                .wait(expect, self.cfg.auth_timeout)
                .await
                .map_err(|e| match launch_failed {
                    // The person never saw a browser: the error says where to go.
                    true => AuthError::Http(format!(
                        "{e}. No browser could be opened; sign in at {url} (the next start will pick the token up), or run `mcp-tether login {}` in a terminal",
                        self.server
                    )),
                    false => e,
                })?;
            (code, Some(answer))
        };
        let mut form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pkce.verifier),
        ];
        if let Some(resource) = resource {
            form.push(("resource", resource.to_string()));
        }
        let tokens = token::request(self.http(), token_endpoint, client, form, scope)
            .await
            .and_then(|t| self.usable(t, &md.issuer));
        match (&tokens, answer) {
            (Ok(_), Some(answer)) => answer.signed_in(self.cfg.success_url.as_ref()).await,
            (Err(e), Some(answer)) => answer.failed(e).await,
            (_, None) => {}
        }
        tokens
    }
}

/// When discovery found no metadata at all and fell back to the 2025-03-26
/// default endpoints, a later failure is most likely a discovery problem: say so.
fn explain_fallback(e: AuthError, d: &Discovered) -> AuthError {
    if d.metadata_url.is_some() {
        return e;
    }
    AuthError::Discovery {
        what: format!(
            "{e}. The server publishes no OAuth metadata where MCP says to look, so mcp-tether fell back to the 2025-03-26 default endpoints"
        ),
        tried: d.tried.clone(),
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

/// Where the requested scopes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeSource {
    /// `--scope`, or the union asked for by a step-up.
    Given,
    Challenge,
    ResourceMetadata,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeChoice {
    /// The `scope` parameter, or None to leave it out.
    pub value: Option<String>,
    pub source: ScopeSource,
    pub offline_access_added: bool,
}

/// The MCP spec's scope rules, shared by the flows and `doctor`: what was
/// given wins, else the challenge's `scope`, else the resource's
/// `scopes_supported`, else nothing; plus `offline_access` when the
/// authorization server offers it, so a refresh token comes; plus `openid`
/// with `--use-id-token`, since an ID token is issued only when it is granted.
pub fn choose_scope(
    given: Option<&str>,
    challenge: Option<&Challenge>,
    prm: Option<&discovery::ResourceMetadata>,
    md: &discovery::ServerMetadata,
    id_token: bool,
) -> ScopeChoice {
    let prm_scopes = prm
        .and_then(|m| m.scopes_supported.as_ref())
        .filter(|s| !s.is_empty())
        .map(|s| s.join(" "));
    let (base, source) = if let Some(s) = given {
        (Some(s.to_string()), ScopeSource::Given)
    } else if let Some(s) = challenge.and_then(|c| c.scope.clone()) {
        (Some(s), ScopeSource::Challenge)
    } else if let Some(s) = prm_scopes {
        (Some(s), ScopeSource::ResourceMetadata)
    } else {
        (None, ScopeSource::None)
    };
    let mut scopes = scope_list(base.as_deref());
    let offline_access_added =
        md.lists_scope("offline_access") && !scopes.iter().any(|s| s == "offline_access");
    if offline_access_added {
        scopes.push("offline_access".into());
    }
    if id_token && !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    ScopeChoice {
        value: (!scopes.is_empty()).then(|| scopes.join(" ")),
        source,
        offline_access_added,
    }
}

fn grant_name(g: Grant) -> &'static str {
    match g {
        Grant::Browser => "browser",
        Grant::Device => "device",
        Grant::ClientCredentials => "client credentials",
    }
}

fn scope_list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}
