//! Editing a JSON (or JSON-with-comments) host config through
//! `jsonc-parser`'s concrete syntax tree: every byte outside the entry we
//! add, replace or remove stays as it was: other servers, settings, key
//! order, indentation, comments and trailing commas. The tree also means
//! serde_json's `preserve_order` feature is not needed (it would change
//! serde_json for the whole binary).

use jsonc_parser::ParseOptions;
use jsonc_parser::cst::{CstInputValue, CstObject, CstRootNode};
use serde_json::Value;

use super::{EntryValue, Found, Host};

fn options(comments: bool) -> ParseOptions {
    ParseOptions {
        allow_comments: comments,
        allow_trailing_commas: comments,
        allow_loose_object_property_names: false,
        allow_missing_commas: false,
        allow_single_quoted_strings: false,
        allow_hexadecimal_numbers: false,
        allow_unary_plus_numbers: false,
        allow_bare_decimal_point_numbers: false,
        allow_non_finite_numbers: false,
        allow_extended_string_escapes: false,
    }
}

fn comments_allowed(host: &Host) -> bool {
    matches!(host.format, super::Format::Json { comments: true })
}

/// Parse `text` as the host would; an empty file is an empty object.
fn parse(host: &Host, text: &str) -> anyhow::Result<CstRootNode> {
    let text = if text.trim().is_empty() { "{}\n" } else { text };
    // The tree's parser takes comments whatever the options say: a host
    // that reads strict JSON gets its file checked as strict JSON.
    if !comments_allowed(host) {
        serde_json::from_str::<serde::de::IgnoredAny>(text).map_err(|e| {
            anyhow::anyhow!("not valid JSON (this host takes no comments or trailing commas): {e}")
        })?;
    }
    let root = CstRootNode::parse(text, &options(comments_allowed(host))).map_err(|e| {
        let what = if comments_allowed(host) {
            "JSON with comments"
        } else {
            "JSON (this host takes no comments or trailing commas)"
        };
        anyhow::anyhow!("not valid {what}: {e}")
    })?;
    if root.value().is_some() && root.object_value().is_none() {
        anyhow::bail!("the file's top level is not a JSON object");
    }
    Ok(root)
}

fn servers(host: &Host, root: &CstRootNode) -> anyhow::Result<Option<CstObject>> {
    let Some(top) = root.object_value() else {
        return Ok(None);
    };
    match top.get(host.servers_key) {
        None => Ok(None),
        Some(prop) => prop.object_value().map(Some).ok_or_else(|| {
            anyhow::anyhow!("\"{}\" in this file is not a JSON object", host.servers_key)
        }),
    }
}

/// Every server entry in the file, mcp-tether's or not.
pub fn list(host: &Host, text: &str) -> anyhow::Result<Vec<Found>> {
    let root = parse(host, text)?;
    let Some(servers) = servers(host, &root)? else {
        return Ok(Vec::new());
    };
    Ok(servers
        .properties()
        .into_iter()
        .filter_map(|p| {
            let name = p.name()?.decoded_value().ok()?;
            let value = p.value().and_then(|v| v.to_serde_value());
            Some(found(name, value.as_ref()))
        })
        .collect())
}

fn found(name: String, value: Option<&Value>) -> Found {
    // Zed before 0.187 nested the command: "command": {"path", "args"}.
    let (command, args) = match value.map(|v| (&v["command"], v)) {
        Some((Value::String(c), v)) => (Some(c.clone()), &v["args"]),
        Some((Value::Object(c), _)) => (
            c.get("path").and_then(Value::as_str).map(str::to_string),
            c.get("args").unwrap_or(&Value::Null),
        ),
        _ => (None, &Value::Null),
    };
    let args: Vec<String> = args
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    Found::of(name, command, &args)
}

fn input(entry: &[(&'static str, EntryValue)]) -> CstInputValue {
    CstInputValue::Object(
        entry
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    EntryValue::Str(s) => CstInputValue::String(s.clone()),
                    EntryValue::List(l) => CstInputValue::Array(
                        l.iter().map(|s| CstInputValue::String(s.clone())).collect(),
                    ),
                    EntryValue::EmptyMap => CstInputValue::Object(Vec::new()),
                };
                (k.to_string(), v)
            })
            .collect(),
    )
}

