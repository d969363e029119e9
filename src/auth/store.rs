//! Where tokens, client registrations and discovered metadata persist between
//! runs: one JSON file per server in a private directory (0700, files 0600),
//! written atomically (temp file, then rename). See docs/token-store.md.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::discovery::Discovered;
use super::registration::Client;
use super::token::Tokens;

/// Everything remembered about one server.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Record {
    pub server_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issuer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<Client>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tokens: Option<Tokens>,
    /// The `resource` the tokens were issued for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovered: Option<Discovered>,
    /// When `discovered` was fetched (Unix seconds).
    #[serde(default)]
    pub discovered_at: u64,
}

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    /// `MCP_TETHER_CONFIG_DIR`, else the platform config dir (e.g.
    /// `~/.config/mcp-tether` on Linux), with `tokens/` under it.
    pub fn default_location(env_dir: Option<String>) -> Option<FileStore> {
        let base = match env_dir.filter(|d| !d.is_empty()) {
            Some(d) => PathBuf::from(d),
            None => directories::ProjectDirs::from("", "", "mcp-tether")?
                .config_dir()
                .to_path_buf(),
        };
        Some(FileStore {
            dir: base.join("tokens"),
        })
    }

    pub fn at(dir: &Path) -> FileStore {
        FileStore {
            dir: dir.to_path_buf(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_for(&self, server_url: &str) -> PathBuf {
        let digest = Sha256::digest(server_url.as_bytes());
        let name: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
        self.dir.join(format!("{name}.json"))
    }

    pub fn load(&self, server_url: &str) -> Option<Record> {
        let path = self.path_for(server_url);
        let bytes = std::fs::read(&path).ok()?;
        match serde_json::from_slice::<Record>(&bytes) {
            Ok(r) if r.server_url == server_url => Some(r),
            Ok(_) => None,
            Err(e) => {
                tracing::warn!(
                    "ignoring the unreadable token record {}: {e}",
                    path.display()
                );
                None
            }
        }
    }

    pub fn save(&self, record: &Record) -> std::io::Result<()> {
        create_private_dir(&self.dir)?;
        let path = self.path_for(&record.server_url);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let bytes = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
        {
            let mut f = private_file(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
        }
        std::fs::rename(&tmp, &path)
    }

    /// Every stored record (unreadable files are skipped with a warning).
    pub fn list(&self) -> Vec<Record> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut records: Vec<Record> = entries
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| {
                let bytes = std::fs::read(e.path()).ok()?;
                serde_json::from_slice(&bytes)
                    .map_err(|err| tracing::warn!("skipping {}: {err}", e.path().display()))
                    .ok()
            })
            .collect();
        records.sort_by(|a, b| a.server_url.cmp(&b.server_url));
        records
    }

    pub fn remove(&self, server_url: &str) -> std::io::Result<()> {
        match std::fs::remove_file(self.path_for(server_url)) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        // An existing directory keeps its mode: tighten it.
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_privately() {
        let tmp = tempfile::tempdir().unwrap();
        let store = FileStore::at(&tmp.path().join("tokens"));
        assert!(store.load("https://a.example/mcp").is_none());
        let record = Record {
            server_url: "https://a.example/mcp".into(),
            issuer: Some("https://as.example".into()),
            tokens: Some(Tokens {
                access_token: "at".into(),
                refresh_token: Some("rt".into()),
                expires_at: Some(42),
                scope: None,
                obtained_at: 40,
            }),
            ..Record::default()
        };
        store.save(&record).unwrap();
        let back = store.load("https://a.example/mcp").unwrap();
        assert_eq!(back.tokens, record.tokens);
        assert!(store.load("https://b.example/mcp").is_none());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let dir_mode = std::fs::metadata(store.dir()).unwrap().permissions().mode();
            assert_eq!(dir_mode & 0o777, 0o700);
            let file = std::fs::read_dir(store.dir())
                .unwrap()
                .next()
                .unwrap()
                .unwrap();
            assert_eq!(file.metadata().unwrap().permissions().mode() & 0o777, 0o600);
        }
        store.remove("https://a.example/mcp").unwrap();
        assert!(store.load("https://a.example/mcp").is_none());
    }
}
