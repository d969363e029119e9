//! Just enough JSON-RPC to route messages. A message is parsed once for its
//! `id` and `method`; its bytes are forwarded as they came (re-serialised only when
//! they span several lines, which newline-delimited stdio can't carry).

use std::borrow::Cow;

use bytes::Bytes;
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;

/// JSON-RPC error codes used by the bridge.
pub mod code {
    pub const PARSE_ERROR: i64 = -32700;
    pub const INVALID_REQUEST: i64 = -32600;
    pub const METHOD_NOT_FOUND: i64 = -32601;
    /// Implementation-defined server error: the upstream failed or was unreachable.
    pub const UPSTREAM_ERROR: i64 = -32000;
    /// The host cancelled the request (LSP's RequestCancelled; JSON-RPC has none).
    pub const REQUEST_CANCELLED: i64 = -32800;
}

/// A request id as a map key: its JSON text, so `1` and `"1"` stay two ids
/// and `1.0` is not `1` (a response must carry the id exactly as sent).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdKey(String);

impl IdKey {
    pub fn of(id: &Value) -> IdKey {
        IdKey(id.to_string())
    }
}

impl std::fmt::Display for IdKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a message is, from the router's point of view.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Request { id: Value, method: String },
    Notification { method: String },
    Response { id: Value },
}

/// One JSON-RPC message: its routing facts and its bytes, on a single line.
#[derive(Debug, Clone)]
pub struct Message {
    pub kind: Kind,
    pub bytes: Bytes,
    /// For a response that breaks JSON-RPC's rules (both `result` and
    /// `error`, an error without an integer code…): what is wrong. Such a
    /// response is never relayed to the host as it is.
    pub malformed: Option<&'static str>,
}

impl Message {
    pub fn request_id(&self) -> Option<&Value> {
        match &self.kind {
            Kind::Request { id, .. } => Some(id),
            _ => None,
        }
    }

    pub fn response_id(&self) -> Option<&Value> {
        match &self.kind {
            Kind::Response { id } => Some(id),
            _ => None,
        }
    }

    pub fn method(&self) -> Option<&str> {
        match &self.kind {
            Kind::Request { method, .. } | Kind::Notification { method } => Some(method),
            Kind::Response { .. } => None,
        }
    }

    /// Whether this is the response to the request with `id`.
    pub fn answers(&self, id: &Value) -> bool {
        matches!(&self.kind, Kind::Response { id: rid } if rid == id)
    }
}

/// Why a line from the host could not be relayed. Each becomes a JSON-RPC error.
#[derive(Debug, Clone, PartialEq)]
pub enum Rejected {
    /// Not JSON at all (or not UTF-8): -32700 with id null.
    Parse(String),
    /// JSON, but not a JSON-RPC message: -32600, with the id when one could be read.
    Invalid { id: Option<Value>, why: String },
}

impl Rejected {
    pub fn to_response(&self) -> Bytes {
        match self {
            Rejected::Parse(why) => error_response(
                None,
                code::PARSE_ERROR,
                &format!("Parse error: {why}"),
                None,
            ),
            Rejected::Invalid { id, why } => error_response(
                id.as_ref(),
                code::INVALID_REQUEST,
                &format!("Invalid Request: {why}"),
                None,
            ),
        }
    }
}

/// A line from the host: one message, a batch, or nothing (a blank line).
#[derive(Debug)]
pub enum Line {
    Blank,
    Single(Result<Message, Rejected>),
    Batch(Vec<Result<Message, Rejected>>),
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    jsonrpc: Option<Cow<'a, str>>,
    #[serde(default)]
    id: Option<Value>,
    #[serde(borrow, default)]
    method: Option<Cow<'a, str>>,
    /// Present (even as `null`, a valid result) or not.
    #[serde(default, deserialize_with = "present")]
    result: Option<IgnoredAny>,
    /// An error is an object: `null` is no error.
    #[serde(default)]
    error: Option<ErrorShape>,
}

/// What an `error` member holds, read only far enough to tell whether it is
/// a JSON-RPC error object (an integer `code` and a string `message`).
#[derive(Deserialize)]
#[serde(untagged)]
enum ErrorShape {
    Object {
        #[serde(default)]
        code: Option<Value>,
        #[serde(default)]
        message: Option<Value>,
    },
    Other(IgnoredAny),
}

impl ErrorShape {
    fn problem(&self) -> Option<&'static str> {
        match self {
            ErrorShape::Object { code, message } => {
                if !code.as_ref().is_some_and(|c| c.is_i64()) {
                    Some("its error has no integer \"code\"")
                } else if !message.as_ref().is_some_and(Value::is_string) {
                    Some("its error has no string \"message\"")
                } else {
                    None
                }
            }
            ErrorShape::Other(_) => Some("its \"error\" is not an object"),
        }
    }
}

/// Some for any value, `null` included: `Option`'s own impl reads `null` as None.
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<IgnoredAny>, D::Error> {
    IgnoredAny::deserialize(d).map(Some)
}

