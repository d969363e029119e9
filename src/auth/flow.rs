//! Which grant to use: the browser, the device flow (RFC 8628), or one of
//! the grants with no person signing in (client credentials, a workload's
//! JWT bearer assertion, enterprise-managed authorization), and why. Hosts strip the environment (see
//! docs/flow-selection.md), so "no DISPLAY" alone doesn't mean headless.

use std::path::Path;

use super::discovery::ServerMetadata;

/// What the person asked for with `--flow`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flow {
    #[default]
    Auto,
    Browser,
    Device,
    ClientCredentials,
    /// RFC 7523 with a workload's own assertion (SEP-1933).
    JwtBearer,
    /// SEP-990: an ID-JAG from the enterprise IdP (RFC 8693), then RFC 7523.
    Enterprise,
}

impl Flow {
    /// Whether a person takes part: the browser or the device flow (and
    /// `auto`, which picks one of them). The others run unattended: never
    /// in the sign-in helper, never throttled like a person's sign-in.
    pub fn involves_person(self) -> bool {
        matches!(self, Flow::Auto | Flow::Browser | Flow::Device)
    }
}

/// The grant that will run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    Browser,
    Device,
    ClientCredentials,
    JwtBearer,
    Enterprise,
}

impl Grant {
    /// As `--flow` spells it (and `doctor --json`).
    pub fn as_flag(self) -> &'static str {
        match self {
            Grant::Browser => "browser",
            Grant::Device => "device",
            Grant::ClientCredentials => "client-credentials",
            Grant::JwtBearer => "jwt-bearer",
            Grant::Enterprise => "enterprise",
        }
    }

    /// Whether the grant goes through the authorization endpoint (and so
    /// needs PKCE): the browser, and the device flow's fallback to it.
    pub fn involves_person(self) -> bool {
        matches!(self, Grant::Browser | Grant::Device)
    }
}

/// In a sentence: "signing in with the client credentials flow".
impl std::fmt::Display for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Grant::ClientCredentials => "client credentials",
            Grant::JwtBearer => "JWT bearer (workload identity)",
            Grant::Enterprise => "enterprise-managed (ID-JAG)",
            other => other.as_flag(),
        })
    }
}

/// Pick the grant. The unattended grants only when asked for, never silently.
pub fn choose(requested: Flow, no_browser: Option<&str>, md: &ServerMetadata) -> (Grant, String) {
    match requested {
        Flow::Browser => (Grant::Browser, "--flow browser".into()),
        Flow::Device => (Grant::Device, "--flow device".into()),
        Flow::ClientCredentials => (Grant::ClientCredentials, "--flow client-credentials".into()),
        Flow::JwtBearer => (Grant::JwtBearer, "--flow jwt-bearer".into()),
        Flow::Enterprise => (Grant::Enterprise, "--flow enterprise".into()),
        Flow::Auto => match (no_browser, md.device_authorization_endpoint.is_some()) {
            (Some(why), true) => (
                Grant::Device,
                format!(
                    "no browser can be opened here ({why}) and the server offers the device flow"
                ),
            ),
            (Some(why), false) => (
                Grant::Browser,
                format!(
                    "no browser can be opened here ({why}), but the server has no device flow: open the URL on any machine, or use `mcp-tether login --paste`"
                ),
            ),
            (None, _) => (Grant::Browser, "a browser can be opened here".into()),
        },
    }
}

/// What this machine says about opening a browser here: the environment,
/// read once at start, and the process tree and the display sockets, looked
/// at only when a sign-in needs to know (a start with a valid token never
/// does, so it never walks /proc).
#[derive(Debug, Clone)]
pub struct Surroundings {
    ssh_env: bool,
    display_env: bool,
    root: std::path::PathBuf,
    verdict: std::sync::Arc<std::sync::OnceLock<Option<String>>>,
}

impl Default for Surroundings {
    /// A machine where a browser can be opened.
    fn default() -> Self {
        Surroundings {
            ssh_env: false,
            display_env: true,
            root: std::path::PathBuf::from("/"),
            verdict: std::sync::Arc::new(std::sync::OnceLock::from(None)),
        }
    }
}

impl Surroundings {
    /// Read the environment now; `root` is where /proc, /tmp and /run are
    /// (a temp dir in tests).
    pub fn read(env: &dyn Fn(&str) -> Option<String>, root: &Path) -> Surroundings {
        let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
        Surroundings {
            ssh_env: set("SSH_CONNECTION") || set("SSH_TTY"),
            display_env: set("DISPLAY") || set("WAYLAND_DISPLAY"),
            root: root.to_path_buf(),
            verdict: std::sync::Arc::default(),
        }
    }

