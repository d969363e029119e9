//! Where tokens, client registrations and discovered metadata persist between
//! runs: the OS keyring when one answers, else one JSON file per server in a
//! private directory (0700, files 0600), written atomically (temp file, then
//! rename). See docs/token-store.md.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use super::discovery::Discovered;
pub mod keyring;

use super::private_files::{create_private_dir, write_atomically};
use super::registration::Client;
use super::token::Tokens;
use keyring::KeyringError;

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
    /// The DPoP key for this authorization server, once one was needed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_key: Option<crate::auth::dpop::Key>,
    /// `--flow enterprise`: the person's sign-in to the enterprise IdP
    /// (its ID token and refresh token), when mcp-tether did the sign-in.
    /// Kept when the MCP server's authorization server changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idp: Option<IdpSession>,
}

/// The person's sign-in to the enterprise IdP, kept with the record.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct IdpSession {
    pub issuer: String,
    pub client_id: String,
    pub id_token: String,
    /// The ID token's `exp` (Unix seconds).
    pub expires_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// The ID token's `sub`, for `status`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The IdP's RFC 7009 revocation endpoint, for `logout`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
}

impl std::fmt::Debug for IdpSession {
    // Secrets never reach a log, not even through {:?}.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdpSession")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("id_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "<redacted>"),
            )
            .field("subject", &self.subject)
            .field("revocation_endpoint", &self.revocation_endpoint)
            .finish()
    }
}

/// `--token-store`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StoreChoice {
    #[default]
    Auto,
    Keyring,
    File,
}

/// How long the keyring gets to answer before the file store is used.
const KEYRING_PROBE: Duration = Duration::from_secs(2);

/// Where records go once the store has been decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Keyring,
    Files,
}

/// The store in use, decided at most once per process and shared by clones.
///
/// With `--token-store auto` the keyring is probed only when it is needed: to
/// save a record, to read one the keyring index says it holds, or to list.
/// A bridge to a server that needs no sign-in (or whose record is in the file
/// store) never connects to the Secret Service, which on Linux costs a
/// thread, a D-Bus handshake and about a MiB of resident code.
#[derive(Debug, Clone)]
pub struct TokenStore {
    base: PathBuf,
    files: FileStore,
    backend: Arc<OnceLock<Backend>>,
}

/// Why the token store can't be opened.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("no config directory could be found; set MCP_TETHER_CONFIG_DIR")]
    NoConfigDir,
    /// `--token-store keyring`, and the keyring can't be used.
    #[error("--token-store keyring: {0}")]
    KeyringRequired(#[source] KeyringError),
}

/// mcp-tether's config directory: `MCP_TETHER_CONFIG_DIR`, else the platform's.
pub fn config_dir(env_dir: Option<String>) -> Result<PathBuf, StoreError> {
    match env_dir.filter(|d| !d.is_empty()) {
        Some(d) => Ok(PathBuf::from(d)),
        None => Ok(directories::ProjectDirs::from("", "", "mcp-tether")
            .ok_or(StoreError::NoConfigDir)?
            .config_dir()
            .to_path_buf()),
    }
}

impl TokenStore {
    /// Pick the store: `MCP_TETHER_CONFIG_DIR` (else the platform config dir)
    /// holds the file store, the locks and the keyring's index.
    /// `--token-store keyring` is probed here, so a missing keyring fails at
    /// startup; `auto` waits until the store is first needed.
    pub fn open(env_dir: Option<String>, choice: StoreChoice) -> Result<TokenStore, StoreError> {
        let base = config_dir(env_dir)?;
        let backend = OnceLock::new();
        match choice {
            StoreChoice::Auto => {}
            StoreChoice::File => {
                let _ = backend.set(Backend::Files);
            }
            StoreChoice::Keyring => {
                keyring::probe(KEYRING_PROBE).map_err(StoreError::KeyringRequired)?;
                let _ = backend.set(Backend::Keyring);
            }
        }
        Ok(TokenStore {
            files: FileStore::at(&base.join("tokens")),
            base,
            backend: Arc::new(backend),
        })
    }

    /// The file store only, at `dir` (tests, and `--token-store file`).
    pub fn files_at(base: &Path) -> TokenStore {
        TokenStore {
            base: base.to_path_buf(),
            files: FileStore::at(&base.join("tokens")),
            backend: Arc::new(OnceLock::from(Backend::Files)),
        }
    }

