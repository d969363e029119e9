//! The Streamable HTTP client (MCP 2025-03-26 and later): POST each message,
//! read a JSON or an SSE answer, keep the session, resume cut streams.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};
use serde_json::Value;
use sse_stream::SseByteStream;
use tokio::sync::oneshot;
use url::Url;

pub use super::wire::MAX_BODY_BYTES;
use super::wire::Wire;
use crate::auth::{Auth, Credentials};
use crate::relay::cookies::CookieJar;
use crate::relay::error::RelayError;
use crate::relay::jsonrpc::{self, Message};
use crate::relay::stdio::Output;

pub const SESSION_HEADER: &str = "mcp-session-id";
pub const VERSION_HEADER: &str = "mcp-protocol-version";
const LAST_EVENT_ID: &str = "last-event-id";
const ACCEPT_BOTH: &str = "application/json, text/event-stream";

/// How long to wait before resuming a cut stream when the server gave no `retry`.
pub const DEFAULT_RETRY: Duration = Duration::from_millis(1000);
/// The longest `retry` honoured: a server that asks for more gets this.
pub const MAX_RETRY: Duration = Duration::from_secs(30);
/// How many times a cut POST stream is resumed before the request fails.
const MAX_RESUMES: u32 = 5;
/// A GET stream that ends sooner than this counts as a quick end: repeated
/// quick ends back off exponentially, up to [`GET_BACKOFF_CEILING`].
const QUICK_END: Duration = Duration::from_secs(2);
/// However often the GET stream ends at once, it is reopened no more than
/// once per this long (at worst).
const GET_BACKOFF_CEILING: Duration = Duration::from_secs(60);

/// The session as the server set it up. `generation` counts re-initialisations,
/// so concurrent requests that all hit a 404 start only one new session.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub id: Option<HeaderValue>,
    pub protocol_version: Option<HeaderValue>,
    pub generation: u64,
}

/// Where an SSE stream left off, for resuming it with `Last-Event-ID`.
#[derive(Debug, Default, Clone)]
pub struct Cursor {
    pub last_event_id: Option<String>,
    /// The server's `retry`, capped at [`MAX_RETRY`].
    pub retry: Option<Duration>,
    /// The id of a response that answered nothing the bridge asked on this
    /// stream (dropped; named in the error if the real answer never comes).
    pub stray_answer: Option<Value>,
}

/// How long a request's response stream may go on without its answer.
/// Progress from the server, or a request it sends the host meanwhile,
/// moves the deadline on by `step` (the request is alive, not hung).
#[derive(Debug, Clone, Copy)]
struct Deadline {
    at: tokio::time::Instant,
    step: Duration,
}

impl Deadline {
    fn after(step: Duration) -> Self {
        Deadline {
            at: tokio::time::Instant::now() + step,
            step,
        }
    }

    fn extend(&mut self) {
        self.at = tokio::time::Instant::now() + self.step;
    }

    fn passed(&self) -> bool {
        tokio::time::Instant::now() >= self.at
    }
}

/// How an SSE stream ended.
enum StreamEnd {
    /// The response we waited for arrived.
    Answered(Message),
    /// The stream ended (or broke) first.
    Ended,
    /// The request's deadline passed first.
    DeadlinePassed,
}

/// What a POST gave back.
pub struct Posted {
    /// The response to the request that was posted, if it was a request.
    pub response: Option<Bytes>,
    /// The session id the server assigned (on initialize).
    pub session_id: Option<HeaderValue>,
}

pub struct StreamableHttp {
    wire: Wire,
    url: Url,
    session: RwLock<Session>,
}

impl StreamableHttp {
    pub fn new(
        http: reqwest::Client,
        url: Url,
        extra_headers: HeaderMap,
        timeout: Duration,
    ) -> Self {
        let origin = url.origin().ascii_serialization();
        StreamableHttp {
            wire: Wire::new(http, origin, extra_headers, timeout),
            url,
            session: RwLock::new(Session::default()),
        }
    }

    /// Keep the cookies the server sets and send them back (see [`CookieJar`]).
    pub fn with_cookies(mut self, cookies: Option<Arc<CookieJar>>) -> Self {
        self.wire = self.wire.with_cookies(cookies);
        self
    }

    /// Send tokens from `auth` (only ever to this server's URL).
    pub fn with_auth(mut self, auth: Option<Arc<Auth>>) -> Self {
        self.wire = self.wire.with_auth(auth);
        self
    }

