//! OAuth against real components: oidc-provider as the authorization server
//! (tests/lab/oauth-as.mjs, configured per test), an MCP server on the official
//! SDK that validates the JWT's signature, audience and scopes
//! (tests/lab/protected-server.mjs), and a scripted browser that signs in and
//! consents through the provider's real pages (tests/lab/browser.sh, wired in
//! as $BROWSER).

use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Bridge, Server, tool_text};

pub const BROWSER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab/browser.sh");

pub struct Lab {
    pub auth_server: Server,
    pub resource_server: Server,
    pub config_dir: tempfile::TempDir,
}

impl Lab {
    pub fn start(as_flags: &[&str], rs_flags: &[&str]) -> Lab {
        let auth_server = Server::start("oauth-as.mjs", as_flags);
        let mut args = vec!["--issuer", auth_server.url.as_str()];
        args.extend_from_slice(rs_flags);
        let resource_server = Server::start("protected-server.mjs", &args);
        Lab {
            auth_server,
            resource_server,
            config_dir: tempfile::tempdir().unwrap(),
        }
    }

    fn issuer(&self) -> &str {
        &self.auth_server.url
    }

    pub fn bridge(&self, flags: &[&str]) -> Bridge {
        self.bridge_env(flags, &[])
    }

    /// A bridge as a host would start it, with the scripted browser and a
    /// private config dir.
    pub fn bridge_env(&self, flags: &[&str], env: &[(&str, &str)]) -> Bridge {
        self.command(&[], flags, env)
    }

    /// `mcp-tether <subcommand…> <flags…> <server url>` with the lab's browser
    /// and config dir. The environment looks like a desktop (DISPLAY set)
    /// unless `env` says otherwise.
    pub fn command(&self, sub: &[&str], flags: &[&str], env: &[(&str, &str)]) -> Bridge {
        let mut args: Vec<&str> = sub.to_vec();
        args.extend_from_slice(flags);
        args.push(&self.resource_server.url);
        self.run(&args, env)
    }

    /// `mcp-tether <args…>` with the lab's browser and config dir.
    pub fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Bridge {
        let dir = self.config_dir.path().to_str().unwrap();
        let mut all_env = vec![
            ("BROWSER", BROWSER),
            ("MCP_TETHER_CONFIG_DIR", dir),
            ("DISPLAY", ":0"),
        ];
        all_env.extend_from_slice(env);
        Bridge::spawn_with_env(args, &all_env)
    }

    /// What mcp-tether itself asked the authorization server (by user agent:
    /// the resource server's own metadata and JWKS fetches don't count).
    pub fn as_requests_from_bridges(&self) -> Vec<Value> {
        self.auth_server
            .log()
            .into_iter()
            .filter(|e| {
                e["headers"]["user-agent"]
                    .as_str()
                    .is_some_and(|ua| ua.starts_with("mcp-tether"))
            })
            .collect()
    }

    /// Counts at the authorization server: authorization, token grants, registrations…
    pub fn counters(&self) -> Value {
        self.auth_server.get_json("/_lab/counters")
    }

    pub fn token_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.config_dir.path().join("tokens"))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default()
    }
}

/// Send initialize and return the response (which may be an error).
pub fn try_initialize(bridge: &mut Bridge) -> Value {
    bridge
        .request(
            "initialize",
            json!({"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}),
        )
        .1
}

pub fn whoami(bridge: &mut Bridge) -> Value {
    let (_, r) = bridge.call_tool("whoami", json!({}));
    serde_json::from_str(tool_text(&r)).unwrap()
}

pub fn error_message(r: &Value) -> String {
    r["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error, got {r}"))
        .to_string()
}

pub fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or(0)
}

