//! The host side of the relay: each line from stdin, parsed once, goes
//! where it belongs (the session, the bridge's own waiting requests, or
//! nowhere), one task per request, with cancellation, batches, `--ignore-tool`,
//! and the end of stdin (what is in flight gets a moment, a sign-in more).

use crate::locked::Locked;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use serde_json::Value;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::error::RelayError;
use super::host::{HostRequests, is_bridge_id};
use super::jsonrpc::{self, IdKey, Line, Message, code, error_response};
use super::session::Session;
use super::stdio::{self, Input, Output};
use super::tools;
use super::upstream::Upstream;
use crate::config::Config;

/// After stdin closes, how long requests in flight may still finish before
/// they are dropped: the host has gone, and must see the bridge exit within
/// a second (the MCP stdio shutdown: close stdin, then signals).
const EOF_GRACE: Duration = Duration::from_millis(500);
/// Answers to the server's requests and notifications posted at once; more
/// wait (and stdin is read no further meanwhile), so a server that floods
/// the host with requests can't make the bridge hold thousands of POSTs.
const MAX_ANSWERS_IN_FLIGHT: usize = 64;
/// Lines read ahead while one is being handled; beyond this stdin waits.
const MAX_BACKLOG: usize = 1024;

pub struct Router {
    config: Arc<Config>,
    out: Output,
    session: Arc<Session>,
    upstream: Arc<Upstream>,
    host: Arc<HostRequests>,
    /// Host requests in flight, by id: firing one cancels that request.
    in_flight: Mutex<HashMap<IdKey, tokio::sync::oneshot::Sender<()>>>,
    /// Slots for answers and notifications (see [`MAX_ANSWERS_IN_FLIGHT`]).
    answer_slots: Arc<tokio::sync::Semaphore>,
}

impl Router {
    pub fn new(
        config: Arc<Config>,
        out: Output,
        session: Arc<Session>,
        upstream: Arc<Upstream>,
        host: Arc<HostRequests>,
    ) -> Router {
        Router {
            config,
            out,
            session,
            upstream,
            host,
            in_flight: Mutex::new(HashMap::new()),
            answer_slots: Arc::new(tokio::sync::Semaphore::new(MAX_ANSWERS_IN_FLIGHT)),
        }
    }

    /// Handle stdin until it ends. An error means the server could never be
    /// reached.
    pub async fn dispatch_all(
        self: Arc<Self>,
        mut input: mpsc::Receiver<Input>,
    ) -> Result<(), RelayError> {
        let mut tasks = JoinSet::new();
        // Lines read while an earlier one was still being handled.
        let mut backlog: VecDeque<Input> = VecDeque::new();
        // Set once stdin has closed: what is left must be done by then.
        let mut closed_at: Option<tokio::time::Instant> = None;
        loop {
            // A finished task's memory is freed only when it is joined: under
            // a flood of lines (10,000 answers to server pings) the backlog
            // never empties, so reap here too, not only when idle.
            while tasks.try_join_next().is_some() {}
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
                            if !self.upstream.signing_in() {
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
                    Err(_) if self.upstream.signing_in() => {
                        deadline = tokio::time::Instant::now() + grace
                    }
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
        match self.session.never_reached() {
            Some(e) => Err(e),
            None => Ok(()),
        }
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
                        self.session.initialize(message, id).await;
                    }
                }
                Some("notifications/initialized") => self.session.initialized(&message).await,
                // The host's answer to a request the bridge itself sent.
                None if message.response_id().is_some_and(is_bridge_id) => {
                    self.host.deliver(&message);
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
                _ => self.spawn_forward(message, tasks).await,
            },
            Line::Batch(items) => {
                let this = self.clone();
                tasks.spawn(async move { this.forward_batch(items).await });
            }
        }
    }

    /// A request (in a task of its own, cancellable), or an answer or
    /// notification (bounded: waiting here, and so holding stdin back, when
    /// too many are on their way).
    async fn spawn_forward(self: &Arc<Self>, message: Message, tasks: &mut JoinSet<()>) {
        if message.method() == Some("notifications/cancelled") {
            self.cancel_in_flight(&message);
        }
        let this = self.clone();
        let Some(id) = message.request_id().cloned() else {
            let answer_slot = self.answer_slots.clone().acquire_owned().await.ok();
            tasks.spawn(async move {
                let _slot = answer_slot;
                if let Some(response) = this.forward(&message).await {
                    this.out.send(response).await;
                }
            });
            return;
        };
        // A cancelled request stops here (its stream is dropped, its slot
        // freed) and still gets one answer.
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
                    this.out
                        .send(error_response(
                            Some(&id),
                            code::REQUEST_CANCELLED,
                            &this.cancelled_message(),
                            None,
                        ))
                        .await;
                }
            }
        });
    }

    /// A host that gives up on a request waiting for a sign-in shows this
    /// message: say how to finish it.
    fn cancelled_message(&self) -> String {
        match self.upstream.sign_in_hint() {
            Some(hint) => format!(
                "Request cancelled by the host while a sign-in is under way. To finish it: {hint}. The next start picks the token up (or run `mcp-tether login {}` in a terminal).",
                self.config.url
            ),
            None => "Request cancelled by the host".to_string(),
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

    /// One message to the session, with `--ignore-tool` applied: what the
    /// host must get back, if anything.
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
                    let response = self.session.forward(message, method).await?;
                    return Some(tools::hide_ignored(response, &self.config.ignore_tools));
                }
                _ => {}
            }
        }
        self.session.forward(message, method).await
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
}

/// Sleep until `deadline`, or forever when there is none.
async fn sleep_until_some(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}
