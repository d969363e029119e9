//! The relay: host messages from stdin go to the server, server messages go to
//! stdout. It owns the session's life: initialize, the event stream, a new
//! session when the server forgets the old one, and the DELETE at the end.
//!
//! Nothing a server or the host sends may panic the relay (a release build
//! aborts on panic, and the host would lose every request in flight): the
//! lints below keep `unwrap`, `expect` and `panic!` out of it, tests aside.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod cookies;
mod era;
mod era_bridge;
pub mod error;
pub mod jsonrpc;
pub mod modern;
pub mod stdio;
pub mod tools;
pub mod transport;

use crate::locked::Locked;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::mpsc;
use tokio::task::{JoinHandle, JoinSet};

use crate::auth::{Auth, Notice, Person};
use crate::config::{Config, Transport};
use cookies::CookieJar;
use error::RelayError;
use jsonrpc::{IdKey, Line, Message, code, error_response};
use stdio::{Input, Output};
use transport::legacy_sse::LegacySse;
use transport::streamable::{self, StreamableHttp};

/// How many times one request may send the person through authorization
/// (a server that keeps refusing must not loop us).
const MAX_AUTH_ATTEMPTS: u32 = 3;
/// Ids of requests the bridge itself sends to the host start with this; the
/// host's answers to them stay in the bridge.
const BRIDGE_ID_PREFIX: &str = "mcp-tether-";
/// Requests relayed at the same time; more wait for a slot.
const MAX_REQUESTS_IN_FLIGHT: usize = 64;
/// How long the DELETE at shutdown may take.
const DELETE_BUDGET: Duration = Duration::from_millis(300);
/// After stdin closes, how long requests in flight may still finish before
/// they are dropped: the host has gone, and must see the bridge exit within
/// a second (the MCP stdio shutdown: close stdin, then signals).
const EOF_GRACE: Duration = Duration::from_millis(500);
/// Answers to the server's requests and notifications posted at once; more
/// wait (and stdin is read no further meanwhile), so a server that floods
/// the host with requests can't make the bridge hold thousands of POSTs.
const MAX_ANSWERS_IN_FLIGHT: usize = 64;
/// How long to wait before trying a failed first initialize again.
const INITIALIZE_RETRY_AFTER: Duration = Duration::from_millis(200);
/// Lines read ahead while one is being handled; beyond this stdin waits.
const MAX_BACKLOG: usize = 1024;
/// How long the host's next message waits for the event stream to open.
const GET_STREAM_WAIT: Duration = Duration::from_millis(1000);

#[derive(Clone)]
enum Upstream {
    Streamable(Arc<StreamableHttp>),
    Legacy(Arc<LegacySse>),
}

/// What the host said when it set the session up, replayed when the server
/// loses the session so the host never notices.
#[derive(Default)]
struct InitRecord {
    params: Option<Box<RawValue>>,
    initialized: Option<Bytes>,
}

pub struct Relay {
    config: Config,
    http: reqwest::Client,
    out: Output,
    /// None until first needed when the legacy transport was chosen up front.
    upstream: tokio::sync::Mutex<Option<Upstream>>,
    init: Mutex<InitRecord>,
    /// Held for writing while a lost session is being replaced; requests wait on it.
    reinit: tokio::sync::RwLock<()>,
    get_stream: Mutex<Option<JoinHandle<()>>>,
    /// The keep-alive task (`--keep-alive`), once the session is up.
    pinger: Mutex<Option<JoinHandle<()>>>,
    /// Some once the server is known to speak MCP 2026-07-28 (era_bridge.rs).
    modern: Mutex<Option<era_bridge::ModernState>>,
    /// The `subscriptions/listen` stream of a 2026-07-28 server.
    listen: Mutex<Option<JoinHandle<()>>>,
    /// The bridge's own requests to the host, waiting for their answers.
    pending: Mutex<HashMap<String, tokio::sync::oneshot::Sender<Value>>>,
    bridge_ids: AtomicU64,
    /// Host requests in flight, by id: firing one cancels that request.
    in_flight: Mutex<HashMap<IdKey, tokio::sync::oneshot::Sender<()>>>,
    replays: AtomicU64,
    /// The server has answered at least one initialize.
    connected: AtomicBool,
    /// Why the last initialize could not reach the server at all.
    unreachable: Mutex<Option<RelayError>>,
    request_slots: tokio::sync::Semaphore,
    /// Slots for answers and notifications (see [`MAX_ANSWERS_IN_FLIGHT`]).
    answer_slots: Arc<tokio::sync::Semaphore>,
    auth: Option<Arc<Auth>>,
    /// Cookies the server set, for both transports (None: `--disable-cookies`).
    cookies: Option<Arc<CookieJar>>,
    /// Shared with the auth layer: the host can show a URL elicitation.
    host_opens_urls: Arc<AtomicBool>,
}

