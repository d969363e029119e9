//! Property tests for the parsers that read what the network and the host send:
//! the `WWW-Authenticate` challenge, JSON-RPC framing, SSE event handling, the
//! discovery metadata documents and the well-known URLs built from a server URL.
//!
//! Each parser gets "never panics" on arbitrary input, structured generators for
//! near-valid input, and the invariants the bridge relies on. The same parsers
//! are fuzzed with cargo-fuzz in `fuzz/` (see `scripts/fuzz.sh`).

use std::time::Duration;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::StreamExt;
use proptest::prelude::*;
use reqwest::header::{HeaderMap, HeaderValue, WWW_AUTHENTICATE};
use serde_json::{Map, Value, json};
use url::Url;

use mcp_tether::auth::challenge::{Challenge, parse_bearer};
use mcp_tether::auth::discovery::{
    ResourceMetadata, ServerMetadata, check_transport, resource_matches,
    resource_metadata_candidates, server_metadata_candidates,
};
use mcp_tether::relay::jsonrpc::{
    self, Kind, Line, Rejected, error_response, parse_line, parse_message, parse_owned, single_line,
};
use mcp_tether::relay::transport::streamable::{Cursor, MAX_RETRY, read_event};

fn has_line_break(b: &[u8]) -> bool {
    b.iter().any(|&c| c == b'\n' || c == b'\r')
}

// ---------------------------------------------------------------------------
// WWW-Authenticate
// ---------------------------------------------------------------------------

/// RFC 9110 tchar (a token's characters).
const TOKEN: &str = "[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}";

#[derive(Debug, Clone)]
enum ParamValue {
    Token(String),
    Quoted(String),
}

impl ParamValue {
    fn value(&self) -> &str {
        match self {
            ParamValue::Token(s) | ParamValue::Quoted(s) => s,
        }
    }

    fn render(&self) -> String {
        match self {
            ParamValue::Token(s) => s.clone(),
            ParamValue::Quoted(s) => {
                let mut out = String::from("\"");
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
                out
            }
        }
    }
}

/// A parameter name: one the flow reads (in any letter case), or another.
fn param_name() -> impl Strategy<Value = String> {
    let known = prop_oneof![
        Just("error"),
        Just("error_description"),
        Just("scope"),
        Just("resource_metadata"),
        Just("realm"),
    ];
    prop_oneof![
        3 => (known, any::<u64>()).prop_map(|(n, bits)| {
            n.chars()
                .enumerate()
                .map(|(i, c)| if bits >> (i % 64) & 1 == 1 { c.to_ascii_uppercase() } else { c })
                .collect()
        }),
        1 => TOKEN.prop_map(String::from),
    ]
}

/// `ascii`: only what a header value can carry (visible ASCII and space).
fn param_value(ascii: bool) -> impl Strategy<Value = ParamValue> {
    let quoted = if ascii {
        "[ -~]{0,24}".boxed()
    } else {
        prop_oneof![
            "[ -~]{0,24}".prop_map(String::from),
            any::<String>(),
            // Quotes, escapes, separators and Unicode whitespace.
            proptest::collection::vec(
                prop_oneof![
                    Just('"'),
                    Just('\\'),
                    Just(','),
                    Just('='),
                    Just(' '),
                    Just('\t'),
                    Just('\u{a0}'),
                    Just('é'),
                    Just('a'),
                ],
                0..16
            )
            .prop_map(|v| v.into_iter().collect()),
        ]
        .boxed()
    };
    prop_oneof![
        TOKEN.prop_map(ParamValue::Token),
        quoted.prop_map(ParamValue::Quoted),
    ]
}

/// Optional whitespace.
fn ows() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" "), Just("  "), Just("\t")]
}

fn params(
    ascii: bool,
) -> impl Strategy<Value = Vec<(String, ParamValue, &'static str, &'static str)>> {
    proptest::collection::vec((param_name(), param_value(ascii), ows(), ows()), 0..6)
}

