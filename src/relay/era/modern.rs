//! MCP 2026-07-28 on the wire, for a host that speaks the 2025 era: no
//! `initialize`, no sessions. Each request carries its own envelope in
//! `params._meta` and routing headers (`MCP-Protocol-Version`, `Mcp-Method`,
//! `Mcp-Name`, `Mcp-Param-*`). These are the pure translations; the era
//! bridge (`era/bridge.rs`) decides when to use them. Spec pages: basic/transports
//! (streamable-http), basic/versioning, basic/patterns/mrtr and subscriptions.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::{Map, Value, json};

/// The protocol revision this module speaks.
pub const VERSION: &str = "2026-07-28";
/// The revisions of the 2026-07-28 shape (per-request envelope, no
/// `initialize`) the bridge can speak, newest first: what it may retry with
/// when a server refuses a version (`-32022`).
pub const MODERN_VERSIONS: &[&str] = &[VERSION];
/// What a legacy host is told it negotiated when it asks for something newer.
pub const LEGACY_VERSION: &str = "2025-11-25";

pub(super) const META_VERSION: &str = "io.modelcontextprotocol/protocolVersion";
pub(super) const META_CAPABILITIES: &str = "io.modelcontextprotocol/clientCapabilities";
pub(super) const META_CLIENT_INFO: &str = "io.modelcontextprotocol/clientInfo";
pub(super) const META_LOG_LEVEL: &str = "io.modelcontextprotocol/logLevel";
pub(super) const META_SERVER_INFO: &str = "io.modelcontextprotocol/serverInfo";
const META_SUBSCRIPTION: &str = "io.modelcontextprotocol/subscriptionId";

/// JSON-RPC errors only a 2026-07-28 server sends.
pub mod code {
    pub const HEADER_MISMATCH: i64 = -32020;
    pub const MISSING_CAPABILITY: i64 = -32021;
    pub const UNSUPPORTED_VERSION: i64 = -32022;
}

/// What the host said about itself in its `initialize`: sent with every request.
#[derive(Debug, Clone, Default)]
pub struct Envelope {
    pub capabilities: Value,
    pub client_info: Option<Value>,
    /// From the host's `logging/setLevel`: the per-request log level.
    pub log_level: Option<String>,
    /// The version the server accepted after refusing ours (`-32022`);
    /// None: [`VERSION`].
    pub protocol_version: Option<&'static str>,
}

impl Envelope {
    /// From the params of the host's `initialize`.
    pub fn from_initialize(params: &Value) -> Envelope {
        Envelope {
            capabilities: params
                .get("capabilities")
                .cloned()
                .unwrap_or_else(|| json!({})),
            client_info: params.get("clientInfo").cloned(),
            log_level: None,
            protocol_version: None,
        }
    }

    /// The `_meta` entries a request carries; the host's own entries win.
    fn apply(&self, params: &mut Map<String, Value>) {
        let meta = params
            .entry("_meta")
            .or_insert_with(|| Value::Object(Map::new()));
        if !meta.is_object() {
            *meta = Value::Object(Map::new());
        }
        let Some(meta) = meta.as_object_mut() else {
            return; // an object, set just above
        };
        meta.entry(META_VERSION)
            .or_insert_with(|| json!(self.protocol_version.unwrap_or(VERSION)));
        meta.entry(META_CAPABILITIES)
            .or_insert_with(|| self.capabilities.clone());
        if let Some(info) = &self.client_info {
            meta.entry(META_CLIENT_INFO).or_insert_with(|| info.clone());
        }
        if let Some(level) = &self.log_level {
            meta.entry(META_LOG_LEVEL).or_insert_with(|| json!(level));
        }
    }
}

/// A request in the 2026-07-28 shape: `params._meta` filled in.
pub fn with_envelope(request: &Value, envelope: &Envelope) -> Value {
    let mut out = request.clone();
    if let Some(obj) = out.as_object_mut() {
        let params = obj
            .entry("params")
            .or_insert_with(|| Value::Object(Map::new()));
        if !params.is_object() {
            *params = Value::Object(Map::new());
        }
        if let Some(params) = params.as_object_mut() {
            envelope.apply(params);
        }
    }
    out
}

