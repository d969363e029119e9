//! Secrets stay secret: no token, refresh token, client secret, PKCE verifier
//! or authorization code in the bridge's output, even at `--log-level trace`;
//! the file token store is private; the loopback callback listener can't be
//! reached from the network. Real components: oidc-provider (oauth-as.mjs),
//! the SDK-based protected-server.mjs and the scripted browser.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;

use crate::oauth::{Lab, whoami};
use crate::support::Bridge;

const SECRET: &str = "tether-secret";

/// Every `Authorization: Bearer …` value the resource server received.
fn bearer_tokens_seen(lab: &Lab) -> BTreeSet<String> {
    lab.resource_server
        .log()
        .iter()
        .filter_map(|e| e["headers"]["authorization"].as_str())
        .filter_map(|a| a.strip_prefix("Bearer "))
        .map(str::to_string)
        .collect()
}

fn basic(client_id: &str, secret: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"))
}

/// Fails listing every (name, value) that shows up in `haystack`.
#[track_caller]
fn assert_absent(haystack: &str, needles: &[(String, String)]) {
    let leaked: Vec<String> = needles
        .iter()
        .filter(|(_, v)| haystack.contains(v.as_str()))
        .map(|(name, v)| {
            let at = haystack.find(v.as_str()).unwrap();
            let line_start = haystack[..at].rfind('\n').map_or(0, |i| i + 1);
            let line_end = haystack[at..].find('\n').map_or(haystack.len(), |i| at + i);
            let line = &haystack[line_start..line_end];
            let line: String = line.chars().take(400).collect();
            format!("{name} ({v}) in: {line}")
        })
        .collect();
    assert!(
        leaked.is_empty(),
        "secrets in the bridge's output:\n{}",
        leaked.join("\n")
    );
}

/// The bridge's output: stderr and the log file.
fn output(bridge: &Bridge, log_file: &Path) -> String {
    let file = std::fs::read_to_string(log_file).unwrap_or_default();
    format!("{}\n{file}", bridge.stderr())
}

fn token_files(config_dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(config_dir.join("tokens"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default()
}

#[test]
fn a_browser_sign_in_and_a_refresh_at_trace_level_log_no_secret() {
    browser_sign_in_and_refresh(&[]);
}

/// `MCP_TETHER_LOG=trace` turns on every crate's tracing (hyper, reqwest,
/// rustls…), which is what someone debugging a connection would do.
#[test]
fn with_every_crate_at_trace_no_secret_is_logged_either() {
    browser_sign_in_and_refresh(&[("MCP_TETHER_LOG", "trace")]);
}

fn browser_sign_in_and_refresh(env: &[(&str, &str)]) {
    let lab = Lab::start(
        &["--dcr", "off", "--refresh-always", "--access-ttl", "2"],
        &[],
    );
    let logs = tempfile::tempdir().unwrap();
    let log_file = logs.path().join("bridge.log");
    let mut bridge = lab.bridge_env(
        &[
            "--client-id",
            "tether-confidential",
            "--client-secret",
            SECRET,
            "--token-store",
            "file",
            "--log-level",
            "trace",
            "--log-file",
            log_file.to_str().unwrap(),
        ],
        env,
    );
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["client_id"], "tether-confidential");
    // Let the access token expire so the refresh path (and its logging) runs too.
    std::thread::sleep(Duration::from_millis(2200));
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());

    let as_log = lab.auth_server.log();
    let code_exchange = as_log
        .iter()
        .find(|e| e["body"]["grant_type"] == "authorization_code")
        .expect("a code exchange at the AS");
    let refresh = as_log
        .iter()
        .find(|e| e["body"]["grant_type"] == "refresh_token")
        .expect("a refresh at the AS (the access token lived 2 s)");

    let files = token_files(lab.config_dir.path());
    assert_eq!(files.len(), 1, "{files:?}");
    let record: Value = serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();

    let mut needles: Vec<(String, String)> = vec![
        ("client secret".into(), SECRET.into()),
        (
            "client_secret_basic credentials".into(),
            basic("tether-confidential", SECRET),
        ),
        (
            "authorization code".into(),
            code_exchange["body"]["code"].as_str().unwrap().into(),
        ),
        (
            "PKCE code verifier".into(),
            code_exchange["body"]["code_verifier"]
                .as_str()
                .unwrap()
                .into(),
        ),
        (
            "refresh token (as sent)".into(),
            refresh["body"]["refresh_token"].as_str().unwrap().into(),
        ),
        (
            "stored access token".into(),
            record["tokens"]["access_token"]
                .as_str()
                .expect("access_token in the stored record")
                .into(),
        ),
        (
            "stored refresh token".into(),
            record["tokens"]["refresh_token"]
                .as_str()
                .expect("refresh_token in the stored record")
                .into(),
        ),
    ];
    for t in bearer_tokens_seen(&lab) {
        needles.push(("access token (as sent)".into(), t));
    }
    // The JWT's signature part alone is enough to replay nothing, but a logged
    // payload+signature would be; check the signature too (logs may cut tokens).
    let sigs: Vec<(String, String)> = needles
        .iter()
        .filter(|(n, _)| n.contains("access token"))
        .filter_map(|(_, t)| t.rsplit('.').next().map(str::to_string))
        .filter(|s| s.len() >= 16)
        .map(|s| ("access token signature".to_string(), s))
        .collect();
    needles.extend(sigs);
    assert!(needles.iter().all(|(_, v)| v.len() >= 8), "{needles:?}");

    let out = output(&bridge, &log_file);
    eprintln!(
        "[secrets] {env:?}: {} bytes of output, {} TRACE lines",
        out.len(),
        out.matches(" TRACE ").count()
    );
    assert!(out.contains("DEBUG"), "verbose logging was on:\n{out}");
    assert_absent(&out, &needles);
}