/// Build the HTTP client every request goes through.
pub fn http_client(config: &Config) -> Result<reqwest::Client, RelayError> {
    crate::net::client(
        crate::net::Purpose::McpServer(&config.url),
        &config.tls,
        &config.network,
        config.timeout,
    )
    .map_err(|e| RelayError::Connect {
        origin: config.url.origin().ascii_serialization(),
        cause: format!("could not set up the HTTP client: {e}"),
    })
}

/// Run the bridge until stdin ends or a signal arrives. An error means the
/// server could not be reached at all; everything else is answered per request.
pub async fn run(
    config: Config,
    input: mpsc::Receiver<Input>,
    out: Output,
) -> Result<(), RelayError> {
    let relay = Arc::new(Relay::new(config, out)?);
    let result = tokio::select! {
        r = relay.clone().dispatch_all(input) => r,
        signal = shutdown_signal() => {
            tracing::info!("{signal}: shutting down");
            Ok(())
        }
    };
    relay.shutdown().await;
    result
}

fn streamable_upstream(
    http: &reqwest::Client,
    config: &Config,
    auth: &Option<Arc<Auth>>,
    cookies: &Option<Arc<CookieJar>>,
) -> Upstream {
    Upstream::Streamable(Arc::new(
        StreamableHttp::new(
            http.clone(),
            config.url.clone(),
            config.headers.clone(),
            config.timeout,
        )
        .with_auth(auth.clone())
        .with_cookies(cookies.clone()),
    ))
}

impl Relay {
    fn new(config: Config, out: Output) -> Result<Self, RelayError> {
        let http = http_client(&config)?;
        let host_opens_urls = Arc::new(AtomicBool::new(false));
        let auth = match &config.auth {
            Some(cfg) => {
                let person = Person::ViaHost {
                    notifier: Some(spawn_notifier(out.clone())),
                    host_opens_urls: host_opens_urls.clone(),
                    // The host may close the bridge before a person finishes.
                    detach: true,
                };
                Some(Arc::new(Auth::new(
                    config.url.clone(),
                    cfg.clone(),
                    person,
                    config.timeout,
                )?))
            }
            None => None,
        };
        let cookies = config.cookies.then(Arc::default);
        let upstream = match config.transport {
            Transport::Auto | Transport::StreamableHttp => {
                Some(streamable_upstream(&http, &config, &auth, &cookies))
            }
            // Connecting means a request; wait until the host speaks.
            Transport::LegacySse | Transport::SseFirst => None,
        };
        Ok(Relay {
            config,
            http,
            out,
            upstream: tokio::sync::Mutex::new(upstream),
            init: Mutex::default(),
            reinit: tokio::sync::RwLock::new(()),
            get_stream: Mutex::new(None),
            pinger: Mutex::new(None),
            modern: Mutex::new(None),
            listen: Mutex::new(None),
            pending: Mutex::new(HashMap::new()),
            bridge_ids: AtomicU64::new(0),
            in_flight: Mutex::new(HashMap::new()),
            replays: AtomicU64::new(0),
            connected: AtomicBool::new(false),
            unreachable: Mutex::new(None),
            request_slots: tokio::sync::Semaphore::new(MAX_REQUESTS_IN_FLIGHT),
            answer_slots: Arc::new(tokio::sync::Semaphore::new(MAX_ANSWERS_IN_FLIGHT)),
            auth,
            cookies,
            host_opens_urls,
        })
    }

