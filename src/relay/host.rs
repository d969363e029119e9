//! The bridge's own requests to the host: questions a 2026-07-28 server's
//! `input_required` result needs answered, and the sign-in link the auth
//! layer asks the host to show. Their ids start with [`BRIDGE_ID_PREFIX`], so
//! the router keeps the host's answers to them inside the bridge.

use crate::locked::Locked;
use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::jsonrpc::{Kind, Message};
use super::stdio::Output;
use crate::auth::Notice;

/// Ids of requests the bridge itself sends to the host (and of its own
/// keep-alive pings to the server) start with this.
pub const BRIDGE_ID_PREFIX: &str = "mcp-tether-";

/// Whether an id is one of the bridge's own.
pub fn is_bridge_id(id: &Value) -> bool {
    id.as_str()
        .is_some_and(|id| id.starts_with(BRIDGE_ID_PREFIX))
}

/// The bridge's questions to the host, waiting for their answers.
pub struct HostRequests {
    out: Output,
    pending: Mutex<HashMap<String, oneshot::Sender<Value>>>,
    ids: AtomicU64,
}

impl HostRequests {
    pub fn new(out: Output) -> HostRequests {
        HostRequests {
            out,
            pending: Mutex::default(),
            ids: AtomicU64::new(0),
        }
    }

    /// A fresh id of the bridge's own, `mcp-tether-<kind>-<n>`.
    pub fn next_id(&self, kind: &str) -> String {
        let n = self.ids.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{BRIDGE_ID_PREFIX}{kind}-{n}")
    }

    /// Send `method` to the host and wait (at most `wait`) for its answer:
    /// the whole JSON-RPC response, result or error.
    pub async fn ask(&self, method: &str, params: &Value, wait: Duration) -> Option<Value> {
        let id = self.next_id("input");
        let (tx, rx) = oneshot::channel();
        self.pending.locked().insert(id.clone(), tx);
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.out.send(Bytes::from(request.to_string())).await;
        match tokio::time::timeout(wait, rx).await {
            Ok(Ok(answer)) => Some(answer),
            _ => {
                self.pending.locked().remove(&id);
                None
            }
        }
    }

    /// The host answered one of the bridge's own requests.
    pub fn deliver(&self, message: &Message) {
        let Kind::Response { id } = &message.kind else {
            return;
        };
        let waiting = id.as_str().and_then(|id| self.pending.locked().remove(id));
        match waiting {
            Some(tx) => {
                let answer = serde_json::from_slice(&message.bytes).unwrap_or(Value::Null);
                let _ = tx.send(answer);
            }
            None => tracing::debug!("the host answered the bridge's own request"),
        }
    }
}

/// What the auth layer has to tell the person reaches the host as a
/// `notifications/message` log entry (hosts show these in their log views),
/// and a sign-in link as a URL elicitation.
pub fn spawn_notifier(out: Output) -> tokio::sync::mpsc::UnboundedSender<Notice> {
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Notice>();
    tokio::spawn(async move {
        let mut n = 0u64;
        while let Some(notice) = rx.recv().await {
            let message = match notice {
                Notice::Log(text) => json!({
                    "jsonrpc": "2.0",
                    "method": "notifications/message",
                    "params": {"level": "warning", "logger": "mcp-tether", "data": text},
                }),
                // A request of the bridge's own: its answer is not relayed
                // (see BRIDGE_ID_PREFIX).
                Notice::OpenUrl { url, message } => {
                    n += 1;
                    json!({
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