fn render_params(ps: &[(String, ParamValue, &'static str, &'static str)]) -> String {
    ps.iter()
        .map(|(n, v, before, after)| format!("{n}{before}={after}{}", v.render()))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render_challenge(
    scheme: &str,
    ps: &[(String, ParamValue, &'static str, &'static str)],
) -> String {
    if ps.is_empty() {
        scheme.to_string()
    } else {
        format!("{scheme} {}", render_params(ps))
    }
}

/// Another scheme's challenge (never Bearer).
fn other_challenge(ascii: bool) -> impl Strategy<Value = String> {
    (
        TOKEN.prop_filter("not bearer", |s| !s.eq_ignore_ascii_case("bearer")),
        params(ascii),
    )
        .prop_map(|(scheme, ps)| render_challenge(&scheme, &ps))
}

/// What the flow should read from these Bearer parameters (the last one wins).
fn expected(ps: &[(String, ParamValue, &'static str, &'static str)]) -> Challenge {
    let mut c = Challenge::default();
    for (n, v, _, _) in ps {
        let v = Some(v.value().to_string());
        match n.to_ascii_lowercase().as_str() {
            "error" => c.error = v,
            "error_description" => c.error_description = v,
            "scope" => c.scope = v,
            "resource_metadata" => c.resource_metadata = v,
            _ => {}
        }
    }
    c
}

/// A header value with a Bearer challenge among others; and what it should parse to.
fn bearer_header(ascii: bool) -> impl Strategy<Value = (String, Challenge)> {
    (
        proptest::collection::vec(other_challenge(ascii), 0..3),
        prop_oneof![Just("Bearer"), Just("bearer"), Just("BEARER")],
        params(ascii),
        proptest::collection::vec(other_challenge(ascii), 0..3),
        prop_oneof![Just(", "), Just(","), Just(" , ")],
    )
        .prop_map(|(before, scheme, ps, after, sep)| {
            let mut all = before;
            all.push(render_challenge(scheme, &ps));
            all.extend(after);
            (all.join(sep), expected(&ps))
        })
}

proptest! {
    #[test]
    fn challenge_parser_never_panics(s in any::<String>()) {
        let _ = parse_bearer(&s);
    }

    #[test]
    fn challenge_parser_never_panics_on_near_valid(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("Bearer".to_string()),
                Just("Basic".to_string()),
                Just("=".to_string()),
                Just(",".to_string()),
                Just(" ".to_string()),
                Just("\"".to_string()),
                Just("\\".to_string()),
                Just("error".to_string()),
                Just("scope".to_string()),
                Just("\u{2003}".to_string()),
                "[ -~]{0,4}",
                any::<String>(),
            ],
            0..24,
        )
    ) {
        let _ = parse_bearer(&parts.concat());
    }

    /// A challenge built from parameters parses back to the same parameters,
    /// whatever comes before or after it and whatever the quoting.
    #[test]
    fn bearer_challenge_round_trips((header, want) in bearer_header(false)) {
        prop_assert_eq!(parse_bearer(&header), Some(want));
    }

    #[test]
    fn no_bearer_no_challenge(
        others in proptest::collection::vec(other_challenge(false), 0..4)
    ) {
        prop_assert_eq!(parse_bearer(&others.join(", ")), None);
    }

    /// The Bearer challenge is found among several WWW-Authenticate headers.
    #[test]
    fn challenge_found_among_headers(
        before in proptest::collection::vec(other_challenge(true), 0..3),
        (bearer, want) in bearer_header(true),
        after in proptest::collection::vec(other_challenge(true), 0..3),
        junk in proptest::collection::vec(any::<u8>(), 0..16),
    ) {
        let mut headers = HeaderMap::new();
        if let Ok(v) = HeaderValue::from_bytes(&junk) {
            // Not visible ASCII (to_str fails), or some other challenge.
            if parse_bearer(v.to_str().unwrap_or("")).is_none() {
                headers.append(WWW_AUTHENTICATE, v);
            }
        }
        for v in before.iter().chain([&bearer]).chain(after.iter()) {
            headers.append(WWW_AUTHENTICATE, HeaderValue::from_str(v).unwrap());
        }
        let got = Challenge::from_headers(&headers);
        prop_assert_eq!(got.as_ref(), Some(&want));
        prop_assert_eq!(
            got.unwrap().is_insufficient_scope(),
            want.error.as_deref() == Some("insufficient_scope")
        );
    }
}

// ---------------------------------------------------------------------------
// JSON-RPC framing
// ---------------------------------------------------------------------------

/// A JSON value that survives a text round trip exactly (f64 values that
/// serde_json prints and re-reads to the same bits).
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1_000_000i32..1_000_000).prop_map(|n| Value::from(f64::from(n) / 8.0)),
        any::<String>().prop_map(Value::String),
        "[ -~\n\r\t]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::btree_map("[a-z\n\"\\\\]{0,6}", inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// An id the router can match on (MCP: string or number, never null).
fn request_id() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        "[a-zA-Z0-9-]{0,10}".prop_map(Value::String),
        any::<String>().prop_map(Value::String),
    ]
}

/// A field of a generated message: absent, or some JSON.
#[derive(Debug, Clone)]
enum Field {
    Absent,
    Present(Value),
}

fn field(present: impl Strategy<Value = Value>) -> impl Strategy<Value = Field> {
    prop_oneof![
        1 => Just(Field::Absent),
        3 => present.prop_map(Field::Present),
    ]
}

#[derive(Debug, Clone)]
struct Msg {
    jsonrpc: Field,
    id: Field,
    method: Field,
    params: Field,
    result: Field,
    error: Field,
}

impl Msg {
    fn to_value(&self) -> Value {
        let mut m = Map::new();
        for (k, f) in [
            ("jsonrpc", &self.jsonrpc),
            ("id", &self.id),
            ("method", &self.method),
            ("params", &self.params),
            ("result", &self.result),
            ("error", &self.error),
        ] {
            if let Field::Present(v) = f {
                m.insert(k.into(), v.clone());
            }
        }
        Value::Object(m)
    }

    /// What the router should make of it: `Ok(kind)`, or `Err(Some(id))` for
    /// an invalid message whose id could be read, `Err(None)` otherwise.
    ///
    /// A `null` field counts as absent (an MCP id is never null; an error
    /// response may carry id null).
    fn expected(&self) -> Result<Kind, Option<Value>> {
        let get = |f: &Field| match f {
            Field::Present(Value::Null) | Field::Absent => None,
            Field::Present(v) => Some(v.clone()),
        };
        let (jsonrpc, id, method) = (get(&self.jsonrpc), get(&self.id), get(&self.method));
        // Wrongly typed jsonrpc or method: not even the envelope reads.
        if jsonrpc.as_ref().is_some_and(|v| !v.is_string())
            || method.as_ref().is_some_and(|v| !v.is_string())
        {
            return Err(None);
        }
        if jsonrpc != Some(json!("2.0")) {
            return Err(id);
        }
        let method = method.map(|m| m.as_str().unwrap().to_string());
        match (method, id) {
            (Some(method), Some(id)) => Ok(Kind::Request { id, method }),
            (Some(method), None) => Ok(Kind::Notification { method }),
            (None, Some(id)) if get(&self.result).is_some() || get(&self.error).is_some() => {
                Ok(Kind::Response { id })
            }
            (None, None) if get(&self.error).is_some() => Ok(Kind::Response { id: Value::Null }),
            (None, id) => Err(id),
        }
    }
}

