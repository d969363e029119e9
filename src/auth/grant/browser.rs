//! Sending the person to the authorization page: always print the URL on
//! stderr, and open a browser unless told not to. `$BROWSER` wins over the
//! system opener (`xdg-open`, `gio`… as the `open` crate lists them).
//!
//! Hosts strip the environment of the servers they start (Codex and the
//! SDK's default pass little more than HOME and PATH): on a running desktop
//! the launcher then has no `DISPLAY` and fails. When this user's display
//! server is there anyway, the launcher (and only it) gets the variables
//! back; see [`desktop_env`]. A launcher that fails is reported, so the
//! caller can fall back to the device flow or show the URL elsewhere.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

/// How long a launcher may run before it counts as started: `xdg-open`
/// returns at once when it handed the URL over, but may also stay with a
/// browser it started itself.
const LAUNCH_WAIT: Duration = Duration::from_secs(3);

/// What came of trying to open a browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Launch {
    /// A launcher took the URL (or is still running).
    Started,
    /// Not tried: `--no-browser`, `--paste`.
    NotTried,
    /// Every launcher failed; why, for the person.
    Failed(String),
}

/// Try to open `url` in the person's browser (the caller has shown it to
/// them already). Never writes to stdout: the launcher's output is discarded.
pub async fn send_person_to(url: &str, open_browser: bool) -> Launch {
    if !open_browser {
        return Launch::NotTried;
    }
    let env = restored_env();
    if !env.is_empty() {
        let names: Vec<&str> = env.iter().map(|(k, _)| *k).collect();
        tracing::info!(
            "the host hid the desktop from this process; giving the browser launcher {}",
            names.join(", ")
        );
    }
    let mut tried = Vec::new();
    let browser_var = std::env::var("BROWSER")
        .ok()
        .filter(|l| !l.trim().is_empty());
    let commands: Vec<std::process::Command> = match &browser_var {
        // $BROWSER is a ':'-separated list of commands; `%s` marks the URL.
        Some(list) => list
            .split(':')
            .filter_map(|template| browser_command(template, url))
            .collect(),
        None => open::commands(url),
    };
    for mut cmd in commands {
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        let program = cmd.get_program().to_string_lossy().into_owned();
        match launch(cmd).await {
            Ok(()) => return Launch::Started,
            Err(why) => {
                tracing::debug!("browser launcher {program}: {why}");
                tried.push(format!("{program}: {why}"));
            }
        }
    }
    let why = if tried.is_empty() {
        "no browser launcher found".to_string()
    } else {
        tried.join("; ")
    };
    tracing::warn!("could not open a browser ({why})");
    Launch::Failed(why)
}

/// Start one launcher; a non-zero exit within [`LAUNCH_WAIT`] is a failure.
async fn launch(cmd: std::process::Command) -> Result<(), String> {
    let mut cmd = tokio::process::Command::from(cmd);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(false);
    let mut child = cmd.spawn().map_err(|e| e.to_string())?;
    match tokio::time::timeout(LAUNCH_WAIT, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("exited with {status}")),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => {
            // Still running: the browser it started, most likely. Reap it
            // in the background so it never lingers as a zombie.
            tokio::spawn(async move {
                let _ = child.wait().await;
            });
            Ok(())
        }
    }
}

fn browser_command(template: &str, url: &str) -> Option<std::process::Command> {
    let mut words: Vec<String> = template.split_whitespace().map(str::to_string).collect();
    if words.is_empty() {
        return None;
    }
    if words.iter().any(|w| w.contains("%s")) {
        for w in &mut words {
            *w = w.replace("%s", url);
        }
    } else {
        words.push(url.to_string());
    }
    let mut cmd = std::process::Command::new(&words[0]);
    cmd.args(&words[1..]);
    Some(cmd)
}

/// The desktop variables this process lacks and the launcher needs.
fn restored_env() -> Vec<(&'static str, String)> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(uid) = std::fs::metadata("/proc/self").map(|m| m.uid()) else {
            return Vec::new();
        };
        desktop_env(&|k| std::env::var(k).ok(), Path::new("/"), uid)
    }
    #[cfg(not(target_os = "linux"))]
    {
        Vec::new()
    }
}