/// Parse one line the host wrote. The line's buffer becomes the message's
/// bytes: no copy on the way to the server.
pub fn parse_line(line: impl Into<Bytes>) -> Line {
    let owned: Bytes = line.into();
    let line = trim_ascii(&owned);
    if line.is_empty() {
        return Line::Blank;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return Line::Single(Err(Rejected::Parse("the line is not valid UTF-8".into())));
    };
    if text.starts_with('[') {
        return match serde_json::from_str::<Vec<&RawValue>>(text) {
            Ok(items) if items.is_empty() => Line::Single(Err(Rejected::Invalid {
                id: None,
                why: "empty batch".into(),
            })),
            Ok(items) => Line::Batch(
                items
                    .into_iter()
                    .map(|raw| parse_message(raw.get().as_bytes()))
                    .collect(),
            ),
            Err(e) => Line::Single(Err(Rejected::Parse(e.to_string()))),
        };
    }
    Line::Single(parse_valid_utf8(owned))
}

/// Parse one JSON-RPC message (from the host or from the server).
pub fn parse_message(bytes: &[u8]) -> Result<Message, Rejected> {
    parse_owned(Bytes::copy_from_slice(bytes))
}

/// Parse one JSON-RPC message that is already in its own buffer; the
/// message keeps that buffer (responses of many megabytes are not copied).
pub fn parse_owned(bytes: Bytes) -> Result<Message, Rejected> {
    // The parser doesn't check the fields it skips for UTF-8: check it all,
    // so nothing that isn't JSON is ever relayed.
    if std::str::from_utf8(&bytes).is_err() {
        return Err(Rejected::Parse("the message is not valid UTF-8".into()));
    }
    parse_valid_utf8(bytes)
}

/// [`parse_owned`] for bytes already known to be UTF-8.
fn parse_valid_utf8(bytes: Bytes) -> Result<Message, Rejected> {
    let envelope: Envelope = match serde_json::from_slice(&bytes) {
        Ok(e) => e,
        Err(e) if e.is_data() => {
            // Valid JSON that isn't an object of the right shape.
            return Err(Rejected::Invalid {
                id: None,
                why: e.to_string(),
            });
        }
        Err(e) => return Err(Rejected::Parse(e.to_string())),
    };
    if envelope.jsonrpc.as_deref() != Some("2.0") {
        return Err(Rejected::Invalid {
            id: envelope.id,
            why: "\"jsonrpc\" must be \"2.0\"".into(),
        });
    }
    let mut malformed = None;
    let kind = match (envelope.method, envelope.id) {
        (Some(method), Some(id)) => Kind::Request {
            id,
            method: method.into_owned(),
        },
        (Some(method), None) => Kind::Notification {
            method: method.into_owned(),
        },
        (None, Some(id)) if envelope.result.is_some() || envelope.error.is_some() => {
            malformed = match (&envelope.result, &envelope.error) {
                (Some(_), Some(_)) => Some("it carries both \"result\" and \"error\""),
                (None, Some(e)) => e.problem(),
                _ => None,
            };
            Kind::Response { id }
        }
        // An error response may carry id null when the request couldn't be read.
        (None, None) if envelope.error.is_some() => {
            malformed = envelope.error.as_ref().and_then(ErrorShape::problem);
            Kind::Response { id: Value::Null }
        }
        (None, id) => {
            return Err(Rejected::Invalid {
                id,
                why: "a message needs a \"method\", or a \"result\" or \"error\" with an \"id\""
                    .into(),
            });
        }
    };
    Ok(Message {
        kind,
        bytes: single_line(bytes),
        malformed,
    })
}

/// The message's bytes on one line: as they are (trimmed, not copied), or
/// compacted when the sender pretty-printed them.
pub fn single_line(owned: Bytes) -> Bytes {
    let bytes = trim_ascii(&owned);
    if memchr::memchr2(b'\n', b'\r', bytes).is_none() {
        let start = bytes.as_ptr() as usize - owned.as_ptr() as usize;
        return owned.slice(start..start + bytes.len());
    }
    // In valid JSON a raw CR or LF can only be whitespace between tokens
    // (inside strings they must be escaped), so turning each into a space is
    // lossless, unlike a round trip through `Value`, which rewrites big
    // numbers.
    Bytes::from(
        bytes
            .iter()
            .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
            .collect::<Vec<u8>>(),
    )
}

/// A JSON-RPC error response. `id` None means id null.
pub fn error_response(id: Option<&Value>, code: i64, message: &str, data: Option<Value>) -> Bytes {
    let mut error = serde_json::json!({ "code": code, "message": message });
    if let Some(data) = data {
        error["data"] = data;
    }
    let response = serde_json::json!({
        "jsonrpc": "2.0",
        "id": id.cloned().unwrap_or(Value::Null),
        "error": error,
    });
    Bytes::from(response.to_string())
}