#[test]
fn registers_signs_in_once_and_reuses_the_token_after_a_restart() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["sub"], "alice");
    assert_eq!(
        me["aud"],
        lab.resource_server.url.as_str(),
        "the token is bound to this resource"
    );
    assert!(me["scope"].as_str().unwrap().contains("mcp:read"), "{me}");

    let c = lab.counters();
    assert_eq!(count(&c["registration"]), 1, "{c}");
    assert_eq!(count(&c["authorization"]), 1, "{c}");
    assert_eq!(count(&c["token"]["authorization_code"]), 1, "{c}");
    // The authorization request carried PKCE S256 and the resource.
    let auth_req = lab
        .auth_server
        .log()
        .into_iter()
        .find(|e| e["path"].as_str().unwrap().starts_with("/auth?"))
        .unwrap();
    let path = auth_req["path"].as_str().unwrap();
    assert!(path.contains("code_challenge_method=S256"), "{path}");
    assert!(path.contains("resource="), "{path}");
    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());

    // The token is stored privately...
    let files = lab.token_files();
    assert_eq!(files.len(), 1);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&files[0]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let record: Value = serde_json::from_slice(&std::fs::read(&files[0]).unwrap()).unwrap();
    let access_token = record["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !bridge.stderr().contains(&access_token),
        "the token must never reach a log"
    );

    // ...and a restart uses it: no discovery, no registration, no sign-in,
    // and not even a 401 at the server.
    lab.auth_server.control("/_lab/reset-log");
    lab.resource_server.control("/_lab/reset-log");
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    let c = lab.counters();
    assert_eq!(
        lab.auth_server.log().len(),
        0,
        "no request to the authorization server: {c}"
    );
    let first = &lab.resource_server.log()[0];
    assert_eq!(first["body"]["method"], "initialize");
    assert_eq!(
        first["status"], 200,
        "the first request already carries the token"
    );
}

#[test]
fn uses_a_pre_registered_client_where_registration_is_off() {
    let lab = Lab::start(&["--dcr", "off"], &[]);
    let mut bridge = lab.bridge(&[]);
    let r = try_initialize(&mut bridge);
    let msg = error_message(&r);
    assert!(
        msg.contains("does not support dynamic client registration"),
        "{msg}"
    );
    assert!(msg.contains("--client-id"), "{msg}");

    let mut bridge = lab.bridge(&["--client-id", "tether-public"]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["client_id"], "tether-public");
    assert_eq!(count(&lab.counters()["registration"]), 0);
}

#[test]
fn confidential_pre_registered_client_authenticates_at_the_token_endpoint() {
    let lab = Lab::start(&["--dcr", "off"], &[]);
    let mut bridge = lab.bridge_env(
        &[
            "--client-id",
            "tether-confidential",
            "--client-secret-env",
            "LAB_SECRET",
        ],
        &[("LAB_SECRET", "tether-secret")],
    );
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["client_id"], "tether-confidential");
    assert!(!bridge.stderr().contains("tether-secret"));
}

#[test]
fn registration_that_needs_an_initial_access_token() {
    let lab = Lab::start(&["--dcr", "iat"], &[]);
    let mut bridge = lab.bridge(&[]);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("--registration-token"), "{msg}");

    let iat = lab.auth_server.info["initialAccessToken"]
        .as_str()
        .unwrap()
        .to_string();
    let mut bridge = lab.bridge(&["--registration-token", &iat]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
}

#[test]
fn discovery_variants_oidc_only_and_issuer_with_a_path() {
    for as_flags in [
        vec!["--discovery", "oidc"],
        vec!["--issuer-path", "/tenant1", "--discovery", "rfc8414"],
        vec!["--issuer-path", "/tenant1", "--discovery", "oidc-inserted"],
        vec!["--issuer-path", "/tenant1", "--discovery", "oidc"],
    ] {
        let lab = Lab::start(&as_flags, &[]);
        let mut bridge = lab.bridge(&[]);
        bridge.initialize();
        assert_eq!(whoami(&mut bridge)["sub"], "alice", "{as_flags:?}");
    }
}

#[test]
fn metadata_only_at_a_custom_path_needs_the_flag() {
    let lab = Lab::start(
        &[],
        &["--prm", "custom", "--no-resource-metadata-in-challenge"],
    );
    let mut bridge = lab.bridge(&[]);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("--resource-metadata"), "{msg}");
    assert!(
        msg.contains("oauth-protected-resource/mcp"),
        "every URL tried is listed: {msg}"
    );

    let custom = lab.resource_server.at("/custom/prm.json");
    let mut bridge = lab.bridge(&["--resource-metadata", &custom]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
}