fn message() -> impl Strategy<Value = Msg> {
    let jsonrpc = prop_oneof![
        6 => Just(json!("2.0")),
        1 => Just(json!("1.0")),
        1 => Just(json!(2.0)),
        1 => Just(Value::Null),
    ];
    let id = prop_oneof![
        6 => request_id(),
        1 => json_value(),
    ];
    let method = prop_oneof![
        4 => "[a-z/]{1,16}".prop_map(Value::String),
        2 => any::<String>().prop_map(Value::String),
        1 => json_value(),
    ];
    // `"result": null` is left out: see known_issue_result_null_response below.
    let result = json_value().prop_filter("result null", |v| !v.is_null());
    let error = prop_oneof![
        (any::<i64>(), any::<String>()).prop_map(|(c, m)| json!({"code": c, "message": m})),
        json_value(),
    ];
    (
        field(jsonrpc),
        field(id),
        field(method),
        field(json_value()),
        prop_oneof![2 => Just(Field::Absent), 1 => result.prop_map(Field::Present)],
        prop_oneof![3 => Just(Field::Absent), 1 => error.prop_map(Field::Present)],
    )
        .prop_map(|(jsonrpc, id, method, params, result, error)| Msg {
            jsonrpc,
            id,
            method,
            params,
            result,
            error,
        })
}

/// A message as some sender might write it: compact, pretty, padded.
fn render(v: &Value, style: u8) -> Vec<u8> {
    match style % 4 {
        0 => serde_json::to_vec(v).unwrap(),
        1 => serde_json::to_vec_pretty(v).unwrap(),
        2 => {
            let mut b = b" \t".to_vec();
            b.extend(serde_json::to_vec(v).unwrap());
            b.extend(b" \r\n");
            b
        }
        _ => serde_json::to_string_pretty(v)
            .unwrap()
            .replace('\n', "\r\n")
            .into_bytes(),
    }
}

fn check_message(
    input: &Value,
    got: &Result<jsonrpc::Message, Rejected>,
    want: &Result<Kind, Option<Value>>,
) -> Result<(), TestCaseError> {
    match (got, want) {
        (Ok(m), Ok(kind)) => {
            prop_assert_eq!(&m.kind, kind);
            prop_assert!(!has_line_break(&m.bytes), "bytes span lines: {:?}", m.bytes);
            let relayed: Value = serde_json::from_slice(&m.bytes).unwrap();
            prop_assert_eq!(&relayed, input);
        }
        (Err(Rejected::Invalid { id, .. }), Err(want_id)) => prop_assert_eq!(id, want_id),
        (got, want) => prop_assert!(false, "got {:?}, want {:?}", got, want),
    }
    // Whatever happened, the host gets a valid answer for a rejection.
    if let Err(rejected) = got {
        let answer = parse_owned(rejected.to_response()).unwrap();
        let is_response = matches!(answer.kind, Kind::Response { .. });
        prop_assert!(is_response);
    }
    Ok(())
}

proptest! {
    #[test]
    fn parse_line_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = parse_line(bytes.clone());
        let _ = parse_owned(Bytes::from(bytes.clone()));
        let _ = parse_message(&bytes);
        let _ = jsonrpc::params_of(&bytes);
        let _ = jsonrpc::host_offers_url_elicitation(&bytes);
        let _ = jsonrpc::negotiated_protocol_version(&bytes);
    }

    #[test]
    fn parse_line_never_panics_on_near_json(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("{"), Just("}"), Just("["), Just("]"), Just(","), Just(":"), Just("\n"),
                Just("\"jsonrpc\""), Just("\"2.0\""), Just("\"id\""), Just("\"method\""),
                Just("\"result\""), Just("\"error\""), Just("null"), Just("1"), Just("1e999"),
                Just("-0"), Just("\"\\u0000\""), Just("\"\\ud800\""), Just("\u{feff}"), Just(" "),
            ],
            0..40,
        )
    ) {
        let line = parts.concat();
        match parse_line(line.clone().into_bytes()) {
            Line::Single(Ok(m)) => prop_assert!(!has_line_break(&m.bytes)),
            Line::Batch(items) => {
                for m in items.into_iter().flatten() {
                    prop_assert!(!has_line_break(&m.bytes));
                }
            }
            _ => {}
        }
    }

}

proptest! {
    // Each case builds several nested JSON values: fewer cases keep the file fast.
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Messages with random id/method/result types are classified as
    /// JSON-RPC says, and their bytes go on as one line with the same JSON.
    #[test]
    fn messages_are_classified(msg in message(), style in any::<u8>()) {
        let value = msg.to_value();
        let line = render(&value, style);
        let want = msg.expected();
        check_message(&value, &parse_owned(Bytes::from(line.clone())), &want)?;
        check_message(&value, &parse_message(&line), &want)?;
        if style % 4 != 1 && style % 4 != 3 {
            // One line: as the host sends it.
            match parse_line(line) {
                Line::Single(got) => check_message(&value, &got, &want)?,
                other => prop_assert!(false, "not a single message: {:?}", other),
            }
        }
    }

    /// A batch splits into its messages, each classified on its own.
    #[test]
    fn batches_split(msgs in proptest::collection::vec(message(), 1..6), pad in ows()) {
        let values: Vec<Value> = msgs.iter().map(Msg::to_value).collect();
        let line = format!(
            "{pad}[{}]{pad}",
            values.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(&format!(",{pad}"))
        );
        let Line::Batch(items) = parse_line(line.into_bytes()) else {
            return Err(TestCaseError::fail("not a batch"));
        };
        prop_assert_eq!(items.len(), msgs.len());
        for ((item, msg), value) in items.iter().zip(&msgs).zip(&values) {
            check_message(value, item, &msg.expected())?;
        }
    }

}