    async fn dispatch_all(
        self: Arc<Self>,
        mut input: mpsc::Receiver<Input>,
    ) -> Result<(), RelayError> {
        let mut tasks = JoinSet::new();
        // Lines read while an earlier one was still being handled.
        let mut backlog: VecDeque<Input> = VecDeque::new();
        // Set once stdin has closed: what is left must be done by then.
        let mut closed_at: Option<tokio::time::Instant> = None;
        loop {
            let item = match backlog.pop_front() {
                Some(item) => item,
                None if closed_at.is_some() => break,
                None => tokio::select! {
                    item = input.recv() => match item {
                        Some(item) => item,
                        None => break,
                    },
                    Some(_) = tasks.join_next(), if !tasks.is_empty() => continue,
                },
            };
            // While one line is handled (an initialize, a wait for a slot),
            // stdin is still read, so that its end is seen at once.
            let abandoned = {
                let handled = self.handle(item, &mut tasks);
                tokio::pin!(handled);
                loop {
                    let deadline = closed_at.map(|t| t + EOF_GRACE);
                    tokio::select! {
                        () = &mut handled => break false,
                        item = input.recv(), if closed_at.is_none() && backlog.len() < MAX_BACKLOG => {
                            match item {
                                Some(item) => backlog.push_back(item),
                                None => closed_at = Some(tokio::time::Instant::now()),
                            }
                        }
                        () = sleep_until_some(deadline) => {
                            // A sign-in the person has started is worth
                            // finishing: its token is stored for the next start.
                            if !self.signing_in() {
                                break true;
                            }
                            closed_at = Some(tokio::time::Instant::now());
                        }
                    }
                }
            };
            if abandoned {
                tracing::info!("stdin closed; stopped waiting for the message being handled");
                break;
            }
            if closed_at.is_some_and(|t| t.elapsed() >= EOF_GRACE) {
                break;
            }
        }
        self.finish(tasks, closed_at).await
    }

    /// stdin is closed: the host has gone. What finishes within a moment of
    /// that is still written; the rest is dropped, and nothing more is
    /// answered. When the server was never reached, the exit says why.
    async fn finish(
        &self,
        mut tasks: JoinSet<()>,
        closed_at: Option<tokio::time::Instant>,
    ) -> Result<(), RelayError> {
        let closed_at = closed_at.unwrap_or_else(tokio::time::Instant::now);
        let in_flight = tasks.len();
        if in_flight > 0 {
            tracing::debug!("stdin closed; {in_flight} request(s) in flight");
            let grace = EOF_GRACE.min(self.config.timeout);
            let mut deadline = closed_at + grace;
            loop {
                match tokio::time::timeout_at(deadline, tasks.join_next()).await {
                    Ok(Some(_)) => continue,
                    Ok(None) => break,
                    // A sign-in in progress is the one thing waited for
                    // (it ends by itself at --auth-timeout).
                    Err(_) if self.signing_in() => deadline = tokio::time::Instant::now() + grace,
                    Err(_) => {
                        tracing::info!(
                            "stdin closed; dropped {} request(s) still running",
                            tasks.len()
                        );
                        tasks.abort_all();
                        break;
                    }
                }
            }
        }
        match self.unreachable.locked().take() {
            Some(e) if !self.connected.load(Ordering::Acquire) => Err(e),
            _ => Ok(()),
        }
    }

    /// Whether a sign-in (a person in a browser or approving a device code)
    /// is under way.
    fn signing_in(&self) -> bool {
        self.auth.as_ref().is_some_and(|a| a.signing_in())
    }

    /// One line from stdin.
    async fn handle(self: &Arc<Self>, item: Input, tasks: &mut JoinSet<()>) {
        match item {
            Input::Line(line) => self.dispatch(jsonrpc::parse_line(line), tasks).await,
            Input::TooLong(len) => {
                let msg = format!(
                    "Invalid Request: a message of {len} bytes is over the {} MiB limit",
                    stdio::MAX_LINE_BYTES >> 20
                );
                self.out
                    .send(error_response(None, code::INVALID_REQUEST, &msg, None))
                    .await;
            }
        }
    }

