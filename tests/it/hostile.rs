//! A hostile or broken MCP server + authorization server
//! (tests/lab/hostile-server.mjs, a hand-made fake on two origins). For each
//! misbehaviour the real binary must:
//!   (a) refuse with ONE clear `ERROR` line on stderr naming what was wrong,
//!   (b) answer the host's request with a JSON-RPC error, not silence,
//!   (c) send no bearer token anywhere but the MCP server's own /mcp, and no
//!       token or secret at all to the other origin.
//! No browser is needed: the flows are client credentials, or a browser flow
//! whose $BROWSER only records that it was started (and fails).

use std::path::PathBuf;
use std::time::Duration;

use base64::Engine;
use serde_json::{Value, json};

use crate::support::{Bridge, Server, tool_text};

pub const CLIENT_ID: &str = "hostile-test-client";
pub const CLIENT_SECRET: &str = "hostile-client-secret-7f3a9c";
const HEADER_SECRET: &str = "SECRET123";

/// The hostile server, a private config dir and a $BROWSER that must not run.
pub struct Hostile {
    pub server: Server,
    pub dir: tempfile::TempDir,
}

/// What a bridge run came to.
pub struct Outcome {
    /// The host's initialize response (None: nothing within the wait).
    pub response: Option<Value>,
    pub stderr: String,
}

