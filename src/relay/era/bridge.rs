//! A host of the 2025 era and a server of MCP 2026-07-28: the bridge answers
//! the host's `initialize` from `server/discover`, gives every request the
//! per-request envelope and routing headers, keeps what the host set once
//! (log level, resource subscriptions) and sends it along, turns the
//! `subscriptions/listen` stream into the notifications the host expects, and
//! unpacks `input_required` results into ordinary requests to the host.
//! A host that speaks 2026-07-28 itself (it opens with `server/discover`)
//! gets its messages passed through untouched, with the headers added.
//!
//! [`EraBridge`] owns all of this state; the session asks it first whether
//! the server is of this era, and hands it the host's messages if so.

use crate::locked::Locked;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::HeaderMap;
use serde_json::{Map, Value, json};
use tokio::task::JoinHandle;

use super::memory::{self, Era};
use super::modern::{self, Envelope, ToolHeaders};
use crate::config::{Config, Protocol};
use crate::relay::error::RelayError;
use crate::relay::host::HostRequests;
use crate::relay::jsonrpc::{Message, code, error_response};
use crate::relay::report;
use crate::relay::stdio::Output;
use crate::relay::transport::streamable::StreamableHttp;
use crate::relay::upstream::{Link, Upstream};

/// Rounds of `input_required` one request may take before the bridge gives up.
const MAX_INPUT_ROUNDS: usize = 8;
/// How long a question to the host (an elicitation: a person answers) may take.
const HOST_ANSWER_WAIT: Duration = Duration::from_secs(600);

/// What the bridge knows about a 2026-07-28 server and the host in front of it.
struct ModernState {
    envelope: Envelope,
    server_capabilities: Value,
    /// URIs from the host's `resources/subscribe`.
    resources: Vec<String>,
    tools: ToolHeaders,
    /// The host speaks 2026-07-28 itself: no translation.
    passthrough: bool,
}

/// How the probe went.
pub enum Probe {
    /// Modern: the host has its answer.
    Answered,
    /// Not a 2026-07-28 server: go on with `initialize`.
    Legacy,
}

/// The relay's side of a 2026-07-28 server.
pub struct EraBridge {
    config: Arc<Config>,
    out: Output,
    upstream: Arc<Upstream>,
    host: Arc<HostRequests>,
    /// Some once the server is known to speak MCP 2026-07-28.
    state: Mutex<Option<ModernState>>,
    /// The `subscriptions/listen` stream.
    listen: Mutex<Option<JoinHandle<()>>>,
}

impl EraBridge {
    pub fn new(
        config: Arc<Config>,
        out: Output,
        upstream: Arc<Upstream>,
        host: Arc<HostRequests>,
    ) -> EraBridge {
        EraBridge {
            config,
            out,
            upstream,
            host,
            state: Mutex::new(None),
            listen: Mutex::new(None),
        }
    }

    /// Whether the server is known to speak MCP 2026-07-28.
    pub fn is_modern(&self) -> bool {
        self.state.locked().is_some()
    }

    fn remembered_era(&self) -> Option<Era> {
        let path = self.config.era_cache.as_deref()?;
        memory::remembered(path, &self.config.url)
    }

    fn remember_era(&self, e: Era) {
        if let Some(path) = self.config.era_cache.as_deref() {
            memory::remember(path, &self.config.url, e);
        }
    }