    async fn dispatch(self: &Arc<Self>, line: Line, tasks: &mut JoinSet<()>) {
        match line {
            Line::Blank => {}
            Line::Single(Err(rejected)) => {
                tracing::warn!("the host sent a line that is not JSON-RPC: {rejected:?}");
                self.out.send(rejected.to_response()).await;
            }
            Line::Single(Ok(message)) => match message.method() {
                // Both set up the session: nothing else may overtake them.
                Some("initialize") => {
                    if let Some(id) = message.request_id().cloned() {
                        self.initialize(message, id).await;
                    }
                }
                Some("notifications/initialized") if self.is_modern() => {
                    // Nothing to send: 2026-07-28 has no handshake. Its
                    // notifications come over the subscriptions stream.
                    self.start_listen().await;
                    self.start_keep_alive();
                }
                Some("notifications/initialized") => {
                    self.init.locked().initialized = Some(message.bytes.clone());
                    self.forward(&message).await;
                    self.start_get_stream().await;
                    self.start_keep_alive();
                }
                // The host's answer to a request the bridge itself sent.
                None if message
                    .response_id()
                    .and_then(Value::as_str)
                    .is_some_and(|id| id.starts_with(BRIDGE_ID_PREFIX)) =>
                {
                    self.deliver_host_answer(&message);
                }
                None if message
                    .response_id()
                    .is_some_and(|id| !self.out.take_asked(id)) =>
                {
                    tracing::warn!(
                        "the host answered request {}, which the server never sent (or was answered already); dropped",
                        message
                            .response_id()
                            .map(|id| id.to_string())
                            .unwrap_or_default()
                    );
                }
                _ => {
                    if message.method() == Some("notifications/cancelled") {
                        self.cancel_in_flight(&message);
                    }
                    let this = self.clone();
                    // Answers and notifications: bounded, waiting here (and so
                    // holding stdin back) when too many are on their way.
                    let answer_slot = match message.request_id() {
                        Some(_) => None,
                        None => self.answer_slots.clone().acquire_owned().await.ok(),
                    };
                    match message.request_id().cloned() {
                        Some(id) => {
                            // A cancelled request stops here (its stream is
                            // dropped, its slot freed) and still gets one answer.
                            let key = IdKey::of(&id);
                            let (cancel, cancelled) = tokio::sync::oneshot::channel::<()>();
                            self.in_flight.locked().insert(key.clone(), cancel);
                            tasks.spawn(async move {
                                tokio::select! {
                                    answer = this.forward(&message) => {
                                        this.in_flight.locked().remove(&key);
                                        if let Some(response) = answer {
                                            this.out.send(response).await;
                                        }
                                    }
                                    Ok(()) = cancelled => {
                                        tracing::debug!("request {key} cancelled by the host");
                                        // A host that gives up on a request waiting for a
                                        // sign-in shows this message: say how to finish it.
                                        let message = match this.auth.as_ref().and_then(|a| a.sign_in_hint()) {
                                            Some(hint) => format!(
                                                "Request cancelled by the host while a sign-in is under way. To finish it: {hint}. The next start picks the token up (or run `mcp-tether login {}` in a terminal).",
                                                this.config.url
                                            ),
                                            None => "Request cancelled by the host".to_string(),
                                        };
                                        this.out
                                            .send(error_response(
                                                Some(&id),
                                                code::REQUEST_CANCELLED,
                                                &message,
                                                None,
                                            ))
                                            .await;
                                    }
                                }
                            });
                        }
                        None => {
                            tasks.spawn(async move {
                                let _slot = answer_slot;
                                if let Some(response) = this.forward(&message).await {
                                    this.out.send(response).await;
                                }
                            });
                        }
                    }
                }
            },
            Line::Batch(items) => {
                let this = self.clone();
                tasks.spawn(async move { this.forward_batch(items).await });
            }
        }
    }

    /// `notifications/cancelled` from the host: stop waiting for that request
    /// (the notification itself still goes to the server).
    fn cancel_in_flight(&self, message: &Message) {
        let Some(key) = serde_json::from_slice::<Value>(&message.bytes)
            .ok()
            .and_then(|v| v.pointer("/params/requestId").map(IdKey::of))
        else {
            return;
        };
        if let Some(cancel) = self.in_flight.locked().remove(&key) {
            let _ = cancel.send(());
        }
    }

    /// The upstream to talk to, connecting the legacy transport on first use.
    async fn upstream(&self) -> Result<Upstream, RelayError> {
        let mut slot = self.upstream.lock().await;
        if let Some(u) = slot.as_ref() {
            return Ok(u.clone());
        }
        let u = match self.connect_legacy().await {
            Ok(legacy) => Upstream::Legacy(legacy),
            // `sse-first`: a server that refuses the event stream the way a
            // Streamable HTTP server refuses a GET without a session gets
            // Streamable HTTP instead (what mcp-remote's sse-first does).
            Err(e)
                if self.config.transport == Transport::SseFirst
                    && matches!(
                        e.http_status().map(|s| s.as_u16()),
                        Some(400) | Some(404) | Some(405)
                    ) =>
            {
                tracing::info!(
                    "the server refused the HTTP+SSE stream ({}); trying Streamable HTTP",
                    e.http_status().map(|s| s.to_string()).unwrap_or_default()
                );
                streamable_upstream(&self.http, &self.config, &self.auth, &self.cookies)
            }
            Err(e) => return Err(e),
        };
        *slot = Some(u.clone());
        Ok(u)
    }