/// The `x-mcp-header` parameters of each tool, from `tools/list` results:
/// on every call they are mirrored into `Mcp-Param-{Name}` headers.
#[derive(Debug, Default, Clone)]
pub struct ToolHeaders {
    by_tool: HashMap<String, Vec<ParamHeader>>,
}

#[derive(Debug, Clone, PartialEq)]
struct ParamHeader {
    /// The argument's path through `properties` (top level: one element).
    path: Vec<String>,
    header: String,
}

impl ToolHeaders {
    /// Learn from a `tools/list` result, and drop the tools whose annotations
    /// are invalid (the spec says a client MUST NOT offer them). Returns the
    /// result to give the host, and the names dropped.
    pub fn learn(&mut self, result: &mut Value) -> Vec<String> {
        let mut dropped = Vec::new();
        let Some(tools) = result.get_mut("tools").and_then(Value::as_array_mut) else {
            return dropped;
        };
        tools.retain(|tool| {
            let Some(name) = tool.get("name").and_then(Value::as_str) else {
                return true;
            };
            match params_with_headers(tool.get("inputSchema")) {
                Ok(headers) => {
                    if headers.is_empty() {
                        self.by_tool.remove(name);
                    } else {
                        self.by_tool.insert(name.to_string(), headers);
                    }
                    true
                }
                Err(why) => {
                    tracing::warn!(
                        "hiding tool {name}: its x-mcp-header annotation is invalid ({why})"
                    );
                    dropped.push(name.to_string());
                    false
                }
            }
        });
        dropped
    }

    /// `Mcp-Param-*` headers for a call of `tool` with `arguments`.
    fn for_call(&self, tool: &str, arguments: Option<&Value>) -> Vec<(String, String)> {
        let Some(params) = self.by_tool.get(tool) else {
            return Vec::new();
        };
        params
            .iter()
            .filter_map(|p| {
                let mut v = arguments?;
                for key in &p.path {
                    v = v.get(key)?;
                }
                let text = match v {
                    Value::String(s) => s.clone(),
                    Value::Bool(b) => b.to_string(),
                    Value::Number(n) => n.to_string(),
                    _ => return None, // null or absent: no header
                };
                Some((format!("Mcp-Param-{}", p.header), text))
            })
            .collect()
    }
}

/// The annotated parameters of one input schema: only string, integer or
/// boolean properties reached through `properties` alone, with header names
/// that are RFC 9110 tokens, unique case-insensitively.
fn params_with_headers(schema: Option<&Value>) -> Result<Vec<ParamHeader>, String> {
    let mut out = Vec::new();
    if let Some(schema) = schema {
        collect(schema, &mut Vec::new(), &mut out)?;
    }
    let mut seen = std::collections::HashSet::new();
    for p in &out {
        if !seen.insert(p.header.to_ascii_lowercase()) {
            return Err(format!("header {} is used twice", p.header));
        }
    }
    Ok(out)
}

fn collect(
    schema: &Value,
    path: &mut Vec<String>,
    out: &mut Vec<ParamHeader>,
) -> Result<(), String> {
    let Some(props) = schema.get("properties").and_then(Value::as_object) else {
        return Ok(());
    };
    for (key, prop) in props {
        path.push(key.clone());
        if let Some(h) = prop.get("x-mcp-header") {
            let header = h
                .as_str()
                .filter(|h| is_token(h))
                .ok_or_else(|| format!("{}: the header name must be a token", path.join(".")))?;
            let ty = prop.get("type").and_then(Value::as_str);
            if !matches!(ty, Some("string" | "integer" | "boolean")) {
                return Err(format!(
                    "{}: only string, integer and boolean parameters can be headers",
                    path.join(".")
                ));
            }
            out.push(ParamHeader {
                path: path.clone(),
                header: header.to_string(),
            });
        }
        collect(prop, path, out)?;
        path.pop();
    }
    Ok(())
}

