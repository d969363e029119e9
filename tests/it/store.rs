//! The token store and concurrent bridges: one sign-in for many bridges, one
//! refresh in a race, a crashed holder that blocks nobody, and the real
//! Secret Service keyring (run by scripts/test.sh under dbus-run-session).

use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::oauth::{Lab, count, whoami};
use crate::support::{Bridge, Server, tool_text};

const SLOW: Duration = Duration::from_secs(60);

fn initialize_all(bridges: &mut [Bridge]) {
    for (i, b) in bridges.iter_mut().enumerate() {
        b.send(&json!({"jsonrpc":"2.0","id":format!("init{i}"),"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    }
    for (i, b) in bridges.iter_mut().enumerate() {
        let (_, r) = b.recv_response(&json!(format!("init{i}")));
        assert!(r.get("result").is_some(), "bridge {i}: {r}\n{}", b.stderr());
        b.send(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    }
}

#[test]
fn five_bridges_started_at_once_sign_in_once() {
    let lab = Lab::start(&[], &[]);
    let mut bridges: Vec<Bridge> = (0..5)
        .map(|_| lab.bridge(&["--token-store", "file"]))
        .collect();
    initialize_all(&mut bridges);
    for b in &mut bridges {
        assert_eq!(whoami(b)["sub"], "alice");
    }
    let c = lab.counters();
    assert_eq!(
        count(&c["authorization"]),
        1,
        "exactly one sign-in at the AS: {c}"
    );
    assert_eq!(count(&c["registration"]), 1, "and one registration: {c}");
    assert_eq!(count(&c["token"]["authorization_code"]), 1, "{c}");
}

#[test]
fn a_refresh_race_with_rotating_tokens_revokes_nothing() {
    let lab = Lab::start(&["--rotate-refresh", "--access-ttl", "3"], &[]);
    let mut first = lab.bridge(&["--token-store", "file"]);
    first.initialize();
    whoami(&mut first);
    let mut bridges: Vec<Bridge> = (0..4)
        .map(|_| lab.bridge(&["--token-store", "file"]))
        .collect();
    initialize_all(&mut bridges);
    bridges.push(first);
    // Let the access token expire, then have every bridge call at once.
    std::thread::sleep(Duration::from_millis(3200));
    for (i, b) in bridges.iter_mut().enumerate() {
        b.send(&json!({"jsonrpc":"2.0","id":format!("w{i}"),"method":"tools/call","params":{"name":"whoami","arguments":{}}}));
    }
    for (i, b) in bridges.iter_mut().enumerate() {
        let (_, r) = b.recv_response(&json!(format!("w{i}")));
        assert!(r.get("result").is_some(), "bridge {i}: {r}\n{}", b.stderr());
    }
    let log = lab.auth_server.log();
    let refreshes: Vec<&Value> = log
        .iter()
        .filter(|e| e["body"]["grant_type"] == "refresh_token")
        .collect();
    assert!(!refreshes.is_empty());
    assert!(
        refreshes.iter().all(|e| e["status"] == 200),
        "no refresh token was used twice: {refreshes:?}"
    );
    assert_eq!(
        count(&lab.counters()["authorization"]),
        1,
        "nobody had to sign in again"
    );
}

/// A bridge that started a sign-in, then was killed (SIGKILL): the sign-in
/// lives on in its helper (docs/sign-in-helper.md), so the next start does
/// not begin a second one. It tells the person how to finish the first,
/// and relays as soon as they do.
#[test]
fn a_sign_in_whose_bridge_was_killed_is_finished_from_the_next_start() {
    let lab = Lab::start(&[], &[]);
    // Its "browser" does nothing: the person never saw the page.
    let mut stuck = lab.bridge_env(&["--token-store", "file"], &[("BROWSER", "true")]);
    stuck.send(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    stuck.wait_for_stderr("Open this URL", SLOW);
    stuck.signal("KILL");
    stuck.wait(Duration::from_secs(5));

    let mut bridge = lab.bridge(&["--token-store", "file"]);
    bridge.send(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    let text = bridge.wait_for_stderr("To finish it: open ", SLOW);
    let url = text
        .split("To finish it: open ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let status = std::process::Command::new(crate::oauth::BROWSER)
        .arg(&url)
        .status()
        .unwrap();
    assert!(status.success());
    let (_, response) = bridge.recv_response(&json!(1));
    assert!(response.get("result").is_some(), "{response}");
    bridge.send(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    assert_eq!(
        count(&lab.counters()["authorization"]),
        1,
        "one sign-in, finished from the second start"
    );
}

/// A sign-in helper that dies (SIGKILL) releases its lock with its life:
/// the next bridge signs in at once instead of waiting for it.
#[test]
fn a_crashed_sign_in_helper_does_not_block_the_next_bridge() {
    let lab = Lab::start(&[], &[]);
    let mut stuck = lab.bridge_env(&["--token-store", "file"], &[("BROWSER", "true")]);
    stuck.send(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    stuck.wait_for_stderr("Open this URL", SLOW);
    let helper = helper_pid(&lab);
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &helper.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    stuck.signal("KILL");
    stuck.wait(Duration::from_secs(5));

    let started = Instant::now();
    let mut bridge = lab.bridge(&["--token-store", "file"]);
    bridge.initialize();
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
}

/// The pid of the sign-in helper under way, from the note it keeps beside
/// its lock.
fn helper_pid(lab: &Lab) -> u32 {
    let deadline = Instant::now() + SLOW;
    loop {
        let note = std::fs::read_dir(lab.config_dir.path().join("locks"))
            .into_iter()
            .flatten()
            .flatten()
            .find(|e| e.file_name().to_string_lossy().ends_with(".sign-in.json"));
        if let Some(pid) = note
            .and_then(|e| std::fs::read(e.path()).ok())
            .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
            .and_then(|v| v["pid"].as_u64())
        {
            return pid as u32;
        }
        assert!(Instant::now() < deadline, "no sign-in helper noted itself");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_file_store_is_private() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge(&["--token-store", "file"]);
    bridge.initialize();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let dir = lab.config_dir.path().join("tokens");
        assert_eq!(
            std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777,
            0o700
        );
        for f in std::fs::read_dir(&dir).unwrap() {
            let mode = f.unwrap().metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}

/// With `--token-store auto` and no keyring, a bridge whose server needs no
/// sign-in never wakes the keyring, so it says nothing about one; the
/// fallback notice comes with the first token saved, once.
#[test]
fn without_a_keyring_the_file_store_notice_waits_for_the_first_token() {
    let lab = Lab::start(&[], &[]);
    let dir = lab.config_dir.path().to_str().unwrap();
    let no_bus = (
        "DBUS_SESSION_BUS_ADDRESS",
        "unix:path=/nonexistent/mcp-tether-test-bus",
    );
    let notice = "mcp-tether: no OS keyring";

    let plain = Server::start("sdk-server.mjs", &[]);
    let mut bridge = Bridge::spawn_with_env(
        &[plain.url.as_str()],
        &[no_bus, ("MCP_TETHER_CONFIG_DIR", dir)],
    );
    bridge.initialize();
    let (_, r) = bridge.call_tool("echo", json!({"text": "hi"}));
    assert_eq!(tool_text(&r), "hi", "{r}");
    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());
    assert!(
        !bridge.stderr().contains(notice),
        "no token was needed, so no word about the keyring:\n{}",
        bridge.stderr()
    );

    let mut signed_in = lab.bridge_env(&[], &[no_bus]);
    signed_in.initialize();
    assert_eq!(whoami(&mut signed_in)["sub"], "alice");
    let stderr = signed_in.wait_for_stderr(notice, SLOW);
    assert_eq!(stderr.matches(notice).count(), 1, "{stderr}");
    assert_eq!(
        lab.token_files().len(),
        1,
        "the token went to the file store"
    );
    signed_in.close_stdin();
    assert!(signed_in.wait(Duration::from_secs(5)).success());

    // The next start reads the file record without a sign-in or a notice.
    let mut again = lab.bridge_env(&[], &[no_bus]);
    again.initialize();
    assert_eq!(whoami(&mut again)["sub"], "alice");
    again.close_stdin();
    assert!(again.wait(Duration::from_secs(5)).success());
    assert!(!again.stderr().contains(notice), "{}", again.stderr());
    assert_eq!(count(&lab.counters()["authorization"]), 1);
}

/// The real Secret Service: needs a session bus with an unlocked keyring,
/// which scripts/test.sh provides (gnome-keyring under dbus-run-session).
#[test]
#[ignore = "needs a Secret Service; scripts/test.sh runs it under dbus-run-session"]
fn the_secret_service_keyring_holds_large_records_and_a_restart_reuses_them() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge(&["--token-store", "keyring"]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());
    // No token file: the record is in the keyring...
    assert!(!lab.config_dir.path().join("tokens").exists());
    let search = Command::new("secret-tool")
        .args(["search", "--all", "service", "mcp-tether"])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&search.stdout).to_string()
        + &String::from_utf8_lossy(&search.stderr);
    // ...split across entries: the record (metadata and a JWT) is over the
    // 2048 bytes one entry may hold.
    assert!(
        listing.matches("label = keyring:").count() >= 3,
        "{listing}"
    );

    // A restart reuses it with no request to the authorization server.
    lab.auth_server.control("/_lab/reset-log");
    let mut bridge = lab.bridge(&["--token-store", "keyring"]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    assert_eq!(lab.as_requests_from_bridges(), Vec::<Value>::new());
    // status says where it is.
    assert_eq!(
        crate::headless::status_json(&lab)[0]["store"],
        "the OS keyring"
    );
}

/// `auto` with a Secret Service: the first token goes to the keyring (no token
/// file), and a restart finds it through the keyring index with no sign-in.
#[test]
#[ignore = "needs a Secret Service; scripts/test.sh runs it under dbus-run-session"]
fn the_secret_service_keyring_is_what_auto_picks_when_a_token_is_first_saved() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());
    assert!(lab.token_files().is_empty(), "no token file with a keyring");
    let index = std::fs::read_to_string(lab.config_dir.path().join("keyring-index.json")).unwrap();
    assert!(index.contains(&lab.resource_server.url), "{index}");

    let mut again = lab.bridge(&[]);
    again.initialize();
    assert_eq!(whoami(&mut again)["sub"], "alice");
    assert_eq!(count(&lab.counters()["authorization"]), 1);
    assert!(
        !again.stderr().contains("no OS keyring"),
        "{}",
        again.stderr()
    );
}

/// A sign-in nobody finishes: its helper, whose bridge the host killed,
/// ends by itself at `--auth-timeout` and leaves nothing running.
#[test]
fn an_abandoned_sign_in_helper_ends_by_itself_at_the_auth_timeout() {
    let lab = Lab::start(&[], &[]);
    let mut stuck = lab.bridge_env(
        &["--token-store", "file", "--auth-timeout", "3"],
        &[("BROWSER", "true")],
    );
    stuck.send(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    stuck.wait_for_stderr("Open this URL", SLOW);
    let helper = helper_pid(&lab);
    stuck.signal("KILL");
    stuck.wait(Duration::from_secs(5));
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{helper}")).exists() {
        assert!(
            Instant::now() < deadline,
            "the helper {helper} outlived --auth-timeout 3 by 7 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `--token-store keyring` where no keyring answers: the bridge refuses to
/// start, with one line that says which keyring and why (no silent fallback
/// to files when the person asked for the keyring).
#[test]
fn a_required_keyring_that_is_missing_stops_the_start_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let out = crate::support::bin()
        .args(["http://127.0.0.1:9/mcp", "--token-store", "keyring"])
        .env("MCP_TETHER_CONFIG_DIR", dir.path())
        .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--token-store keyring: "), "{stderr}");
    if cfg!(target_os = "linux") {
        assert!(stderr.contains("Secret Service"), "{stderr}");
    }
    assert!(
        !dir.path().join("tokens").exists(),
        "nothing was written to files"
    );
}

/// The binary was replaced (an upgrade) while the bridge ran, so the sign-in
/// helper, the same binary, can't be started: the bridge signs in itself
/// instead of failing, and says what that costs.
#[test]
fn a_bridge_whose_binary_was_replaced_still_signs_in() {
    let lab = Lab::start(&[], &[]);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("mcp-tether");
    std::fs::copy(crate::support::BIN, &copy).unwrap();
    let mut cmd = std::process::Command::new(&copy);
    cmd.arg(&lab.resource_server.url)
        .env("MCP_TETHER_REQUIRE_CONFIG_DIR", "1")
        .env("MCP_TETHER_CONFIG_DIR", lab.config_dir.path())
        .env("BROWSER", crate::oauth::BROWSER)
        .env("DISPLAY", ":0");
    let mut bridge = Bridge::spawn_command(cmd, tempfile::tempdir().unwrap());
    // The upgrade: the file the process was started from is gone.
    std::fs::remove_file(&copy).unwrap();
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    assert!(
        bridge
            .stderr()
            .contains("sign-in helper could not be started"),
        "{}",
        bridge.stderr()
    );
    assert_eq!(count(&lab.counters()["authorization"]), 1);
}