/// When the host stripped `DISPLAY` and `WAYLAND_DISPLAY` but a display
/// server of user `uid` is running, what a browser launcher needs to reach
/// it: `WAYLAND_DISPLAY` (and `XDG_RUNTIME_DIR`) for a Wayland socket in the
/// runtime dir, `DISPLAY=:N` for an X11 socket `/tmp/.X11-unix/XN`, both
/// only for sockets this user owns (another user's session is not ours to
/// open windows on), and `DBUS_SESSION_BUS_ADDRESS` for the session bus
/// (portals and default-browser lookups use it). `root` is `/` (tests pass
/// a fake tree).
pub fn desktop_env(
    env: &dyn Fn(&str) -> Option<String>,
    root: &Path,
    uid: u32,
) -> Vec<(&'static str, String)> {
    let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
    if set("DISPLAY") || set("WAYLAND_DISPLAY") {
        return Vec::new();
    }
    let mut out = Vec::new();
    let runtime_dir = env("XDG_RUNTIME_DIR")
        .filter(|d| !d.is_empty())
        .map(|d| root.join(d.trim_start_matches('/')))
        .unwrap_or_else(|| root.join(format!("run/user/{uid}")));
    let runtime_shown = || {
        env("XDG_RUNTIME_DIR")
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| format!("/run/user/{uid}"))
    };
    if let Some(name) = own_sockets(&runtime_dir, uid)
        .into_iter()
        .find(|n| n.starts_with("wayland-") && !n.ends_with(".lock"))
    {
        out.push(("WAYLAND_DISPLAY", name));
        if !set("XDG_RUNTIME_DIR") {
            out.push(("XDG_RUNTIME_DIR", runtime_shown()));
        }
    }
    let mut displays: Vec<u32> = own_sockets(&root.join("tmp/.X11-unix"), uid)
        .into_iter()
        .filter_map(|n| n.strip_prefix('X')?.parse().ok())
        .collect();
    displays.sort_unstable();
    if let Some(n) = displays.first() {
        out.push(("DISPLAY", format!(":{n}")));
    }
    if !out.is_empty() && !set("DBUS_SESSION_BUS_ADDRESS") && runtime_dir.join("bus").exists() {
        out.push((
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/bus", runtime_shown()),
        ));
    }
    out
}

/// Names of the live sockets in `dir` owned by `uid`.
fn own_sockets(dir: &Path, uid: u32) -> Vec<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| {
                e.metadata()
                    .is_ok_and(|m| m.file_type().is_socket() && m.uid() == uid)
                    // A server that crashed leaves its socket behind: only
                    // one that accepts a connection is running.
                    && std::os::unix::net::UnixStream::connect(e.path()).is_ok()
            })
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect()
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, uid);
        Vec::new()
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::net::UnixListener;

    fn uid() -> u32 {
        std::fs::metadata("/proc/self").unwrap().uid()
    }

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn a_stripped_environment_gets_this_users_display_back() {
        let root = tempfile::tempdir().unwrap();
        let uid = uid();
        let x11 = root.path().join("tmp/.X11-unix");
        let run = root.path().join(format!("run/user/{uid}"));
        std::fs::create_dir_all(&x11).unwrap();
        std::fs::create_dir_all(&run).unwrap();
        let _x = UnixListener::bind(x11.join("X1")).unwrap();
        let _w = UnixListener::bind(run.join("wayland-0")).unwrap();
        std::fs::write(run.join("wayland-0.lock"), b"").unwrap();
        let _b = UnixListener::bind(run.join("bus")).unwrap();
        // A file named like a socket is not one; a socket nobody listens
        // on any more (a crashed server's) is not a display.
        std::fs::write(x11.join("X0"), b"").unwrap();
        drop(UnixListener::bind(x11.join("X2")).unwrap());

        let env = desktop_env(&lookup(&[("HOME", "/h")]), root.path(), uid);
        let got: HashMap<_, _> = env.into_iter().collect();
        assert_eq!(got["DISPLAY"], ":1");
        assert_eq!(got["WAYLAND_DISPLAY"], "wayland-0");
        assert_eq!(got["XDG_RUNTIME_DIR"], format!("/run/user/{uid}"));
        assert_eq!(
            got["DBUS_SESSION_BUS_ADDRESS"],
            format!("unix:path=/run/user/{uid}/bus")
        );

        // Nothing to restore when the host passed a display.
        assert!(desktop_env(&lookup(&[("DISPLAY", ":0")]), root.path(), uid).is_empty());
        // Another user's sockets are not ours.
        assert!(desktop_env(&lookup(&[]), root.path(), uid + 1).is_empty());
    }

    #[test]
    fn no_display_server_no_variables() {
        let root = tempfile::tempdir().unwrap();
        assert!(desktop_env(&lookup(&[]), root.path(), uid()).is_empty());
    }

    #[tokio::test]
    async fn a_failing_launcher_is_reported() {
        assert_eq!(launch(std::process::Command::new("true")).await, Ok(()));
        assert!(launch(std::process::Command::new("false")).await.is_err());
        assert!(
            launch(std::process::Command::new("/nonexistent/browser"))
                .await
                .is_err()
        );
    }
}