/// RFC 9110 `token`.
fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header value as the spec writes it: verbatim when it is plain printable
/// ASCII without surrounding spaces, else `=?base64?…?=` of its UTF-8 bytes.
pub fn header_value(text: &str) -> String {
    let plain = text.bytes().all(|b| (0x20..=0x7e).contains(&b))
        && text.trim() == text
        && !(text.starts_with("=?base64?") && text.ends_with("?="));
    if plain {
        text.to_string()
    } else {
        format!("=?base64?{}?=", STANDARD.encode(text.as_bytes()))
    }
}

/// The routing headers of a 2026-07-28 request.
pub fn routing_headers(request: &Value, tools: &ToolHeaders) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let mut put = |name: &str, value: &str| {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(&header_value(value)),
        ) {
            headers.insert(n, v);
        }
    };
    let version = request
        .pointer("/params/_meta")
        .and_then(|m| m.get(META_VERSION))
        .and_then(Value::as_str)
        .unwrap_or(VERSION);
    put("MCP-Protocol-Version", version);
    let Some(method) = request.get("method").and_then(Value::as_str) else {
        return headers;
    };
    put("Mcp-Method", method);
    let params = request.get("params");
    let name = match method {
        "tools/call" | "prompts/get" => params.and_then(|p| p.get("name")),
        "resources/read" => params.and_then(|p| p.get("uri")),
        _ => None,
    }
    .and_then(Value::as_str);
    if let Some(name) = name {
        put("Mcp-Name", name);
        if method == "tools/call" {
            for (h, v) in tools.for_call(name, params.and_then(|p| p.get("arguments"))) {
                put(&h, &v);
            }
        }
    }
    headers
}

/// The host's `initialize` answered from `server/discover`'s result.
pub fn initialize_result(discover: &Value, host_version: Option<&str>) -> Value {
    // The SDKs put the server's identity in `_meta`; the spec's example
    // puts it beside the capabilities.
    let server_info = discover
        .pointer(&format!("/_meta/{}", META_SERVER_INFO.replace('/', "~1")))
        .or_else(|| discover.get("serverInfo"))
        .cloned()
        .unwrap_or_else(|| json!({"name": "mcp-server", "version": "unknown"}));
    let mut capabilities = discover
        .get("capabilities")
        .cloned()
        .unwrap_or_else(|| json!({}));
    // Log levels are per request now; the bridge keeps `logging/setLevel`.
    if let Some(c) = capabilities.as_object_mut() {
        c.entry("logging").or_insert_with(|| json!({}));
    }
    let version = match host_version {
        Some(v) if v <= LEGACY_VERSION => v,
        _ => LEGACY_VERSION,
    };
    let mut result = json!({
        "protocolVersion": version,
        "capabilities": capabilities,
        "serverInfo": server_info,
    });
    if let Some(i) = discover.get("instructions").filter(|i| i.is_string()) {
        result["instructions"] = i.clone();
    }
    result
}

/// Whether a `server/discover` result is a 2026-07-28 server's: it lists
/// that version. (Some 2025-era servers answer any method with a result.)
pub fn speaks_modern(discover: &Value) -> bool {
    discover
        .get("supportedVersions")
        .and_then(Value::as_array)
        .is_some_and(|v| v.iter().any(|v| v == VERSION))
}

/// Whether a JSON-RPC error code is one only a 2026-07-28 server sends (a
/// refusal of the envelope or headers, not of the request itself).
pub fn is_modern_code(code: i64) -> bool {
    matches!(
        code,
        code::HEADER_MISMATCH | code::MISSING_CAPABILITY | code::UNSUPPORTED_VERSION
    )
}

/// The version to retry with when the server refused the request's version
/// (`-32022` UnsupportedProtocolVersion, `data.supported` listing what it
/// serves): the newest the bridge speaks in the 2026-07-28 shape. The one
/// retry is allowed even when that is the version just sent: a server may
/// refuse a first request to test the client (the conformance suite does).
/// None: another error, or no version in common.
pub fn version_to_retry(error: &Value) -> Option<&'static str> {
    if error.get("code").and_then(Value::as_i64) != Some(code::UNSUPPORTED_VERSION) {
        return None;
    }
    let supported = error.pointer("/data/supported")?.as_array()?;
    MODERN_VERSIONS
        .iter()
        .copied()
        .find(|v| supported.iter().any(|s| s == v))
}