    pub fn origin(&self) -> &str {
        self.wire.origin()
    }

    pub fn session(&self) -> Session {
        self.session
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Forget the session (the host sent a new initialize).
    pub fn reset_session(&self) {
        let mut s = self
            .session
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.id = None;
        s.protocol_version = None;
        s.generation += 1;
    }

    /// Adopt the session an initialize response set up.
    pub fn set_session(&self, id: Option<HeaderValue>, protocol_version: Option<&str>) {
        let mut s = self
            .session
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.id = id;
        s.protocol_version = protocol_version.and_then(|v| HeaderValue::from_str(v).ok());
        s.generation += 1;
    }

    /// The request with everything every request carries ([`Wire::prepare`])
    /// and the session's headers.
    fn with_session(
        &self,
        req: reqwest::RequestBuilder,
        session: &Session,
        credentials: Option<&Credentials>,
    ) -> reqwest::RequestBuilder {
        let mut req = self.wire.prepare(req, credentials);
        if let Some(id) = &session.id {
            req = req.header(SESSION_HEADER, id.clone());
        }
        if let Some(v) = &session.protocol_version {
            req = req.header(VERSION_HEADER, v.clone());
        }
        req
    }

    /// POST one message. Messages the server sends along the way (progress,
    /// its own requests) go to `out` as they arrive; the response to `expect`
    /// is returned, not written.
    pub async fn post(
        &self,
        body: Bytes,
        expect: Option<&Value>,
        out: &Output,
    ) -> Result<Posted, RelayError> {
        self.post_with(body, expect, out, None).await
    }

    /// POST with extra per-request headers (the 2026-07-28 routing headers).
    pub async fn post_with(
        &self,
        body: Bytes,
        expect: Option<&Value>,
        out: &Output,
        headers: Option<&HeaderMap>,
    ) -> Result<Posted, RelayError> {
        let session = self.session();
        let credentials = self.wire.credentials("POST", &self.url).await;
        let mut req = self
            .with_session(
                self.wire.http.post(self.url.clone()),
                &session,
                credentials.as_ref(),
            )
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, ACCEPT_BOTH);
        if let Some(h) = headers {
            req = req.headers(h.clone());
        }
        let req = req.body(body);
        let resp = self.wire.send(req).await?;
        let sent = credentials.map(|c| c.authorization);
        self.read_answer(resp, expect, &session, sent, out).await
    }

    /// What a POST's HTTP response means for the message that was posted:
    /// the valid response to `expect` (if it was a request), or the error
    /// the host gets instead. Messages the server sends along the way go to
    /// `out`. Public for the fuzz target and the property test that feed it
    /// arbitrary responses; `session` and `bearer` (the Authorization
    /// header) are what the POST sent.
    pub async fn read_answer(
        &self,
        resp: Response,
        expect: Option<&Value>,
        session: &Session,
        bearer: Option<HeaderValue>,
        out: &Output,
    ) -> Result<Posted, RelayError> {
        let status = resp.status();
        let session_id = resp.headers().get(SESSION_HEADER).cloned();
        if status == StatusCode::NOT_FOUND && session.id.is_some() {
            return Err(RelayError::SessionExpired);
        }
        if !status.is_success() {
            return Err(self.wire.refused(resp, bearer).await);
        }
        let Some(expect) = expect else {
            return Ok(Posted {
                response: None,
                session_id,
            });
        };
        if status == StatusCode::ACCEPTED {
            // A request must be answered (JSON or an event stream); a 202
            // leaves the host's request with nothing to wait for.
            return Err(RelayError::NoResponse { status: 202 });
        }
        let response = if is_event_stream(&resp) {
            self.read_post_stream(resp, expect, session, out).await?
        } else {
            let body = self.wire.read_body(resp).await?;
            if body.is_empty() {
                return Err(RelayError::NoResponse {
                    status: status.as_u16(),
                });
            }
            answer_in_body(body, expect, out).await?
        };
        Ok(Posted {
            response: Some(response),
            session_id,
        })
    }

