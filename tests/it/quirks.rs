//! Provider quirks and the switch from mcp-remote, against the real lab:
//! oidc-provider playing Entra ID v2 (`--refuse-resource`), an app registered
//! with mcp-remote's exact redirect URI, header forms, a user's own
//! Authorization header, TLS roots from SSL_CERT_FILE, and OAuth errors shown
//! verbatim.

use std::time::Duration;

use serde_json::{Value, json};

use crate::headless::{approve_device, device_url};
use crate::oauth::{Lab, count, error_message, try_initialize, whoami};
use crate::support::{Bridge, Server, tool_text};

const LAB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab");

/// Every request the AS received that carried `resource`, in the query or the form body.
fn requests_with_resource(lab: &Lab) -> Vec<Value> {
    lab.auth_server
        .log()
        .into_iter()
        .filter(|e| {
            let path = e["path"].as_str().unwrap_or_default();
            path.contains("resource=") || !e["body"]["resource"].is_null()
        })
        .collect()
}

/// An AS that refuses `resource` everywhere, with tokens for the lab's MCP server by default.
fn entra_like_lab(extra: &[&str]) -> Lab {
    let mut flags = vec!["--refuse-resource"];
    flags.extend_from_slice(extra);
    let lab = Lab::start(&flags, &[]);
    lab.auth_server.control(&format!(
        "/_lab/default-resource?url={}",
        lab.resource_server.url
    ));
    lab
}

#[test]
fn without_no_resource_the_providers_error_reaches_the_person_verbatim() {
    let lab = entra_like_lab(&[]);
    let mut bridge = lab.bridge(&[]);
    let r = try_initialize(&mut bridge);
    let message = error_message(&r);
    for part in [
        "invalid_target",
        "AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes.",
        "https://login.microsoftonline.com/error?code=9010010",
        "--no-resource",
    ] {
        assert!(
            message.contains(part),
            "the host's error lacks {part:?}: {message}"
        );
    }
    let stderr = bridge.wait_for_stderr("AADSTS9010010", Duration::from_secs(5));
    assert!(stderr.contains("--no-resource"), "{stderr}");
}

#[test]
fn no_resource_leaves_the_parameter_out_of_authorization_token_and_refresh() {
    let lab = entra_like_lab(&["--access-ttl", "2", "--refresh-always"]);
    let mut bridge = lab.bridge(&["--no-resource"]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["aud"], lab.resource_server.url.as_str());
    // The token expires; the next call refreshes it, still without `resource`.
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    let counters = lab.counters();
    assert_eq!(count(&counters["authorization"]), 1);
    assert_eq!(count(&counters["token"]["authorization_code"]), 1);
    assert!(
        count(&counters["token"]["refresh_token"]) >= 1,
        "{counters}"
    );
    assert_eq!(requests_with_resource(&lab), Vec::<Value>::new());
}

#[test]
fn no_resource_leaves_the_parameter_out_of_the_device_flow() {
    let lab = entra_like_lab(&["--device", "--dcr", "off"]);
    let mut login = lab.command(
        &["login"],
        &[
            "--flow",
            "device",
            "--client-id",
            "tether-public",
            "--no-resource",
        ],
        &[],
    );
    approve_device(&device_url(&login), false);
    assert!(
        login.wait(Duration::from_secs(30)).success(),
        "{}",
        login.stderr()
    );
    let counters = lab.counters();
    assert_eq!(count(&counters["deviceAuthorization"]), 1);
    assert_eq!(requests_with_resource(&lab), Vec::<Value>::new());
    // The bridge then uses the stored token.
    let mut bridge = lab.bridge(&["--client-id", "tether-public", "--no-resource"]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["aud"], lab.resource_server.url.as_str());
}

/// An app registered for mcp-remote accepts only
/// http://localhost:3334/oauth/callback. Our flags and mcp-remote's forms
/// (the positional port and --host) both produce exactly that URI.
#[test]
fn an_app_registered_for_mcp_remote_works_unchanged() {
    let lab = Lab::start(&["--dcr", "off"], &[]);
    let url = lab.resource_server.url.clone();
    let ours = [
        url.as_str(),
        "--client-id",
        "tether-mcp-remote",
        "--callback-host",
        "localhost",
        "--callback-port",
        "3334",
        "--callback-path",
        "/oauth/callback",
    ];
    let theirs = [
        url.as_str(),
        "3334",
        "--host",
        "localhost",
        "--static-oauth-client-info",
        r#"{"client_id":"tether-mcp-remote"}"#,
        "--callback-path",
        "/oauth/callback",
    ];
    for args in [&ours[..], &theirs[..]] {
        let mut bridge = lab.run(args, &[]);
        bridge.initialize();
        assert_eq!(whoami(&mut bridge)["sub"], "alice", "{}", bridge.stderr());
        drop(bridge);
        let mut logout = lab.run(&["logout", "--all"], &[]);
        assert!(logout.wait(Duration::from_secs(10)).success());
    }
    let authorizations: Vec<String> = lab
        .auth_server
        .log()
        .iter()
        .filter_map(|e| e["path"].as_str())
        .filter(|p| p.contains("/auth?"))
        .map(str::to_string)
        .collect();
    assert_eq!(authorizations.len(), 2);
    for a in authorizations {
        assert!(
            a.contains("redirect_uri=http%3A%2F%2Flocalhost%3A3334%2Foauth%2Fcallback"),
            "{a}"
        );
    }
}

