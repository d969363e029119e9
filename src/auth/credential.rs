//! A credential read again at each use, from a file or an environment
//! variable: a workload's JWT (`--assertion-file`/`--assertion-env`), a
//! person's ID token (`--id-token-file`/`--id-token-env`). Its own leaf
//! module: the errors name where it was read from, and everything that
//! reads one reports them.

use std::io::Read;
use std::path::PathBuf;

/// Larger than any JWT a workload is given; a bigger file is not one.
const MAX_CREDENTIAL_BYTES: u64 = 64 * 1024;

/// Where a credential that rotates is read from, at each use: a file
/// (`--assertion-file`, `--id-token-file`) or an environment variable
/// (`--assertion-env`, `--id-token-env`). The flag is kept for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CredentialSource {
    File { flag: &'static str, path: PathBuf },
    Env { flag: &'static str, var: String },
}

/// As the person wrote it: `--assertion-file /var/run/secrets/token`.
impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::File { flag, path } => write!(f, "{flag} {}", path.display()),
            CredentialSource::Env { flag, var } => write!(f, "{flag} {var}"),
        }
    }
}

impl CredentialSource {
    /// The flag it came from: `--assertion-file`, `--id-token-env`…
    pub fn flag(&self) -> &'static str {
        match self {
            CredentialSource::File { flag, .. } | CredentialSource::Env { flag, .. } => flag,
        }
    }

    /// Read it now (surrounding whitespace dropped). `what` names it in the
    /// error: "the assertion", "the ID token". The value is a secret: it
    /// goes nowhere but the request.
    pub fn read(&self, what: &'static str) -> Result<String, CredentialUnreadable> {
        let fail = |why| CredentialUnreadable {
            what,
            from: self.clone(),
            why,
        };
        let raw = match self {
            CredentialSource::File { path, .. } => {
                let mut text = String::new();
                std::fs::File::open(path)
                    .and_then(|f| f.take(MAX_CREDENTIAL_BYTES + 1).read_to_string(&mut text))
                    .map_err(|e| fail(CredentialReadError::Io(e)))?;
                if text.len() as u64 > MAX_CREDENTIAL_BYTES {
                    return Err(fail(CredentialReadError::TooLarge {
                        limit: MAX_CREDENTIAL_BYTES,
                    }));
                }
                text
            }
            CredentialSource::Env { var, .. } => std::env::var(var).map_err(|e| {
                fail(match e {
                    std::env::VarError::NotPresent => CredentialReadError::Unset,
                    std::env::VarError::NotUnicode(_) => CredentialReadError::NotText,
                })
            })?,
        };
        let value = raw.trim();
        if value.is_empty() {
            return Err(fail(CredentialReadError::Empty));
        }
        Ok(value.to_string())
    }
}

/// A credential that could not be read: what it is, where from, and why.
#[derive(Debug, thiserror::Error)]
#[error("cannot read {what} from {from}: {why}")]
pub struct CredentialUnreadable {
    /// "the workload's assertion", "the ID token".
    pub what: &'static str,
    pub from: CredentialSource,
    pub why: CredentialReadError,
}

/// Why a credential from a file or an environment variable is not there.
#[derive(Debug, thiserror::Error)]
pub enum CredentialReadError {
    #[error("{0}")]
    Io(std::io::Error),
    #[error("it is empty")]
    Empty,
    #[error("that environment variable is not set")]
    Unset,
    #[error("it is not UTF-8 text")]
    NotText,
    #[error("it is larger than {limit} bytes, so not a token")]
    TooLarge { limit: u64 },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_read_at_each_use_so_a_rotated_token_is_picked_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let source = CredentialSource::File {
            flag: "--assertion-file",
            path: path.clone(),
        };
        std::fs::write(&path, "first.jwt.value\n").unwrap();
        assert_eq!(source.read("the assertion").unwrap(), "first.jwt.value");
        std::fs::write(&path, "second.jwt.value").unwrap();
        assert_eq!(source.read("the assertion").unwrap(), "second.jwt.value");
    }

    #[test]
    fn a_missing_empty_or_huge_file_is_a_clear_error_without_the_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        let source = CredentialSource::File {
            flag: "--assertion-file",
            path: path.clone(),
        };
        let missing = source.read("the assertion").unwrap_err().to_string();
        assert!(
            missing.starts_with("cannot read the assertion from --assertion-file "),
            "{missing}"
        );
        std::fs::write(&path, "  \n").unwrap();
        let empty = source.read("the assertion").unwrap_err();
        assert!(matches!(empty.why, CredentialReadError::Empty));
        std::fs::write(&path, "x".repeat(70 * 1024)).unwrap();
        let huge = source.read("the assertion").unwrap_err();
        assert!(matches!(huge.why, CredentialReadError::TooLarge { .. }));
        assert!(!huge.to_string().contains("xxxx"), "{huge}");
    }

    #[test]
    fn an_unset_variable_says_so() {
        let source = CredentialSource::Env {
            flag: "--assertion-env",
            var: "MCP_TETHER_TEST_SURELY_UNSET_ASSERTION".into(),
        };
        assert_eq!(
            source.read("the assertion").unwrap_err().to_string(),
            "cannot read the assertion from --assertion-env MCP_TETHER_TEST_SURELY_UNSET_ASSERTION: that environment variable is not set"
        );
    }
}