#[test]
fn refreshes_with_rotating_refresh_tokens() {
    let lab = Lab::start(&["--rotate-refresh", "--access-ttl", "2"], &[]);
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    whoami(&mut bridge);
    for _ in 0..2 {
        std::thread::sleep(Duration::from_millis(2100));
        assert_eq!(whoami(&mut bridge)["sub"], "alice");
    }
    let c = lab.counters();
    assert_eq!(count(&c["authorization"]), 1, "no new sign-in: {c}");
    assert!(count(&c["token"]["refresh_token"]) >= 2, "{c}");
    let refused = lab
        .auth_server
        .log()
        .into_iter()
        .filter(|e| e["body"]["grant_type"] == "refresh_token" && e["status"] != 200)
        .count();
    assert_eq!(refused, 0, "a rotated refresh token was never reused");
}

/// A 2024-11-05 HTTP+SSE server behind OAuth (the SDK's SSE transport with
/// the same token checks): `auto` gets a 401 on its Streamable HTTP probe,
/// signs in, is refused with 405, and opens the SSE stream with the token. A
/// token the server stops accepting mid-session is refreshed in-band on the
/// next message, and a restart whose stored token is refused at the stream
/// refreshes before it connects; neither signs in again.
#[test]
fn a_legacy_sse_server_behind_oauth_signs_in_and_recovers_refused_tokens() {
    let lab = Lab::start(&[], &["--legacy-sse"]);
    assert!(lab.resource_server.url.ends_with("/sse"));
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["sub"], "alice");
    assert_eq!(me["aud"], lab.resource_server.url.as_str(), "{me}");

    lab.resource_server.control("/_lab/revoke-tokens");
    assert_eq!(
        whoami(&mut bridge)["sub"],
        "alice",
        "a refused message is sent again after a refresh\n{}",
        bridge.stderr()
    );
    let c = lab.counters();
    assert_eq!(count(&c["authorization"]), 1, "no second sign-in: {c}");
    assert_eq!(count(&c["token"]["refresh_token"]), 1, "{c}");
    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());

    lab.resource_server.control("/_lab/revoke-tokens");
    let mut again = lab.bridge(&["--transport", "sse"]);
    again.initialize();
    assert_eq!(whoami(&mut again)["sub"], "alice", "{}", again.stderr());
    let c = lab.counters();
    assert_eq!(count(&c["authorization"]), 1, "no second sign-in: {c}");
    assert_eq!(count(&c["token"]["refresh_token"]), 2, "{c}");
}

/// A server that checks who the caller is and wants the OIDC ID token (the
/// lab's `--accept-id-token`, refusing access tokens): with `--use-id-token`
/// the bridge asks for `openid`, and sends the ID token, also after a restart.
#[test]
fn use_id_token_sends_the_id_token_to_a_server_that_wants_one() {
    let lab = Lab::start(&[], &["--accept-id-token"]);
    let mut bridge = lab.bridge(&["--use-id-token"]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    assert_eq!(me["sub"], "alice", "{}", bridge.stderr());
    assert_ne!(
        me["aud"],
        lab.resource_server.url.as_str(),
        "an ID token is for the client, not the resource: {me}"
    );
    let asked_openid = lab.auth_server.log().iter().any(|e| {
        e["path"].as_str().unwrap_or("").starts_with("/auth?")
            && e["path"].as_str().unwrap_or("").contains("openid")
    });
    assert!(asked_openid, "the authorization request asked for openid");
    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());

    let mut again = lab.bridge(&["--use-id-token"]);
    again.initialize();
    assert_eq!(whoami(&mut again)["sub"], "alice");
    assert_eq!(
        count(&lab.counters()["authorization"]),
        1,
        "stored and reused"
    );
}

