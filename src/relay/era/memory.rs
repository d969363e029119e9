//! Which protocol era each server speaks, remembered between starts so
//! `--protocol auto` probes a server once, not on every start. A small JSON
//! map in the config directory: server URL → "legacy" | "modern". Losing it
//! costs one probe; a wrong entry is corrected by the next failed start.

use std::collections::BTreeMap;
use std::path::Path;

use url::Url;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    /// `initialize` and sessions: 2025-11-25 and earlier.
    Legacy,
    /// MCP 2026-07-28.
    Modern,
}

impl Era {
    fn name(self) -> &'static str {
        match self {
            Era::Legacy => "legacy",
            Era::Modern => "modern",
        }
    }
}

fn read(path: &Path) -> BTreeMap<String, String> {
    std::fs::read(path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

/// The era remembered for `server`, if any.
pub fn remembered(path: &Path, server: &Url) -> Option<Era> {
    match read(path).get(server.as_str()).map(String::as_str) {
        Some("legacy") => Some(Era::Legacy),
        Some("modern") => Some(Era::Modern),
        _ => None,
    }
}

/// Remember `era` for `server`. Best effort: a failure only costs a probe later.
pub fn remember(path: &Path, server: &Url, era: Era) {
    let mut map = read(path);
    if map.get(server.as_str()).map(String::as_str) == Some(era.name()) {
        return;
    }
    map.insert(server.to_string(), era.name().to_string());
    let write = || -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            crate::auth::private_files::create_private_dir(dir)?;
        }
        crate::auth::private_files::write_atomically(path, &serde_json::to_vec_pretty(&map)?)
    };
    if let Err(e) = write() {
        tracing::debug!(
            "could not remember the protocol era in {}: {e}",
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_per_server() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("eras.json");
        let a = Url::parse("https://a.example/mcp").unwrap();
        let b = Url::parse("https://b.example/mcp").unwrap();
        assert_eq!(remembered(&path, &a), None);
        remember(&path, &a, Era::Modern);
        remember(&path, &b, Era::Legacy);
        assert_eq!(remembered(&path, &a), Some(Era::Modern));
        assert_eq!(remembered(&path, &b), Some(Era::Legacy));
        remember(&path, &a, Era::Legacy);
        assert_eq!(remembered(&path, &a), Some(Era::Legacy));
        std::fs::write(&path, "not json").unwrap();
        assert_eq!(remembered(&path, &b), None, "a broken file is no memory");
    }
}