    async fn connect_legacy(&self) -> Result<Arc<LegacySse>, RelayError> {
        self.authorized(|| {
            LegacySse::connect(
                self.http.clone(),
                &self.config.url,
                self.config.headers.clone(),
                self.config.timeout,
                self.out.clone(),
                self.auth.clone(),
                self.cookies.clone(),
            )
        })
        .await
    }

    /// The host's initialize. Always answered; the bridge stays up whatever
    /// happens, ready for the host's next message.
    async fn initialize(&self, message: Message, id: Value) {
        let first = match self.try_initialize(&message, &id).await {
            Ok(()) => return,
            Err(e) => e,
        };
        // A connection that failed before the server ever answered (a
        // reset, a refused connect while it restarts) gets one more try.
        let e = if first.is_unreachable() && !self.connected.load(Ordering::Acquire) {
            tracing::info!("initialize failed ({first}); trying once more");
            tokio::time::sleep(INITIALIZE_RETRY_AFTER).await;
            match self.try_initialize(&message, &id).await {
                Ok(()) => return,
                Err(e) => e,
            }
        } else {
            first
        };
        self.out.send(e.to_response(&id, "initialize")).await;
        if e.is_unreachable() && !self.connected.load(Ordering::Acquire) {
            // Kept for the exit status and its one line on stderr, should
            // the host give up now; the host has the error meanwhile.
            tracing::info!("initialize failed: {e}");
            *self.unreachable.locked() = Some(e);
        } else {
            tracing::error!("initialize failed: {e}");
        }
    }

    /// One attempt at initialize: Ok once the host has its answer, or the
    /// error to answer with.
    async fn try_initialize(&self, message: &Message, id: &Value) -> Result<(), RelayError> {
        let id = id.clone();
        self.host_opens_urls.store(
            jsonrpc::host_offers_url_elicitation(&message.bytes),
            Ordering::Release,
        );
        *self.init.locked() = InitRecord {
            params: jsonrpc::params_of(&message.bytes),
            initialized: None,
        };
        let upstream = self.upstream().await?;
        match upstream {
            Upstream::Streamable(s) => {
                s.reset_session();
                self.stop_get_stream();
                self.stop_listen();
                if let era_bridge::Probe::Answered = self.probe_modern(&s, message, &id).await? {
                    return Ok(());
                }
                match self
                    .post_authorized(&s, message.bytes.clone(), Some(&id))
                    .await
                {
                    Ok(posted) => {
                        let response = posted
                            .response
                            .ok_or(RelayError::NoResponse { status: 202 })?;
                        let version = jsonrpc::negotiated_protocol_version(&response);
                        tracing::info!(
                            "connected to {} (protocol {})",
                            s.origin(),
                            version.as_deref().unwrap_or("unknown")
                        );
                        s.set_session(posted.session_id, version.as_deref());
                        self.connected.store(true, Ordering::Release);
                        self.out.send(response).await;
                        Ok(())
                    }
                    Err(e) if self.may_fall_back(&e) => {
                        tracing::info!(
                            "the server refused Streamable HTTP ({}); trying the legacy HTTP+SSE transport",
                            e.http_status().map(|s| s.to_string()).unwrap_or_default()
                        );
                        let legacy = match self.connect_legacy().await {
                            Ok(l) => l,
                            Err(legacy_err) => {
                                tracing::debug!("legacy transport failed too: {legacy_err}");
                                return Err(e);
                            }
                        };
                        *self.upstream.lock().await = Some(Upstream::Legacy(legacy.clone()));
                        self.send_legacy_initialize(&legacy, message).await
                    }
                    Err(e) => Err(e),
                }
            }
            Upstream::Legacy(legacy) => self.send_legacy_initialize(&legacy, message).await,
        }
    }

    async fn send_legacy_initialize(
        &self,
        legacy: &LegacySse,
        message: &Message,
    ) -> Result<(), RelayError> {
        self.authorized(|| legacy.send(message)).await?;
        tracing::info!("connected with the legacy HTTP+SSE transport");
        self.connected.store(true, Ordering::Release);
        Ok(())
    }