proptest! {
    /// single_line never leaves a line break, and keeps the JSON.
    #[test]
    fn single_line_is_one_line(value in json_value(), style in any::<u8>()) {
        let out = single_line(Bytes::from(render(&value, style)));
        prop_assert!(!has_line_break(&out));
        let back: Value = serde_json::from_slice(&out).unwrap();
        prop_assert_eq!(back, value);
    }

    #[test]
    fn single_line_is_one_line_for_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let out = single_line(Bytes::from(bytes.clone()));
        prop_assert!(!has_line_break(&out));
        if let Ok(v) = serde_json::from_slice::<Value>(&bytes) {
            prop_assert_eq!(serde_json::from_slice::<Value>(&out).ok(), Some(v));
        }
    }

    /// What the bridge writes itself is JSON-RPC that routes back to the id.
    #[test]
    fn bridge_messages_route(id in request_id(), method in any::<String>(), code in any::<i64>(), text in any::<String>(), data in proptest::option::of(json_value())) {
        let e = parse_owned(error_response(Some(&id), code, &text, data)).unwrap();
        prop_assert!(e.answers(&id));
        let e = parse_owned(error_response(None, code, &text, None)).unwrap();
        prop_assert!(e.answers(&Value::Null));
        let params = serde_json::value::to_raw_value(&json!({"a": text})).unwrap();
        let r = parse_owned(jsonrpc::request(&id, &method, Some(&params))).unwrap();
        prop_assert_eq!(r.kind, Kind::Request { id: id.clone(), method: method.clone() });
        let back = jsonrpc::params_of(&r.bytes).unwrap();
        prop_assert_eq!(back.get(), params.get());
    }
}

/// Found by these tests: `"result": null` is a valid JSON-RPC success
/// response (it was read as no result, and the request never answered).
#[test]
fn a_null_result_is_a_response() {
    let m = parse_owned(Bytes::from_static(
        br#"{"jsonrpc":"2.0","id":1,"result":null}"#,
    ));
    assert_eq!(m.map(|m| m.kind), Ok(Kind::Response { id: json!(1) }));
}

/// Found by these tests: compacting a pretty-printed message went through
/// `serde_json::Value`, which rewrote numbers beyond u64/i64 and decimals
/// with more digits than an f64 holds, ids included.
#[test]
fn single_line_keeps_numbers() {
    let pretty = b"{\n \"jsonrpc\": \"2.0\",\n \"id\": 123456789012345678901234567890,\n \"result\": {\"x\": 0.10000000000000000000001}\n}";
    let out = single_line(Bytes::from_static(pretty));
    let text = std::str::from_utf8(&out).unwrap();
    assert!(text.contains("123456789012345678901234567890"), "{text}");
    assert!(text.contains("0.10000000000000000000001"), "{text}");
    // Found by the jsonrpc fuzz target: even the parsed value changes
    // (1.1111111111114444e102 in, 1.1111111111114445e102 out).
    let long = format!("{{\n\"x\":1111111111111{}113}}", "4".repeat(88));
    let out = single_line(Bytes::from(long.clone()));
    let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).unwrap();
    assert_eq!(parse(&out), parse(long.as_bytes()));
}

// ---------------------------------------------------------------------------
// SSE event handling
// ---------------------------------------------------------------------------

/// Decode an SSE byte stream delivered in `chunks`, as the relay does
/// (`sse_stream::SseByteStream` over the response body). Stops at the first
/// decoding error, as the relay does.
fn decode(chunks: Vec<Vec<u8>>) -> (Vec<sse_stream::Sse>, bool) {
    let stream = futures_util::stream::iter(
        chunks
            .into_iter()
            .map(|c| Ok::<_, std::io::Error>(Bytes::from(c))),
    );
    let mut events = sse_stream::SseByteStream::new(stream);
    let mut out = Vec::new();
    loop {
        match events
            .next()
            .now_or_never()
            .expect("an in-memory stream is always ready")
        {
            Some(Ok(ev)) => out.push(ev),
            Some(Err(_)) => return (out, true),
            None => return (out, false),
        }
    }
}

/// The relay's handling of decoded events (`streamable::read_event`, what
/// `pump` does with each): keep the cursor, relay `message` events' JSON-RPC.
fn handle(events: Vec<sse_stream::Sse>, cursor: &mut Cursor) -> Vec<jsonrpc::Message> {
    events
        .into_iter()
        .filter_map(|e| read_event(e, cursor))
        .filter_map(Result::ok)
        .collect()
}

/// Split `bytes` at the given (sorted, deduplicated) cut points.
fn split(bytes: &[u8], cuts: &[usize]) -> Vec<Vec<u8>> {
    let mut cuts: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut out = Vec::new();
    let mut start = 0;
    for c in cuts {
        out.push(bytes[start..c].to_vec());
        start = c;
    }
    out.push(bytes[start..].to_vec());
    out
}

#[derive(Debug, Clone)]
struct Event {
    id: Option<String>,
    kind: Option<&'static str>,
    retry: Option<u32>,
    /// A JSON-RPC message (pretty-printed, so spread over data lines), or a
    /// priming event's empty data.
    message: Option<Value>,
    comment: bool,
}

fn event() -> impl Strategy<Value = Event> {
    let message = prop_oneof![
        Just(
            json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progress": 1}})
        ),
        (request_id(), json_value())
            .prop_map(|(id, r)| json!({"jsonrpc": "2.0", "id": id, "result": {"r": r}})),
        (request_id(), "[a-z/]{1,12}")
            .prop_map(|(id, m)| json!({"jsonrpc": "2.0", "id": id, "method": m})),
    ];
    (
        proptest::option::of("[A-Za-z0-9_-]{1,8}"),
        prop_oneof![
            3 => Just(None),
            2 => Just(Some("message")),
            1 => Just(Some("endpoint")),
            1 => Just(Some("ping")),
        ],
        proptest::option::of(0u32..60_000),
        proptest::option::of(message),
        any::<bool>(),
    )
        .prop_map(|(id, kind, retry, message, comment)| Event {
            id,
            kind,
            retry,
            message,
            comment,
        })
}