    /// The host sent `initialize`: unless the server is known to be (or
    /// configured as) 2025-era, ask it `server/discover` first.
    pub async fn probe(
        &self,
        s: &Arc<StreamableHttp>,
        message: &Message,
        id: &Value,
    ) -> Result<Probe, RelayError> {
        *self.state.locked() = None;
        match self.config.protocol {
            Protocol::Legacy => return Ok(Probe::Legacy),
            Protocol::Auto if self.remembered_era() == Some(Era::Legacy) => {
                return Ok(Probe::Legacy);
            }
            _ => {}
        }
        let params: Value = serde_json::from_slice::<Value>(&message.bytes)
            .ok()
            .and_then(|v| v.get("params").cloned())
            .unwrap_or_else(|| json!({}));
        let mut envelope = Envelope::from_initialize(&params);
        let mut version_retried = false;
        let answered = loop {
            let discover = modern::with_envelope(
                &json!({"jsonrpc": "2.0", "id": id, "method": "server/discover"}),
                &envelope,
            );
            let headers = modern::routing_headers(&discover, &ToolHeaders::default());
            let body = Bytes::from(discover.to_string());
            match self.upstream.post(s, body, Some(id), Some(&headers)).await {
                // A 2026-07-28 server that serves another revision of it:
                // ask again, once, in one both speak; the host never knows.
                Err(e) if !version_retried => {
                    match e.rpc_error().and_then(modern::version_to_retry) {
                        Some(v) => {
                            tracing::info!(
                                "server/discover: the server refused our protocol version; asking again with {v}"
                            );
                            version_retried = true;
                            envelope.protocol_version = Some(v);
                        }
                        None => break Err(e),
                    }
                }
                other => break other,
            }
        };
        let refused = match answered {
            Ok(posted) => {
                let response: Value = posted
                    .response
                    .as_deref()
                    .and_then(|r| serde_json::from_slice(r).ok())
                    .unwrap_or(Value::Null);
                match response.get("result").filter(|r| modern::speaks_modern(r)) {
                    Some(result) => {
                        self.adopt_modern(envelope, result, false);
                        let host_version = params.get("protocolVersion").and_then(Value::as_str);
                        let answer = json!({
                            "jsonrpc": "2.0",
                            "id": id,
                            "result": modern::initialize_result(result, host_version),
                        });
                        self.out.send(Bytes::from(answer.to_string())).await;
                        return Ok(Probe::Answered);
                    }
                    // A JSON-RPC error, or a result without our version:
                    // not a 2026-07-28 server.
                    None => format!("server/discover answered {response}"),
                }
            }
            // The server speaks 2026-07-28 but refused us: no fallback.
            Err(e) if e.rpc_code().is_some_and(modern::is_modern_code) => {
                return Err(e);
            }
            Err(e) if e.http_status().is_some_and(|s| s.is_client_error()) => e.to_string(),
            Err(e) => {
                return Err(e);
            }
        };
        if self.config.protocol == Protocol::Modern {
            let e = RelayError::BadResponse(format!(
                "--protocol modern, but the server does not speak MCP 2026-07-28 ({refused}). Use --protocol auto or legacy"
            ));
            return Err(e);
        }
        tracing::debug!("not a 2026-07-28 server ({refused}); using initialize");
        self.remember_era(Era::Legacy);
        Ok(Probe::Legacy)
    }

    fn adopt_modern(&self, envelope: Envelope, discover: &Value, passthrough: bool) {
        tracing::info!(
            "connected to {} (protocol {}{})",
            self.config.url.origin().ascii_serialization(),
            modern::VERSION,
            if passthrough {
                ", the host speaks it too"
            } else {
                "; translating for a 2025-era host"
            }
        );
        *self.state.locked() = Some(ModernState {
            envelope,
            server_capabilities: discover
                .get("capabilities")
                .cloned()
                .unwrap_or_else(|| json!({})),
            resources: Vec::new(),
            tools: ToolHeaders::default(),
            passthrough,
        });
        self.remember_era(Era::Modern);
    }

    /// A host that opens with `server/discover` speaks 2026-07-28: if the
    /// server does too, relay untouched from here on. None: the server is of
    /// the 2025 era, and the caller answers as before.
    pub async fn discover_passthrough(&self, message: &Message) -> Option<Option<Bytes>> {
        if self.config.protocol == Protocol::Legacy
            || (self.config.protocol == Protocol::Auto
                && self.remembered_era() == Some(Era::Legacy))
        {
            return None;
        }
        let s = self.upstream.streamable_link().await?;
        let request: Value = serde_json::from_slice(&message.bytes).ok()?;
        let headers = modern::routing_headers(&request, &ToolHeaders::default());
        let posted = self
            .upstream
            .post(
                &s,
                message.bytes.clone(),
                message.request_id(),
                Some(&headers),
            )
            .await;
        match posted {
            Ok(p) => {
                let Some(response) = p.response else {
                    return Some(report(
                        message,
                        "server/discover",
                        RelayError::NoResponse { status: 202 },
                    ));
                };
                let Ok(parsed) = serde_json::from_slice::<Value>(&response) else {
                    return Some(Some(response));
                };
                if let Some(result) = parsed.get("result").filter(|r| modern::speaks_modern(r)) {
                    let envelope = Envelope::from_initialize(
                        &request
                            .pointer("/params/_meta")
                            .map(|m| {
                                json!({"capabilities": m.get("io.modelcontextprotocol/clientCapabilities")})
                            })
                            .unwrap_or_default(),
                    );
                    self.adopt_modern(envelope, result, true);
                }
                Some(Some(response))
            }
            Err(e) if e.rpc_code().is_some_and(modern::is_modern_code) => {
                Some(verbatim(message, "server/discover", e))
            }
            Err(_) => {
                self.remember_era(Era::Legacy);
                None
            }
        }
    }

