//! A host of MCP 2026-07-28 in front of a server of the 2025 era: the pure
//! translations. Such a host (Claude Code, for one) opens with
//! `server/discover` and never sends `initialize`; the server knows nothing
//! but `initialize` and its session. The session (`relay/session.rs`) sets the
//! session up itself with what the host's `_meta` says about it, answers the
//! `server/discover` from the server's `initialize` result, and takes the
//! per-request envelope out of the host's later requests: the server learned
//! all of it once, at `initialize`, and those `_meta` keys are not its era's.

use bytes::Bytes;
use serde_json::{Map, Value, json};

use super::modern::{
    LEGACY_VERSION, META_CAPABILITIES, META_CLIENT_INFO, META_LOG_LEVEL, META_SERVER_INFO,
    META_VERSION, VERSION,
};

/// The envelope keys a 2025-era server never hears per request.
const ENVELOPE_KEYS: [&str; 4] = [
    META_VERSION,
    META_CAPABILITIES,
    META_CLIENT_INFO,
    META_LOG_LEVEL,
];

/// Whether a request comes from a 2026-07-28 host: its `_meta` names a
/// protocol version (the spec requires one on every request). A bare
/// `server/discover` is not enough to set a session up for the host.
pub fn from_modern_host(request: &Value) -> bool {
    request
        .pointer("/params/_meta")
        .and_then(|m| m.get(META_VERSION))
        .is_some_and(Value::is_string)
}

/// The params of the `initialize` the bridge sends for the host, from the
/// envelope in the `_meta` of the host's `server/discover`.
pub fn initialize_params(discover: &Value) -> Value {
    let meta = discover.pointer("/params/_meta");
    let field = |key: &str| meta.and_then(|m| m.get(key)).cloned();
    json!({
        "protocolVersion": LEGACY_VERSION,
        "capabilities": field(META_CAPABILITIES).unwrap_or_else(|| json!({})),
        "clientInfo": field(META_CLIENT_INFO).unwrap_or_else(|| json!({
            "name": "mcp-tether",
            "version": env!("CARGO_PKG_VERSION"),
        })),
    })
}

/// The `server/discover` result for the host, from the server's `initialize`
/// result: the bridge speaks 2026-07-28 to the host, so that is the version
/// offered. The identity goes both where the spec's example puts it and where
/// the SDKs put it (`_meta`). It is the bridge's own answer about this one
/// session, so nothing may cache it (`private`, 0 ms).
pub fn discover_result(initialize: &Value) -> Value {
    let server_info = initialize
        .get("serverInfo")
        .cloned()
        .unwrap_or_else(|| json!({"name": "mcp-server", "version": "unknown"}));
    let mut meta = Map::new();
    meta.insert(META_SERVER_INFO.into(), server_info.clone());
    let mut result = json!({
        "resultType": "complete",
        "supportedVersions": [VERSION],
        "capabilities": initialize.get("capabilities").cloned().unwrap_or_else(|| json!({})),
        "serverInfo": server_info,
        "ttlMs": 0,
        "cacheScope": "private",
        "_meta": meta,
    });
    if let Some(i) = initialize.get("instructions").filter(|i| i.is_string()) {
        result["instructions"] = i.clone();
    }
    result
}

/// A host message without the 2026-07-28 envelope in its `_meta` (the rest
/// of `_meta`, a `progressToken` say, stays). None: nothing to take out, send
/// the bytes as they came.
pub fn strip_envelope(message: &[u8]) -> Option<Bytes> {
    let mut value: Value = serde_json::from_slice(message).ok()?;
    let params = value.get_mut("params")?.as_object_mut()?;
    let meta = params.get_mut("_meta")?.as_object_mut()?;
    let before = meta.len();
    meta.retain(|k, _| !ENVELOPE_KEYS.contains(&k.as_str()));
    if meta.len() == before {
        return None;
    }
    if meta.is_empty() {
        params.remove("_meta");
    }
    Some(Bytes::from(value.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_host_envelope_becomes_initialize_params() {
        let discover = json!({"jsonrpc":"2.0","id":1,"method":"server/discover","params":{"_meta":{
            META_VERSION: VERSION,
            META_CAPABILITIES: {"elicitation": {"form": {}}},
            META_CLIENT_INFO: {"name": "claude-code", "version": "2"},
        }}});
        let p = initialize_params(&discover);
        assert_eq!(p["protocolVersion"], LEGACY_VERSION);
        assert_eq!(p["capabilities"]["elicitation"]["form"], json!({}));
        assert_eq!(p["clientInfo"]["name"], "claude-code");
        assert!(from_modern_host(&discover));
        assert!(!from_modern_host(
            &json!({"method": "server/discover", "params": {}})
        ));
        let bare = initialize_params(&json!({"method": "server/discover"}));
        assert_eq!(bare["capabilities"], json!({}));
        assert_eq!(bare["clientInfo"]["name"], "mcp-tether");
    }

    #[test]
    fn discover_is_answered_from_initialize() {
        let init = json!({"protocolVersion": "2025-11-25", "capabilities": {"tools": {"listChanged": true}},
            "serverInfo": {"name": "old", "version": "1"}, "instructions": "hi"});
        let d = discover_result(&init);
        assert_eq!(d["supportedVersions"], json!([VERSION]));
        assert_eq!(d["capabilities"]["tools"]["listChanged"], true);
        assert_eq!(d["serverInfo"]["name"], "old");
        assert_eq!(d["_meta"][META_SERVER_INFO]["name"], "old");
        assert_eq!(d["instructions"], "hi");
        assert_eq!(d["resultType"], "complete");
        // And back: what a 2025-era host would be told from it.
        assert_eq!(
            super::super::modern::initialize_result(&d, None)["serverInfo"]["name"],
            "old"
        );
    }

    #[test]
    fn only_the_envelope_is_taken_out() {
        let call = json!({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo",
            "arguments":{"text":"x"},"_meta":{META_VERSION: VERSION, META_CAPABILITIES: {},
            META_LOG_LEVEL: "info", "progressToken": 7}}});
        let out: Value =
            serde_json::from_slice(&strip_envelope(call.to_string().as_bytes()).unwrap()).unwrap();
        assert_eq!(out["params"]["_meta"], json!({"progressToken": 7}));
        assert_eq!(out["params"]["arguments"]["text"], "x");
        let list = json!({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{META_VERSION: VERSION}}});
        let out: Value =
            serde_json::from_slice(&strip_envelope(list.to_string().as_bytes()).unwrap()).unwrap();
        assert_eq!(out["params"], json!({}));
        assert!(strip_envelope(br#"{"jsonrpc":"2.0","id":4,"method":"ping"}"#).is_none());
    }
}