fn encode(events: &[Event], eol: &str, bom: bool) -> Vec<u8> {
    let mut s = String::new();
    if bom {
        s.push('\u{feff}');
    }
    for e in events {
        if e.comment {
            s.push_str(&format!(": keep-alive{eol}"));
        }
        if let Some(k) = e.kind {
            s.push_str(&format!("event: {k}{eol}"));
        }
        if let Some(id) = &e.id {
            s.push_str(&format!("id: {id}{eol}"));
        }
        if let Some(r) = e.retry {
            s.push_str(&format!("retry: {r}{eol}"));
        }
        match &e.message {
            Some(m) => {
                for line in serde_json::to_string_pretty(m).unwrap().lines() {
                    s.push_str(&format!("data: {line}{eol}"));
                }
            }
            None => s.push_str(&format!("data:{eol}")),
        }
        s.push_str(eol);
    }
    s.into_bytes()
}

proptest! {
    /// Any bytes, cut anywhere: nothing panics, and whatever is relayed is one line.
    #[test]
    fn sse_handling_never_panics(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let (events, _) = decode(split(&bytes, &cuts));
        for m in handle(events, &mut Cursor::default()) {
            prop_assert!(!has_line_break(&m.bytes));
        }
    }

    #[test]
    fn sse_handling_never_panics_on_near_valid(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("data:"), Just("data: "), Just("id:"), Just("event:"), Just("retry:"),
                Just("message"), Just("\n"), Just("\r"), Just("\r\n"), Just(":"), Just("\0"),
                Just("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}"), Just("99999999999999999999"),
                Just("\u{feff}"), Just("\u{ff}"),
            ],
            0..40,
        ),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let bytes = parts.concat().into_bytes();
        let (events, _) = decode(split(&bytes, &cuts));
        for m in handle(events, &mut Cursor::default()) {
            prop_assert!(!has_line_break(&m.bytes));
        }
    }

    /// Where the network cuts the stream changes nothing.
    #[test]
    fn sse_chunking_does_not_matter(
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        prop_assert_eq!(decode(vec![bytes.clone()]), decode(split(&bytes, &cuts)));
    }

    /// A server's stream of events: the `message` events' JSON-RPC is relayed in
    /// order, as one line each; other events are skipped; the cursor keeps the
    /// last id and retry — whatever the line endings and the cuts.
    #[test]
    fn sse_messages_are_relayed(
        events in proptest::collection::vec(event(), 0..8),
        eol in prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
        bom in any::<bool>(),
        cuts in proptest::collection::vec(any::<usize>(), 0..8),
    ) {
        let bytes = encode(&events, eol, bom);
        let (decoded, failed) = decode(split(&bytes, &cuts));
        prop_assert!(!failed);
        let mut cursor = Cursor::default();
        let relayed = handle(decoded, &mut cursor);
        let want: Vec<&Value> = events
            .iter()
            .filter(|e| e.kind.is_none_or(|k| k == "message"))
            .filter_map(|e| e.message.as_ref())
            .collect();
        prop_assert_eq!(relayed.len(), want.len());
        for (m, w) in relayed.iter().zip(want) {
            prop_assert!(!has_line_break(&m.bytes));
            prop_assert_eq!(&serde_json::from_slice::<Value>(&m.bytes).unwrap(), w);
        }
        prop_assert_eq!(cursor.last_event_id, events.iter().rev().find_map(|e| e.id.clone()));
        prop_assert_eq!(
            cursor.retry,
            // A `retry` is honoured up to MAX_RETRY (a server can't park the bridge).
            events
                .iter()
                .rev()
                .find_map(|e| e.retry)
                .map(|r| Duration::from_millis(r.into()).min(MAX_RETRY))
        );
    }
}

// ---------------------------------------------------------------------------
// Discovery: metadata documents and well-known URLs
// ---------------------------------------------------------------------------

fn url_string() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        "[a-z][a-z0-9-]{0,8}(\\.[a-z]{2,5}){0,2}",
        Just("127.0.0.1".to_string()),
        Just("[::1]".to_string()),
        Just("localhost".to_string()),
        Just("xn--bcher-kva.example".to_string()),
    ];
    (
        prop_oneof![Just("https"), Just("http"), Just("HTTPS")],
        host,
        proptest::option::of(any::<u16>()),
        proptest::collection::vec("[a-zA-Z0-9._~!$&'()*+,;=:@%-]{0,8}", 0..4),
        any::<bool>(),
        proptest::option::of("[a-z0-9=&%]{0,10}"),
        proptest::option::of("[a-z0-9]{0,6}"),
    )
        .prop_map(|(scheme, host, port, segs, slash, query, fragment)| {
            let mut s = format!("{scheme}://{host}");
            if let Some(p) = port {
                s.push_str(&format!(":{p}"));
            }
            for seg in segs {
                s.push('/');
                s.push_str(&seg);
            }
            if slash {
                s.push('/');
            }
            if let Some(q) = query {
                s.push_str(&format!("?{q}"));
            }
            if let Some(f) = fragment {
                s.push_str(&format!("#{f}"));
            }
            s
        })
}

fn url() -> impl Strategy<Value = Url> {
    url_string().prop_filter_map("not a URL", |s| Url::parse(&s).ok())
}

/// Scheme, host and port of `u` as text, e.g. `https://x.example:8443`.
fn origin(u: &Url) -> String {
    u.origin().ascii_serialization()
}

fn keeps_origin(candidate: &Url, server: &Url) -> Result<(), TestCaseError> {
    prop_assert_eq!(candidate.origin(), server.origin());
    prop_assert_eq!(candidate.query(), None);
    prop_assert_eq!(candidate.fragment(), None);
    Ok(())
}