    /// The backend, probing the keyring now if `auto` has not decided yet.
    fn backend(&self) -> Backend {
        *self
            .backend
            .get_or_init(|| match keyring::probe(KEYRING_PROBE) {
                Ok(()) => Backend::Keyring,
                Err(why) => {
                    notice_file_fallback(&self.base, &why.to_string());
                    Backend::Files
                }
            })
    }

    pub fn describe(&self) -> String {
        match self.backend() {
            Backend::Keyring => "the OS keyring".to_string(),
            Backend::Files => format!("file {}", self.files.dir().display()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.base
    }

    /// The lock that serialises sign-in and refresh for `server_url`.
    pub fn lock_path(&self, server_url: &str) -> PathBuf {
        super::lock::path_for(&self.base, &key(server_url))
    }

    pub fn load(&self, server_url: &str) -> Option<Record> {
        // Undecided (`auto`): only a server the keyring index lists can have a
        // keyring record, so anything else is looked up in the file store
        // without waking the keyring.
        let backend = match self.backend.get() {
            Some(b) => *b,
            None if self.read_index().iter().any(|s| s == server_url) => self.backend(),
            None => Backend::Files,
        };
        if backend == Backend::Files {
            return self.files.load(server_url);
        }
        match keyring::load(&key(server_url)) {
            Ok(Some(bytes)) => serde_json::from_slice::<Record>(&bytes)
                .ok()
                .filter(|r| r.server_url == server_url),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!("reading the keyring failed: {e}");
                None
            }
        }
    }

    pub fn save(&self, record: &Record) -> std::io::Result<()> {
        if self.backend() == Backend::Files {
            return self.files.save(record);
        }
        let bytes = serde_json::to_vec(record).map_err(std::io::Error::other)?;
        keyring::save(&key(&record.server_url), &bytes).map_err(std::io::Error::other)?;
        self.update_index(|servers| {
            if !servers.contains(&record.server_url) {
                servers.push(record.server_url.clone());
            }
        })?;
        // A record the file store held from before (auto, when no keyring
        // answered) is superseded: leave no stale token on disk.
        self.files.remove(&record.server_url)
    }

    pub fn remove(&self, server_url: &str) -> std::io::Result<()> {
        if self.read_index().iter().any(|s| s == server_url) && self.backend() == Backend::Keyring {
            keyring::delete(&key(server_url)).map_err(std::io::Error::other)?;
            self.update_index(|servers| servers.retain(|s| s != server_url))?;
        }
        self.files.remove(server_url)
    }

    pub fn list(&self) -> Vec<Record> {
        if self.backend() == Backend::Files {
            return self.files.list();
        }
        self.read_index()
            .iter()
            .filter_map(|server| self.load(server))
            .collect()
    }

    fn index_path(&self) -> PathBuf {
        self.base.join("keyring-index.json")
    }

    fn read_index(&self) -> Vec<String> {
        std::fs::read(self.index_path())
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default()
    }

    fn update_index(&self, change: impl FnOnce(&mut Vec<String>)) -> std::io::Result<()> {
        let mut servers = self.read_index();
        change(&mut servers);
        create_private_dir(&self.base)?;
        write_atomically(&self.index_path(), &serde_json::to_vec_pretty(&servers)?)
    }
}

/// Tell the person once per machine that tokens go to a file, and why.
fn notice_file_fallback(base: &Path, why: &str) {
    let marker = base.join(".file-store-notice");
    if marker.exists() {
        tracing::debug!("no OS keyring ({why}); using the file store");
        return;
    }
    crate::say::say(format!(
        "mcp-tether: no OS keyring is available here ({why}); tokens are kept in {} (readable only by you). Pass --token-store file to make that the choice. This notice is shown once.",
        base.join("tokens").display()
    ));
    if create_private_dir(base).is_ok() {
        let _ = std::fs::write(marker, b"");
    }
}

/// A record's name in the keyring and in lock file names: a hash of the
/// server URL, so neither reveals which servers are used.
pub fn key(server_url: &str) -> String {
    let digest = Sha256::digest(server_url.as_bytes());
    digest[..12].iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

impl FileStore {
    pub fn at(dir: &Path) -> FileStore {
        FileStore {
            dir: dir.to_path_buf(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path_for(&self, server_url: &str) -> PathBuf {
        self.dir.join(format!("{}.json", key(server_url)))
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
        let bytes = serde_json::to_vec_pretty(record).map_err(std::io::Error::other)?;
        write_atomically(&self.path_for(&record.server_url), &bytes)
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
                id_token: None,
                dpop_bound: false,
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