    /// `auto` falls back to HTTP+SSE only when the very first initialize POST is
    /// refused the way a 2024-11-05 server refuses it.
    fn may_fall_back(&self, e: &RelayError) -> bool {
        self.config.transport == Transport::Auto
            && !self.connected.load(Ordering::Acquire)
            && matches!(
                e.http_status().map(|s| s.as_u16()),
                Some(400) | Some(404) | Some(405)
            )
    }

    /// Send one message and return what the host must get back, if anything:
    /// the response to a request, or an error saying why there is none.
    async fn forward(&self, message: &Message) -> Option<Bytes> {
        let method = message.method().unwrap_or("response");
        if !self.config.ignore_tools.is_empty() {
            match method {
                "tools/call" => {
                    if let Some(refusal) =
                        tools::refuse_ignored_call(message, &self.config.ignore_tools)
                    {
                        return Some(refusal);
                    }
                }
                "tools/list" => {
                    let response = self.forward_to_server(message, method).await?;
                    return Some(tools::hide_ignored(response, &self.config.ignore_tools));
                }
                _ => {}
            }
        }
        self.forward_to_server(message, method).await
    }

    async fn forward_to_server(&self, message: &Message, method: &str) -> Option<Bytes> {
        // Bound the requests in flight: over HTTP/1.1 each needs a connection
        // of its own, and a host that pipelines thousands would otherwise
        // open thousands. Answers and notifications never wait here: a tool
        // call that waits for the host's answer to a sampling request must
        // not be able to block that answer.
        let _slot = match message.request_id() {
            // The semaphore is never closed, so this always gets a slot.
            Some(_) => self.request_slots.acquire().await.ok(),
            None => None,
        };
        if self.is_modern() {
            return self.forward_modern(message, method).await;
        }
        if method == "server/discover"
            && !self.connected.load(Ordering::Acquire)
            && let Some(answer) = self.discover_passthrough(message).await
        {
            return answer;
        }
        let upstream = match self.upstream().await {
            Ok(u) => u,
            Err(e) => return report(message, method, e),
        };
        let s = match upstream {
            Upstream::Legacy(legacy) => {
                return self
                    .authorized(|| legacy.send(message))
                    .await
                    .err()
                    .and_then(|e| report(message, method, e));
            }
            Upstream::Streamable(s) => s,
        };
        let mut replaced_session = false;
        loop {
            // Wait while a lost session is being replaced.
            drop(self.reinit.read().await);
            let generation = s.session().generation;
            match self
                .post_authorized(&s, message.bytes.clone(), message.request_id())
                .await
            {
                Ok(posted) => {
                    return match (message.request_id(), posted.response) {
                        (Some(_), Some(response)) => Some(response),
                        (Some(_), None) => {
                            report(message, method, RelayError::NoResponse { status: 202 })
                        }
                        (None, _) => None,
                    };
                }
                Err(RelayError::SessionExpired) if !replaced_session => {
                    replaced_session = true;
                    tracing::info!(
                        "the server ended the session; starting a new one and retrying {method}"
                    );
                    if let Err(e) = self.replace_session(&s, generation).await {
                        return report(message, method, e);
                    }
                    if method == "notifications/initialized" {
                        return None; // the replay sent it already
                    }
                }
                Err(e)
                    if e.http_status() == Some(StatusCode::BAD_REQUEST)
                        && s.session().id.is_none()
                        && !self.connected.load(Ordering::Acquire) =>
                {
                    // A 2025-era server refuses anything before initialize. A host
                    // that opens with a newer era's method (server/discover) falls
                    // back to initialize on -32601, so say exactly that.
                    let id = message.request_id()?;
                    return Some(error_response(
                        Some(id),
                        code::METHOD_NOT_FOUND,
                        &format!(
                            "Method not found: the server does not accept {method} before initialize"
                        ),
                        Some(serde_json::json!({ "httpStatus": 400 })),
                    ));
                }
                Err(e) => return report(message, method, e),
            }
        }
    }

    /// POST, and when the server refuses the authorization, let the auth layer
    /// fix it (refresh, sign in, step up) and try again, a bounded number of times.
    async fn post_authorized(
        &self,
        s: &StreamableHttp,
        body: Bytes,
        expect: Option<&Value>,
    ) -> Result<streamable::Posted, RelayError> {
        self.post_authorized_with(s, body, expect, None).await
    }

