//! The session with the server: the host's `initialize` (with the 2026-07-28
//! probe and the fall-back to HTTP+SSE), each message sent on the session,
//! a new session when the server forgets the old one (the host never
//! notices), the GET event stream, the keep-alive, and the DELETE at the end.
//! A 2026-07-28 host in front of a 2025-era server gets its session set up
//! for it (see `era/downlevel.rs`).

use crate::locked::Locked;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::task::JoinHandle;

use super::era::bridge::{EraBridge, Probe};
use super::era::downlevel;
use super::error::RelayError;
use super::host::{BRIDGE_ID_PREFIX, HostRequests};
use super::jsonrpc::{self, Message, code, error_response};
use super::report;
use super::stdio::Output;
use super::transport::legacy_sse::LegacySse;
use super::transport::streamable::StreamableHttp;
use super::upstream::{Link, Upstream};
use crate::config::{Config, Protocol, Transport};

/// How long the DELETE at shutdown may take.
const DELETE_BUDGET: Duration = Duration::from_millis(300);
/// How long to wait before trying a failed first initialize again.
const INITIALIZE_RETRY_AFTER: Duration = Duration::from_millis(200);
/// How long the host's next message waits for the event stream to open.
const GET_STREAM_WAIT: Duration = Duration::from_millis(1000);

/// What the host said when it set the session up, replayed when the server
/// loses the session so the host never notices.
#[derive(Default)]
struct InitRecord {
    params: Option<Box<RawValue>>,
    initialized: Option<Bytes>,
}

pub struct Session {
    config: Arc<Config>,
    out: Output,
    upstream: Arc<Upstream>,
    /// A 2026-07-28 server: no session at all, the era bridge does the talking.
    era: EraBridge,
    init: Mutex<InitRecord>,
    /// Held for writing while a lost session is being replaced; requests wait on it.
    reinit: tokio::sync::RwLock<()>,
    get_stream: Mutex<Option<JoinHandle<()>>>,
    /// The keep-alive task (`--keep-alive`), once the session is up.
    pinger: Mutex<Option<JoinHandle<()>>>,
    replays: AtomicU64,
    /// The server has answered at least one initialize.
    connected: AtomicBool,
    /// Why the last initialize could not reach the server at all.
    unreachable: Mutex<Option<RelayError>>,
    /// A 2026-07-28 host in front of a 2025-era server: the `server/discover`
    /// result the bridge gave it (set once the bridge initialized for it).
    modern_host: Mutex<Option<Value>>,
}

impl Session {
    pub fn new(
        config: Arc<Config>,
        out: Output,
        upstream: Arc<Upstream>,
        host: Arc<HostRequests>,
    ) -> Session {
        let era = EraBridge::new(config.clone(), out.clone(), upstream.clone(), host);
        Session {
            config,
            out,
            upstream,
            era,
            init: Mutex::default(),
            reinit: tokio::sync::RwLock::new(()),
            get_stream: Mutex::new(None),
            pinger: Mutex::new(None),
            replays: AtomicU64::new(0),
            connected: AtomicBool::new(false),
            unreachable: Mutex::new(None),
            modern_host: Mutex::new(None),
        }
    }

    /// Why the server could never be reached, if it never was (for the exit).
    pub fn never_reached(&self) -> Option<RelayError> {
        match self.unreachable.locked().take() {
            Some(e) if !self.connected.load(Ordering::Acquire) => Some(e),
            _ => None,
        }
    }

