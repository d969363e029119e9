//! A Linux desktop whose host hid it: a real X server (Debian's Xvfb), a
//! browser registered as the default the way desktops do it (a `.desktop`
//! file and `mimeapps.list` in HOME, found by Debian's real `xdg-open`), and
//! the bridge started with exactly the environment Codex and the SDK's
//! default give a stdio server (no DISPLAY, no BROWSER, no D-Bus address;
//! see shared/notes/host-environments.md). The browser, like a real one,
//! can't start without a display.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::oauth::{Lab, count, whoami};
use crate::support::{Bridge, codex_env};

const LAB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab");

/// An Xvfb display, stopped when dropped.
struct Display {
    child: Child,
    number: u32,
}

impl Display {
    fn start() -> Display {
        // A display number nobody uses (tests run in parallel).
        let number = (90..140)
            .find(|n| !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists())
            .expect("a free X display number");
        let child = Command::new("Xvfb")
            .args([&format!(":{number}"), "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "starting Xvfb ({e}): run scripts/test.sh, or apt-get install xvfb xdg-utils"
                )
            });
        let socket = format!("/tmp/.X11-unix/X{number}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !Path::new(&socket).exists() {
            assert!(Instant::now() < deadline, "Xvfb never made {socket}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Display { child, number }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        // SIGTERM: Xvfb removes its socket on the way out.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// A HOME with a default browser registered as desktops do: `browser` is
/// the command its `.desktop` file runs (`%u`: the URL).
fn home_with_default_browser(home: &Path, browser: &Path) {
    let apps = home.join(".local/share/applications");
    std::fs::create_dir_all(&apps).unwrap();
    std::fs::create_dir_all(home.join(".config")).unwrap();
    std::fs::write(
        apps.join("lab-browser.desktop"),
        format!(
            "[Desktop Entry]\nType=Application\nName=Lab Browser\nExec={} %u\nMimeType=x-scheme-handler/http;x-scheme-handler/https;text/html;\n",
            browser.display()
        ),
    )
    .unwrap();
    std::fs::write(
        home.join(".config/mimeapps.list"),
        "[Default Applications]\nx-scheme-handler/http=lab-browser.desktop\nx-scheme-handler/https=lab-browser.desktop\ntext/html=lab-browser.desktop\n",
    )
    .unwrap();
}

#[test]
fn on_a_desktop_the_host_hid_the_browser_still_opens() {
    let display = Display::start();
    let lab = Lab::start(&[], &[]);
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    let launched = dir.path().join("launched");
    // The browser: no display, no window (like a real one); with one, the
    // lab's scripted browser does what the person would in the pages.
    let browser = dir.path().join("lab-browser");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\n[ -n \"$DISPLAY\" ] || {{ echo 'lab-browser: cannot open display' >&2; exit 1; }}\necho \"DISPLAY=$DISPLAY\" >> '{}'\nexec '{LAB}/browser.sh' \"$@\"\n",
            launched.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(
        &browser,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    home_with_default_browser(&home, &browser);

    let mut cmd = crate::support::bin();
    cmd.arg(&lab.resource_server.url)
        .env_clear()
        .envs(codex_env(&home, lab.config_dir.path()));
    let mut bridge = Bridge::spawn_command(cmd, tempfile::tempdir().unwrap());
    bridge.send(&json!({"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"codex","version":"0.169.0"}}}));
    let (_, response) = bridge.recv_response(&json!("i"));
    assert!(
        response.get("result").is_some(),
        "{response}\n{}",
        bridge.stderr()
    );
    bridge.send(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    let runs = std::fs::read_to_string(&launched).unwrap_or_default();
    assert_eq!(
        runs.trim(),
        format!("DISPLAY=:{}", display.number),
        "xdg-open found the registered browser on the running display"
    );
    assert_eq!(count(&lab.counters()["authorization"]), 1);
}
