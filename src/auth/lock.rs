//! One sign-in or refresh at a time per server, across processes: hosts start
//! several bridges for the same server at once, and two processes refreshing
//! with the same rotating refresh token get the grant revoked by strict
//! servers. An exclusive lock on a file (the OS's `flock`/`LockFileEx`, through
//! std's `File::lock`) is released by the OS when its process dies, so a
//! crashed bridge never blocks the others.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Held while a process signs in or refreshes; released on drop.
pub struct RecordLock {
    _file: File,
}

/// Take the lock on `path` if nobody holds it (`None`: somebody does).
pub fn try_acquire(path: &Path) -> std::io::Result<Option<RecordLock>> {
    let file = open(path)?;
    match file.try_lock() {
        Ok(()) => Ok(Some(RecordLock { _file: file })),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e),
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    // Private like the token files: a lock's name says which server is used.
    if let Some(dir) = path.parent() {
        super::private_files::create_private_dir(dir)?;
    }
    let mut opts = OpenOptions::new();
    opts.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(path)
}

/// Wait (asynchronously) for the lock on `path`, at most `timeout`.
pub async fn acquire(path: &Path, timeout: Duration) -> std::io::Result<RecordLock> {
    let file = open(path)?;
    let deadline = tokio::time::Instant::now() + timeout;
    let mut told = false;
    loop {
        match file.try_lock() {
            Ok(()) => return Ok(RecordLock { _file: file }),
            Err(TryLockError::WouldBlock) => {
                if !told {
                    tracing::info!(
                        "another mcp-tether is signing in to this server; waiting for it"
                    );
                    told = true;
                }
                if tokio::time::Instant::now() >= deadline {
                    return Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "another mcp-tether process kept the sign-in lock",
                    ));
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(TryLockError::Error(e)) => return Err(e),
        }
    }
}

/// The lock file for a record key.
pub fn path_for(dir: &Path, key: &str) -> PathBuf {
    dir.join("locks").join(format!("{key}.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn second_holder_waits_and_times_out() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_for(dir.path(), "k");
        let held = acquire(&path, Duration::from_secs(1)).await.unwrap();
        let err = acquire(&path, Duration::from_millis(300))
            .await
            .err()
            .unwrap();
        assert_eq!(err.kind(), std::io::ErrorKind::TimedOut);
        drop(held);
        acquire(&path, Duration::from_millis(300)).await.unwrap();
    }
}