#[test]
fn headers_with_and_without_a_space_after_the_colon() {
    let server = Server::start("sdk-server.mjs", &[]);
    let mut bridge = Bridge::spawn_with_env(
        &[
            &server.url,
            "--header",
            "Authorization:${AUTH_HEADER}",
            "--header",
            "X-Api-Key: ${KEY}",
            "--header",
            "X-Plain:one two",
        ],
        &[("AUTH_HEADER", "Bearer abc123"), ("KEY", "k-42")],
    );
    bridge.initialize();
    let posts = server.requests_with_method("initialize");
    let headers = &posts[0]["headers"];
    assert_eq!(headers["authorization"], "Bearer abc123");
    assert_eq!(headers["x-api-key"], "k-42");
    assert_eq!(headers["x-plain"], "one two");
}

#[test]
fn a_refused_authorization_header_is_reported_and_starts_no_sign_in() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge(&["--header", "Authorization: Bearer stale-token"]);
    let r = try_initialize(&mut bridge);
    let message = error_message(&r);
    assert!(
        message.contains("refused the Authorization header given with --header"),
        "{message}"
    );
    assert_eq!(r["error"]["data"]["httpStatus"], 401);
    let (_, again) = bridge.request("tools/list", json!({}));
    assert!(error_message(&again).contains("--header"));
    // The bridge's log on stderr says it too, for the person reading it.
    bridge.wait_for_stderr(
        "refused the Authorization header given with --header",
        Duration::from_secs(5),
    );
    // Nothing from mcp-tether reached the authorization server: no sign-in,
    // not even discovery (the resource server's own fetches don't count).
    assert_eq!(lab.as_requests_from_bridges(), Vec::<Value>::new());
    assert_eq!(
        count(&lab.counters()["authorization"]),
        0,
        "no browser flow"
    );
}

/// An https server whose certificate comes from a private CA.
struct TlsLab {
    certs: tempfile::TempDir,
    server: Server,
}

impl TlsLab {
    fn start() -> TlsLab {
        let certs = tempfile::tempdir().unwrap();
        let ok = std::process::Command::new("bash")
            .arg(format!("{LAB}/make-certs.sh"))
            .arg(certs.path())
            .status()
            .unwrap()
            .success();
        assert!(ok, "make-certs.sh failed (is openssl installed?)");
        let server = Server::start(
            "sdk-server.mjs",
            &["--tls-dir", certs.path().to_str().unwrap()],
        );
        assert!(server.url.starts_with("https://"));
        TlsLab { certs, server }
    }

    fn ca(&self) -> String {
        self.certs
            .path()
            .join("ca.crt")
            .to_str()
            .unwrap()
            .to_string()
    }

    fn echo_through(&self, args: &[&str], env: &[(&str, &str)]) -> (Bridge, Value) {
        let mut all = vec![self.server.url.as_str(), "--token-store", "file"];
        all.extend_from_slice(args);
        let mut bridge = Bridge::spawn_with_env(&all, env);
        let r = try_initialize(&mut bridge);
        (bridge, r)
    }
}

#[test]
fn tls_roots_from_ssl_cert_file_and_ca_cert_and_the_insecure_switch() {
    let lab = TlsLab::start();
    let ca = lab.ca();

    // An unknown CA is refused with a clear error.
    let (_, r) = lab.echo_through(&[], &[]);
    let message = error_message(&r);
    assert!(message.contains("certificate"), "{message}");

    for (args, env) in [
        (vec!["--ca-cert", ca.as_str()], vec![]),
        (vec![], vec![("SSL_CERT_FILE", ca.as_str())]),
    ] {
        let (mut bridge, r) = lab.echo_through(&args, &env);
        assert!(r.get("result").is_some(), "{args:?} {env:?}: {r}");
        let (_, echoed) = bridge.call_tool("echo", json!({"text": "over tls"}));
        assert_eq!(tool_text(&echoed), "over tls");
        assert!(!bridge.stderr().contains("WARNING"));
    }

    // A bad SSL_CERT_FILE is named in the error.
    let (status, _, stderr) = crate::support::run_once(
        &[&lab.server.url],
        &[("SSL_CERT_FILE", "/nonexistent/ca.pem")],
        b"",
    );
    assert_eq!(status.code(), Some(2));
    assert!(
        stderr.contains("SSL_CERT_FILE /nonexistent/ca.pem"),
        "{stderr}"
    );

    // --insecure works, loudly.
    let (bridge, r) = lab.echo_through(&["--insecure"], &[]);
    assert!(r.get("result").is_some(), "{r}");
    assert!(
        bridge.stderr().contains("WARNING: --insecure is set"),
        "{}",
        bridge.stderr()
    );
}

#[test]
fn an_invalid_scope_error_reaches_the_host_and_stderr_verbatim() {
    let lab = Lab::start(&["--client-credentials", "--dcr", "off"], &[]);
    let mut bridge = lab.bridge(&[
        "--flow",
        "client-credentials",
        "--client-id",
        "tether-narrow",
        "--client-secret",
        "tether-secret",
        "--scope",
        "mcp:read mcp:admin",
    ]);
    let r = try_initialize(&mut bridge);
    let message = error_message(&r);
    assert!(
        message.contains("invalid_scope: requested scope is not allowed"),
        "the provider's words: {message}"
    );
    let stderr = bridge.wait_for_stderr("invalid_scope", Duration::from_secs(5));
    let line = stderr
        .lines()
        .find(|l| l.contains("invalid_scope"))
        .unwrap();
    assert!(line.contains("--scope"), "with our hint: {line}");
}