    /// [`Self::post_authorized`] with per-request headers.
    async fn post_authorized_with(
        &self,
        s: &StreamableHttp,
        body: Bytes,
        expect: Option<&Value>,
        headers: Option<&reqwest::header::HeaderMap>,
    ) -> Result<streamable::Posted, RelayError> {
        self.authorized(|| s.post_with(body.clone(), expect, &self.out, headers))
            .await
    }

    /// Run one exchange with the server; when it refuses the authorization
    /// (a 401, or a 403 asking for more scope), let the auth layer fix it
    /// (refresh, sign in, step up) and run it again, a bounded number of times.
    /// Both transports go through here, so the legacy HTTP+SSE one recovers
    /// the same way as Streamable HTTP.
    async fn authorized<T, F, Fut>(&self, mut exchange: F) -> Result<T, RelayError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, RelayError>>,
    {
        let mut attempts = 0;
        loop {
            match (exchange().await, self.auth.as_ref()) {
                (
                    Err(RelayError::Unauthorized {
                        status,
                        challenge,
                        sent,
                    }),
                    Some(auth),
                ) if attempts < MAX_AUTH_ATTEMPTS => {
                    attempts += 1;
                    auth.recover(status, challenge.map(|c| *c), sent.as_ref())
                        .await?;
                }
                (
                    Err(RelayError::Unauthorized {
                        status, challenge, ..
                    }),
                    None,
                ) => {
                    let (error, description) = challenge
                        .map(|c| (c.error, c.error_description))
                        .unwrap_or_default();
                    return Err(RelayError::HeaderRefused {
                        status,
                        error,
                        description,
                    });
                }
                (other, _) => return other,
            }
        }
    }

    /// A batch from the host: each message goes on its own; the responses go
    /// back together as one batch.
    async fn forward_batch(&self, items: Vec<Result<Message, jsonrpc::Rejected>>) {
        let answers = futures_util::future::join_all(items.into_iter().map(|item| async move {
            match item {
                Ok(m) => self.forward(&m).await,
                Err(rejected) => Some(rejected.to_response()),
            }
        }))
        .await;
        let answers: Vec<Bytes> = answers.into_iter().flatten().collect();
        if answers.is_empty() {
            return;
        }
        let mut line = Vec::with_capacity(answers.iter().map(|a| a.len() + 1).sum::<usize>() + 1);
        line.push(b'[');
        for (i, a) in answers.iter().enumerate() {
            if i > 0 {
                line.push(b',');
            }
            line.extend_from_slice(a);
        }
        line.push(b']');
        self.out.send(Bytes::from(line)).await;
    }

    /// The server forgot the session: replay the host's initialize and
    /// initialized on a new one. Concurrent callers share one replay.
    async fn replace_session(
        &self,
        s: &Arc<StreamableHttp>,
        seen_generation: u64,
    ) -> Result<(), RelayError> {
        let _exclusive = self.reinit.write().await;
        if s.session().generation != seen_generation {
            return Ok(()); // someone else replaced it meanwhile
        }
        let (params, initialized) = {
            let init = self.init.locked();
            (init.params.clone(), init.initialized.clone())
        };
        let n = self.replays.fetch_add(1, Ordering::Relaxed) + 1;
        let id = Value::String(format!("mcp-tether-reinit-{n}"));
        self.stop_get_stream();
        s.reset_session();
        let posted = self
            .post_authorized(
                s,
                jsonrpc::request(&id, "initialize", params.as_deref()),
                Some(&id),
            )
            .await?;
        let response = posted
            .response
            .ok_or(RelayError::NoResponse { status: 202 })?;
        let version = jsonrpc::negotiated_protocol_version(&response).ok_or_else(|| {
            RelayError::BadResponse(format!(
                "the new session's initialize failed: {}",
                String::from_utf8_lossy(&response)
            ))
        })?;
        s.set_session(posted.session_id, Some(&version));
        if let Some(initialized) = initialized {
            s.post(initialized, None, &self.out).await?;
            let opened = self.spawn_get_stream(s);
            let _ = tokio::time::timeout(GET_STREAM_WAIT, opened).await;
        }
        tracing::info!("new session started");
        Ok(())
    }