/// A JSON-RPC request built by the bridge itself (e.g. replaying `initialize`).
pub fn request(id: &Value, method: &str, params: Option<&RawValue>) -> Bytes {
    #[derive(serde::Serialize)]
    struct Req<'a> {
        jsonrpc: &'static str,
        id: &'a Value,
        method: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        params: Option<&'a RawValue>,
    }
    let req = Req {
        jsonrpc: "2.0",
        id,
        method,
        params,
    };
    // Serialising a struct of strings and `Value`s can't fail; the fallback
    // keeps the relay free of panics all the same.
    Bytes::from(serde_json::to_vec(&req).unwrap_or_default())
}

/// The `params` of a request, untouched.
pub fn params_of(bytes: &[u8]) -> Option<Box<RawValue>> {
    #[derive(Deserialize)]
    struct WithParams {
        params: Option<Box<RawValue>>,
    }
    serde_json::from_slice::<WithParams>(bytes).ok()?.params
}

/// Whether an initialize request declares URL-mode elicitation
/// (`capabilities.elicitation.url`, MCP 2025-11-25).
pub fn host_offers_url_elicitation(initialize: &[u8]) -> bool {
    serde_json::from_slice::<Value>(initialize)
        .ok()
        .is_some_and(|v| v["params"]["capabilities"]["elicitation"]["url"].is_object())
}

/// `result.protocolVersion` of an initialize response, if it has one.
pub fn negotiated_protocol_version(response: &[u8]) -> Option<String> {
    #[derive(Deserialize)]
    struct InitResponse {
        result: Option<InitResult>,
    }
    #[derive(Deserialize)]
    struct InitResult {
        #[serde(rename = "protocolVersion")]
        protocol_version: Option<String>,
    }
    serde_json::from_slice::<InitResponse>(response)
        .ok()?
        .result?
        .protocol_version
}

fn trim_ascii(bytes: &[u8]) -> &[u8] {
    bytes.trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn single(line: &str) -> Result<Message, Rejected> {
        match parse_line(line.as_bytes().to_vec()) {
            Line::Single(m) => m,
            other => panic!("expected a single message, got {other:?}"),
        }
    }

    #[test]
    fn classifies_messages() {
        let m = single(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).unwrap();
        assert_eq!(
            m.kind,
            Kind::Request {
                id: json!(1),
                method: "tools/list".into()
            }
        );
        let m = single(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).unwrap();
        assert_eq!(m.method(), Some("notifications/initialized"));
        let m = single(r#"{"jsonrpc":"2.0","id":"a","result":{}}"#).unwrap();
        assert!(m.answers(&json!("a")));
        assert!(!m.answers(&json!("b")));
    }

    #[test]
    fn rejects_what_is_not_json_rpc() {
        assert!(matches!(single("not json"), Err(Rejected::Parse(_))));
        assert!(matches!(single("42"), Err(Rejected::Invalid { .. })));
        assert!(matches!(
            single(r#"{"id":3,"method":"x"}"#),
            Err(Rejected::Invalid { id: Some(_), .. })
        ));
        assert!(matches!(
            parse_line(&b"\xff\xfe{}"[..]),
            Line::Single(Err(Rejected::Parse(_)))
        ));
        assert!(matches!(parse_line(&b"  \r"[..]), Line::Blank));
        assert!(matches!(
            parse_line(&b"[]"[..]),
            Line::Single(Err(Rejected::Invalid { .. }))
        ));
    }

    #[test]
    fn batches_split_into_messages() {
        let Line::Batch(items) = parse_line(
            &br#"[{"jsonrpc":"2.0","id":1,"method":"a"}, {"jsonrpc":"2.0","method":"b"}, 7]"#[..],
        ) else {
            panic!("expected a batch")
        };
        assert_eq!(items.len(), 3);
        assert!(items[0].is_ok() && items[1].is_ok() && items[2].is_err());
    }

    #[test]
    fn pretty_printed_messages_become_one_line() {
        let m = parse_message(b"{\n  \"jsonrpc\": \"2.0\",\n  \"id\": 1,\n  \"result\": {}\n}")
            .unwrap();
        assert!(!m.bytes.contains(&b'\n'));
        let v: Value = serde_json::from_slice(&m.bytes).unwrap();
        assert_eq!(v["id"], json!(1));
    }

    #[test]
    fn error_responses_are_valid_json_rpc() {
        let e = error_response(Some(&json!(5)), code::UPSTREAM_ERROR, "boom", None);
        let v: Value = serde_json::from_slice(&e).unwrap();
        assert_eq!(
            v,
            json!({"jsonrpc":"2.0","id":5,"error":{"code":-32000,"message":"boom"}})
        );
        let v: Value = serde_json::from_slice(&Rejected::Parse("x".into()).to_response()).unwrap();
        assert_eq!(v["id"], Value::Null);
        assert_eq!(v["error"]["code"], json!(-32700));
    }

    #[test]
    fn reads_negotiated_version_and_params() {
        let r = br#"{"jsonrpc":"2.0","id":0,"result":{"protocolVersion":"2025-06-18"}}"#;
        assert_eq!(
            negotiated_protocol_version(r).as_deref(),
            Some("2025-06-18")
        );
        let p = params_of(br#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"a":1}}"#)
            .unwrap();
        assert_eq!(p.get(), r#"{"a":1}"#);
    }
}
