//! Editing Codex's `config.toml` through `toml_edit`, which keeps comments,
//! order and formatting of everything it is not asked to change.

use toml_edit::{Array, DocumentMut, Item, Table, value};

use super::{EntryValue, Found, Host};

fn parse(text: &str) -> anyhow::Result<DocumentMut> {
    text.parse::<DocumentMut>()
        .map_err(|e| anyhow::anyhow!("not valid TOML: {e}"))
}

fn servers<'a>(host: &Host, doc: &'a DocumentMut) -> anyhow::Result<Option<&'a Table>> {
    match doc.get(host.servers_key) {
        None => Ok(None),
        Some(item) => item.as_table().map(Some).ok_or_else(|| {
            anyhow::anyhow!(
                "`{}` in this file is not a table: edit it by hand",
                host.servers_key
            )
        }),
    }
}

/// Every `[mcp_servers.NAME]` in the file.
pub fn list(host: &Host, text: &str) -> anyhow::Result<Vec<Found>> {
    let doc = parse(text)?;
    let Some(servers) = servers(host, &doc)? else {
        return Ok(Vec::new());
    };
    Ok(servers
        .iter()
        .map(|(name, item)| {
            let command = item
                .get("command")
                .and_then(|c| c.as_str())
                .map(str::to_string);
            let args: Vec<String> = item
                .get("args")
                .and_then(|a| a.as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default();
            Found::of(name.to_string(), command, &args)
        })
        .collect())
}

/// `text` (or a new file) with `[mcp_servers.NAME]` set to `entry`. An
/// existing table keeps its place and any keys other than those we set
/// (`env`, `startup_timeout_sec`…, `enabled`).
pub fn upsert(
    host: &Host,
    text: Option<&str>,
    name: &str,
    entry: &[(&'static str, EntryValue)],
) -> anyhow::Result<String> {
    let mut doc = parse(text.unwrap_or(""))?;
    servers(host, &doc)?;
    if doc.get(host.servers_key).is_none() {
        let mut t = Table::new();
        // `[mcp_servers.NAME]` headers only, no empty `[mcp_servers]`.
        t.set_implicit(true);
        doc.insert(host.servers_key, Item::Table(t));
    }
    let servers = doc[host.servers_key]
        .as_table_mut()
        .expect("checked to be a table");
    if !servers.get(name).is_some_and(Item::is_table) {
        servers.insert(name, Item::Table(Table::new()));
    }
    let table = servers[name].as_table_mut().expect("just made a table");
    for (key, v) in entry {
        match v {
            EntryValue::Str(s) => table[*key] = value(s.as_str()),
            EntryValue::List(l) => {
                let mut a = Array::new();
                for s in l {
                    a.push(s.as_str());
                }
                table[*key] = value(a);
            }
            EntryValue::EmptyMap => {}
        }
    }
    Ok(doc.to_string())
}

/// `text` without `[mcp_servers.NAME]` (and its sub-tables), or `None`
/// when there is no such entry.
pub fn remove(host: &Host, text: &str, name: &str) -> anyhow::Result<Option<String>> {
    let mut doc = parse(text)?;
    if servers(host, &doc)?.is_none_or(|s| !s.contains_key(name)) {
        return Ok(None);
    }
    let servers = doc[host.servers_key]
        .as_table_mut()
        .expect("checked to be a table");
    servers.remove(name);
    Ok(Some(doc.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::HostArg;
    use crate::hosts::Launch;

    #[test]
    fn adds_and_removes_keeping_the_rest() {
        let host = Host::get(HostArg::Codex);
        let original = "# my codex\nmodel = \"o3\"  # the model\n\n[mcp_servers.other]\ncommand = \"node\"\nargs = [\"a.js\"]\n\n[mcp_servers.other.env]\nX = \"1\"\n\n[tui]\nnotifications = true\n";
        let entry = host.entry(&Launch {
            command: "/opt/mcp-tether".into(),
            args: vec!["https://mcp.example.com/mcp".into()],
        });
        let added = upsert(&host, Some(original), "tether", &entry).unwrap();
        // Inserted after the other servers, everything else byte for byte.
        let expected = original.replace(
            "\n[tui]",
            "\n[mcp_servers.tether]\ncommand = \"/opt/mcp-tether\"\nargs = [\"https://mcp.example.com/mcp\"]\n\n[tui]",
        );
        assert_eq!(added, expected);
        let found = list(&host, &added).unwrap();
        assert_eq!(found.len(), 2);
        assert!(found[1].tether.is_some());
        assert_eq!(remove(&host, &added, "tether").unwrap().unwrap(), original);
        let created = upsert(&host, None, "tether", &entry).unwrap();
        assert!(created.starts_with("[mcp_servers.tether]\n"), "{created}");
    }
}