#[test]
fn client_credentials_at_trace_level_log_no_secret() {
    let lab = Lab::start(&["--client-credentials", "--dcr", "off"], &[]);
    let logs = tempfile::tempdir().unwrap();
    for (client, env) in [
        ("tether-confidential", None),
        ("tether-confidential-post", None),
        ("tether-confidential", Some(("MCP_TETHER_LOG", "trace"))),
        (
            "tether-confidential-post",
            Some(("MCP_TETHER_LOG", "trace")),
        ),
    ] {
        let log_file = logs.path().join(format!("{client}-{}.log", env.is_some()));
        let env: Vec<(&str, &str)> = env.into_iter().collect();
        let mut bridge = lab.bridge_env(
            &[
                "--flow",
                "client-credentials",
                "--client-id",
                client,
                "--client-secret",
                SECRET,
                "--token-store",
                "file",
                "--log-level",
                "trace",
                "--log-file",
                log_file.to_str().unwrap(),
            ],
            &env,
        );
        bridge.initialize();
        assert_eq!(whoami(&mut bridge)["client_id"], client);
        bridge.close_stdin();
        assert!(bridge.wait(Duration::from_secs(5)).success());

        let mut needles: Vec<(String, String)> = vec![
            ("client secret".into(), SECRET.into()),
            (
                "client_secret_basic credentials".into(),
                basic(client, SECRET),
            ),
        ];
        for t in bearer_tokens_seen(&lab) {
            needles.push(("access token".into(), t));
        }
        assert!(needles.len() >= 3, "a token was sent: {needles:?}");
        assert_absent(&output(&bridge, &log_file), &needles);
    }
}

