//! What can go wrong between the bridge and the server, worded for the person
//! who reads it in their host's log: what failed, why, and what to try.

use std::time::Duration;

use bytes::Bytes;
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::jsonrpc::{code, error_response};
use crate::auth::AuthError;
use crate::auth::challenge::Challenge;
use reqwest::header::HeaderValue;

#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(
        "could not connect to {origin}: {cause}. Check the URL, that the server is running, and your network or proxy"
    )]
    Connect { origin: String, cause: String },

    /// Connected, but the exchange broke: a malformed response, or the
    /// connection closed mid-way.
    #[error(
        "the HTTP exchange with {origin} failed: {cause}. The server closed the connection or sent a malformed response; check the server (or a proxy in between) and try again"
    )]
    Exchange { origin: String, cause: String },

    #[error("no answer from {origin} within {secs} s. The server may be overloaded; try again, or raise --timeout", secs = .after.as_secs())]
    Timeout { origin: String, after: Duration },

    #[error("the server answered HTTP {status}{detail}. {hint}", detail = body_detail(.body))]
    Status {
        status: StatusCode,
        body: String,
        hint: &'static str,
        /// The JSON-RPC error object in the body, when it is a JSON-RPC error.
        rpc_error: Option<Box<Value>>,
    },

    /// A 404 on a request that carried a session id: the server forgot the session.
    #[error("the server no longer knows this session (HTTP 404)")]
    SessionExpired,

    #[error(
        "the server closed the stream before it answered, and the stream can't be resumed. Try the request again"
    )]
    StreamEnded,

    #[error(
        "the server sent no response to the request (HTTP {status} with no JSON-RPC response in it)"
    )]
    NoResponse { status: u16 },

    /// The server answered, but with an id the bridge never sent.
    #[error("the server answered with an unknown id ({0}), not this request's")]
    UnknownId(String),

    #[error("the server's response is not valid JSON-RPC: {0}")]
    BadResponse(String),

    #[error("the legacy SSE connection to {origin} failed: {why}")]
    LegacySse { origin: String, why: String },

    /// 401, or 403 with insufficient_scope: the authorization layer may fix it.
    #[error("the server refused the request's authorization (HTTP {status}{}). Check that your account may use this server", .challenge.as_ref().and_then(|c| c.error.as_deref()).map(|e| format!(", {e}")).unwrap_or_default())]
    Unauthorized {
        status: StatusCode,
        challenge: Option<Box<Challenge>>,
        /// The Authorization header the refused request carried.
        sent: Option<HeaderValue>,
    },

    /// A 401/403 on the Authorization header the person gave with `--header`:
    /// mcp-tether never starts a sign-in over it.
    #[error("the server refused the Authorization header given with --header (HTTP {status}{}). The token may be expired, revoked or for another server: update it where you set it (the host's config or the variable it names). To let mcp-tether sign in with OAuth instead, remove that --header", server_says(.error, .description))]
    HeaderRefused {
        status: StatusCode,
        error: Option<String>,
        description: Option<String>,
    },

    #[error("authorization failed: {0}")]
    Auth(#[from] AuthError),
}

fn server_says(error: &Option<String>, description: &Option<String>) -> String {
    match (error, description) {
        (Some(e), Some(d)) => format!(", {e}: {d}"),
        (Some(e), None) => format!(", {e}"),
        (None, Some(d)) => format!(", {d}"),
        (None, None) => String::new(),
    }
}

fn body_detail(body: &str) -> String {
    if body.is_empty() {
        String::new()
    } else {
        format!(" ({body})")
    }
}

/// What to tell the person for a given status.
pub fn status_hint(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 => {
            "The server wants authorization: sign in with `mcp-tether login <url>`, or pass a token with --header 'Authorization: Bearer ${TOKEN}'"
        }
        403 => "The credentials were refused for this request: check the token's permissions",
        404 => "Check the server URL: nothing answers MCP at that path",
        405 | 415 | 406 => {
            "The server does not speak Streamable HTTP here: check the URL, or try --transport sse"
        }
        408 | 429 => "The server is busy: wait a moment and try again",
        s if s >= 500 => {
            "The server had an internal problem: try again, or check the server's status"
        }
        _ => "Check the server URL and the flags you passed",
    }
}

impl RelayError {
    pub fn status(status: StatusCode, body: &[u8]) -> Self {
        RelayError::Status {
            status,
            body: snippet(body),
            hint: status_hint(status),
            rpc_error: serde_json::from_slice::<Value>(body)
                .ok()
                .and_then(|mut v| v.get_mut("error").map(Value::take))
                .filter(|e| e.get("code").is_some_and(Value::is_i64))
                .map(Box::new),
        }
    }

    /// The server could not be reached at all (as opposed to answering badly).
    pub fn is_unreachable(&self) -> bool {
        matches!(
            self,
            RelayError::Connect { .. } | RelayError::Exchange { .. } | RelayError::Timeout { .. }
        )
    }

    /// The JSON-RPC error code of a refused request, when the server sent one.
    pub fn rpc_code(&self) -> Option<i64> {
        self.rpc_error()?.get("code")?.as_i64()
    }

    /// The JSON-RPC error object of a refused request, when the server sent one.
    pub fn rpc_error(&self) -> Option<&Value> {
        match self {
            RelayError::Status { rpc_error, .. } => rpc_error.as_deref(),
            _ => None,
        }
    }

    pub fn http_status(&self) -> Option<StatusCode> {
        match self {
            RelayError::Status { status, .. } => Some(*status),
            RelayError::SessionExpired => Some(StatusCode::NOT_FOUND),
            RelayError::Unauthorized { status, .. } | RelayError::HeaderRefused { status, .. } => {
                Some(*status)
            }
            _ => None,
        }
    }

    /// The JSON-RPC error the host gets for the request `id` that failed.
    pub fn to_response(&self, id: &Value, method: &str) -> Bytes {
        let data = self
            .http_status()
            .map(|s| json!({ "httpStatus": s.as_u16() }));
        error_response(
            Some(id),
            code::UPSTREAM_ERROR,
            &format!("mcp-tether: {method} failed: {self}"),
            data,
        )
    }

    pub fn from_reqwest(e: reqwest::Error, origin: &str, timeout: Duration) -> Self {
        if e.is_timeout() {
            return RelayError::Timeout {
                origin: origin.to_string(),
                after: timeout,
            };
        }
        if e.is_connect() {
            RelayError::Connect {
                origin: origin.to_string(),
                cause: root_cause(&e),
            }
        } else {
            RelayError::Exchange {
                origin: origin.to_string(),
                cause: root_cause(&e),
            }
        }
    }
}

/// The innermost error's text: reqwest's own top level says only "error sending request".
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

/// The start of a response body, on one line, for error messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if body.len() > 200 {
        format!("{one_line}…")
    } else {
        one_line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_errors_say_what_and_what_next() {
        let e = RelayError::status(StatusCode::INTERNAL_SERVER_ERROR, b"database\n down");
        let msg = e.to_string();
        assert!(msg.contains("HTTP 500"), "{msg}");
        assert!(msg.contains("(database down)"), "{msg}");
        assert!(msg.contains("try again"), "{msg}");
        let v: Value = serde_json::from_slice(&e.to_response(&json!(7), "tools/call")).unwrap();
        assert_eq!(v["id"], json!(7));
        assert_eq!(v["error"]["data"]["httpStatus"], json!(500));
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("mcp-tether: tools/call failed: the server answered HTTP 500")
        );
    }
}