/// `--auth-success-url`: once the code is exchanged, the callback sends the
/// browser on to that page (303) instead of showing mcp-tether's own.
#[test]
fn after_signing_in_the_browser_goes_to_the_auth_success_url() {
    let lab = Lab::start(&[], &[]);
    let log = lab.config_dir.path().join("browser.jsonl");
    let then = format!("{}/connected", lab.resource_server.base);
    let mut bridge = lab.bridge_env(
        &["--auth-success-url", &then],
        &[("LAB_BROWSER_LOG", log.to_str().unwrap())],
    );
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
    // The scripted browser is detached: its log line may come a little later.
    let until = std::time::Instant::now() + Duration::from_secs(10);
    let runs = loop {
        let runs = std::fs::read_to_string(&log).unwrap_or_default();
        if runs.contains("\"callback\"") || std::time::Instant::now() > until {
            break runs;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let summary: Value = serde_json::from_str(runs.lines().last().expect("a browser run")).unwrap();
    assert_eq!(summary["callback"]["status"], 303, "{summary}");
    assert_eq!(summary["callback"]["location"], then.as_str(), "{summary}");
}

#[test]
fn steps_up_on_insufficient_scope() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge(&[]);
    bridge.initialize();
    let before = whoami(&mut bridge);
    assert!(!before["scope"].as_str().unwrap().contains("mcp:admin"));
    let (_, r) = bridge.call_tool("admin", json!({}));
    assert!(
        r.get("result").is_some(),
        "the admin call succeeds after step-up: {r}"
    );
    let after = whoami(&mut bridge);
    let scope = after["scope"].as_str().unwrap();
    assert!(
        scope.contains("mcp:admin") && scope.contains("mcp:read"),
        "{scope}"
    );
    assert_eq!(count(&lab.counters()["authorization"]), 2);
}

#[test]
fn strict_redirect_port() {
    let lab = Lab::start(&["--dcr", "off"], &[]);
    let mut bridge = lab.bridge(&["--client-id", "tether-strict", "--callback-port", "47931"]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["client_id"], "tether-strict");
}

#[test]
fn pkce_must_be_advertised_unless_assumed() {
    let lab = Lab::start(&["--hide-pkce-methods"], &[]);
    let mut bridge = lab.bridge(&[]);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("--assume-pkce"), "{msg}");
    assert_eq!(count(&lab.counters()["authorization"]), 0);

    let mut bridge = lab.bridge(&["--assume-pkce"]);
    bridge.initialize();
    assert_eq!(whoami(&mut bridge)["sub"], "alice");
}

#[test]
fn a_denied_sign_in_fails_every_waiting_request_clearly() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge_env(&[], &[("LAB_BROWSER_DENY", "1")]);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("access_denied"), "{msg}");
    // Later requests are answered too, not dropped.
    let (_, r) = bridge.request("tools/list", json!({}));
    assert!(r.get("error").is_some(), "{r}");
}

/// No token may be sent, to anyone, when a check fails.
fn assert_no_token_sent(lab: &Lab) {
    let c = lab.counters();
    assert_eq!(count(&c["token"]["authorization_code"]), 0, "{c}");
    assert!(
        lab.resource_server
            .log()
            .iter()
            .all(|e| e["headers"].get("authorization").is_none()),
        "no bearer token reached the server"
    );
}

#[test]
fn refuses_a_callback_with_the_wrong_state() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge_env(&[], &[("LAB_BROWSER_TAMPER", "state")]);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("state did not match"), "{msg}");
    assert_no_token_sent(&lab);
}

#[test]
fn refuses_a_callback_from_another_issuer() {
    let lab = Lab::start(&[], &[]);
    let mut bridge = lab.bridge_env(&[], &[("LAB_BROWSER_TAMPER", "iss")]);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("mix-up"), "{msg}");
    assert_no_token_sent(&lab);
}

#[test]
fn refuses_metadata_for_another_resource() {
    let lab = Lab::start(&[], &["--prm-resource", "https://evil.example/mcp"]);
    let mut bridge = lab.bridge(&[]);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(
        msg.contains("refusing to get a token for another resource"),
        "{msg}"
    );
    assert_eq!(count(&lab.counters()["authorization"]), 0);
    assert_no_token_sent(&lab);
}

#[test]
fn refuses_authorization_server_metadata_with_another_issuer() {
    let lab = Lab::start(&[], &[]);
    // The resource names the AS by another spelling: its metadata says
    // 127.0.0.1, which is not the issuer we looked up.
    let other = lab.issuer().replace("127.0.0.1", "localhost");
    let lab = Lab {
        resource_server: Server::start(
            "protected-server.mjs",
            &["--issuer", lab.issuer(), "--prm-as", &other],
        ),
        ..lab
    };
    let mut bridge = lab.bridge(&[]);
    let msg = error_message(&try_initialize(&mut bridge));
    assert!(msg.contains("says its issuer is"), "{msg}");
    assert_eq!(count(&lab.counters()["authorization"]), 0);
    assert_no_token_sent(&lab);
}
