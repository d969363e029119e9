//! One harness, two drivers: an arbitrary HTTP response to a POSTed request,
//! handled the way the relay handles it (`StreamableHttp::read_answer`), and
//! the promise checked: the host gets the one valid JSON-RPC answer to its
//! request or an error that is itself valid JSON-RPC, everything else the
//! server sent along the way reaches the host as one valid JSON line each,
//! and no response to anything else does.
//!
//! Driven by libFuzzer (`fuzz/fuzz_targets/http_response.rs`, run by
//! `scripts/fuzz.sh`) and by proptest (`tests/prop.rs`, in every test run).
//! Both include this file with `#[path]`; it is not a module of the crate.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use mcp_tether::relay::stdio::spawn_writer;
use mcp_tether::relay::transport::streamable::{Session, StreamableHttp};
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// One response as a server could send it.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    /// The body as the network delivers it.
    pub chunks: Vec<Vec<u8>>,
    /// The connection breaks after the last chunk.
    pub broken: bool,
    /// The id of the request the host sent.
    pub expect: Value,
}

const HEADER_NAMES: [&str; 8] = [
    "content-type",
    "mcp-session-id",
    "content-length",
    "www-authenticate",
    "content-encoding",
    "retry-after",
    "location",
    "x-other",
];

const CONTENT_TYPES: [&str; 8] = [
    "application/json",
    "text/event-stream",
    "Text/Event-Stream; charset=utf-8",
    "application/json; charset=utf-8",
    "text/html",
    "",
    " text/event-stream",
    "application/json-seq",
];

/// The host's request ids: numbers and strings, and the near misses a server
/// may echo instead (`1` for `"1"`, `1.0` for `1`).
pub fn request_id(pick: u8) -> Value {
    match pick % 6 {
        0 => json!(1),
        1 => json!("1"),
        2 => json!(0),
        3 => json!("a-7"),
        4 => json!(-3),
        _ => json!(9007199254740993u64),
    }
}

/// Read a [`Reply`] from fuzzer bytes: two bytes of status, one of id, one
/// of flags, then headers (name index, value length, value) until a zero
/// byte, then the body cut every `step` bytes.
pub fn reply_from_bytes(data: &[u8]) -> Option<Reply> {
    let (head, mut rest) = data.split_at_checked(5)?;
    let status = 100 + u16::from_be_bytes([head[0], head[1]]) % 500;
    let expect = request_id(head[2]);
    let flags = head[3];
    let step = usize::from(head[4]).max(1);
    let mut headers = Vec::new();
    if flags & 1 != 0 {
        headers.push((
            "content-type".into(),
            CONTENT_TYPES[usize::from(flags >> 5)].as_bytes().to_vec(),
        ));
    }
    while let Some((&name, after)) = rest.split_first() {
        if name == 0 {
            rest = after;
            break;
        }
        let (&len, after) = after.split_first()?;
        let (value, after) = after.split_at_checked(usize::from(len % 64))?;
        headers.push((
            HEADER_NAMES[usize::from(name) % HEADER_NAMES.len()].into(),
            value.to_vec(),
        ));
        rest = after;
    }
    Some(Reply {
        status,
        headers,
        chunks: rest.chunks(step).map(<[u8]>::to_vec).collect(),
        broken: flags & 2 != 0,
        expect,
    })
}

/// Where the bridge's stdout goes in the harness.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn http_response(reply: &Reply) -> Option<reqwest::Response> {
    let mut builder = http::Response::builder().status(reply.status);
    for (name, value) in &reply.headers {
        // A value `http` refuses (a line break…) never reaches the relay.
        let value = http::HeaderValue::from_bytes(value).ok()?;
        builder = builder.header(name.as_str(), value);
    }
    let mut items: Vec<Result<Bytes, std::io::Error>> = reply
        .chunks
        .iter()
        .map(|c| Ok(Bytes::copy_from_slice(c)))
        .collect();
    if reply.broken {
        items.push(Err(std::io::Error::other("connection reset")));
    }
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(items));
    Some(reqwest::Response::from(builder.body(body).ok()?))
}

/// A client for the one thing the relay may do on its own: resume a cut
/// event stream with a GET. Port 9 on loopback refuses it at once.
fn client() -> reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .no_proxy()
                .build()
                .expect("a plain client builds")
        })
        .clone()
}

/// Whether `bytes` is a valid JSON-RPC response to `id`: what the host gets.
pub fn check_answer(bytes: &[u8], id: &Value) -> Result<(), String> {
    if bytes.contains(&b'\n') {
        return Err("the answer spans lines".into());
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
    let o = v.as_object().ok_or("not an object")?;
    if o.get("jsonrpc") != Some(&json!("2.0")) {
        return Err(format!("jsonrpc is not \"2.0\": {v}"));
    }
    if o.get("id") != Some(id) {
        return Err(format!("answers {:?}, not {id}", o.get("id")));
    }
    match (o.get("result"), o.get("error")) {
        (Some(_), None) => Ok(()),
        (None, Some(e)) => {
            let ok = e.get("code").is_some_and(Value::is_i64)
                && e.get("message").is_some_and(Value::is_string);
            if ok {
                Ok(())
            } else {
                Err(format!("bad error object: {e}"))
            }
        }
        _ => Err(format!("not result xor error: {v}")),
    }
}

/// Run one reply through the relay: the answer the host gets (`None` for a
/// reply `http` can't even represent), or which promise broke.
pub fn check(reply: &Reply) -> Result<Option<Value>, String> {
    let Some(resp) = http_response(reply) else {
        return Ok(None);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .start_paused(true)
        .build()
        .map_err(|e| e.to_string())?;
    let captured = Captured::default();
    let (out, writer) = spawn_writer(captured.clone());
    let url = url::Url::parse("http://127.0.0.1:9/mcp").map_err(|e| e.to_string())?;
    let upstream = StreamableHttp::new(client(), url, HeaderMap::new(), Duration::from_secs(60));
    let result = runtime.block_on(upstream.read_answer(
        resp,
        Some(&reply.expect),
        &Session::default(),
        None,
        &out,
    ));
    drop(out);
    drop(runtime);
    writer.join().map_err(|_| "the stdout thread panicked")?;
    let answer = match result {
        Ok(posted) => posted.response.ok_or("a request got no response")?,
        Err(e) => e.to_response(&reply.expect, "tools/call"),
    };
    check_answer(&answer, &reply.expect)?;
    let written = captured.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
    for line in written.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
        let v: Value = serde_json::from_slice(line)
            .map_err(|e| format!("a line to the host is not JSON ({e}): {line:?}"))?;
        if v.get("method").is_none() {
            return Err(format!(
                "a response reached the host besides the answer: {v}"
            ));
        }
    }
    if !written.is_empty() && !written.ends_with(b"\n") {
        return Err("the host's last line is unterminated".into());
    }
    serde_json::from_slice(&answer)
        .map(Some)
        .map_err(|e| e.to_string())
}