    /// One message from the host, to a 2026-07-28 server.
    pub async fn forward(&self, message: &Message, method: &str) -> Option<Bytes> {
        let Some(id) = message.request_id() else {
            // The 2026-07-28 transport has no client notifications: a request
            // is cancelled by closing its stream, and `initialized` is gone.
            tracing::debug!("not sent to a 2026-07-28 server: {method}");
            return None;
        };
        let passthrough = self.state.locked().as_ref().is_some_and(|m| m.passthrough);
        if !passthrough {
            match method {
                "logging/setLevel" => {
                    let level = params(message)
                        .get("level")
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    self.with_modern(|m| m.envelope.log_level = level);
                    return Some(empty_result(id));
                }
                "resources/subscribe" | "resources/unsubscribe" => {
                    let Some(uri) = params(message)
                        .get("uri")
                        .and_then(Value::as_str)
                        .map(str::to_string)
                    else {
                        return Some(error_response(
                            Some(id),
                            code::INVALID_REQUEST,
                            "Invalid params: no uri",
                            None,
                        ));
                    };
                    self.with_modern(|m| {
                        m.resources.retain(|r| r != &uri);
                        if method == "resources/subscribe" {
                            m.resources.push(uri);
                        }
                    });
                    self.start_listen().await;
                    return Some(empty_result(id));
                }
                _ => {}
            }
        }
        let s = match self.upstream.link().await {
            Ok(Link::Streamable(s)) => s,
            Ok(_) => return None,
            Err(e) => return report(message, method, e),
        };
        let original: Value = match serde_json::from_slice(&message.bytes) {
            Ok(v) => v,
            Err(e) => return report(message, method, RelayError::BadResponse(e.to_string())),
        };
        let mut request = if passthrough {
            original
        } else {
            // (None: the host started over with a new initialize meanwhile.)
            let Some(envelope) = self.with_modern(|m| m.envelope.clone()) else {
                return report(message, method, RelayError::StreamEnded);
            };
            modern::with_envelope(&original, &envelope)
        };
        let mut tools_refreshed = false;
        let mut version_retried = false;
        let mut rounds = 0;
        // The JSON-RPC id on the wire: the host's, until the bridge itself
        // sends a retry the server must see as a new request.
        let mut sent_id = id.clone();
        loop {
            let Some(headers) = self.with_modern(|m| modern::routing_headers(&request, &m.tools))
            else {
                return report(message, method, RelayError::StreamEnded);
            };
            let body = if passthrough && rounds == 0 {
                message.bytes.clone()
            } else {
                Bytes::from(request.to_string())
            };
            let posted = self
                .upstream
                .post(&s, body, Some(&sent_id), Some(&headers))
                .await;
            let response = match posted {
                Ok(p) => match p.response {
                    Some(r) => r,
                    None => return report(message, method, RelayError::NoResponse { status: 202 }),
                },
                Err(e)
                    if e.rpc_code() == Some(modern::code::HEADER_MISMATCH)
                        && method == "tools/call"
                        && !tools_refreshed =>
                {
                    // Our idea of the tool's x-mcp-header parameters is stale.
                    tools_refreshed = true;
                    self.refresh_tool_headers(&s).await;
                    continue;
                }
                // The server refused the version the bridge chose for a
                // 2025-era host: retry once with one both speak, and keep it
                // for later requests. A 2026-07-28 host (passthrough) gets the
                // -32022 as the server sent it: the version is the host's own
                // choice in its `_meta`, which the bridge must not rewrite
                // behind its back, and such a host retries itself (SEP-2575).
                Err(e)
                    if !passthrough
                        && !version_retried
                        && let Some(v) = e.rpc_error().and_then(modern::version_to_retry) =>
                {
                    tracing::info!(
                        "{method}: the server refused our protocol version; retrying with {v}"
                    );
                    version_retried = true;
                    self.with_modern(|m| m.envelope.protocol_version = Some(v));
                    request = modern::with_version(&request, v);
                    continue;
                }
                // The server's own JSON-RPC error (with a 400) is the answer:
                // -32022 carries the versions it supports, for example.
                Err(e) => return verbatim(message, method, e),
            };
            let mut parsed: Value = match serde_json::from_slice(&response) {
                Ok(v) => v,
                Err(_) => return Some(response),
            };
            // Even for a 2026-07-28 host: only the bridge can send the
            // Mcp-Param-* headers, and a tool whose annotation is invalid
            // must not be offered.
            if method == "tools/list"
                && let Some(result) = parsed.get_mut("result")
            {
                let dropped = self
                    .with_modern(|m| m.tools.learn(result))
                    .unwrap_or_default();
                if !dropped.is_empty() || sent_id != *id {
                    return Some(answer_as(parsed, id));
                }
                return Some(response);
            }
            if passthrough {
                return Some(response);
            }
            if let Some(needs) = modern::input_required(&parsed) {
                rounds += 1;
                if rounds > MAX_INPUT_ROUNDS {
                    return Some(error_response(
                        Some(id),
                        code::UPSTREAM_ERROR,
                        &format!(
                            "mcp-tether: {method} failed: the server asked for more input {MAX_INPUT_ROUNDS} times; giving up"
                        ),
                        None,
                    ));
                }
                match self.ask_host(needs.requests).await {
                    Ok(answers) => {
                        // The server answered the request: the retry is a new
                        // request and needs an id of its own (SEP-2322).
                        sent_id = json!(self.host.next_id("retry"));
                        request = modern::retry_with_answers(
                            &request,
                            &sent_id,
                            answers,
                            needs.request_state.as_ref(),
                        );
                        continue;
                    }
                    Err(why) => {
                        return Some(error_response(
                            Some(id),
                            code::UPSTREAM_ERROR,
                            &format!("mcp-tether: {method} failed: {why}"),
                            None,
                        ));
                    }
                }
            }
            if sent_id != *id {
                return Some(answer_as(parsed, id));
            }
            return Some(response);
        }
    }