    /// The host's initialize. Always answered; the bridge stays up whatever
    /// happens, ready for the host's next message.
    pub async fn initialize(&self, message: Message, id: Value) {
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
        self.upstream
            .set_host_opens_urls(jsonrpc::host_offers_url_elicitation(&message.bytes));
        *self.init.locked() = InitRecord {
            params: jsonrpc::params_of(&message.bytes),
            initialized: None,
        };
        // The host speaks the 2025 era after all: nothing to translate.
        *self.modern_host.locked() = None;
        match self.upstream.link().await? {
            Link::Streamable(s) => {
                s.reset_session();
                self.stop_get_stream();
                self.era.stop_listen();
                if let Probe::Answered = self.era.probe(&s, message, &id).await? {
                    self.connected.store(true, Ordering::Release);
                    return Ok(());
                }
                match self
                    .upstream
                    .post(&s, message.bytes.clone(), Some(&id), None)
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
                        let legacy = match self.upstream.connect_legacy().await {
                            Ok(l) => l,
                            Err(legacy_err) => {
                                tracing::debug!("legacy transport failed too: {legacy_err}");
                                return Err(e);
                            }
                        };
                        self.upstream.switch_to_legacy(legacy.clone()).await;
                        self.send_legacy_initialize(&legacy, message).await
                    }
                    Err(e) => Err(e),
                }
            }
            Link::Legacy(legacy) => self.send_legacy_initialize(&legacy, message).await,
        }
    }

    async fn send_legacy_initialize(
        &self,
        legacy: &LegacySse,
        message: &Message,
    ) -> Result<(), RelayError> {
        self.upstream.send_legacy(legacy, message).await?;
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

    /// The host's `notifications/initialized`: the session is set up.
    pub async fn initialized(self: &Arc<Self>, message: &Message) {
        if self.era.is_modern() {
            // Nothing to send: 2026-07-28 has no handshake. Its
            // notifications come over the subscriptions stream.
            self.era.start_listen().await;
        } else {
            self.init.locked().initialized = Some(message.bytes.clone());
            self.forward(message, "notifications/initialized").await;
            self.start_get_stream().await;
        }
        self.start_keep_alive();
    }

    /// Send one message and return what the host must get back, if anything:
    /// the response to a request, or an error saying why there is none.
    pub async fn forward(&self, message: &Message, method: &str) -> Option<Bytes> {
        // Answers and notifications never wait for a slot: a tool call that
        // waits for the host's answer to a sampling request must not be
        // able to block that answer.
        let _slot = match message.request_id() {
            Some(_) => self.upstream.request_slot().await,
            None => None,
        };
        if self.era.is_modern() {
            return self.era.forward(message, method).await;
        }
        if method == "server/discover" {
            if let Some(answer) = self.rediscover(message) {
                return Some(answer);
            }
            if !self.connected.load(Ordering::Acquire) {
                if let Some(answer) = self.era.discover_passthrough(message).await {
                    if self.era.is_modern() {
                        self.connected.store(true, Ordering::Release);
                    }
                    return answer;
                }
                // `--protocol modern` promised a 2026-07-28 server: no
                // translating for one that is not.
                if self.config.protocol != Protocol::Modern
                    && let Some(answer) = self.initialize_for_modern_host(message).await
                {
                    return Some(answer);
                }
            }
        }
        let s = match self.upstream.link().await {
            Ok(Link::Streamable(s)) => s,
            Ok(Link::Legacy(legacy)) => {
                return self
                    .upstream
                    .send_legacy(&legacy, message)
                    .await
                    .err()
                    .and_then(|e| report(message, method, e));
            }
            Err(e) => return report(message, method, e),
        };
        let mut replaced_session = false;
        loop {
            // Wait while a lost session is being replaced.
            drop(self.reinit.read().await);
            let generation = s.session().generation;
            // A 2026-07-28 host's request, for the 2025-era server: without
            // the envelope, which the server had once, at initialize.
            let stripped = match self.modern_host.locked().is_some() {
                true => downlevel::strip_envelope(&message.bytes),
                false => None,
            };
            let bytes = stripped.unwrap_or_else(|| message.bytes.clone());
            match self
                .upstream
                .post(&s, bytes, message.request_id(), None)
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

    /// A `server/discover` from a 2026-07-28 host the bridge initialized
    /// for: the answer it gave the first time (a 2025-era server knows no
    /// such method).
    fn rediscover(&self, message: &Message) -> Option<Bytes> {
        let result = self.modern_host.locked().clone()?;
        let id = message.request_id()?;
        let answer = serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result});
        Some(Bytes::from(answer.to_string()))
    }

    /// A 2026-07-28 host opened with `server/discover`, and the server speaks
    /// only the 2025 era: set the session up for the host (its `initialize`
    /// from the envelope in the discover's `_meta`, then `initialized` and
    /// the GET stream) and answer the discover from the `initialize` result,
    /// so the host stays in its own era. None: a discover without the
    /// 2026-07-28 envelope, or over the legacy HTTP+SSE transport, whose
    /// answers the bridge cannot intercept; the caller answers as before.
    async fn initialize_for_modern_host(&self, message: &Message) -> Option<Bytes> {
        let id = message.request_id()?.clone();
        let s = self.upstream.current_streamable().await?;
        let discover: Value = serde_json::from_slice(&message.bytes).unwrap_or(Value::Null);
        if !downlevel::from_modern_host(&discover) {
            return None;
        }
        let params = downlevel::initialize_params(&discover);
        let initialize = Bytes::from(
            serde_json::json!({"jsonrpc": "2.0", "id": id, "method": "initialize", "params": params})
                .to_string(),
        );
        let initialized =
            Bytes::from_static(br#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        // The host's next requests wait until the session is up.
        let _exclusive = self.reinit.write().await;
        self.upstream
            .set_host_opens_urls(jsonrpc::host_offers_url_elicitation(&initialize));
        *self.init.locked() = InitRecord {
            params: jsonrpc::params_of(&initialize),
            initialized: Some(initialized.clone()),
        };
        s.reset_session();
        self.stop_get_stream();
        let posted = match self.upstream.post(&s, initialize, Some(&id), None).await {
            Ok(p) => p,
            Err(e) => return report(message, "server/discover", e),
        };
        let Some(response) = posted.response else {
            return report(
                message,
                "server/discover",
                RelayError::NoResponse { status: 202 },
            );
        };
        let parsed: Value = serde_json::from_slice(&response).unwrap_or(Value::Null);
        let Some(init) = parsed.get("result") else {
            // The server refused the initialize: its error is the answer.
            return Some(response);
        };
        let version = jsonrpc::negotiated_protocol_version(&response);
        tracing::info!(
            "connected to {} (protocol {}) for a host that speaks {}",
            s.origin(),
            version.as_deref().unwrap_or("unknown"),
            super::era::modern::VERSION
        );
        s.set_session(posted.session_id, version.as_deref());
        self.connected.store(true, Ordering::Release);
        if let Err(e) = self.upstream.post(&s, initialized, None, None).await {
            tracing::warn!("notifications/initialized failed: {e}");
        }
        let result = downlevel::discover_result(init);
        *self.modern_host.locked() = Some(result.clone());
        let opened = self.spawn_get_stream(&s);
        let _ = tokio::time::timeout(GET_STREAM_WAIT, opened).await;
        let answer = serde_json::json!({"jsonrpc": "2.0", "id": id, "result": result});
        Some(Bytes::from(answer.to_string()))
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
        let id = Value::String(format!("{BRIDGE_ID_PREFIX}reinit-{n}"));
        self.stop_get_stream();
        s.reset_session();
        let posted = self
            .upstream
            .post(
                s,
                jsonrpc::request(&id, "initialize", params.as_deref()),
                Some(&id),
                None,
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
        if !self.connected.load(Ordering::Acquire) {
            return;
        }
        let Some(s) = self.upstream.current_streamable().await else {
            return;
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

    fn stop_get_stream(&self) {
        if let Some(old) = self.get_stream.locked().take() {
            old.abort();
        }
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
                let Some(session) = this.upgrade() else {
                    return;
                };
                n += 1;
                let ping = format!(
                    r#"{{"jsonrpc":"2.0","id":"{BRIDGE_ID_PREFIX}ping-{n}","method":"ping"}}"#
                );
                let Ok(message) = jsonrpc::parse_owned(Bytes::from(ping)) else {
                    return;
                };
                let answer = session.forward(&message, "ping").await;
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

    /// Stop the event streams and end the session at the server (bounded).
    pub async fn shutdown(&self) {
        if let Some(pinger) = self.pinger.locked().take() {
            pinger.abort();
        }
        self.stop_get_stream();
        self.era.stop_listen();
        match self.upstream.take().await {
            Some(Link::Streamable(s)) => s.delete_session(DELETE_BUDGET).await,
            Some(Link::Legacy(l)) => l.close(),
            None => {}
        }
    }
}