fn maybe_strings() -> impl Strategy<Value = Option<Vec<String>>> {
    proptest::option::of(proptest::collection::vec(any::<String>(), 0..4))
}

fn resource_metadata() -> impl Strategy<Value = ResourceMetadata> {
    (
        prop_oneof![url_string(), any::<String>()],
        proptest::collection::vec(prop_oneof![url_string(), any::<String>()], 0..3),
        maybe_strings(),
        (maybe_strings(), any::<bool>()),
    )
        .prop_map(
            |(resource, authorization_servers, scopes_supported, (dpop_algs, dpop_required))| {
                ResourceMetadata {
                    resource,
                    authorization_servers,
                    scopes_supported,
                    dpop_signing_alg_values_supported: dpop_algs,
                    dpop_bound_access_tokens_required: dpop_required,
                }
            },
        )
}

fn server_metadata() -> impl Strategy<Value = ServerMetadata> {
    let endpoint = || proptest::option::of(prop_oneof![url_string(), any::<String>()]);
    (
        (
            url_string(),
            endpoint(),
            endpoint(),
            endpoint(),
            endpoint(),
            endpoint(),
        ),
        (
            maybe_strings(),
            maybe_strings(),
            maybe_strings(),
            maybe_strings(),
        ),
        (any::<bool>(), any::<bool>(), maybe_strings()),
    )
        .prop_map(
            |((issuer, a, t, r, d, rv), (sc, gt, cc, am), (cimd, iss, dpop))| ServerMetadata {
                issuer,
                authorization_endpoint: a,
                token_endpoint: t,
                registration_endpoint: r,
                device_authorization_endpoint: d,
                revocation_endpoint: rv,
                scopes_supported: sc,
                grant_types_supported: gt,
                code_challenge_methods_supported: cc,
                token_endpoint_auth_methods_supported: am,
                client_id_metadata_document_supported: cimd,
                authorization_response_iss_parameter_supported: iss,
                dpop_signing_alg_values_supported: dpop,
            },
        )
}

/// Fields a real document has that we don't read.
fn extra_fields() -> impl Strategy<Value = Map<String, Value>> {
    proptest::collection::btree_map(
        "x_[a-z_]{1,10}|jwks_uri|response_types_supported",
        json_value(),
        0..4,
    )
    .prop_map(|m| m.into_iter().collect())
}

proptest! {
    #[test]
    fn metadata_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = serde_json::from_slice::<ResourceMetadata>(&bytes);
        let _ = serde_json::from_slice::<ServerMetadata>(&bytes);
    }

    /// Near-valid documents: the right field names with values of any type.
    #[test]
    fn metadata_parsing_never_panics_on_near_valid(
        fields in proptest::collection::btree_map(
            prop_oneof![
                Just("resource"), Just("authorization_servers"), Just("scopes_supported"),
                Just("issuer"), Just("authorization_endpoint"), Just("token_endpoint"),
                Just("code_challenge_methods_supported"), Just("client_id_metadata_document_supported"),
            ],
            json_value(),
            0..8,
        )
    ) {
        let doc = serde_json::to_vec(&fields).unwrap();
        if let Ok(m) = serde_json::from_slice::<ResourceMetadata>(&doc) {
            let server = Url::parse("https://mcp.example/mcp").unwrap();
            let _ = resource_matches(&m.resource, &server);
        }
        if let Ok(m) = serde_json::from_slice::<ServerMetadata>(&doc) {
            let _ = m.supports_s256();
            let _ = m.lists_scope("mcp");
        }
    }

    /// Documents read back what was written, unknown fields ignored.
    #[test]
    fn resource_metadata_round_trips(md in resource_metadata(), extra in extra_fields()) {
        let mut v = serde_json::to_value(&md).unwrap();
        v.as_object_mut().unwrap().extend(extra);
        prop_assert_eq!(serde_json::from_slice::<ResourceMetadata>(&serde_json::to_vec(&v).unwrap()).unwrap(), md);
    }

    #[test]
    fn server_metadata_round_trips(md in server_metadata(), extra in extra_fields()) {
        let mut v = serde_json::to_value(&md).unwrap();
        v.as_object_mut().unwrap().extend(extra);
        let back = serde_json::from_slice::<ServerMetadata>(&serde_json::to_vec_pretty(&v).unwrap()).unwrap();
        prop_assert_eq!(back.supports_s256(), md.supports_s256());
        prop_assert_eq!(&back, &md);
    }

    /// RFC 9728 §3.1: the well-known segment goes between the origin and the
    /// path; the root form comes last; query and fragment are dropped.
    #[test]
    fn prm_urls_insert_the_well_known_segment(server in url()) {
        let candidates = resource_metadata_candidates(&server);
        let path = server.path().trim_end_matches('/');
        let root = format!("{}/.well-known/oauth-protected-resource", origin(&server));
        let want = if path.is_empty() {
            vec![root]
        } else {
            vec![format!("{root}{path}"), root]
        };
        prop_assert_eq!(candidates.iter().map(Url::as_str).collect::<Vec<_>>(), want);
        for c in &candidates {
            keeps_origin(c, &server)?;
        }
    }

    /// RFC 8414 §3.1, then OpenID Connect discovery, in the spec's order.
    #[test]
    fn as_metadata_urls_insert_the_well_known_segment(issuer in url()) {
        let candidates = server_metadata_candidates(&issuer);
        let path = issuer.path().trim_end_matches('/');
        let o = origin(&issuer);
        let want = if path.is_empty() {
            vec![
                format!("{o}/.well-known/oauth-authorization-server"),
                format!("{o}/.well-known/openid-configuration"),
            ]
        } else {
            vec![
                format!("{o}/.well-known/oauth-authorization-server{path}"),
                format!("{o}/.well-known/openid-configuration{path}"),
                format!("{o}{path}/.well-known/openid-configuration"),
            ]
        };
        prop_assert_eq!(candidates.iter().map(Url::as_str).collect::<Vec<_>>(), want);
        for c in &candidates {
            keeps_origin(c, &issuer)?;
        }
    }

    /// Any URL at all (other schemes, opaque paths): nothing panics.
    #[test]
    fn well_known_urls_never_panic(s in prop_oneof![any::<String>(), "[a-z+.-]{1,6}:[ -~]{0,30}", url_string()]) {
        if let Ok(u) = Url::parse(&s) {
            let _ = resource_metadata_candidates(&u);
            let _ = server_metadata_candidates(&u);
            let _ = check_transport(&u, false);
            let _ = resource_matches(&s, &u);
        }
    }

    /// A resource covers itself, its origin, and what is below its path; never
    /// another origin or a sibling path.
    #[test]
    fn resource_matching(server in url(), other in url(), s in any::<String>()) {
        let _ = resource_matches(&s, &server);
        prop_assert!(resource_matches(server.as_str(), &server));
        prop_assert!(resource_matches(&origin(&server), &server));
        if other.origin() != server.origin() {
            prop_assert!(!resource_matches(other.as_str(), &server));
        }
        let path = server.path().trim_end_matches('/');
        if let Some((parent, _)) = path.rsplit_once('/') {
            let parent = format!("{}{parent}", origin(&server));
            prop_assert!(resource_matches(&parent, &server));
            let sibling = format!("{}{path}x", origin(&server));
            prop_assert!(!resource_matches(&sibling, &server));
        }
    }
}