/// The file store is 0600 in 0700, and so is everything else the bridge
/// creates under a fresh config dir (the dir itself, locks/ and lock files,
/// the era memory): lock file names are derived from the server, so a
/// world-readable locks/ would list which servers are used.
#[cfg(unix)]
#[test]
fn everything_under_a_fresh_config_dir_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let lab = Lab::start(&[], &[]);
    let config = lab.config_dir.path().join("fresh").join("mcp-tether");
    let mut bridge = lab.bridge_env(
        &["--token-store", "file"],
        &[("MCP_TETHER_CONFIG_DIR", config.to_str().unwrap())],
    );
    bridge.initialize();
    whoami(&mut bridge);
    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());
    let mut problems = Vec::new();
    let mut stack = vec![config.clone()];
    while let Some(dir) = stack.pop() {
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        eprintln!("[secrets] {:o} {}", mode, dir.display());
        if mode != 0o700 {
            problems.push(format!(
                "directory {} is {:o}, not 700",
                dir.display(),
                mode
            ));
        }
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let md = std::fs::symlink_metadata(&p).unwrap();
            if md.is_dir() {
                stack.push(p);
            } else {
                let mode = md.permissions().mode() & 0o777;
                eprintln!("[secrets] {:o} {}", mode, p.display());
                if mode != 0o600 {
                    problems.push(format!("file {} is {:o}, not 600", p.display(), mode));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    let files = token_files(&config);
    assert_eq!(files.len(), 1, "one token file was written: {files:?}");
}

/// This machine's addresses that are not loopback (IPv4 and IPv6, no link-local).
fn non_loopback_addresses() -> Vec<IpAddr> {
    let from_hostname = Command::new("hostname")
        .arg("-I")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut text = from_hostname;
    if text.trim().is_empty()
        && let Ok(o) = Command::new("ip").args(["-o", "addr"]).output()
    {
        // "2: eth0    inet 192.0.2.2/24 brd …"
        for w in String::from_utf8_lossy(&o.stdout).split_whitespace() {
            if let Some((addr, _)) = w.split_once('/') {
                text.push_str(addr);
                text.push(' ');
            }
        }
    }
    text.split_whitespace()
        .filter_map(|w| w.parse::<IpAddr>().ok())
        .filter(|ip| !ip.is_loopback() && !ip.is_unspecified())
        .filter(|ip| match ip {
            IpAddr::V6(v6) => (v6.segments()[0] & 0xffc0) != 0xfe80,
            IpAddr::V4(_) => true,
        })
        .collect()
}

#[test]
fn the_callback_listener_is_reachable_on_loopback_only() {
    let lab = Lab::start(&[], &[]);
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("url");
    let browser = dir.path().join("browser.sh");
    std::fs::write(
        &browser,
        format!(
            "#!/bin/sh\nfor a; do last=\"$a\"; done\nprintf '%s\\n' \"$last\" > '{0}.tmp' && mv '{0}.tmp' '{0}'\nexit 0\n",
            record.display()
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    // Nobody finishes this sign-in: a short --auth-timeout ends its helper
    // soon after the test.
    let mut bridge = lab.bridge_env(
        &[
            "--flow",
            "browser",
            "--token-store",
            "file",
            "--auth-timeout",
            "15",
        ],
        &[("BROWSER", browser.to_str().unwrap())],
    );
    bridge.send(
        &serde_json::json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
        "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}),
    );

    let deadline = Instant::now() + Duration::from_secs(8);
    let url = loop {
        if let Ok(u) = std::fs::read_to_string(&record) {
            break u.trim().to_string();
        }
        assert!(
            Instant::now() < deadline,
            "the browser was never started; stderr:\n{}",
            bridge.stderr()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let url = url::Url::parse(&url).unwrap_or_else(|e| panic!("{url:?}: {e}"));
    let redirect = url
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_else(|| panic!("no redirect_uri in {url}"));
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();

    let timeout = Duration::from_secs(1);
    TcpStream::connect_timeout(&SocketAddr::from(([127, 0, 0, 1], port)), timeout)
        .unwrap_or_else(|e| panic!("the callback listener ({redirect}) is not on 127.0.0.1: {e}"));

    let addresses = non_loopback_addresses();
    if addresses.is_empty() {
        eprintln!("[secrets] SKIPPED the network half: this machine has no non-loopback address");
        return;
    }
    for ip in addresses {
        let r = TcpStream::connect_timeout(&SocketAddr::new(ip, port), timeout);
        eprintln!("[secrets] connect {ip}:{port}: {r:?}");
        assert!(
            r.is_err(),
            "the callback listener {redirect} accepted a connection on {ip}:{port}"
        );
    }
}