    /// Read a POST's SSE answer; when the stream is cut before the response,
    /// resume it with GET and `Last-Event-ID` as the spec describes.
    async fn read_post_stream(
        &self,
        resp: Response,
        expect: &Value,
        session: &Session,
        out: &Output,
    ) -> Result<Bytes, RelayError> {
        let mut cursor = Cursor::default();
        let mut deadline = Deadline::after(self.wire.timeout());
        let mut end = pump(resp, Some(expect), &mut cursor, Some(&mut deadline), out).await;
        for attempt in 0..=MAX_RESUMES {
            match end {
                StreamEnd::Answered(m) => return accept_answer(m),
                StreamEnd::DeadlinePassed => return Err(self.no_answer_in_time()),
                StreamEnd::Ended => {}
            }
            let Some(last) = cursor.last_event_id.clone() else {
                break;
            };
            if attempt == MAX_RESUMES {
                break;
            }
            // Honour the server's `retry` (capped), backing off on each
            // resumption, and never past the request's deadline.
            let wait = backoff(cursor.retry.unwrap_or(DEFAULT_RETRY), attempt, MAX_RETRY);
            if tokio::time::Instant::now() + wait >= deadline.at {
                tokio::time::sleep_until(deadline.at).await;
                return Err(self.no_answer_in_time());
            }
            tokio::time::sleep(wait).await;
            tracing::debug!(last_event_id = %last, "resuming a cut response stream");
            let resp = self.open_get(session, Some(&last)).await?;
            end = pump(resp, Some(expect), &mut cursor, Some(&mut deadline), out).await;
        }
        match cursor.stray_answer {
            Some(id) => Err(RelayError::UnknownId(id.to_string())),
            None => Err(RelayError::StreamEnded),
        }
    }

    fn no_answer_in_time(&self) -> RelayError {
        self.wire.timed_out()
    }