/// Found by these tests: `parse_owned` accepted bytes that are not UTF-8
/// inside a field it skips (`result`, `error`), so a server's JSON body with a
/// stray byte could reach the host as a line that is not JSON.
#[test]
fn parse_owned_never_relays_invalid_utf8() {
    let body = Bytes::from_static(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\xff\"}");
    if let Ok(m) = parse_owned(body) {
        assert!(
            std::str::from_utf8(&m.bytes).is_ok(),
            "relayed {:?}",
            m.bytes
        );
    }
}

// ---------------------------------------------------------------------------
// A server's JSON body: the one answer the host gets
// ---------------------------------------------------------------------------

/// A message a broken or hostile server might put in a body: the answer,
/// answers to other ids (or the same id with another type), invalid
/// responses (both members, an error without a code), requests and
/// notifications for the host, and junk.
fn server_message(expect: i64) -> impl Strategy<Value = Value> {
    let id = prop_oneof![
        Just(json!(expect)),
        Just(json!(expect.to_string())),
        Just(json!(expect + 1000)),
        Just(Value::Null),
        any::<i64>().prop_map(Value::from),
    ];
    (id, 0u8..8).prop_map(|(id, shape)| match shape {
        0 => json!({"jsonrpc":"2.0","id":id,"result":{"ok":true}}),
        1 => json!({"jsonrpc":"2.0","id":id,"error":{"code":-32000,"message":"no"}}),
        2 => json!({"jsonrpc":"2.0","id":id,"result":{},"error":{"code":1,"message":"both"}}),
        3 => json!({"jsonrpc":"2.0","id":id,"error":{"message":"no code"}}),
        4 => json!({"jsonrpc":"2.0","id":id,"method":"ping"}),
        5 => json!({"jsonrpc":"2.0","method":"notifications/message","params":{}}),
        6 => json!({"jsonrpc":"1.0","id":id,"result":{}}),
        _ => json!({"foo": id}),
    })
}

/// Whether `bytes` is one valid JSON-RPC response to `expect`.
fn valid_answer(bytes: &[u8], expect: &Value) -> Result<(), String> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    if v["jsonrpc"] != "2.0" || &v["id"] != expect {
        return Err(format!("wrong envelope or id: {v}"));
    }
    match (v.get("result"), v.get("error")) {
        (Some(_), None) => Ok(()),
        (None, Some(e)) if e["code"].is_i64() && e["message"].is_string() => Ok(()),
        _ => Err(format!("not result xor a valid error: {v}")),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever the body holds, the host gets either exactly the valid
    /// response to its own id (same type) or an error: never an invalid
    /// response, never one for another id.
    #[test]
    fn a_json_body_gives_the_valid_answer_or_an_error(
        messages in prop::collection::vec(server_message(7), 0..6),
        batch in any::<bool>(),
        junk in prop::collection::vec(any::<u8>(), 0..40),
        use_junk in any::<bool>(),
    ) {
        let body = if use_junk {
            Bytes::from(junk)
        } else if batch {
            Bytes::from(Value::Array(messages).to_string())
        } else {
            Bytes::from(messages.first().cloned().unwrap_or(Value::Null).to_string())
        };
        let (out, _writer) = mcp_tether::relay::stdio::spawn_writer(std::io::sink());
        let expect = json!(7);
        let answer = mcp_tether::relay::transport::streamable::answer_in_body(body, &expect, &out)
            .now_or_never()
            .expect("no waiting on a sink");
        if let Ok(bytes) = answer {
            prop_assert!(valid_answer(&bytes, &expect).is_ok(), "{:?}", valid_answer(&bytes, &expect));
        }
    }
}

// ---------------------------------------------------------------------------
// Whole HTTP responses to a POSTed request (the relay's response handling)
// ---------------------------------------------------------------------------

#[path = "../fuzz/harness/http_response.rs"]
mod http_response;

use http_response::{Reply, check, reply_from_bytes};

