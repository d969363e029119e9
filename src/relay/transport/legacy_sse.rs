//! The 2024-11-05 HTTP+SSE transport, for servers that predate Streamable HTTP:
//! GET opens an event stream whose first `endpoint` event says where to POST;
//! every answer comes back on that stream.

use crate::locked::Locked;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap};
use serde_json::Value;
use sse_stream::SseByteStream;
use tokio::task::JoinHandle;
use url::Url;

use super::streamable::accept_answer;
use super::wire::Wire;
use crate::auth::Auth;
use crate::relay::cookies::CookieJar;
use crate::relay::error::RelayError;
use crate::relay::jsonrpc::{IdKey, Kind, Message};
use crate::relay::stdio::Output;

/// Requests sent and not yet answered, by id, with their method (for error messages).
type Pending = Arc<Mutex<HashMap<IdKey, (Value, String)>>>;

pub struct LegacySse {
    wire: Wire,
    post_url: Url,
    pending: Pending,
    closed: Arc<AtomicBool>,
    reader: Mutex<Option<JoinHandle<()>>>,
}

impl LegacySse {
    /// Open the event stream and wait for the `endpoint` event.
    pub async fn connect(
        http: reqwest::Client,
        url: &Url,
        extra_headers: HeaderMap,
        timeout: Duration,
        out: Output,
        auth: Option<Arc<Auth>>,
        cookies: Option<Arc<CookieJar>>,
    ) -> Result<Arc<Self>, RelayError> {
        let origin = url.origin().ascii_serialization();
        let fail = |why: String| RelayError::LegacySse {
            origin: origin.clone(),
            why,
        };
        let wire = Wire::new(http, origin.clone(), extra_headers, timeout)
            .with_auth(auth)
            .with_cookies(cookies);
        let credentials = wire.credentials("GET", url).await;
        let req = wire.prepare(
            wire.http
                .get(url.clone())
                .header(header::ACCEPT, "text/event-stream"),
            credentials.as_ref(),
        );
        let resp = wire.send(req).await?;
        if !resp.status().is_success() {
            return Err(wire.refusal(resp, credentials).await);
        }
        let mut events = SseByteStream::new(resp.bytes_stream());
        let endpoint = tokio::time::timeout(timeout, async {
            while let Some(event) = events.next().await {
                match event {
                    Ok(ev) if ev.event.as_deref() == Some("endpoint") => return ev.data,
                    Ok(_) => continue,
                    Err(_) => return None,
                }
            }
            None
        })
        .await
        .ok()
        .flatten()
        .ok_or_else(|| {
            fail("the stream sent no `endpoint` event; is this an MCP SSE endpoint?".into())
        })?;
        let post_url = url
            .join(endpoint.trim())
            .map_err(|e| fail(format!("bad endpoint '{endpoint}': {e}")))?;
        // The endpoint gets our headers (and later tokens): it must be the same server.
        if post_url.origin() != url.origin() {
            return Err(fail(format!(
                "the server named an endpoint on another origin ({}); refusing to send messages there",
                post_url.origin().ascii_serialization()
            )));
        }
        tracing::debug!(%post_url, "legacy SSE transport connected");

        let pending: Pending = Arc::default();
        let closed = Arc::new(AtomicBool::new(false));
        let reader = tokio::spawn(read_stream(events, out, pending.clone(), closed.clone()));
        Ok(Arc::new(LegacySse {
            wire,
            post_url,
            pending,
            closed,
            reader: Mutex::new(Some(reader)),
        }))
    }

    /// POST one message to the endpoint. Its answer arrives on the stream.
    pub async fn send(&self, message: &Message) -> Result<(), RelayError> {
        if self.closed.load(Ordering::Acquire) {
            return Err(RelayError::LegacySse {
                origin: self.wire.origin().to_string(),
                why: "the server closed the event stream; restart the bridge".into(),
            });
        }
        let key = match &message.kind {
            Kind::Request { id, method } => {
                let key = IdKey::of(id);
                self.pending
                    .locked()
                    .insert(key.clone(), (id.clone(), method.clone()));
                Some(key)
            }
            _ => None,
        };
        let credentials = self.wire.credentials("POST", &self.post_url).await;
        let req = self.wire.prepare(
            self.wire
                .http
                .post(self.post_url.clone())
                .header(header::CONTENT_TYPE, "application/json")
                .body(message.bytes.clone()),
            credentials.as_ref(),
        );
        let result = match self.wire.send(req).await {
            Ok(resp) if resp.status().is_success() => Ok(()),
            Ok(resp) => Err(self.wire.refusal(resp, credentials).await),
            Err(e) => Err(e),
        };
        if result.is_err()
            && let Some(key) = key
        {
            self.pending.locked().remove(&key);
        }
        result
    }

    pub fn close(&self) {
        if let Some(reader) = self.reader.locked().take() {
            reader.abort();
        }
    }
}

/// Relay the stream to the host. When it ends, every request still waiting
/// gets an error, so the host never waits for an answer that can't come.
async fn read_stream<S>(
    mut events: SseByteStream<S>,
    out: Output,
    pending: Pending,
    closed: Arc<AtomicBool>,
) where
    S: futures_util::TryStream + Unpin,
    S::Ok: bytes::Buf,
    S::Error: std::error::Error + Send + Sync + 'static,
{
    while let Some(event) = events.next().await {
        let Ok(event) = event else { break };
        let Some(message) = super::streamable::message_in(event) else {
            continue;
        };
        match message {
            Ok(m) => {
                let message = match &m.kind {
                    Kind::Response { id } => {
                        let waiting = pending.locked().remove(&IdKey::of(id));
                        match waiting {
                            // Relaying it would answer a request twice, or
                            // one the host never sent.
                            None => {
                                tracing::warn!(
                                    "dropped a response with id {id} from the server: no request with that id is waiting"
                                );
                                continue;
                            }
                            Some((id, method)) => match accept_answer(m) {
                                Ok(bytes) => bytes,
                                Err(e) => {
                                    tracing::warn!("{method} failed: {e}");
                                    e.to_response(&id, &method)
                                }
                            },
                        }
                    }
                    _ => {
                        if !out.send_from_server(m).await {
                            break;
                        }
                        continue;
                    }
                };
                if !out.send(message).await {
                    break;
                }
            }
            Err(e) => {
                tracing::warn!("dropped an event from the server that is not JSON-RPC: {e:?}")
            }
        }
    }
    closed.store(true, Ordering::Release);
    tracing::warn!("the server closed the legacy SSE stream");
    let waiting: Vec<(Value, String)> = pending.locked().drain().map(|(_, v)| v).collect();
    for (id, method) in waiting {
        let e = RelayError::StreamEnded;
        out.send(e.to_response(&id, &method)).await;
    }
}

impl Drop for LegacySse {
    fn drop(&mut self) {
        self.close();
    }
}