    /// POST a request whose answer is a long-lived event stream
    /// (`subscriptions/listen`), and write what `translate` makes of each
    /// message on it to `out` until the stream ends. No read timeout: the
    /// stream is meant to idle.
    pub async fn listen(
        &self,
        body: Bytes,
        headers: &HeaderMap,
        out: &Output,
        translate: impl Fn(&[u8]) -> Option<Bytes>,
    ) -> Result<(), RelayError> {
        let credentials = self.wire.credentials("POST", &self.url).await;
        let req = self
            .with_session(
                self.wire.http.post(self.url.clone()),
                &Session::default(),
                credentials.as_ref(),
            )
            .headers(headers.clone())
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT, ACCEPT_BOTH)
            .body(body);
        let resp = self.wire.send(req).await?;
        if !resp.status().is_success() {
            return Err(self.wire.refusal(resp, credentials).await);
        }
        let mut events = SseByteStream::new(resp.bytes_stream());
        while let Some(event) = events.next().await {
            let Ok(event) = event else { break };
            if let Some(message) = event.data.as_deref().and_then(|d| translate(d.as_bytes()))
                && !out.send(message).await
            {
                break;
            }
        }
        Ok(())
    }

    /// GET an SSE stream for the session, resuming after `last_event_id`.
    async fn open_get(
        &self,
        session: &Session,
        last_event_id: Option<&str>,
    ) -> Result<Response, RelayError> {
        let credentials = self.wire.credentials("GET", &self.url).await;
        let mut req = self
            .with_session(
                self.wire.http.get(self.url.clone()),
                session,
                credentials.as_ref(),
            )
            .header(header::ACCEPT, "text/event-stream");
        if let Some(last) = last_event_id {
            req = req.header(LAST_EVENT_ID, last);
        }
        let resp = self.wire.send(req).await?;
        let status = resp.status();
        if status == StatusCode::NOT_FOUND && session.id.is_some() {
            return Err(RelayError::SessionExpired);
        }
        if !status.is_success() {
            return Err(self.wire.refusal(resp, credentials).await);
        }
        if !is_event_stream(&resp) {
            let body = self.wire.read_body(resp).await.unwrap_or_default();
            return Err(RelayError::status(status, &body));
        }
        Ok(resp)
    }

    /// The standalone GET stream for server-initiated messages. Runs until the
    /// server says it has none (405), the session ends, or the task is aborted.
    /// `opened` is told once the first attempt has an answer (a stream or a refusal).
    pub async fn run_get_stream(self: Arc<Self>, out: Output, opened: oneshot::Sender<()>) {
        let mut opened = Some(opened);
        let session = self.session();
        let mut cursor = Cursor::default();
        // Consecutive failures (give up after 8) and consecutive streams
        // that ended at once (back off, never give up).
        let mut failures = 0u32;
        let mut quick_ends = 0u32;
        loop {
            if self.session().generation != session.generation {
                return;
            }
            let attempt = self
                .open_get(&session, cursor.last_event_id.as_deref())
                .await;
            if let Some(tx) = opened.take() {
                let _ = tx.send(());
            }
            match attempt {
                Ok(resp) => {
                    failures = 0;
                    tracing::debug!("server event stream open");
                    let opened_at = tokio::time::Instant::now();
                    pump(resp, None, &mut cursor, None, &out).await;
                    if opened_at.elapsed() < QUICK_END {
                        quick_ends = quick_ends.saturating_add(1);
                    } else {
                        quick_ends = 0;
                    }
                    tracing::debug!("server event stream ended; reconnecting");
                }
                Err(RelayError::Status { status, .. })
                    if status == StatusCode::METHOD_NOT_ALLOWED =>
                {
                    tracing::debug!(
                        "the server offers no event stream for server-initiated messages (405)"
                    );
                    return;
                }
                Err(RelayError::SessionExpired) => {
                    tracing::debug!(
                        "event stream: session gone; the next request starts a new one"
                    );
                    return;
                }
                Err(e) => {
                    failures += 1;
                    if failures >= 8 {
                        tracing::warn!("giving up on the server's event stream: {e}");
                        return;
                    }
                    tracing::debug!("event stream failed ({e}); retrying");
                }
            }
            // Honour the server's `retry` (capped); back off exponentially on
            // repeated failures or streams that end at once, so a server
            // that closes every stream is asked at most once a minute.
            let retry = cursor.retry.unwrap_or(DEFAULT_RETRY);
            let wait = match failures.max(quick_ends) {
                0 => retry,
                n => retry.max(backoff(DEFAULT_RETRY / 2, n - 1, GET_BACKOFF_CEILING)),
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// End the session (best effort, bounded): DELETE with the session id.
    pub async fn delete_session(&self, within: Duration) {
        let session = self.session();
        if session.id.is_none() {
            return;
        }
        let credentials = self.wire.credentials("DELETE", &self.url).await;
        let req = self.with_session(
            self.wire.http.delete(self.url.clone()),
            &session,
            credentials.as_ref(),
        );
        match tokio::time::timeout(within, req.send()).await {
            Ok(Ok(resp)) => tracing::debug!(status = %resp.status(), "session deleted"),
            Ok(Err(e)) => tracing::debug!("DELETE of the session failed: {e}"),
            Err(_) => tracing::debug!("DELETE of the session timed out"),
        }
    }
}

/// A 200 JSON body: usually the response itself, but a 2025-03-26 server may
/// send a batch. Other messages in it go to `out`; the result is the valid
/// response to `expect`, or an error saying why there is none.
pub async fn answer_in_body(
    body: Bytes,
    expect: &Value,
    out: &Output,
) -> Result<Bytes, RelayError> {
    let messages: Vec<Message> = if body.trim_ascii_start().starts_with(b"[") {
        let items: Vec<&serde_json::value::RawValue> =
            serde_json::from_slice(&body).map_err(|e| RelayError::BadResponse(e.to_string()))?;
        items
            .into_iter()
            .filter_map(|raw| jsonrpc::parse_message(raw.get().as_bytes()).ok())
            .collect()
    } else {
        vec![jsonrpc::parse_owned(body).map_err(|e| RelayError::BadResponse(format!("{e:?}")))?]
    };
    let mut answer = None;
    let mut stray = None;
    for m in messages {
        if answer.is_none() && m.answers(expect) {
            answer = Some(m);
        } else if let Some(id) = m.response_id() {
            warn_stray(id, expect);
            stray = Some(id.clone());
        } else {
            out.send_from_server(m).await;
        }
    }
    match (answer, stray) {
        (Some(m), _) => accept_answer(m),
        (None, Some(id)) => Err(RelayError::UnknownId(id.to_string())),
        (None, None) => Err(RelayError::BadResponse(
            "the body holds no response to the request".into(),
        )),
    }
}

fn is_event_stream(resp: &Response) -> bool {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| {
            ct.trim_start()
                .to_ascii_lowercase()
                .starts_with("text/event-stream")
        })
}

/// Relay an SSE stream's messages to `out` until it ends, or until the response
/// to `expect` arrives (returned, not written). Keeps `cursor` up to date.
async fn pump(
    resp: Response,
    expect: Option<&Value>,
    cursor: &mut Cursor,
    mut deadline: Option<&mut Deadline>,
    out: &Output,
) -> StreamEnd {
    let mut events = SseByteStream::new(resp.bytes_stream());
    loop {
        let next = match deadline.as_deref() {
            // Comments and keep-alives don't count: the deadline stands
            // until the answer, progress, or a request for the host arrives.
            Some(d) => match tokio::time::timeout_at(d.at, events.next()).await {
                Ok(next) => next,
                Err(_) => return StreamEnd::DeadlinePassed,
            },
            None => events.next().await,
        };
        let Some(event) = next else { break };
        let event = match event {
            Ok(ev) => ev,
            Err(e) => {
                tracing::debug!("event stream broke: {e}");
                return StreamEnd::Ended;
            }
        };
        match read_event(event, cursor) {
            None => {}
            Some(Ok(m)) => {
                if let Some(id) = expect
                    && m.answers(id)
                {
                    return StreamEnd::Answered(m);
                }
                if let Some(id) = m.response_id() {
                    // Not ours: relaying it would answer a host request
                    // twice, or one the host never sent.
                    match expect {
                        Some(expected) => warn_stray(id, expected),
                        None => tracing::warn!(
                            "dropped a response (id {id}) the server sent on its event stream: it answers no request in flight there"
                        ),
                    }
                    cursor.stray_answer = Some(id.clone());
                    continue;
                }
                if let Some(d) = deadline.as_deref_mut()
                    && (m.request_id().is_some() || m.method() == Some("notifications/progress"))
                {
                    d.extend();
                }
                if !out.send_from_server(m).await {
                    return StreamEnd::Ended;
                }
            }
            Some(Err(e)) => {
                tracing::warn!("dropped an event from the server that is not JSON-RPC: {e:?}")
            }
        }
        if deadline.as_deref().is_some_and(Deadline::passed) {
            return StreamEnd::DeadlinePassed;
        }
    }
    StreamEnd::Ended
}

/// The response the host asked for, if it is valid JSON-RPC.
pub(super) fn accept_answer(m: Message) -> Result<Bytes, RelayError> {
    match m.malformed {
        None => Ok(m.bytes),
        Some(why) => Err(RelayError::BadResponse(format!(
            "{why}: {}",
            String::from_utf8_lossy(&m.bytes[..m.bytes.len().min(200)])
        ))),
    }
}

fn warn_stray(id: &Value, expected: &Value) {
    tracing::warn!(
        "dropped a response with id {id} from the server: the request on this exchange has id {expected}"
    );
}

/// `base` doubled `attempt` times, at most `ceiling`, plus up to a quarter
/// more at random, so that many bridges that lost one server don't return
/// in step.
pub fn backoff(base: Duration, attempt: u32, ceiling: Duration) -> Duration {
    let full = base
        .saturating_mul(2u32.saturating_pow(attempt.min(16)))
        .min(ceiling);
    let mut byte = [0u8; 1];
    let jitter = match getrandom::fill(&mut byte) {
        Ok(()) => full / 4 * u32::from(byte[0]) / 255,
        Err(_) => Duration::ZERO,
    };
    full + jitter
}

/// One decoded SSE event: move the cursor on, and give the JSON-RPC message
/// it carries (None: an event that carries none, such as a priming event).
pub fn read_event(
    mut event: sse_stream::Sse,
    cursor: &mut Cursor,
) -> Option<Result<Message, jsonrpc::Rejected>> {
    if let Some(id) = event.id.take() {
        cursor.last_event_id = Some(id);
    }
    if let Some(retry) = event.retry {
        cursor.retry = Some(Duration::from_millis(retry).min(MAX_RETRY));
    }
    message_in(event)
}

/// The JSON-RPC message an SSE event carries, for both transports: only
/// `message` events (or events with no type) carry one; a priming event's
/// empty data carries none.
pub fn message_in(event: sse_stream::Sse) -> Option<Result<Message, jsonrpc::Rejected>> {
    if event.event.as_deref().is_some_and(|e| e != "message") {
        return None;
    }
    let data = event.data.filter(|d| !d.trim().is_empty())?;
    Some(jsonrpc::parse_owned(Bytes::from(data.into_bytes())))
}