    fn with_modern<T>(&self, f: impl FnOnce(&mut ModernState) -> T) -> Option<T> {
        self.state.locked().as_mut().map(f)
    }

    /// The bridge's own `tools/list`, to relearn the tools' header parameters.
    async fn refresh_tool_headers(&self, s: &Arc<StreamableHttp>) {
        let Some(envelope) = self.with_modern(|m| m.envelope.clone()) else {
            return;
        };
        let id = json!(self.host.next_id("tools"));
        let request = modern::with_envelope(
            &json!({"jsonrpc": "2.0", "id": id, "method": "tools/list"}),
            &envelope,
        );
        let headers = modern::routing_headers(&request, &ToolHeaders::default());
        let body = Bytes::from(request.to_string());
        if let Ok(p) = self.upstream.post(s, body, Some(&id), Some(&headers)).await
            && let Some(mut v) = p
                .response
                .and_then(|r| serde_json::from_slice::<Value>(&r).ok())
            && let Some(result) = v.get_mut("result")
        {
            self.with_modern(|m| m.tools.learn(result));
        }
    }

    /// Ask the host what an `input_required` result needs, one question at a
    /// time, as the 2025-era server-to-client requests it knows.
    async fn ask_host(
        &self,
        questions: Vec<(String, String, Value)>,
    ) -> Result<Map<String, Value>, String> {
        let capabilities = self
            .with_modern(|m| m.envelope.capabilities.clone())
            .unwrap_or_default();
        let mut answers = Map::new();
        for (key, method, params) in questions {
            if !modern::host_can_answer(&capabilities, &method, &params) {
                let mode = params
                    .get("mode")
                    .and_then(Value::as_str)
                    .map(|m| format!(" ({m} mode)"))
                    .unwrap_or_default();
                return Err(format!(
                    "the server needs an answer to {method}{mode}, which this host did not declare it can give; use a host that supports it"
                ));
            }
            let Some(answer) = self.host.ask(&method, &params, HOST_ANSWER_WAIT).await else {
                return Err(format!("the host did not answer {method} in time"));
            };
            match answer.get("result") {
                Some(result) => {
                    answers.insert(key, result.clone());
                }
                None => {
                    let why = answer
                        .pointer("/error/message")
                        .and_then(Value::as_str)
                        .unwrap_or("no result");
                    return Err(format!("the host could not answer {method}: {why}"));
                }
            }
        }
        Ok(answers)
    }