/// What a server may send back for the host's request `id`: the answer,
/// valid or not, answers to other ids, and messages of its own.
fn reply_message(id: Value) -> BoxedStrategy<Value> {
    let other = prop_oneof![
        Just(json!(1)),
        Just(json!("1")),
        Just(json!(1.0)),
        request_id()
    ];
    prop_oneof![
        3 => Just(json!({"jsonrpc": "2.0", "id": id.clone(), "result": {"ok": true}})),
        1 => Just(json!({"jsonrpc": "2.0", "id": id.clone(), "error": {"code": -32602, "message": "no"}})),
        1 => Just(json!({"jsonrpc": "2.0", "id": id.clone(), "result": {}, "error": {"code": 1, "message": "both"}})),
        1 => Just(json!({"jsonrpc": "2.0", "id": id.clone()})),
        1 => Just(json!({"jsonrpc": "2.0", "id": id.clone(), "error": {"code": "x", "message": 1}})),
        1 => Just(json!({"jsonrpc": "1.0", "id": id, "result": {}})),
        1 => other.clone().prop_map(|o| json!({"jsonrpc": "2.0", "id": o, "result": {}})),
        1 => other.prop_map(|o| json!({"jsonrpc": "2.0", "id": o, "method": "ping"})),
        1 => Just(json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progress": 1}})),
        1 => Just(json!({"jsonrpc": "2.0", "method": "notifications/message", "params": {"level": "info", "data": "x\ny"}})),
        1 => json_value(),
    ]
    .boxed()
}

fn reply() -> impl Strategy<Value = Reply> {
    (0u8..6)
        .prop_map(http_response::request_id)
        .prop_flat_map(|id| {
            let messages = proptest::collection::vec(reply_message(id.clone()), 0..5).boxed();
            let sse = (
                proptest::collection::vec(event(), 0..4),
                messages.clone(),
                prop_oneof![Just("\n"), Just("\r\n"), Just("\r")],
            )
                .prop_map(|(noise, messages, eol)| {
                    let mut events = noise;
                    events.extend(messages.into_iter().map(|m| Event {
                        id: None,
                        kind: None,
                        retry: None,
                        message: Some(m),
                        comment: false,
                    }));
                    ("text/event-stream", encode(&events, eol, false))
                })
                .boxed();
            let json_body = (messages, any::<bool>()).prop_map(|(ms, batch)| {
                let body = match (batch, ms.first()) {
                    (false, Some(m)) => m.to_string(),
                    _ => Value::Array(ms).to_string(),
                };
                ("application/json", body.into_bytes())
            });
            let raw = (
                prop_oneof![
                    Just("application/json"),
                    Just("text/event-stream"),
                    Just("text/html")
                ],
                proptest::collection::vec(any::<u8>(), 0..128),
            );
            let status = prop_oneof![
                8 => Just(200u16),
                4 => prop::sample::select(vec![202u16, 204, 400, 401, 403, 404, 500]),
                1 => 100u16..600,
            ];
            (
                status,
                prop_oneof![3 => sse, 3 => json_body, 1 => raw],
                any::<bool>(),
                proptest::collection::vec(any::<usize>(), 0..6),
                proptest::bool::weighted(0.2),
            )
                .prop_map(
                    move |(status, (content_type, body), typed, cuts, broken)| Reply {
                        status,
                        headers: if typed {
                            vec![("content-type".into(), content_type.as_bytes().to_vec())]
                        } else {
                            Vec::new()
                        },
                        chunks: split(&body, &cuts),
                        broken,
                        expect: id.clone(),
                    },
                )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the server answers a request with, the host gets exactly one
    /// valid JSON-RPC answer to it (the server's, or an error), and nothing
    /// else the server sent reaches it as a response.
    #[test]
    fn any_http_response_gives_one_valid_answer(reply in reply()) {
        if let Err(why) = check(&reply) {
            prop_assert!(false, "{why}");
        }
    }

    /// The same over the fuzz target's byte encoding, for raw coverage.
    #[test]
    fn any_http_response_bytes_give_one_valid_answer(
        bytes in proptest::collection::vec(any::<u8>(), 0..256),
    ) {
        if let Some(reply) = reply_from_bytes(&bytes)
            && let Err(why) = check(&reply)
        {
            prop_assert!(false, "{why}");
        }
    }
}

fn one_reply(status: u16, content_type: &str, body: &str) -> Value {
    let reply = Reply {
        status,
        headers: vec![("content-type".into(), content_type.as_bytes().to_vec())],
        chunks: vec![body.as_bytes().to_vec()],
        broken: false,
        expect: json!(1),
    };
    check(&reply)
        .expect("the promise holds")
        .expect("a representable reply")
}

/// The harness itself: the server's valid answer is what the host gets,
/// through a stray response and a server request on the way; a broken one
/// becomes the bridge's error.
#[test]
fn the_harness_sees_answers_and_errors() {
    let ok = r#"{"jsonrpc":"2.0","id":1,"result":{"n":7}}"#;
    assert_eq!(one_reply(200, "application/json", ok)["result"]["n"], 7);
    let stream = format!(
        "data: {{\"jsonrpc\":\"2.0\",\"id\":2,\"result\":{{}}}}\n\n\
         data: {{\"jsonrpc\":\"2.0\",\"id\":\"s\",\"method\":\"ping\"}}\n\n\
         data: {ok}\n\n"
    );
    assert_eq!(
        one_reply(200, "text/event-stream", &stream)["result"]["n"],
        7
    );
    let both = r#"{"jsonrpc":"2.0","id":1,"result":{},"error":{"code":1,"message":"x"}}"#;
    let answer = one_reply(200, "application/json", both);
    assert_eq!(answer["error"]["code"], -32000, "{answer}");
    let answer = one_reply(202, "application/json", "");
    assert_eq!(answer["error"]["code"], -32000, "{answer}");
    let answer = one_reply(
        200,
        "application/json",
        r#"{"jsonrpc":"2.0","id":"1","result":{}}"#,
    );
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .contains("unknown id"),
        "{answer}"
    );
}
