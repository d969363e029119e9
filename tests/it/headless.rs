//! Headless and machine-to-machine: the device flow (oidc-provider's real
//! device pages, approved by the scripted browser), `login --paste`, client
//! credentials, login / logout / status, and choosing the flow from the
//! environment.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::oauth::{Lab, count, try_initialize, whoami};
use crate::support::{Bridge, Server};

const LAB: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab");
const SLOW: Duration = Duration::from_secs(40);

/// Approve (or deny) a device code through the provider's pages.
pub fn approve_device(url: &str, deny: bool) {
    let mut cmd = Command::new("node");
    cmd.arg(format!("{LAB}/browser.mjs"))
        .args(["--device", url]);
    if deny {
        cmd.arg("--deny");
    }
    let status = cmd.status().unwrap();
    assert!(status.success() || deny, "the scripted browser failed");
}

/// The verification URL login printed on stderr.
pub fn device_url(login: &Bridge) -> String {
    let text = login.wait_for_stderr("Or open this link", SLOW);
    let after = text.split("Or open this link").nth(1).unwrap();
    after
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .unwrap()
        .to_string()
}

#[test]
fn device_login_then_the_bridge_needs_no_sign_in_and_logout_undoes_it() {
    let lab = Lab::start(&["--device"], &[]);
    let mut login = lab.command(
        &["login"],
        &["--flow", "device", "--client-id", "tether-public"],
        &[],
    );
    let url = device_url(&login);
    assert!(login.stderr().contains("Code:"));
    approve_device(&url, false);
    assert!(login.wait(SLOW).success(), "{}", login.stderr());
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);

    // A bridge started later relays with no authorization step at all.
    lab.auth_server.control("/_lab/reset-log");
    let mut bridge = lab.bridge(&["--client-id", "tether-public"]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    let ours = lab.as_requests_from_bridges();
    assert!(ours.is_empty(), "the bridge asked the AS nothing: {ours:?}");
    bridge.close_stdin();
    bridge.wait(Duration::from_secs(5));

    // status shows it, without secrets.
    let record: Value = serde_json::from_slice(
        &std::fs::read(
            std::fs::read_dir(lab.config_dir.path().join("tokens"))
                .unwrap()
                .next()
                .unwrap()
                .unwrap()
                .path(),
        )
        .unwrap(),
    )
    .unwrap();
    let token = record["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let out = status_json(&lab);
    assert_eq!(out[0]["server"], lab.resource_server.url.as_str());
    assert_eq!(out[0]["client_id"], "tether-public");
    assert_eq!(out[0]["issuer"], lab.auth_server.url.as_str());
    assert!(
        !out.to_string().contains(&token),
        "status never shows a token"
    );

    // logout revokes at the AS and forgets; the bridge must sign in again.
    let mut logout = lab.run(&["logout", &lab.resource_server.url], &[]);
    assert!(logout.wait(SLOW).success(), "{}", logout.stderr());
    assert!(logout.stderr().contains("revoked"), "{}", logout.stderr());
    assert!(count(&lab.counters()["revocation"]) >= 1);
    assert_eq!(status_json(&lab), json!([]));
    let mut bridge = lab.bridge(&["--client-id", "tether-public"]);
    bridge.initialize();
    assert_eq!(
        count(&lab.counters()["authorization"]),
        1,
        "signed in again"
    );
}

pub fn status_json(lab: &Lab) -> Value {
    let out = crate::support::bin()
        .args(["status", "--json"])
        .env("MCP_TETHER_CONFIG_DIR", lab.config_dir.path())
        .output()
        .unwrap();
    assert!(out.status.success());
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn device_login_that_is_denied_fails_clearly() {
    let lab = Lab::start(&["--device"], &[]);
    let mut login = lab.command(
        &["login"],
        &["--flow", "device", "--client-id", "tether-public"],
        &[],
    );
    approve_device(&device_url(&login), true);
    assert!(!login.wait(SLOW).success());
    assert!(
        login.stderr().contains("access_denied"),
        "{}",
        login.stderr()
    );
}

/// slow_down and expiry come from a hand-made fake AS: oidc-provider never
/// sends slow_down, and its device codes live for minutes.
#[test]
fn device_polling_slows_down_and_stops_at_expiry() {
    let fake = Server::start(
        "device-fault-as.mjs",
        &["--script", "slow_down,ok", "--interval", "1"],
    );
    let dir = tempfile::tempdir().unwrap();
    let mut login = Bridge::spawn_with_env(
        &["login", "--flow", "device", "--client-id", "c", &fake.url],
        &[("MCP_TETHER_CONFIG_DIR", dir.path().to_str().unwrap())],
    );
    assert!(login.wait(SLOW).success(), "{}", login.stderr());
    let polls: Vec<f64> = fake
        .log()
        .iter()
        .filter(|e| e["path"] == "/token")
        .map(|e| e["extra"]["at"].as_f64().unwrap())
        .collect();
    assert_eq!(polls.len(), 2);
    assert!(
        polls[1] - polls[0] >= 5900.0,
        "after slow_down, wait 5 s more: {polls:?}"
    );

    let fake = Server::start(
        "device-fault-as.mjs",
        &["--script", "pending", "--expires-in", "3"],
    );
    let mut login = Bridge::spawn_with_env(
        &["login", "--flow", "device", "--client-id", "c", &fake.url],
        &[("MCP_TETHER_CONFIG_DIR", dir.path().to_str().unwrap())],
    );
    let started = std::time::Instant::now();
    assert!(!login.wait(SLOW).success());
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(login.stderr().contains("expired"), "{}", login.stderr());
}

#[test]
fn login_paste_completes_with_the_pasted_redirect() {
    let lab = Lab::start(&[], &[]);
    let mut login = lab.command(
        &["login"],
        &["--paste", "--client-id", "tether-public"],
        &[],
    );
    let text = login.wait_for_stderr("Paste that whole address", SLOW);
    let auth_url = text
        .split_whitespace()
        .find(|w| w.starts_with(&lab.auth_server.url) && w.contains("/auth?"))
        .expect("the authorization URL is printed")
        .to_string();
    // The person consents on another machine; the redirect can't load there.
    let out = Command::new("node")
        .arg(format!("{LAB}/browser.mjs"))
        .arg(&auth_url)
        .env("LAB_BROWSER_NO_CALLBACK", "1")
        .output()
        .unwrap();
    let redirect = String::from_utf8(out.stdout).unwrap();
    assert!(redirect.contains("code="), "{redirect}");
    login.send_raw(redirect.as_bytes());
    assert!(login.wait(SLOW).success(), "{}", login.stderr());
    let mut bridge = lab.bridge(&["--client-id", "tether-public"]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
}

/// A bridge for an agent: client credentials with the lab's confidential client.
fn confidential_agent(lab: &Lab) -> Bridge {
    lab.bridge_env(
        &[
            "--flow",
            "client-credentials",
            "--client-id",
            "tether-confidential",
            "--client-secret-env",
            "S",
        ],
        &[("S", "tether-secret")],
    )
}

#[test]
fn client_credentials_with_a_secret_and_with_a_private_key() {
    let lab = Lab::start(&["--client-credentials", "--dcr", "off"], &[]);
    let mut bridge = confidential_agent(&lab);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["client_id"], "tether-confidential");
    assert_eq!(count(&lab.counters()["token"]["client_credentials"]), 1);
    assert_eq!(
        count(&lab.counters()["authorization"]),
        0,
        "no person involved"
    );

    let key = lab.auth_server.info["jwtClientKeyPath"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bridge = lab.bridge(&[
        "--flow",
        "client-credentials",
        "--client-id",
        "tether-jwt",
        "--client-assertion-key",
        &key,
        "--client-assertion-alg",
        "RS256",
    ]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["client_id"], "tether-jwt");
}

/// An internal server with no metadata anywhere (no protected resource
/// metadata, nothing in the challenge): `--token-endpoint` names the token
/// endpoint and the bridge never looks for discovery documents.
#[test]
fn client_credentials_with_a_given_token_endpoint_skip_discovery() {
    let lab = Lab::start(
        &["--client-credentials", "--dcr", "off"],
        &["--prm", "none", "--challenge-scope"],
    );
    // The lab's own HTTP/1.0 client sends no Host port, so take only the path.
    let advertised = lab
        .auth_server
        .get_json("/.well-known/openid-configuration")["token_endpoint"]
        .as_str()
        .unwrap()
        .to_string();
    let path = url_path(&advertised);
    let token_endpoint = format!("{}{path}", lab.auth_server.url.trim_end_matches('/'));
    lab.auth_server.control("/_lab/reset-log");
    let mut bridge = lab.bridge_env(
        &[
            "--client-credentials",
            "--token-endpoint",
            &token_endpoint,
            "--static-oauth-client-info",
            r#"{"client_id":"tether-confidential","client_secret":"tether-secret"}"#,
        ],
        &[],
    );
    bridge.initialize();
    assert_eq!(
        whoami(&mut bridge)["client_id"],
        "tether-confidential",
        "{}",
        bridge.stderr()
    );
    let ours: Vec<String> = lab
        .as_requests_from_bridges()
        .into_iter()
        .map(|e| e["path"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(!ours.is_empty());
    assert!(
        ours.iter().all(|p| !p.contains(".well-known")),
        "no discovery: {ours:?}"
    );
    assert!(
        lab.resource_server
            .log()
            .iter()
            .all(|e| !e["path"].as_str().unwrap_or("").contains(".well-known")),
        "no protected resource metadata asked for"
    );

    // A person's flow needs more than a token endpoint.
    let (status, _, stderr) = crate::support::run_once(
        &[
            "--token-endpoint",
            &token_endpoint,
            &lab.resource_server.url,
        ],
        &[],
        b"",
    );
    assert_eq!(status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--flow client-credentials"), "{stderr}");
}

#[test]
fn client_credentials_get_a_new_token_on_expiry() {
    let lab = Lab::start(
        &["--client-credentials", "--dcr", "off", "--access-ttl", "2"],
        &[],
    );
    let mut bridge = confidential_agent(&lab);
    bridge.initialize();
    whoami(&mut bridge);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(whoami(&mut bridge)["client_id"], "tether-confidential");
    assert_eq!(count(&lab.counters()["token"]["client_credentials"]), 2);
}

#[test]
fn auto_flow_follows_the_environment() {
    let lab = Lab::start(&["--device"], &[]);
    // Over SSH, a host-started bridge whose host can't show a link (no URL
    // elicitation) still starts the device flow at once: the code goes to
    // stderr and to the host as a log notification, and the host's
    // initialize waits until the person approves.
    let mut bridge = lab.bridge_env(
        &["--client-id", "tether-public"],
        &[("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")],
    );
    bridge.send(&json!({"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    let url = device_url(&bridge);
    bridge.wait_for_stderr("device flow", Duration::from_secs(5));
    let notice = bridge.recv();
    assert_eq!(notice["method"], "notifications/message", "{notice}");
    let data = notice["params"]["data"].as_str().unwrap_or_default();
    assert!(
        data.contains("user_code=") || data.contains("code"),
        "{data}"
    );
    assert!(data.contains("mcp-tether login"), "{data}");
    approve_device(&url, false);
    let (_, r) = bridge.recv_response(&json!("i"));
    assert!(r.get("result").is_some(), "initialize after approval: {r}");
    assert_eq!(
        count(&lab.counters()["authorization"]),
        0,
        "no browser flow started"
    );
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);

    // On a desktop the browser flow runs (a new config dir: no token yet).
    let lab = Lab::start(&["--device"], &[]);
    let mut bridge = lab.bridge(&["--client-id", "tether-public"]);
    let r = try_initialize(&mut bridge);
    assert!(r.get("result").is_some(), "{r}");
    bridge.wait_for_stderr("browser flow", Duration::from_secs(5));
    assert_eq!(count(&lab.counters()["authorization"]), 1);
}

/// A host that can show a URL (URL-mode elicitation, MCP 2025-11-25) gets
/// the device flow's link that way, and the request waits for the approval.
#[test]
fn over_ssh_a_host_with_url_elicitation_gets_the_sign_in_link() {
    let lab = Lab::start(&["--device"], &[]);
    let mut bridge = lab.bridge_env(
        &["--client-id", "tether-public"],
        &[("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")],
    );
    bridge.send(
        &json!({"jsonrpc":"2.0","id":"i","method":"initialize","params":{
        "protocolVersion":"2025-11-25",
        "capabilities":{"elicitation":{"form":{},"url":{}}},
        "clientInfo":{"name":"t","version":"1"}}}),
    );
    let elicitation = loop {
        let m = bridge.recv();
        if m["method"] == "elicitation/create" {
            break m;
        }
    };
    assert_eq!(elicitation["params"]["mode"], "url");
    let url = elicitation["params"]["url"].as_str().unwrap().to_string();
    assert!(url.contains("user_code="), "{url}");
    // The host accepts; its answer stays in the bridge.
    bridge.send(&json!({"jsonrpc":"2.0","id":elicitation["id"],"result":{"action":"accept"}}));
    approve_device(&url, false);
    let (_, r) = bridge.recv_response(&json!("i"));
    assert!(
        r.get("result").is_some(),
        "initialize completes after approval: {r}"
    );
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);
    assert!(
        lab.resource_server
            .log()
            .iter()
            .all(|e| e["body"]["result"]["action"].is_null()),
        "the elicitation answer was not relayed to the server"
    );
}

/// The path of an absolute http URL.
fn url_path(url: &str) -> &str {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
}

/// The stored record of the only server a lab's config dir holds.
fn record_path(lab: &Lab) -> std::path::PathBuf {
    std::fs::read_dir(lab.config_dir.path().join("tokens"))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a stored record")
}

/// Register a client at the lab's authorization server directly, the way
/// mcp-tether 0.1 did: without the device grant. Returns its client_id.
fn register_without_device_grant(lab: &Lab, redirect_uri: &str) -> String {
    use std::io::{Read, Write};
    let body = json!({
        "client_name": "an older mcp-tether",
        "redirect_uris": [redirect_uri],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "none",
        "application_type": "native",
    })
    .to_string();
    let port = lab.auth_server.info["port"].as_u64().unwrap();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port as u16)).unwrap();
    write!(
        s,
        "POST /reg HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let (_, answer) = raw.split_once("\r\n\r\n").unwrap();
    let v: Value = serde_json::from_str(answer).unwrap_or_else(|e| panic!("{e}: {raw}"));
    v["client_id"].as_str().unwrap().to_string()
}

/// Over SSH with a provider that registers clients dynamically (no
/// pre-registered client at all): the registration asks for the device
/// grant, so the provider lets the client mcp-tether registered use it. A
/// registration stored by an older version, without that grant, is replaced
/// once, without asking the person.
#[test]
fn device_flow_with_a_client_mcp_tether_registered_itself() {
    let lab = Lab::start(&["--device"], &[]);
    let mut login = lab.command(&["login"], &["--flow", "device"], &[]);
    let url = device_url(&login);
    approve_device(&url, false);
    assert!(login.wait(SLOW).success(), "{}", login.stderr());
    assert_eq!(count(&lab.counters()["registration"]), 1);
    let record: Value = serde_json::from_slice(&std::fs::read(record_path(&lab)).unwrap()).unwrap();
    let grants = record["client"]["grant_types"].to_string();
    assert!(
        grants.contains("urn:ietf:params:oauth:grant-type:device_code"),
        "{record}"
    );

    // Now the record an older version left: a client without the device
    // grant (registered at the provider as such), and no token.
    let mut record = record;
    let redirect_uri = record["client"]["redirect_uri"]
        .as_str()
        .unwrap()
        .to_string();
    let old = register_without_device_grant(&lab, &redirect_uri);
    record["client"] = json!({
        "client_id": old,
        "auth": {"method": "none"},
        "source": "dynamic",
        "redirect_uri": redirect_uri,
    });
    record.as_object_mut().unwrap().remove("tokens");
    std::fs::write(record_path(&lab), record.to_string()).unwrap();

    let mut bridge = lab.bridge_env(&[], &[("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")]);
    bridge.send(&json!({"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    let url = device_url(&bridge);
    approve_device(&url, false);
    let (_, r) = bridge.recv_response(&json!("i"));
    assert!(r.get("result").is_some(), "{r}\n{}", bridge.stderr());
    // 1 first login + 1 by the test + 1 re-registration.
    assert_eq!(count(&lab.counters()["registration"]), 3);
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
}

/// A host that closes stdin while the person is approving the device code:
/// the sign-in is the one thing the bridge lets finish, so the token is
/// stored and the next start relays with no sign-in at all.
#[test]
fn a_sign_in_under_way_outlives_the_host_closing_stdin() {
    let lab = Lab::start(&["--device"], &[]);
    let ssh = [("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")];
    let mut bridge = lab.bridge_env(&["--client-id", "tether-public"], &ssh);
    bridge.send(&json!({"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    let url = device_url(&bridge);
    bridge.close_stdin();
    std::thread::sleep(Duration::from_secs(2));
    approve_device(&url, false);
    assert!(bridge.wait(SLOW).success(), "{}", bridge.stderr());

    let mut next = lab.bridge_env(&["--client-id", "tether-public"], &ssh);
    next.initialize();
    assert_eq!(whoami(&mut next)["sub"], "alice");
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);
    assert_eq!(count(&lab.counters()["authorization"]), 0);
}

/// Wait until the token store holds an access token (a sign-in finished
/// somewhere, with no bridge left to say so).
fn wait_for_stored_token(lab: &Lab, within: Duration) {
    let deadline = std::time::Instant::now() + within;
    loop {
        let stored = lab.token_files().iter().any(|f| {
            std::fs::read(f)
                .ok()
                .and_then(|b| serde_json::from_slice::<Value>(&b).ok())
                .is_some_and(|r| r["tokens"]["access_token"].is_string())
        });
        if stored {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no token was stored within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Approve the device code the bridge showed on stderr (after `why`, the
/// reason it gave for the device flow); the waiting initialize then succeeds.
fn approve_the_code_shown(bridge: &Bridge, why: &str) {
    let url = device_url(bridge);
    assert!(bridge.stderr().contains(why), "{}", bridge.stderr());
    approve_device(&url, false);
    let (_, response) = bridge.recv_response(&json!("i"));
    assert!(response.get("result").is_some(), "{response}");
}

fn initialize_request() -> Value {
    json!({"jsonrpc":"2.0","id":"i","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})
}

/// A first sign-in takes the person 12 s; the host gives up after 5 s and
/// closes the bridge as the SDK does (stdin, 2 s, SIGTERM, 2 s, SIGKILL).
/// The sign-in goes on without it: the token is stored, and the host's next
/// start relays without any authorization and without a browser.
#[test]
fn a_browser_sign_in_outlives_the_host_killing_the_bridge() {
    let lab = Lab::start(&[], &[]);
    let logs = tempfile::tempdir().unwrap();
    let browser_log = logs.path().join("browser.log");
    let env = [
        ("LAB_BROWSER_DELAY_MS", "12000"),
        ("LAB_BROWSER_LOG", browser_log.to_str().unwrap()),
    ];
    let mut bridge = lab.bridge_env(&[], &env);
    bridge.send(&initialize_request());
    bridge.wait_for_stderr("Open this URL to sign in", SLOW);
    std::thread::sleep(Duration::from_secs(5));
    bridge.close_like_the_sdk();
    assert!(
        bridge.try_recv(Duration::ZERO).is_none(),
        "nothing reached the host's stdout after it closed stdin"
    );

    wait_for_stored_token(&lab, SLOW);
    let mut next = lab.bridge_env(&[], &env);
    next.initialize();
    assert_eq!(whoami(&mut next)["sub"], "alice");
    assert_eq!(count(&lab.counters()["authorization"]), 1);
    let runs = std::fs::read_to_string(&browser_log).unwrap_or_default();
    assert_eq!(runs.lines().count(), 1, "one browser run: {runs}");
}

/// The same with the device flow over SSH: the person approves 12 s after
/// the code appeared, long after the host killed the bridge.
#[test]
fn a_device_sign_in_outlives_the_host_killing_the_bridge() {
    let lab = Lab::start(&["--device"], &[]);
    let ssh = [("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")];
    let mut bridge = lab.bridge_env(&[], &ssh);
    bridge.send(&initialize_request());
    let url = device_url(&bridge);
    let shown = std::time::Instant::now();
    std::thread::sleep(Duration::from_secs(5));
    bridge.close_like_the_sdk();
    std::thread::sleep(Duration::from_secs(12).saturating_sub(shown.elapsed()));
    approve_device(&url, false);

    wait_for_stored_token(&lab, SLOW);
    let mut next = lab.bridge_env(&[], &ssh);
    next.initialize();
    assert_eq!(whoami(&mut next)["sub"], "alice");
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);
    assert_eq!(count(&lab.counters()["authorization"]), 0);
}

/// A host that restarts its server while the first sign-in is under way:
/// the second bridge waits for that sign-in instead of starting another
/// (no second device code), and relays once the person approves.
#[test]
fn a_restarted_bridge_waits_for_the_sign_in_under_way() {
    let lab = Lab::start(&["--device"], &[]);
    let ssh = [("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")];
    let mut first = lab.bridge_env(&[], &ssh);
    first.send(&initialize_request());
    let url = device_url(&first);
    first.close_like_the_sdk();

    let mut second = lab.bridge_env(&[], &ssh);
    second.send(&initialize_request());
    std::thread::sleep(Duration::from_secs(2));
    approve_device(&url, false);
    let (_, response) = second.recv_response(&json!("i"));
    assert!(
        response.get("result").is_some(),
        "{response}\n{}",
        second.stderr()
    );
    second.send(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    assert_eq!(whoami(&mut second)["sub"], "alice");
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);
    assert!(
        !second.stderr().contains("Code:"),
        "the second bridge showed no code of its own:\n{}",
        second.stderr()
    );
}

/// A desktop where the browser launcher fails (the host hid the display, no
/// browser installed…) and a server that offers the device flow: the bridge
/// does not wait for a browser that never opened; it shows a device code.
#[test]
fn a_browser_that_cannot_open_falls_back_to_the_device_flow() {
    let lab = Lab::start(&["--device"], &[]);
    let mut bridge = lab.bridge_env(&[], &[("BROWSER", "false")]);
    bridge.send(&initialize_request());
    approve_the_code_shown(&bridge, "no browser could be opened");
    bridge.send(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);
}

/// The same without a device flow: the sign-in link goes where the person
/// looks. A host that shows links gets it as a URL elicitation; following
/// it completes the sign-in and the waiting initialize is answered.
#[test]
fn a_browser_that_cannot_open_sends_the_link_to_the_host() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge_env(&[], &[("BROWSER", "false")]);
    bridge.send(
        &json!({"jsonrpc":"2.0","id":"i","method":"initialize","params":{
        "protocolVersion":"2025-11-25",
        "capabilities":{"elicitation":{"url":{}}},
        "clientInfo":{"name":"t","version":"1"}}}),
    );
    let mut logged = false;
    let elicitation = loop {
        let m = bridge.recv();
        if m["method"] == "notifications/message" {
            logged |= m.to_string().contains("no browser could be opened");
        }
        if m["method"] == "elicitation/create" {
            break m;
        }
    };
    assert!(logged, "a log notification said why first");
    let url = elicitation["params"]["url"].as_str().unwrap().to_string();
    assert!(url.contains("code_challenge="), "{url}");
    bridge.send(&json!({"jsonrpc":"2.0","id":elicitation["id"],"result":{"action":"accept"}}));
    // The person opens the link (here: the scripted browser).
    let status = Command::new(crate::oauth::BROWSER)
        .arg(&url)
        .status()
        .unwrap();
    assert!(status.success());
    let (_, response) = bridge.recv_response(&json!("i"));
    assert!(response.get("result").is_some(), "{response}");
}

/// A host that gives up on the request waiting for a device sign-in (it
/// sends `notifications/cancelled`) gets an error that says how to finish
/// the sign-in; the next start picks the token up.
#[test]
fn a_cancelled_request_says_how_to_finish_the_sign_in() {
    let lab = Lab::start(&["--device"], &[]);
    let ssh = [("SSH_CONNECTION", "10.0.0.1 50000 10.0.0.2 22")];
    let mut bridge = lab.bridge_env(&[], &ssh);
    // (initialize may not be cancelled: a ping is what waits here.)
    bridge.send(&json!({"jsonrpc":"2.0","id":"p","method":"ping"}));
    let url = device_url(&bridge);
    bridge.send(
        &json!({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"p"}}),
    );
    let (_, response) = bridge.recv_response(&json!("p"));
    let message = crate::oauth::error_message(&response);
    let code = url.split("user_code=").nth(1).unwrap_or_default();
    assert!(
        message.contains("sign-in is under way") && message.contains(code),
        "{message}"
    );
    bridge.close_like_the_sdk();
    approve_device(&url, false);
    wait_for_stored_token(&lab, SLOW);
    let mut next = lab.bridge_env(&[], &ssh);
    next.initialize();
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);
}

/// A bridge started over SSH by a host that strips the environment to an
/// allow-list (Codex, the SDK's default): no SSH_* variable is left, but
/// `sshd` is among its ancestors. The caller's `dir` keeps the fake sshd.
fn bridge_under_sshd(lab: &Lab, dir: &std::path::Path) -> Bridge {
    // A process named sshd (what the kernel records is the name it was
    // started by), which keeps running as the bridge's parent.
    let sshd = dir.join("sshd");
    std::os::unix::fs::symlink("/bin/sh", &sshd).unwrap();
    let mut cmd = Command::new(&sshd);
    cmd.args(["-c", r#""$0" "$@"; exit $?"#, crate::support::BIN])
        .arg(&lab.resource_server.url)
        .env_clear()
        .envs(crate::support::codex_env(dir, lab.config_dir.path()));
    Bridge::spawn_command(cmd, tempfile::tempdir().unwrap())
}

/// Under sshd the bridge picks the device flow; a host that can't show
/// links gets the code on stderr, and approving it answers the waiting
/// initialize.
#[test]
fn under_sshd_with_a_stripped_environment_the_device_code_reaches_the_person() {
    let lab = Lab::start(&["--device"], &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut bridge = bridge_under_sshd(&lab, dir.path());
    bridge.send(&initialize_request());
    approve_the_code_shown(&bridge, "runs under sshd");
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);
    assert_eq!(count(&lab.counters()["authorization"]), 0);
}

/// The same with a host that declares URL elicitation: the person approves
/// from the link the host shows.
#[test]
fn under_sshd_a_host_that_shows_links_gets_the_device_link() {
    let lab = Lab::start(&["--device"], &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut bridge = bridge_under_sshd(&lab, dir.path());
    bridge.send(
        &json!({"jsonrpc":"2.0","id":"i","method":"initialize","params":{
        "protocolVersion":"2025-11-25",
        "capabilities":{"elicitation":{"url":{}}},
        "clientInfo":{"name":"t","version":"1"}}}),
    );
    let elicitation = loop {
        let m = bridge.recv();
        if m["method"] == "elicitation/create" {
            break m;
        }
    };
    let url = elicitation["params"]["url"].as_str().unwrap().to_string();
    bridge.send(&json!({"jsonrpc":"2.0","id":elicitation["id"],"result":{"action":"accept"}}));
    approve_device(&url, false);
    let (_, response) = bridge.recv_response(&json!("i"));
    assert!(response.get("result").is_some(), "{response}");
    assert!(
        bridge.stderr().contains("runs under sshd"),
        "{}",
        bridge.stderr()
    );
    assert_eq!(count(&lab.counters()["deviceAuthorization"]), 1);
}

/// `oidc-provider` restarted on the same port with no memory of clients,
/// grants or signing keys (a development server restarted, a tenant
/// recreated): the stored token is refused, the refresh too, and the next
/// bridge registers again and signs in once through the provider's pages,
/// without ever sending the person to a page for a client it forgot.
#[test]
fn a_provider_that_forgot_everything_gets_one_registration_and_one_sign_in() {
    let mut lab = Lab::start(&[], &[]);
    let mut first = lab.bridge(&[]);
    first.initialize();
    assert_eq!(whoami(&mut first)["sub"], "alice");
    first.close_stdin();
    first.wait(Duration::from_secs(5));

    // The tenant is recreated: the provider forgets everything, and the MCP
    // server in front of it trusts only its new keys (both keep their ports).
    let as_port = lab.auth_server.port().to_string();
    let rs_port = lab.resource_server.port().to_string();
    lab.auth_server.stop();
    lab.resource_server.stop();
    lab.auth_server = Server::start("oauth-as.mjs", &["--port", &as_port]);
    lab.resource_server = Server::start(
        "protected-server.mjs",
        &["--issuer", &lab.auth_server.url, "--port", &rs_port],
    );

    let mut second = lab.bridge(&[]);
    second.initialize();
    assert_eq!(whoami(&mut second)["sub"], "alice");
    let counters = lab.counters();
    assert_eq!(count(&counters["registration"]), 1, "{counters}");
    assert_eq!(count(&counters["authorization"]), 1, "{counters}");
    assert_eq!(
        count(&counters["token"]["authorization_code"]),
        1,
        "{counters}"
    );
}
