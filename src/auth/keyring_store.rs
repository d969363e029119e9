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

/// Connect to the platform's keyring and check it answers, within `timeout`
/// (Secret Service can hang on a headless box, a locked Keychain over SSH can
/// wait for a prompt). On success the store is installed for the process.
pub fn probe(timeout: Duration) -> Result<(), String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(install_and_check());
    });
    match rx.recv_timeout(timeout) {
        Ok(result) => result,
        Err(_) => Err(format!(
            "the keyring did not answer within {} s",
            timeout.as_secs()
        )),
    }
}

fn install_and_check() -> Result<(), String> {
    install_platform_store()?;
    let entry = Entry::new(SERVICE, "probe").map_err(|e| e.to_string())?;
    match entry.get_secret() {
        Ok(_) | Err(Error::NoEntry) => Ok(()),
        Err(e) => Err(e.to_string()),
    }
}

#[cfg(all(
    unix,
    not(any(target_os = "macos", target_os = "ios", target_os = "android"))
))]
fn install_platform_store() -> Result<(), String> {
    let store = zbus_secret_service_keyring_store::Store::new()
        .map_err(|e| format!("no Secret Service ({e})"))?;
    keyring_core::set_default_store(store);
    Ok(())
}

#[cfg(target_os = "macos")]
fn install_platform_store() -> Result<(), String> {
    let store = apple_native_keyring_store::keychain::Store::new()
        .map_err(|e| format!("no Keychain ({e})"))?;
    keyring_core::set_default_store(store);
    Ok(())
}

#[cfg(windows)]
fn install_platform_store() -> Result<(), String> {
    let store = windows_native_keyring_store::Store::new()
        .map_err(|e| format!("no Credential Manager ({e})"))?;
    keyring_core::set_default_store(store);
    Ok(())
}

#[cfg(not(any(unix, windows)))]
fn install_platform_store() -> Result<(), String> {
    Err("no keyring on this platform".into())
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

fn entry(key: &str, part: usize) -> Result<Entry, String> {
    Entry::new(SERVICE, &user(key, part)).map_err(|e| e.to_string())
}

pub fn save(key: &str, bytes: &[u8]) -> Result<(), String> {
    let old_parts = part_count(key).unwrap_or(0);
    let pieces = split(bytes);
    // Parts first, head last: a reader never sees a head without its parts.
    for (i, piece) in pieces.iter().enumerate().skip(1) {
        entry(key, i)?
            .set_secret(piece)
            .map_err(|e| e.to_string())?;
    }
    entry(key, 0)?
        .set_secret(&pieces[0])
        .map_err(|e| e.to_string())?;
    for stale in pieces.len()..=old_parts {
        if stale > 0 {
            let _ =
                entry(key, stale).and_then(|e| e.delete_credential().map_err(|e| e.to_string()));
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

pub fn load(key: &str) -> Result<Option<Vec<u8>>, String> {
    let head = match entry(key, 0)?.get_secret() {
        Ok(h) => h,
        Err(Error::NoEntry) => return Ok(None),
        Err(e) => return Err(e.to_string()),
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
        bytes.extend(entry(key, i)?.get_secret().map_err(|e| e.to_string())?);
    }
    Ok(Some(bytes))
}

pub fn delete(key: &str) -> Result<(), String> {
    let parts = part_count(key).unwrap_or(0);
    for i in (0..=parts).rev() {
        match entry(key, i)?.delete_credential() {
            Ok(()) | Err(Error::NoEntry) => {}
            Err(e) => return Err(e.to_string()),
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