/// `request` asking for protocol `version` in its envelope (the
/// `MCP-Protocol-Version` header follows from it in [`routing_headers`]).
pub fn with_version(request: &Value, version: &str) -> Value {
    let mut out = request.clone();
    if let Some(meta) = out
        .pointer_mut("/params/_meta")
        .and_then(Value::as_object_mut)
    {
        meta.insert(META_VERSION.into(), json!(version));
    }
    out
}

/// The `subscriptions/listen` request for what the server offers, plus the
/// resources the host subscribed to.
pub fn listen_request(
    id: &str,
    capabilities: &Value,
    resources: &[String],
    envelope: &Envelope,
) -> Value {
    let offers = |cap: &str, key: &str| {
        capabilities
            .pointer(&format!("/{cap}/{key}"))
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let mut wanted = Map::new();
    for (cap, flag) in [
        ("tools", "toolsListChanged"),
        ("prompts", "promptsListChanged"),
        ("resources", "resourcesListChanged"),
    ] {
        if offers(cap, "listChanged") {
            wanted.insert(flag.into(), json!(true));
        }
    }
    if !resources.is_empty() && offers("resources", "subscribe") {
        wanted.insert("resourceSubscriptions".into(), json!(resources));
    }
    let request = json!({
        "jsonrpc": "2.0",
        "id": id,
        "method": "subscriptions/listen",
        "params": {"notifications": wanted},
    });
    with_envelope(&request, envelope)
}

/// A notification from the listen stream, in the shape a 2025-era host
/// knows (no subscription id); None for the stream's own acknowledgement.
pub fn legacy_notification(message: &Value) -> Option<Bytes> {
    let method = message.get("method")?.as_str()?;
    if method == "notifications/subscriptions/acknowledged" {
        return None;
    }
    let mut m = message.clone();
    if let Some(meta) = m
        .pointer_mut("/params/_meta")
        .and_then(Value::as_object_mut)
    {
        meta.remove(META_SUBSCRIPTION);
        if meta.is_empty() {
            m["params"].as_object_mut()?.remove("_meta");
        }
    }
    Some(Bytes::from(serde_json::to_vec(&m).ok()?))
}

/// An `input_required` result: the questions for the host and the state to echo.
#[derive(Debug)]
pub struct InputRequired {
    /// (key, method, params) of each embedded request.
    pub requests: Vec<(String, String, Value)>,
    /// Echoed byte for byte in the retry.
    pub request_state: Option<Value>,
}

/// The `input_required` result of a response, if it is one.
pub fn input_required(response: &Value) -> Option<InputRequired> {
    let result = response.get("result")?;
    if result.get("resultType")?.as_str()? != "input_required" {
        return None;
    }
    let requests = result
        .get("inputRequests")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, r)| {
                    (
                        k.clone(),
                        r.get("method")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        r.get("params").cloned().unwrap_or_else(|| json!({})),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    Some(InputRequired {
        requests,
        request_state: result.get("requestState").cloned(),
    })
}

/// The retry of `original` with the host's answers and the server's state.
pub fn retry_with_answers(
    original: &Value,
    new_id: &Value,
    answers: Map<String, Value>,
    state: Option<&Value>,
) -> Value {
    let mut retry = original.clone();
    retry["id"] = new_id.clone();
    if let Some(params) = retry.get_mut("params").and_then(Value::as_object_mut) {
        params.insert("inputResponses".into(), Value::Object(answers));
        match state {
            Some(s) => {
                params.insert("requestState".into(), s.clone());
            }
            None => {
                params.remove("requestState");
            }
        }
    }
    retry
}

/// Whether the host declared the capability an embedded request needs.
pub fn host_can_answer(capabilities: &Value, method: &str, params: &Value) -> bool {
    match method {
        "elicitation/create" => {
            let Some(e) = capabilities.get("elicitation") else {
                return false;
            };
            match params.get("mode").and_then(Value::as_str).unwrap_or("form") {
                // A 2025-06-18 host declares `elicitation: {}`: form mode.
                "form" => e.get("form").is_some() || e.as_object().is_some_and(|o| o.is_empty()),
                mode => e.get(mode).is_some(),
            }
        }
        "sampling/createMessage" => capabilities.get("sampling").is_some(),
        "roots/list" => capabilities.get("roots").is_some(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_values_are_plain_or_base64() {
        assert_eq!(header_value("us-west1"), "us-west1");
        assert_eq!(header_value("Zürich ☃"), "=?base64?WsO8cmljaCDimIM=?=");
        assert_eq!(header_value(" padded"), "=?base64?IHBhZGRlZA==?=");
        assert_eq!(
            header_value("=?base64?eA==?="),
            "=?base64?PT9iYXNlNjQ/ZUE9PT89?="
        );
        assert_eq!(header_value("a\nb"), "=?base64?YQpi?=");
    }

    #[test]
    fn requests_get_the_envelope_and_routing_headers() {
        let env = Envelope {
            capabilities: json!({"elicitation": {"form": {}}}),
            client_info: Some(json!({"name": "host", "version": "1"})),
            log_level: Some("info".into()),
            protocol_version: None,
        };
        let req = json!({"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"where","arguments":{"region":"Zürich","n":2}}});
        let mut tools = ToolHeaders::default();
        let mut list = json!({"tools":[
            {"name":"where","inputSchema":{"type":"object","properties":{"region":{"type":"string","x-mcp-header":"Region"}}}},
            {"name":"bad","inputSchema":{"type":"object","properties":{"o":{"type":"object","x-mcp-header":"O"}}}},
            {"name":"dup","inputSchema":{"type":"object","properties":{"a":{"type":"string","x-mcp-header":"X"},"b":{"type":"string","x-mcp-header":"x"}}}}
        ]});
        assert_eq!(tools.learn(&mut list), vec!["bad", "dup"]);
        assert_eq!(list["tools"].as_array().unwrap().len(), 1);

        let modern = with_envelope(&req, &env);
        let meta = &modern["params"]["_meta"];
        assert_eq!(meta[META_VERSION], VERSION);
        assert_eq!(meta[META_CAPABILITIES]["elicitation"]["form"], json!({}));
        assert_eq!(meta[META_CLIENT_INFO]["name"], "host");
        assert_eq!(meta[META_LOG_LEVEL], "info");
        assert_eq!(
            modern["params"]["arguments"]["n"], 2,
            "the rest is untouched"
        );

        let h = routing_headers(&modern, &tools);
        assert_eq!(h["mcp-protocol-version"], VERSION);
        assert_eq!(h["mcp-method"], "tools/call");
        assert_eq!(h["mcp-name"], "where");
        assert_eq!(h["mcp-param-region"], "=?base64?WsO8cmljaA==?=");

        let read = with_envelope(
            &json!({"jsonrpc":"2.0","id":4,"method":"resources/read","params":{"uri":"lab://greeting"}}),
            &env,
        );
        assert_eq!(routing_headers(&read, &tools)["mcp-name"], "lab://greeting");
    }

    #[test]
    fn initialize_is_answered_from_discover() {
        let discover = json!({"supportedVersions":["2026-07-28"],"capabilities":{"tools":{"listChanged":true}},
            "instructions":"be nice","resultType":"complete",
            "_meta":{"io.modelcontextprotocol/serverInfo":{"name":"lab","version":"0.1"}}});
        assert!(speaks_modern(&discover));
        assert!(!speaks_modern(&json!({"tools": []})));
        let r = initialize_result(&discover, Some("2025-06-18"));
        assert_eq!(r["protocolVersion"], "2025-06-18");
        assert_eq!(r["serverInfo"]["name"], "lab");
        assert_eq!(r["instructions"], "be nice");
        assert!(r["capabilities"]["logging"].is_object());
        assert_eq!(
            initialize_result(&discover, Some("2026-07-28"))["protocolVersion"],
            LEGACY_VERSION
        );
    }

    #[test]
    fn modern_refusals_are_told_apart_from_legacy_ones() {
        // HeaderMismatch, MissingCapability, UnsupportedVersion.
        assert!(is_modern_code(code::HEADER_MISMATCH));
        assert!(is_modern_code(code::MISSING_CAPABILITY));
        assert!(is_modern_code(code::UNSUPPORTED_VERSION));
        // "Bad Request: No valid session ID provided" from a 2025 server.
        assert!(!is_modern_code(-32000));
        assert!(!is_modern_code(-32601));
    }

    #[test]
    fn a_refused_version_is_retried_with_one_both_speak() {
        let refusal = |supported: Value| {
            json!({"code": -32022, "message": "Unsupported protocol version",
                "data": {"supported": supported, "requested": "2026-07-28"}})
        };
        assert_eq!(
            version_to_retry(&refusal(json!(["2099-01-01", "2026-07-28"]))),
            Some(VERSION)
        );
        assert_eq!(version_to_retry(&refusal(json!(["2025-11-25"]))), None);
        assert_eq!(version_to_retry(&json!({"code": -32022})), None);
        assert_eq!(
            version_to_retry(&json!({"code": -32600, "data": {"supported": [VERSION]}})),
            None
        );
        let env = Envelope::default();
        let req = with_envelope(&json!({"jsonrpc":"2.0","id":1,"method":"tools/list"}), &env);
        let retried = with_version(&req, "2030-01-01");
        assert_eq!(retried["params"]["_meta"][META_VERSION], "2030-01-01");
        assert_eq!(
            routing_headers(&retried, &ToolHeaders::default())["mcp-protocol-version"],
            "2030-01-01"
        );
    }

    #[test]
    fn input_required_round_trip() {
        let response = json!({"jsonrpc":"2.0","id":7,"result":{"resultType":"input_required",
            "inputRequests":{"k1":{"method":"elicitation/create","params":{"mode":"form","message":"name?"}}},
            "requestState":"v1.sealed"}});
        let ir = input_required(&response).unwrap();
        assert_eq!(ir.requests[0].0, "k1");
        assert_eq!(ir.requests[0].1, "elicitation/create");
        let original = json!({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"ask","arguments":{}}});
        let mut answers = Map::new();
        answers.insert(
            "k1".into(),
            json!({"action":"accept","content":{"name":"Grace"}}),
        );
        let retry = retry_with_answers(
            &original,
            &json!("mcp-tether-7-1"),
            answers,
            ir.request_state.as_ref(),
        );
        assert_eq!(retry["params"]["requestState"], "v1.sealed");
        assert_eq!(
            retry["params"]["inputResponses"]["k1"]["content"]["name"],
            "Grace"
        );
        assert_eq!(retry["params"]["name"], "ask");
        assert!(host_can_answer(
            &json!({"elicitation":{}}),
            "elicitation/create",
            &json!({})
        ));
        assert!(!host_can_answer(
            &json!({"elicitation":{"form":{}}}),
            "elicitation/create",
            &json!({"mode":"url"})
        ));
        assert!(!host_can_answer(
            &json!({}),
            "sampling/createMessage",
            &json!({})
        ));
    }

    #[test]
    fn listen_asks_for_what_the_server_offers() {
        let caps = json!({"tools":{"listChanged":true},"resources":{"subscribe":true,"listChanged":false}});
        let r = listen_request("l1", &caps, &["lab://a".into()], &Envelope::default());
        assert_eq!(
            r["params"]["notifications"],
            json!({"toolsListChanged":true,"resourceSubscriptions":["lab://a"]})
        );
        let n = json!({"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{"_meta":{"io.modelcontextprotocol/subscriptionId":"l1"}}});
        assert_eq!(
            &legacy_notification(&n).unwrap()[..],
            br#"{"jsonrpc":"2.0","method":"notifications/tools/list_changed","params":{}}"#
        );
        let ack = json!({"jsonrpc":"2.0","method":"notifications/subscriptions/acknowledged","params":{}});
        assert!(legacy_notification(&ack).is_none());
    }
}