    /// Why no browser can be opened here (None: one can).
    pub fn no_browser(&self) -> Option<&str> {
        self.verdict
            .get_or_init(|| {
                if self.ssh_env {
                    return Some("this is an SSH session".into());
                }
                if cfg!(target_os = "linux") {
                    // Hosts often strip SSH_*; an sshd among our ancestors survives that.
                    if has_sshd_ancestor(&self.root) {
                        return Some("this process runs under sshd".into());
                    }
                    if !self.display_env && !display_server_running(&self.root) {
                        return Some(
                            "no DISPLAY or WAYLAND_DISPLAY, and no display server is running"
                                .into(),
                        );
                    }
                }
                None
            })
            .as_deref()
    }
}

/// Why no browser can be opened on this machine, or None when one can.
/// `env` reads environment variables; `root` is `/` (tests pass a fake tree).
pub fn no_browser_reason(env: &dyn Fn(&str) -> Option<String>, root: &Path) -> Option<String> {
    Surroundings::read(env, root)
        .no_browser()
        .map(str::to_string)
}

/// An X11 or Wayland socket exists: a desktop is running even if the host
/// stripped DISPLAY from our environment.
fn display_server_running(root: &Path) -> bool {
    let has_entry = |dir: &Path, prefix: &str| {
        std::fs::read_dir(dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with(prefix))
        })
    };
    if has_entry(&root.join("tmp/.X11-unix"), "X") {
        return true;
    }
    std::fs::read_dir(root.join("run/user"))
        .is_ok_and(|users| users.flatten().any(|u| has_entry(&u.path(), "wayland-")))
}

/// Walk /proc from our parent upwards looking for `sshd`.
#[cfg(not(target_os = "linux"))]
fn has_sshd_ancestor(_root: &Path) -> bool {
    false
}

#[cfg(target_os = "linux")]
fn has_sshd_ancestor(root: &Path) -> bool {
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..64 {
        if pid <= 1 {
            return false;
        }
        let Ok(stat) = std::fs::read_to_string(root.join(format!("proc/{pid}/stat"))) else {
            return false;
        };
        // "pid (comm) state ppid …"; comm may contain spaces and parentheses.
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else {
            return false;
        };
        let comm = &stat[open + 1..close];
        if comm == "sshd" || comm.starts_with("sshd-") || comm.starts_with("sshd:") {
            return true;
        }
        let Some(ppid) = stat[close + 1..]
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
        else {
            return false;
        };
        pid = ppid;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(device: bool) -> ServerMetadata {
        ServerMetadata {
            device_authorization_endpoint: device.then(|| "https://as.example/device".into()),
            ..ServerMetadata::default()
        }
    }

    #[test]
    fn auto_picks_device_only_without_a_browser_and_with_server_support() {
        assert_eq!(choose(Flow::Auto, Some("ssh"), &md(true)).0, Grant::Device);
        assert_eq!(
            choose(Flow::Auto, Some("ssh"), &md(false)).0,
            Grant::Browser
        );
        assert_eq!(choose(Flow::Auto, None, &md(true)).0, Grant::Browser);
        assert_eq!(choose(Flow::Device, None, &md(false)).0, Grant::Device);
        assert_eq!(
            choose(Flow::ClientCredentials, None, &md(true)).0,
            Grant::ClientCredentials
        );
        assert_eq!(
            choose(Flow::JwtBearer, Some("ssh"), &md(true)).0,
            Grant::JwtBearer
        );
        assert_eq!(
            choose(Flow::Enterprise, None, &md(true)).0,
            Grant::Enterprise
        );
    }

    #[test]
    fn auto_never_picks_a_grant_without_a_person() {
        // Whatever the server offers, `auto` means a person signs in.
        let all = ServerMetadata {
            device_authorization_endpoint: Some("https://as.example/device".into()),
            grant_types_supported: Some(vec![
                "client_credentials".into(),
                "urn:ietf:params:oauth:grant-type:jwt-bearer".into(),
            ]),
            ..ServerMetadata::default()
        };
        for no_browser in [None, Some("ssh")] {
            assert!(choose(Flow::Auto, no_browser, &all).0.involves_person());
        }
        assert!(Flow::Auto.involves_person());
        for f in [Flow::ClientCredentials, Flow::JwtBearer, Flow::Enterprise] {
            assert!(!f.involves_person(), "{f:?}");
        }
    }

    #[test]
    fn ssh_variables_mean_no_browser() {
        let empty = tempfile::tempdir().unwrap();
        let ssh = |n: &str| (n == "SSH_CONNECTION").then(|| "10.0.0.1 5 10.0.0.2 22".to_string());
        assert!(no_browser_reason(&ssh, empty.path()).is_some());
        let desktop = |n: &str| (n == "DISPLAY").then(|| ":0".to_string());
        assert!(no_browser_reason(&desktop, empty.path()).is_none());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_running_display_server_counts_even_without_display() {
        let root = tempfile::tempdir().unwrap();
        let nothing = |_: &str| None;
        assert!(no_browser_reason(&nothing, root.path()).is_some());
        std::fs::create_dir_all(root.path().join("tmp/.X11-unix")).unwrap();
        std::fs::write(root.path().join("tmp/.X11-unix/X0"), "").unwrap();
        assert!(no_browser_reason(&nothing, root.path()).is_none());
    }
}