impl Hostile {
    pub fn start(mode: &str, variant: Option<&str>) -> Hostile {
        let mut args = vec!["--mode", mode];
        if let Some(v) = variant {
            args.extend(["--variant", v]);
        }
        let server = Server::start("hostile-server.mjs", &args);
        let dir = tempfile::tempdir().unwrap();
        let browser = dir.path().join("browser.sh");
        std::fs::write(
            &browser,
            format!(
                "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexit 1\n",
                dir.path().join("browser-invoked").display()
            ),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&browser, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Hostile { server, dir }
    }

    pub fn other_base(&self) -> String {
        format!(
            "http://127.0.0.1:{}",
            self.server.info["otherPort"].as_u64().unwrap()
        )
    }

    /// The access token the hostile token endpoint hands out.
    pub fn token(&self) -> String {
        self.server.info["token"].as_str().unwrap().to_string()
    }

    fn browser_log(&self) -> PathBuf {
        self.dir.path().join("browser-invoked")
    }

    /// What $BROWSER was started with, if it was.
    pub fn browser_invocations(&self) -> Option<String> {
        std::fs::read_to_string(self.browser_log()).ok()
    }

    pub fn spawn(&self, flags: &[&str]) -> Bridge {
        let mut args: Vec<&str> = vec![
            "--token-store",
            "file",
            "--timeout",
            "5",
            "--auth-timeout",
            "5",
        ];
        args.extend_from_slice(flags);
        args.push(&self.server.url);
        let cfg = self.dir.path().join("config");
        let browser = self.dir.path().join("browser.sh");
        Bridge::spawn_with_env(
            &args,
            &[
                ("MCP_TETHER_CONFIG_DIR", cfg.to_str().unwrap()),
                ("BROWSER", browser.to_str().unwrap()),
                ("DISPLAY", ":0"),
            ],
        )
    }

    /// initialize once, then close stdin and let the bridge exit.
    pub fn run(&self, flags: &[&str]) -> Outcome {
        let mut bridge = self.spawn(flags);
        bridge.send(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{
            "protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
        let response = bridge.try_recv(Duration::from_secs(9));
        bridge.close_stdin();
        let _ = bridge.wait(Duration::from_secs(5));
        Outcome {
            response,
            stderr: bridge.stderr(),
        }
    }

    /// `--flow client-credentials` with a secret the tests look for in the log.
    pub fn run_client_credentials(&self, extra: &[&str]) -> Outcome {
        let mut flags = vec![
            "--flow",
            "client-credentials",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        ];
        flags.extend_from_slice(extra);
        self.run(&flags)
    }

    /// (c): bearer tokens only at the main origin's /mcp; nothing secret at the other origin.
    pub fn assert_no_leaks(&self, extra_secrets: &[&str]) {
        let log = self.server.log();
        let basic = base64::engine::general_purpose::STANDARD
            .encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
        let token = self.token();
        let mut secrets: Vec<&str> = vec![CLIENT_SECRET, HEADER_SECRET, &basic, &token];
        secrets.extend_from_slice(extra_secrets);
        for e in &log {
            let auth = e["headers"]["authorization"].as_str().unwrap_or("");
            let path = e["path"].as_str().unwrap_or("");
            if auth.to_ascii_lowercase().starts_with("bearer") {
                assert!(
                    e["origin"] == "main" && path.split('?').next() == Some("/mcp"),
                    "a bearer token went somewhere other than the MCP endpoint: {e}"
                );
            }
            if e["origin"] == "other" {
                assert!(
                    auth.is_empty(),
                    "an Authorization header reached the other origin: {e}"
                );
                let text = e.to_string();
                for s in &secrets {
                    assert!(
                        !text.contains(s),
                        "{s:?} reached the other origin ({}): {e}",
                        self.other_base()
                    );
                }
            }
        }
    }

    /// Requests at the token endpoint (either origin).
    pub fn token_requests(&self) -> Vec<Value> {
        self.server
            .log()
            .into_iter()
            .filter(|e| e["path"].as_str().unwrap_or("").starts_with("/token"))
            .collect()
    }

    pub fn other_origin_requests(&self) -> Vec<Value> {
        self.server
            .log()
            .into_iter()
            .filter(|e| e["origin"] == "other")
            .collect()
    }
}

impl Outcome {
    /// (a) + (b): the host got a JSON-RPC error, and stderr has exactly one
    /// ERROR line, which contains every fragment. Returns that line.
    #[track_caller]
    pub fn assert_refused(&self, fragments: &[&str]) -> String {
        let r = self.response.as_ref().unwrap_or_else(|| {
            panic!(
                "the host got no answer to initialize (silence); stderr:\n{}",
                self.stderr
            )
        });
        let msg = r["error"]["message"].as_str().unwrap_or_else(|| {
            panic!(
                "expected a JSON-RPC error, the host got {r}\nstderr:\n{}",
                self.stderr
            )
        });
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        let errors = error_lines(&self.stderr);
        assert_eq!(
            errors.len(),
            1,
            "expected exactly one error line on stderr, got:\n{}",
            self.stderr
        );
        let line = errors[0].to_string();
        eprintln!("[hostile] stderr line: {line}\n[hostile] host error: {msg}");
        assert!(
            line.len() < 2000,
            "the ERROR line is {} bytes long: {}…",
            line.len(),
            &line[..300]
        );
        for f in fragments {
            assert!(
                line.contains(f),
                "the ERROR line should mention {f:?}: {line}"
            );
            assert!(
                msg.contains(f),
                "the host's error should mention {f:?}: {msg}"
            );
        }
        line
    }
}

/// The lines that report an error: the tracing `ERROR …` lines, and the
/// plain `mcp-tether: …` lines the bridge prints when it can't start at all
/// (minus its known notices).
fn error_lines(stderr: &str) -> Vec<&str> {
    const NOTICES: &[&str] = &[
        "mcp-tether: signing in",
        "mcp-tether: no OS keyring",
        "mcp-tether: opening",
    ];
    stderr
        .lines()
        .filter(|l| {
            let t = l.trim_start();
            t.starts_with("ERROR")
                || (t.starts_with("mcp-tether:") && !NOTICES.iter().any(|n| t.starts_with(n)))
        })
        .collect()
}

// --- prm-resource-mismatch -------------------------------------------------

#[test]
fn prm_for_another_resource_is_refused_other_origin() {
    prm_for_another_resource("other");
}

#[test]
fn prm_for_another_resource_is_refused_evil() {
    prm_for_another_resource("evil");
}

fn prm_for_another_resource(variant: &str) {
    refused_before_any_token(
        "prm-resource-mismatch",
        variant,
        "refusing to get a token for another resource",
    );
}

/// Refused with `fragment` in the error line, before any token request, and
/// nothing at all reached the other origin.
fn refused_before_any_token(mode: &str, variant: &str, fragment: &str) {
    let h = Hostile::start(mode, Some(variant));
    let o = h.run_client_credentials(&[]);
    o.assert_refused(&[fragment]);
    assert!(
        h.token_requests().is_empty(),
        "{variant}: no token request: {:?}",
        h.token_requests()
    );
    assert!(
        h.other_origin_requests().is_empty(),
        "{variant}: the other origin was used: {:?}",
        h.other_origin_requests()
    );
    h.assert_no_leaks(&[]);
}

// --- issuer-mismatch --------------------------------------------------------

#[test]
fn as_metadata_with_another_issuer_is_refused_other_origin() {
    issuer_mismatch("other");
}

#[test]
fn as_metadata_with_another_issuer_is_refused_evil() {
    issuer_mismatch("evil");
}

fn issuer_mismatch(variant: &str) {
    refused_before_any_token("issuer-mismatch", variant, "says its issuer is");
}

// --- http-endpoints ---------------------------------------------------------

#[test]
fn plain_http_endpoints_on_a_remote_host_are_refused() {
    let h = Hostile::start("http-endpoints", None);
    let o = h.run_client_credentials(&[]);
    o.assert_refused(&["http://auth.example.test/", "--allow-http"]);
    h.assert_no_leaks(&[]);
}

// --- javascript-authz -------------------------------------------------------

#[test]
fn a_javascript_authorization_endpoint_is_refused() {
    non_http_authorization_endpoint("javascript", "javascript:");
}

#[test]
fn a_data_authorization_endpoint_is_refused() {
    non_http_authorization_endpoint("data", "data:");
}

#[test]
fn a_file_authorization_endpoint_is_refused() {
    non_http_authorization_endpoint("file", "file:");
}

fn non_http_authorization_endpoint(variant: &str, scheme: &str) {
    let h = Hostile::start("javascript-authz", Some(variant));
    let o = h.run(&["--flow", "browser"]);
    let line = o.assert_refused(&[scheme]);
    assert!(
        !line.contains("plain http://"),
        "{variant}: the message should name the scheme problem, not plain http: {line}"
    );
    assert_eq!(
        h.browser_invocations(),
        None,
        "{variant}: the browser must not be started"
    );
    h.assert_no_leaks(&[]);
}

// --- huge-metadata ----------------------------------------------------------

#[test]
fn huge_resource_metadata_is_refused() {
    huge_metadata("prm");
}

#[test]
fn huge_resource_metadata_without_content_length_is_refused() {
    huge_metadata("prm-chunked");
}

#[test]
fn huge_authorization_server_metadata_is_refused() {
    huge_metadata("as");
}

#[test]
fn huge_authorization_server_metadata_without_content_length_is_refused() {
    huge_metadata("as-chunked");
}

fn huge_metadata(variant: &str) {
    let h = Hostile::start("huge-metadata", Some(variant));
    let started = std::time::Instant::now();
    let o = h.run_client_credentials(&[]);
    let r = o.response.clone().unwrap_or(Value::Null);
    assert!(
        r.get("result").is_none(),
        "{variant}: the bridge accepted 2 MB of metadata and went on: {r}\nstderr:\n{}",
        o.stderr
    );
    o.assert_refused(&["larger than 1 MB"]);
    assert!(started.elapsed() < Duration::from_secs(10));
    h.assert_no_leaks(&[]);
}

// --- huge-www-authenticate --------------------------------------------------

/// A 100 KB or a malformed challenge: no crash, no hang, no 100 KB log line.
/// Discovery may still go on through the well-known URLs, so the bridge may
/// succeed; if it fails, it fails with one bounded ERROR line.
fn oversized_or_broken_challenge(variant: &str) {
    let h = Hostile::start("huge-www-authenticate", Some(variant));
    let o = h.run_client_credentials(&[]);
    let r = o.response.clone().unwrap_or_else(|| {
        panic!(
            "{variant}: the host got no answer to initialize; stderr:\n{}",
            o.stderr
        )
    });
    assert!(!o.stderr.contains("panicked"), "{}", o.stderr);
    eprintln!(
        "[hostile] {variant}: host got {r}\n[hostile] stderr: {}",
        o.stderr
    );
    assert!(
        o.stderr.len() < 16 * 1024,
        "{variant}: {} bytes on stderr (the header was echoed?): {}…",
        o.stderr.len(),
        &o.stderr[..500.min(o.stderr.len())]
    );
    if r.get("error").is_some() {
        o.assert_refused(&[]);
    } else {
        assert_eq!(r["result"]["serverInfo"]["name"], "hostile-server", "{r}");
    }
    h.assert_no_leaks(&[]);
}

#[test]
fn a_100kb_www_authenticate_header() {
    oversized_or_broken_challenge("huge");
}

#[test]
fn a_malformed_www_authenticate_header() {
    oversized_or_broken_challenge("malformed");
}

/// A DEL byte in the header: the HTTP parser itself rejects the response.
#[test]
fn a_www_authenticate_header_with_control_bytes() {
    oversized_or_broken_challenge("control-chars");
}

// --- redirect-cross-origin --------------------------------------------------

#[test]
fn a_redirect_to_another_origin_does_not_carry_a_header_token() {
    let h = Hostile::start("redirect-cross-origin", None);
    let o = h.run(&[
        "--header",
        &format!("Authorization: Bearer {HEADER_SECRET}"),
    ]);
    assert!(
        o.response.is_some(),
        "the host got no answer; stderr:\n{}",
        o.stderr
    );
    eprintln!(
        "[hostile] redirect (header): host got {:?}\n[hostile] stderr: {}\n[hostile] other origin saw: {:?}",
        o.response,
        o.stderr,
        h.other_origin_requests()
    );
    h.assert_no_leaks(&[]);
}

#[test]
fn a_redirect_to_another_origin_does_not_carry_an_oauth_token() {
    let h = Hostile::start("redirect-cross-origin", None);
    let o = h.run_client_credentials(&[]);
    assert!(
        o.response.is_some(),
        "the host got no answer; stderr:\n{}",
        o.stderr
    );
    assert_eq!(
        h.token_requests().len(),
        1,
        "the token was obtained (the path under test was reached)"
    );
    eprintln!(
        "[hostile] redirect (oauth): host got {:?}\n[hostile] stderr: {}\n[hostile] other origin saw: {:?}",
        o.response,
        o.stderr,
        h.other_origin_requests()
    );
    h.assert_no_leaks(&[]);
}

// --- token endpoint answers -------------------------------------------------

#[test]
fn a_token_response_without_access_token_is_refused() {
    let h = Hostile::start("token-no-access-token", None);
    let o = h.run_client_credentials(&[]);
    o.assert_refused(&["access_token"]);
    assert_eq!(h.token_requests().len(), 1);
    h.assert_no_leaks(&[]);
}

#[test]
fn a_mac_token_is_refused_and_never_sent() {
    let h = Hostile::start("token-type-mac", None);
    let o = h.run_client_credentials(&[]);
    o.assert_refused(&["MAC"]);
    let used: Vec<Value> = h
        .server
        .log()
        .into_iter()
        .filter(|e| e["headers"].to_string().contains(&h.token()))
        .collect();
    assert!(used.is_empty(), "the MAC token was sent: {used:?}");
    h.assert_no_leaks(&[]);
}

#[test]
fn a_lowercase_bearer_token_type_is_accepted() {
    let h = Hostile::start("token-bearer-lowercase", None);
    let mut bridge = h.spawn(&[
        "--flow",
        "client-credentials",
        "--client-id",
        CLIENT_ID,
        "--client-secret",
        CLIENT_SECRET,
    ]);
    bridge.initialize();
    let (_, r) = bridge.call_tool("echo", json!({"text": "lowercase ok"}));
    assert_eq!(tool_text(&r), "lowercase ok");
    let sent = h
        .server
        .log()
        .into_iter()
        .filter(|e| e["headers"]["authorization"] == format!("Bearer {}", h.token()))
        .count();
    assert!(sent >= 2, "the token is sent as a Bearer token");
    h.assert_no_leaks(&[]);
}