    /// Open (or reopen, after a subscription change) the `subscriptions/listen`
    /// stream for what the server offers; its notifications reach the host in
    /// their 2025-era shape. Reconnects with a backoff when it drops.
    pub async fn start_listen(&self) {
        let Some((capabilities, resources, envelope, passthrough)) = self.with_modern(|m| {
            (
                m.server_capabilities.clone(),
                m.resources.clone(),
                m.envelope.clone(),
                m.passthrough,
            )
        }) else {
            return;
        };
        if passthrough {
            return; // a 2026-07-28 host listens for itself
        }
        let Some(s) = self.upstream.streamable_link().await else {
            return;
        };
        let id = self.host.next_id("listen");
        let request = modern::listen_request(&id, &capabilities, &resources, &envelope);
        if request
            .pointer("/params/notifications")
            .and_then(Value::as_object)
            .is_none_or(|n| n.is_empty())
        {
            self.stop_listen();
            return; // nothing to listen for
        }
        let headers: HeaderMap = modern::routing_headers(&request, &ToolHeaders::default());
        let body = Bytes::from(request.to_string());
        let out = self.out.clone();
        let task = tokio::spawn(async move {
            let mut backoff = Duration::from_millis(500);
            loop {
                let translate = |data: &[u8]| {
                    serde_json::from_slice::<Value>(data)
                        .ok()
                        .and_then(|m| modern::legacy_notification(&m))
                };
                match s.listen(body.clone(), &headers, &out, translate).await {
                    Ok(()) => tracing::debug!("the subscriptions stream ended; listening again"),
                    Err(e) => tracing::warn!("the subscriptions stream failed: {e}"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(30));
            }
        });
        if let Some(old) = self.listen.locked().replace(task) {
            old.abort();
        }
    }

    pub fn stop_listen(&self) {
        if let Some(old) = self.listen.locked().take() {
            old.abort();
        }
    }
}

/// The error for the host: the server's JSON-RPC error as it sent it, with
/// the host's id, or the bridge's own description of what failed.
fn verbatim(message: &Message, method: &str, e: RelayError) -> Option<Bytes> {
    let id = message.request_id()?;
    match e.rpc_error() {
        Some(error) => {
            // The host decides (a -32022 is the normal first step of a version retry).
            tracing::info!("{method}: the server refused it: {error}");
            let answer = json!({"jsonrpc": "2.0", "id": id, "error": error});
            Some(Bytes::from(answer.to_string()))
        }
        None => report(message, method, e),
    }
}

/// A response of the server's to a request the bridge sent under its own id,
/// for the host, under the host's id.
fn answer_as(mut response: Value, id: &Value) -> Bytes {
    // (An object: the transport matched it to the request by its id.)
    if let Some(fields) = response.as_object_mut() {
        fields.insert("id".into(), id.clone());
    }
    Bytes::from(response.to_string())
}

fn params(message: &Message) -> Value {
    serde_json::from_slice::<Value>(&message.bytes)
        .ok()
        .and_then(|v| v.get("params").cloned())
        .unwrap_or(Value::Null)
}

fn empty_result(id: &Value) -> Bytes {
    Bytes::from(json!({"jsonrpc": "2.0", "id": id, "result": {}}).to_string())
}