/// `text` (or a new file when `None`) with the entry `name` set to
/// `entry`: replaced where it was, or appended to the servers.
pub fn upsert(
    host: &Host,
    text: Option<&str>,
    name: &str,
    entry: &[(&'static str, EntryValue)],
) -> anyhow::Result<String> {
    let root = parse(host, text.unwrap_or(""))?;
    let top = root.object_value_or_set();
    let servers = match top.get(host.servers_key) {
        Some(_) => servers(host, &root)?.expect("checked above"),
        None => top.object_value_or_set(host.servers_key),
    };
    match servers.get(name) {
        Some(prop) => prop.set_value(input(entry)),
        None => {
            servers.append(name, input(entry));
        }
    }
    let mut out = root.to_string();
    if !out.ends_with('\n') && text.is_none_or(|t| t.ends_with('\n') || t.trim().is_empty()) {
        out.push('\n');
    }
    Ok(out)
}

/// `text` without the entry `name`, or `None` when there is no such entry.
pub fn remove(host: &Host, text: &str, name: &str) -> anyhow::Result<Option<String>> {
    let root = parse(host, text)?;
    let Some(servers) = servers(host, &root)? else {
        return Ok(None);
    };
    let Some(prop) = servers.get(name) else {
        return Ok(None);
    };
    prop.remove();
    Ok(Some(root.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::HostArg;
    use crate::hosts::{Launch, Runner};

    fn entry(host: &Host) -> Vec<(&'static str, EntryValue)> {
        host.entry(&Launch {
            command: "/opt/mcp-tether".into(),
            args: vec!["https://mcp.example.com/mcp".into()],
        })
    }

    #[test]
    fn adds_next_to_other_servers_and_removes_back_to_the_same_bytes() {
        let host = Host::get(HostArg::Cursor);
        let original = "{\n  \"theme\": \"dark\",\n  \"mcpServers\": {\n    \"other\": {\n      \"command\": \"node\",\n      \"args\": [\"server.js\"]\n    }\n  },\n  \"zzz\": 1\n}\n";
        let added = upsert(&host, Some(original), "tether", &entry(&host)).unwrap();
        let v: Value = serde_json::from_str(&added).unwrap();
        assert_eq!(v["mcpServers"]["tether"]["command"], "/opt/mcp-tether");
        assert_eq!(v["mcpServers"]["other"]["command"], "node");
        assert!(added.starts_with("{\n  \"theme\": \"dark\",\n  \"mcpServers\": {\n    \"other\": {\n      \"command\": \"node\",\n      \"args\": [\"server.js\"]\n    },\n"), "{added}");
        assert!(added.ends_with("  },\n  \"zzz\": 1\n}\n"), "{added}");
        let found = list(&host, &added).unwrap();
        assert_eq!(found.len(), 2);
        assert!(found[0].tether.is_none());
        assert_eq!(
            found[1].tether,
            Some((
                Runner::Binary("/opt/mcp-tether".into()),
                vec!["https://mcp.example.com/mcp".to_string()]
            ))
        );
        let removed = remove(&host, &added, "tether").unwrap().unwrap();
        assert_eq!(removed, original);
    }

    #[test]
    fn keeps_comments_where_the_host_allows_them() {
        let host = Host::get(HostArg::Vscode);
        let original = "// my servers\n{\n\t\"servers\": {\n\t\t// the old one\n\t\t\"other\": { \"type\": \"stdio\", \"command\": \"x\" },\n\t},\n\t\"inputs\": [],\n}\n";
        let added = upsert(&host, Some(original), "tether", &entry(&host)).unwrap();
        assert!(added.contains("// my servers") && added.contains("// the old one"));
        assert!(added.contains("\"type\": \"stdio\""));
        let removed = remove(&host, &added, "tether").unwrap().unwrap();
        assert_eq!(removed, original);
        // A host that reads strict JSON: a file with comments is refused.
        let strict = Host::get(HostArg::ClaudeDesktop);
        assert!(upsert(&strict, Some(original), "t", &entry(&strict)).is_err());
        let commented = "{\n  // a comment\n  \"mcpServers\": {}\n}\n";
        assert!(list(&strict, commented).is_err());
        assert!(list(&host, commented).is_ok());
    }

    #[test]
    fn creates_a_file_and_replaces_an_entry_in_place() {
        let host = Host::get(HostArg::Zed);
        let created = upsert(&host, None, "tether", &entry(&host)).unwrap();
        let v: Value = serde_json::from_str(&created).unwrap();
        assert_eq!(
            v["context_servers"]["tether"]["args"][0],
            "https://mcp.example.com/mcp"
        );
        assert!(created.ends_with("}\n"));
        let again = upsert(&host, Some(&created), "tether", &entry(&host)).unwrap();
        assert_eq!(again, created);
    }
}
