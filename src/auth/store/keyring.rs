//! Records in the OS keyring: macOS Keychain, Windows Credential Manager,
//! Secret Service on Linux. A record is JSON; platforms cap a credential's
//! size (Windows: 2560 bytes) and JWTs are big, so long records are split
//! across several entries. The keyring can't be listed, so the server URLs
//! it holds are kept in a small index file (no secrets in it).

use std::sync::mpsc;
use std::time::Duration;

use keyring_core::{Entry, Error};

/// Service name of every entry.
const SERVICE: &str = "mcp-tether";
/// Bytes per entry: under Windows' 2560-byte credential limit.
pub const CHUNK_BYTES: usize = 2048;
/// A head entry that says the record is split, and into how many parts.
const SPLIT_MARK: &str = "mcp-tether-split:";

/// Why the keyring can't be used, or failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum KeyringError {
    /// No keyring service could be reached (no Secret Service on the bus, no
    /// Keychain, no Credential Manager, or none on this platform).
    #[error("no {what} ({cause})")]
    Unavailable { what: &'static str, cause: String },
    /// It did not answer in time (a headless Secret Service, a locked
    /// Keychain waiting for a prompt).
    #[error("the keyring did not answer within {} s", .0.as_secs())]
    NoAnswer(Duration),
    /// The keyring answered with an error.
    #[error("{0}")]
    Failed(String),
}

impl From<Error> for KeyringError {
    fn from(e: Error) -> Self {
        KeyringError::Failed(e.to_string())
    }
}

/// Connect to the platform's keyring and check it answers, within `timeout`
/// (Secret Service can hang on a headless box, a locked Keychain over SSH can
/// wait for a prompt). On success the store is installed for the process.
pub fn probe(timeout: Duration) -> Result<(), KeyringError> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(install_and_check());
    });
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(_) => Err(KeyringError::NoAnswer(timeout)),
    }
}

fn install_and_check() -> Result<(), KeyringError> {
    install_platform_store()?;
    let entry = Entry::new(SERVICE, "probe")?;
    match entry.get_secret() {
        Ok(_) | Err(Error::NoEntry) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn install_platform_store() -> Result<(), KeyringError> {
    let store =
        zbus_secret_service_keyring_store::Store::new().map_err(|e| KeyringError::Unavailable {
            what: "Secret Service",
            cause: e.to_string(),
        })?;
    keyring_core::set_default_store(store);
    Ok(())
}

#[cfg(target_os = "macos")]
fn install_platform_store() -> Result<(), KeyringError> {
    let store = apple_native_keyring_store::keychain::Store::new().map_err(|e| {
        KeyringError::Unavailable {
            what: "Keychain",
            cause: e.to_string(),
        }
    })?;
    keyring_core::set_default_store(store);
    Ok(())
}

#[cfg(windows)]
fn install_platform_store() -> Result<(), KeyringError> {
    let store =
        windows_native_keyring_store::Store::new().map_err(|e| KeyringError::Unavailable {
            what: "Credential Manager",
            cause: e.to_string(),
        })?;
    keyring_core::set_default_store(store);
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn install_platform_store() -> Result<(), KeyringError> {
    Err(KeyringError::Unavailable {
        what: "keyring",
        cause: "none on this platform".into(),
    })
}

/// The entries a record of `bytes` is stored in: one, or a head plus parts.
pub fn split(bytes: &[u8]) -> Vec<Vec<u8>> {
    if bytes.len() <= CHUNK_BYTES {
        return vec![bytes.to_vec()];
    }
    let parts: Vec<Vec<u8>> = bytes.chunks(CHUNK_BYTES).map(<[u8]>::to_vec).collect();
    let mut out = vec![format!("{SPLIT_MARK}{}", parts.len()).into_bytes()];
    out.extend(parts);
    out
}

fn user(key: &str, part: usize) -> String {
    if part == 0 {
        key.to_string()
    } else {
        format!("{key}.{part}")
    }
}

fn entry(key: &str, part: usize) -> Result<Entry, KeyringError> {
    Ok(Entry::new(SERVICE, &user(key, part))?)
}

pub fn save(key: &str, bytes: &[u8]) -> Result<(), KeyringError> {
    let old_parts = part_count(key).unwrap_or(0);
    let pieces = split(bytes);
    // Parts first, head last: a reader never sees a head without its parts.
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        entry(key, i)?.set_secret(piece)?;
    }
    entry(key, 0)?.set_secret(&pieces[0])?;
    for stale in pieces.len()..=old_parts {
        if stale > 0 {
            let _ =
                entry(key, stale).and_then(|e| e.delete_credential().map_err(KeyringError::from));
        }
    }
    Ok(())
}

/// How many parts the stored record has (0: not split). None: nothing stored.
fn part_count(key: &str) -> Option<usize> {
    let head = entry(key, 0).ok()?.get_secret().ok()?;
    Some(
        std::str::from_utf8(&head)
            .ok()
            .and_then(|h| h.strip_prefix(SPLIT_MARK))
            .and_then(|n| n.parse().ok())
            .unwrap_or(0),
    )
}

pub fn load(key: &str) -> Result<Option<Vec<u8>>, KeyringError> {
    let head = match entry(key, 0)?.get_secret() {
        Ok(h) => h,
        Err(Error::NoEntry) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let Some(n) = std::str::from_utf8(&head)
        .ok()
        .and_then(|h| h.strip_prefix(SPLIT_MARK))
        .and_then(|n| n.parse::<usize>().ok())
    else {
        return Ok(Some(head));
    };
    let mut bytes = Vec::new();
    for i in 1..=n {
        bytes.extend(entry(key, i)?.get_secret()?);
    }
    Ok(Some(bytes))
}

pub fn delete(key: &str) -> Result<(), KeyringError> {
    let parts = part_count(key).unwrap_or(0);
    for i in (0..=parts).rev() {
        match entry(key, i)?.delete_credential() {
            Ok(()) | Err(Error::NoEntry) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_records_are_split_and_reassembled() {
        // keyring-core's mock store stands in for the platform here; the real
        // Secret Service is exercised by the integration tests.
        keyring_core::set_default_store(keyring_core::mock::Store::new().unwrap());
        let big: Vec<u8> = (0..9000u32).map(|i| b'a' + (i % 26) as u8).collect();
        save("k1", &big).unwrap();
        assert_eq!(load("k1").unwrap().unwrap(), big);
        assert!(split(&big).iter().all(|p| p.len() <= CHUNK_BYTES));
        // Shrinking removes the parts no longer needed.
        save("k1", b"small").unwrap();
        assert_eq!(load("k1").unwrap().unwrap(), b"small");
        assert_eq!(part_count("k1"), Some(0));
        delete("k1").unwrap();
        assert_eq!(load("k1").unwrap(), None);
    }
}
