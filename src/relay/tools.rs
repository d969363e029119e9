//! `--ignore-tool PATTERN`: tools a person doesn't want the host's model to
//! see. They are removed from `tools/list` results, and calls to them are
//! refused without reaching the server. `*` matches any run of characters.

use bytes::Bytes;
use serde_json::Value;

use super::jsonrpc::{Message, error_response};

/// JSON-RPC "invalid params": the tool named is not one the host may call.
const INVALID_PARAMS: i64 = -32602;

/// `*` wildcards, the rest literal, whole-name match.
pub fn matches(pattern: &str, name: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = name.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty(); // no `*` at all: exact match
    };
    for part in middle {
        match rest.find(part) {
            Some(i) => rest = &rest[i + part.len()..],
            None => return false,
        }
    }
    rest.ends_with(last)
}

fn ignored(name: &str, patterns: &[String]) -> bool {
    patterns.iter().any(|p| matches(p, name))
}

/// The error for a `tools/call` of an ignored tool, or None to let it through.
pub fn refuse_ignored_call(message: &Message, patterns: &[String]) -> Option<Bytes> {
    let id = message.request_id()?;
    let v: Value = serde_json::from_slice(&message.bytes).ok()?;
    let name = v["params"]["name"].as_str()?;
    ignored(name, patterns).then(|| {
        error_response(
            Some(id),
            INVALID_PARAMS,
            &format!("Tool {name} is disabled by mcp-tether --ignore-tool"),
            None,
        )
    })
}

/// A `tools/list` response without the ignored tools (untouched if it holds none).
pub fn hide_ignored(response: Bytes, patterns: &[String]) -> Bytes {
    let Ok(mut v) = serde_json::from_slice::<Value>(&response) else {
        return response;
    };
    let Some(tools) = v["result"]["tools"].as_array_mut() else {
        return response;
    };
    let before = tools.len();
    tools.retain(|t| !t["name"].as_str().is_some_and(|n| ignored(n, patterns)));
    if tools.len() == before {
        return response;
    }
    Bytes::from(v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(matches("delete_*", "delete_file"));
        assert!(matches("*_admin", "user_admin"));
        assert!(matches("a*b*c", "axxbyyc"));
        assert!(matches("echo", "echo"));
        assert!(!matches("echo", "echo2"));
        assert!(!matches("delete_*", "undelete_file"));
        assert!(!matches("a*b*c", "axxbyy"));
        assert!(matches("*", "anything"));
    }

    #[test]
    fn filters_lists_and_refuses_calls() {
        let patterns = vec!["del*".to_string()];
        let list = Bytes::from_static(
            br#"{"jsonrpc":"2.0","id":1,"result":{"tools":[{"name":"echo"},{"name":"delete"}]}}"#,
        );
        let v: Value = serde_json::from_slice(&hide_ignored(list, &patterns)).unwrap();
        assert_eq!(v["result"]["tools"].as_array().unwrap().len(), 1);
        let call = super::super::jsonrpc::parse_message(
            br#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete"}}"#,
        )
        .unwrap();
        let refusal: Value =
            serde_json::from_slice(&refuse_ignored_call(&call, &patterns).unwrap()).unwrap();
        assert_eq!(refusal["error"]["code"], -32602);
        let ok = super::super::jsonrpc::parse_message(
            br#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo"}}"#,
        )
        .unwrap();
        assert!(refuse_ignored_call(&ok, &patterns).is_none());
    }
}
