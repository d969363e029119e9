//! Authorization servers that MCP frameworks embed, signed in to as a new user
//! would, with no flag: FastMCP's `InMemoryOAuthProvider` (tests/lab-fastmcp,
//! real FastMCP 4.1.6 from PyPI) and the MCP TypeScript SDK's demo provider
//! (tests/lab/sdk-oauth-server.mjs), and Cloudflare's
//! `workers-oauth-provider` in a Worker run by `wrangler dev` (tests/lab-cf).
//! All approve at once, so the "browser" only follows redirects
//! (tests/lab/follow-browser.sh); the first two keep their clients in
//! memory: a restart forgets every registration and token.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Bridge, Server};

const BROWSER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/lab/follow-browser.sh");

/// A private config dir and a browser log, shared by the bridges of one test.
struct Person {
    dir: tempfile::TempDir,
}

impl Person {
    fn new() -> Person {
        Person {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn browser_log(&self) -> std::path::PathBuf {
        self.dir.path().join("browser.log")
    }

    /// How many times a browser was opened so far.
    fn sign_ins(&self) -> usize {
        std::fs::read_to_string(self.browser_log())
            .map(|s| s.lines().count())
            .unwrap_or(0)
    }

    fn bridge(&self, url: &str) -> Bridge {
        let config = self.dir.path().join("config");
        let log = self.browser_log();
        Bridge::spawn_with_env(
            &[url, "--token-store", "file"],
            &[
                ("BROWSER", BROWSER),
                ("MCP_TETHER_CONFIG_DIR", config.to_str().unwrap()),
                ("LAB_BROWSER_LOG", log.to_str().unwrap()),
                ("DISPLAY", ":0"),
            ],
        )
    }

    /// Start a bridge, initialize and call `echo`; the answer must come back.
    fn relays(&self, url: &str) {
        self.calls(
            url,
            "echo",
            json!({"text": "through the bridge"}),
            "through the bridge",
        );
    }

    /// Start a bridge, initialize, call `tool`; its text must hold `expect`.
    fn calls(&self, url: &str, tool: &str, args: Value, expect: &str) {
        let mut bridge = self.bridge(url);
        bridge.initialize();
        let (_, r) = bridge.call_tool(tool, args);
        assert!(
            r["result"]["content"][0]["text"]
                .as_str()
                .is_some_and(|t| t.contains(expect)),
            "{r}\nstderr:\n{}",
            bridge.stderr()
        );
        bridge.close_stdin();
        bridge.wait(Duration::from_secs(5));
    }
}

fn fastmcp(args: &[&str]) -> Server {
    Server::start_venv("lab-fastmcp", "fastmcp_oauth_server.py", args)
}

fn counters(server: &Server) -> Value {
    server.get_json("/_lab/counters")
}

#[test]
fn fastmcp_built_in_authorization_server_signs_in_once_and_recovers_from_a_restart() {
    let person = Person::new();
    let server = fastmcp(&[]);

    // First start: one registration, one authorization, and the bridge relays.
    person.relays(&server.url);
    let c = counters(&server);
    assert_eq!(c["registrations"], 1, "{c}");
    assert_eq!(c["authorizations"], 1, "{c}");
    assert_eq!(person.sign_ins(), 1);
    // What FastMCP's token endpoint needs: client_id in the body.
    let code_exchange = c["token_requests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["grant_type"] == "authorization_code")
        .cloned()
        .unwrap_or_else(|| panic!("no code exchange in {c}"));
    assert_eq!(code_exchange["client_id_in_body"], true, "{c}");
    assert_eq!(code_exchange["status"], 200, "{c}");

    // Second start: the stored token, no authorization.
    person.relays(&server.url);
    let c = counters(&server);
    assert_eq!(c["registrations"], 1, "{c}");
    assert_eq!(c["authorizations"], 1, "{c}");
    assert_eq!(person.sign_ins(), 1);

    // The server restarts and forgets every client and token. The bridge
    // registers again before anyone is sent to the browser, and signs in once.
    let port = server.port().to_string();
    drop(server);
    let server = fastmcp(&["--port", &port]);
    person.relays(&server.url);
    let c = counters(&server);
    assert_eq!(c["registrations"], 1, "{c}");
    assert_eq!(c["authorizations"], 1, "{c}");
    assert_eq!(person.sign_ins(), 2, "one more sign-in after the restart");
}

#[test]
fn the_mcp_sdk_demo_authorization_server_signs_in_once_and_recovers_from_a_restart() {
    let person = Person::new();
    let server = Server::start("sdk-oauth-server.mjs", &[]);
    let greet = |person: &Person, server: &Server| {
        person.calls(&server.url, "greet", json!({"name": "tether"}), "tether");
    };
    greet(&person, &server);
    let c = counters(&server);
    assert_eq!(c["registrations"], 1, "{c}");
    assert_eq!(c["authorizations"], 1, "{c}");

    greet(&person, &server);
    let c = counters(&server);
    assert_eq!(c["authorizations"], 1, "no second sign-in: {c}");
    assert_eq!(person.sign_ins(), 1);

    let mcp_port = server.info["mcpPort"].to_string();
    let auth_port = server.info["authPort"].to_string();
    drop(server);
    let server = Server::start(
        "sdk-oauth-server.mjs",
        &["--port", &mcp_port, "--auth-port", &auth_port],
    );
    greet(&person, &server);
    let c = counters(&server);
    assert_eq!(c["registrations"], 1, "{c}");
    assert_eq!(c["authorizations"], 1, "{c}");
    assert_eq!(person.sign_ins(), 2);
}

/// Cloudflare's provider with its shortest token life (60 s): after the
/// token expires, the bridge refreshes it, with no new authorization.
#[test]
fn cloudflare_workers_oauth_provider_signs_in_and_refreshes_a_60_s_token() {
    let person = Person::new();
    let server = Server::start_node_in("lab-cf", "start.mjs", &[]);
    person.relays(&server.url);
    let c = counters(&server);
    assert_eq!(c["registrations"], 1, "{c}");
    assert_eq!(c["authorizations"], 1, "{c}");
    person.relays(&server.url);
    assert_eq!(counters(&server)["authorizations"], 1);

    std::thread::sleep(Duration::from_secs(62));
    person.relays(&server.url);
    let c = counters(&server);
    assert_eq!(c["authorizations"], 1, "no new authorization: {c}");
    assert_eq!(c["token_requests"]["refresh_token"], 1, "{c}");
    assert_eq!(person.sign_ins(), 1);
}