    /// Open the event stream for server-initiated messages, and wait (briefly)
    /// until the server has answered the GET: the host's next request must not
    /// overtake it, or a server could take that request's stream for this one.
    async fn start_get_stream(&self) {
        let s = match self.upstream.lock().await.as_ref() {
            Some(Upstream::Streamable(s)) if self.connected.load(Ordering::Acquire) => s.clone(),
            _ => return,
        };
        let opened = self.spawn_get_stream(&s);
        let _ = tokio::time::timeout(GET_STREAM_WAIT, opened).await;
    }

    fn spawn_get_stream(&self, s: &Arc<StreamableHttp>) -> tokio::sync::oneshot::Receiver<()> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(s.clone().run_get_stream(self.out.clone(), tx));
        if let Some(old) = self.get_stream.locked().replace(task) {
            old.abort();
        }
        rx
    }

    /// `--keep-alive`: a `ping` every interval, so idle connections survive
    /// load balancers. The answers are the bridge's own and never reach the host.
    fn start_keep_alive(self: &Arc<Self>) {
        let Some(every) = self.config.keep_alive else {
            return;
        };
        let mut slot = self.pinger.locked();
        if slot.is_some() {
            return; // a session replacement re-sends initialized
        }
        let this = Arc::downgrade(self);
        *slot = Some(tokio::spawn(async move {
            let mut n = 0u64;
            loop {
                tokio::time::sleep(every).await;
                let Some(relay) = this.upgrade() else { return };
                n += 1;
                let ping = format!(
                    r#"{{"jsonrpc":"2.0","id":"{BRIDGE_ID_PREFIX}ping-{n}","method":"ping"}}"#
                );
                let Ok(message) = jsonrpc::parse_owned(Bytes::from(ping)) else {
                    return;
                };
                let answer = relay.forward_to_server(&message, "ping").await;
                let error = answer
                    .and_then(|a| serde_json::from_slice::<Value>(&a).ok())
                    .and_then(|v| v.get("error").map(|e| e["message"].to_string()));
                match error {
                    Some(e) => tracing::warn!("keep-alive ping failed: {e}"),
                    None => tracing::trace!("keep-alive ping answered"),
                }
            }
        }));
    }

    fn stop_get_stream(&self) {
        if let Some(old) = self.get_stream.locked().take() {
            old.abort();
        }
    }

    /// Stop the event stream and end the session at the server (bounded).
    async fn shutdown(&self) {
        if let Some(pinger) = self.pinger.locked().take() {
            pinger.abort();
        }
        self.stop_get_stream();
        self.stop_listen();
        match self.upstream.lock().await.take() {
            Some(Upstream::Streamable(s)) => s.delete_session(DELETE_BUDGET).await,
            Some(Upstream::Legacy(l)) => l.close(),
            None => {}
        }
    }
}

/// What the auth layer has to tell the person reaches the host as a
/// `notifications/message` log entry (hosts show these in their log views).
fn spawn_notifier(out: Output) -> tokio::sync::mpsc::UnboundedSender<Notice> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Notice>();
    tokio::spawn(async move {
        let mut n = 0u64;
        while let Some(notice) = rx.recv().await {
            let message = match notice {
                Notice::Log(text) => serde_json::json!({
                    "jsonrpc": "2.0",
                    "method": "notifications/message",
                    "params": {"level": "warning", "logger": "mcp-tether", "data": text},
                }),
                // A request of the bridge's own: its answer is not relayed
                // (see BRIDGE_ID_PREFIX).
                Notice::OpenUrl { url, message } => {
                    n += 1;
                    serde_json::json!({
                        "jsonrpc": "2.0",
                        "id": format!("{BRIDGE_ID_PREFIX}elicit-{n}"),
                        "method": "elicitation/create",
                        "params": {
                            "mode": "url",
                            "elicitationId": format!("mcp-tether-sign-in-{n}"),
                            "url": url,
                            "message": message,
                        },
                    })
                }
            };
            out.send(Bytes::from(message.to_string())).await;
        }
    });
    tx
}

/// The host's answer for a message that failed: an error response for a
/// request; for anything else there is no one to answer, so it is logged.
fn report(message: &Message, method: &str, e: RelayError) -> Option<Bytes> {
    match message.request_id() {
        Some(id) => {
            tracing::warn!("{method} failed: {e}");
            Some(e.to_response(id, method))
        }
        None => {
            tracing::warn!("could not deliver {method} to the server: {e}");
            None
        }
    }
}

/// Sleep until `deadline`, or forever when there is none.
async fn sleep_until_some(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(e) => {
                tracing::warn!("could not watch for SIGTERM ({e}); SIGINT still ends the bridge");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
