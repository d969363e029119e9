//! Protocol eras: a host that speaks 2025-11-25 (this test driver) through
//! mcp-tether to a real MCP 2026-07-28 server (the Python SDK `mcp` 2.3.0,
//! tests/lab-py/modern_server.py), and the same bridge to a 2025-era server.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Bridge, Server, tool_text};

fn modern_server() -> Server {
    Server::start_python("modern_server.py", &[])
}

/// A bridge as a host starts it, with a private config dir (the era memory).
fn bridge(server: &Server, dir: &tempfile::TempDir, flags: &[&str]) -> Bridge {
    let mut args = flags.to_vec();
    args.push(&server.url);
    Bridge::spawn_with_env(
        &args,
        &[("MCP_TETHER_CONFIG_DIR", dir.path().to_str().unwrap())],
    )
}

fn initialize_with(bridge: &mut Bridge, capabilities: Value) -> Value {
    let (_, r) = bridge.request(
        "initialize",
        json!({"protocolVersion":"2025-11-25","capabilities":capabilities,"clientInfo":{"name":"era-test","version":"1"}}),
    );
    bridge.send(&json!({"jsonrpc":"2.0","method":"notifications/initialized"}));
    r
}

/// POSTs the server received for `method`.
fn posts(server: &Server, method: &str) -> Vec<Value> {
    server
        .log()
        .into_iter()
        .filter(|e| e["method"] == "POST" && e["body"]["method"] == method)
        .collect()
}

#[test]
fn a_2025_host_gets_a_handshake_and_tool_calls_from_a_2026_server() {
    let server = modern_server();
    let dir = tempfile::tempdir().unwrap();
    let mut host = bridge(&server, &dir, &[]);
    let init = initialize_with(&mut host, json!({}));
    let result = &init["result"];
    assert_eq!(result["protocolVersion"], "2025-11-25", "{init}");
    assert_eq!(result["serverInfo"]["name"], "lab-py-modern");
    assert!(result["capabilities"]["tools"].is_object());
    assert!(
        result["instructions"]
            .as_str()
            .unwrap()
            .contains("2026-07-28")
    );

    let (_, r) = host.call_tool("echo", json!({"text": "across eras"}));
    assert_eq!(tool_text(&r), "across eras");
    let (_, list) = host.request("tools/list", json!({}));
    assert!(
        list["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["name"] == "where")
    );

    // What the server saw: no initialize, no session, no GET or DELETE; every
    // POST with the version, method and name headers and the envelope.
    drop(host);
    let log = server.log();
    assert!(posts(&server, "initialize").is_empty());
    assert_eq!(posts(&server, "server/discover").len(), 1);
    for e in &log {
        assert_eq!(e["method"], "POST", "only POSTs: {e}");
        assert!(e["headers"].get("mcp-session-id").is_none(), "{e}");
        assert_eq!(e["headers"]["mcp-protocol-version"], "2026-07-28", "{e}");
        assert_eq!(e["headers"]["mcp-method"], e["body"]["method"], "{e}");
        let meta = &e["body"]["params"]["_meta"];
        assert_eq!(
            meta["io.modelcontextprotocol/protocolVersion"],
            "2026-07-28"
        );
        assert_eq!(
            meta["io.modelcontextprotocol/clientInfo"]["name"],
            "era-test"
        );
    }
    let call = &posts(&server, "tools/call")[0];
    assert_eq!(call["headers"]["mcp-name"], "echo");
}

#[test]
fn x_mcp_header_parameters_are_mirrored_into_headers() {
    let server = modern_server();
    let dir = tempfile::tempdir().unwrap();
    let mut host = bridge(&server, &dir, &[]);
    initialize_with(&mut host, json!({}));
    host.request("tools/list", json!({}));
    for region in ["eu-west1", "Zürich ☃"] {
        let (_, r) = host.call_tool("where", json!({"region": region}));
        let seen: Value = serde_json::from_str(tool_text(&r)).unwrap();
        assert_eq!(seen["argument"], region);
        assert_eq!(seen["headerDecoded"], region, "{seen}");
    }
    // Without a tools/list first, the bridge learns the schema on the
    // server's HeaderMismatch and retries once.
    let mut cold = bridge(&server, &dir, &[]);
    initialize_with(&mut cold, json!({}));
    let (_, r) = cold.call_tool("where", json!({"region": "ap-south1"}));
    let seen: Value = serde_json::from_str(tool_text(&r)).unwrap();
    assert_eq!(seen["header"], "ap-south1");
}

#[test]
fn list_changed_reaches_the_host_from_the_subscriptions_stream() {
    let server = modern_server();
    let dir = tempfile::tempdir().unwrap();
    let mut host = bridge(&server, &dir, &[]);
    initialize_with(&mut host, json!({}));
    // Give the listen stream a moment to be acknowledged.
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while posts(&server, "subscriptions/listen").is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no subscriptions/listen"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let (others, r) = host.call_tool("add_tool", json!({"name": "fresh"}));
    assert_eq!(tool_text(&r), "added fresh");
    let mut seen = others;
    while !seen
        .iter()
        .any(|m| m["method"] == "notifications/tools/list_changed")
    {
        match host.try_recv(Duration::from_secs(5)) {
            Some(m) => seen.push(m),
            None => panic!("no tools/list_changed reached the host: {seen:?}"),
        }
    }
    let note = seen
        .iter()
        .find(|m| m["method"] == "notifications/tools/list_changed")
        .unwrap();
    assert!(
        note["params"].get("_meta").is_none(),
        "in the 2025 shape: {note}"
    );
    let (_, r) = host.call_tool("fresh", json!({"text": "hi"}));
    assert_eq!(tool_text(&r), "fresh: hi");
}

#[test]
fn input_required_becomes_an_elicitation_for_the_host() {
    let server = modern_server();
    let dir = tempfile::tempdir().unwrap();
    let mut host = bridge(&server, &dir, &[]);
    initialize_with(&mut host, json!({"elicitation": {"form": {}}}));
    host.send(&json!({"jsonrpc":"2.0","id":"q","method":"tools/call","params":{"name":"ask","arguments":{"message":"Who are you?"}}}));
    let question = host.recv();
    assert_eq!(question["method"], "elicitation/create", "{question}");
    assert_eq!(question["params"]["message"], "Who are you?");
    host.send(&json!({"jsonrpc":"2.0","id":question["id"],"result":{"action":"accept","content":{"name":"Grace","ok":false}}}));
    let (_, r) = host.recv_response(&json!("q"));
    let answer: Value = serde_json::from_str(tool_text(&r)).unwrap();
    assert_eq!(answer["action"], "accept");
    assert_eq!(answer["content"]["name"], "Grace");
    assert_eq!(answer["content"]["ok"], false);
    let calls = posts(&server, "tools/call");
    assert_eq!(calls.len(), 2, "the call and its retry");
    assert!(calls[1]["body"]["params"]["requestState"].is_string());

    // A host that never declared elicitation gets a clear error, not silence.
    let mut plain = bridge(&server, &dir, &[]);
    initialize_with(&mut plain, json!({}));
    let (_, r) = plain.call_tool("ask", json!({"message": "?"}));
    // The server refuses it (-32021) and names the capability; the host
    // gets that error as the server sent it.
    assert_eq!(r["error"]["code"], -32021, "{r}");
    assert!(
        r["error"]["data"]["requiredCapabilities"]["elicitation"].is_object(),
        "{r}"
    );
}

#[test]
fn auto_remembers_a_2025_server_and_probes_it_only_once() {
    let server = Server::start("sdk-server.mjs", &[]);
    let dir = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let mut host = bridge(&server, &dir, &[]);
        let init = initialize_with(&mut host, json!({}));
        assert!(init.get("result").is_some(), "{init}");
        let (_, r) = host.call_tool("echo", json!({"text": "old era"}));
        assert_eq!(tool_text(&r), "old era");
    }
    assert_eq!(
        posts(&server, "server/discover").len(),
        1,
        "one probe, then remembered"
    );
    assert_eq!(posts(&server, "initialize").len(), 2);
    // --protocol legacy never probes.
    let mut host = bridge(
        &server,
        &tempfile::tempdir().unwrap(),
        &["--protocol", "legacy"],
    );
    initialize_with(&mut host, json!({}));
    assert_eq!(posts(&server, "server/discover").len(), 1);
}

#[test]
fn protocol_modern_refuses_a_2025_server_clearly() {
    let server = Server::start("sdk-server.mjs", &[]);
    let dir = tempfile::tempdir().unwrap();
    let mut host = bridge(&server, &dir, &["--protocol", "modern"]);
    let init = initialize_with(&mut host, json!({}));
    let message = init["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("does not speak MCP 2026-07-28"), "{init}");
}

#[test]
fn a_2026_host_passes_through_to_a_2026_server() {
    let server = modern_server();
    let dir = tempfile::tempdir().unwrap();
    let mut host = bridge(&server, &dir, &[]);
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let (_, r) = host.request("server/discover", json!({"_meta": meta}));
    assert_eq!(r["result"]["supportedVersions"][0], "2026-07-28", "{r}");
    let (_, r) = host.request(
        "tools/call",
        json!({"name":"echo","arguments":{"text":"native"},"_meta": meta}),
    );
    assert_eq!(tool_text(&r), "native");
    assert_eq!(r["result"]["resultType"], "complete", "untouched: {r}");
    let call = &posts(&server, "tools/call")[0];
    assert_eq!(call["headers"]["mcp-name"], "echo");
    assert!(
        call["body"]["params"]["_meta"]
            .get("io.modelcontextprotocol/clientInfo")
            .is_none(),
        "nothing added to the body"
    );
}

/// A 2026-07-28 server that refuses the first request of each method with
/// -32022 (a hand-made fake: no SDK server can be made to do that).
fn version_refusing_server() -> Server {
    Server::start("fake-version-refusing-server.mjs", &[])
}

#[test]
fn a_refused_version_is_retried_once_for_a_2025_host() {
    let server = version_refusing_server();
    let dir = tempfile::tempdir().unwrap();
    let mut host = bridge(&server, &dir, &[]);
    // The probe at initialize is refused once, then answered.
    let init = initialize_with(&mut host, json!({}));
    assert_eq!(
        init["result"]["serverInfo"]["name"], "fake-version-refusing-server",
        "{init}"
    );
    // So is the first tools/call; the host sees only the answer.
    let (_, r) = host.call_tool("echo", json!({"text": "second time lucky"}));
    assert_eq!(tool_text(&r), "second time lucky", "{r}");
    // No version in common: the host gets the server's -32022 as it was sent,
    // after the bridge's one retry.
    let before = posts(&server, "tools/call").len();
    let (_, r) = host.call_tool("from_the_future", json!({}));
    assert_eq!(r["error"]["code"], -32022, "{r}");
    assert_eq!(
        r["error"]["data"]["supported"],
        json!(["2099-01-01"]),
        "{r}"
    );
    assert_eq!(posts(&server, "tools/call").len(), before + 1, "no retry");

    for method in ["server/discover", "tools/call"] {
        let seen = posts(&server, method);
        assert!(
            seen.len() >= 2,
            "{method}: the refused request and its retry"
        );
        for e in &seen[..2] {
            assert_eq!(e["headers"]["mcp-protocol-version"], "2026-07-28", "{e}");
            assert_eq!(
                e["body"]["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"],
                "2026-07-28",
                "{e}"
            );
        }
        assert_eq!(seen[0]["status"], 400);
        assert_eq!(seen[1]["status"], 200);
    }
}

#[test]
fn a_2026_host_gets_the_version_refusal_to_retry_itself() {
    let server = version_refusing_server();
    let dir = tempfile::tempdir().unwrap();
    let mut host = bridge(&server, &dir, &[]);
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {},
    });
    let (_, r) = host.request("server/discover", json!({"_meta": meta}));
    assert_eq!(r["error"]["code"], -32022, "relayed, not retried: {r}");
    assert_eq!(posts(&server, "server/discover").len(), 1);
    // The host retries, as a 2026-07-28 client does.
    let (_, r) = host.request("server/discover", json!({"_meta": meta}));
    assert_eq!(r["result"]["supportedVersions"][0], "2026-07-28", "{r}");
}

#[test]
fn the_bridges_own_input_required_retry_has_a_new_id() {
    let server = modern_server();
    let dir = tempfile::tempdir().unwrap();
    let mut host = bridge(&server, &dir, &[]);
    initialize_with(&mut host, json!({"elicitation": {"form": {}}}));
    host.send(&json!({"jsonrpc":"2.0","id":"host-7","method":"tools/call","params":{"name":"ask","arguments":{"message":"Again?"}}}));
    let question = host.recv();
    assert_eq!(question["method"], "elicitation/create", "{question}");
    host.send(&json!({"jsonrpc":"2.0","id":question["id"],"result":{"action":"accept","content":{"name":"Ada","ok":true}}}));
    let (_, r) = host.recv_response(&json!("host-7"));
    let answer: Value = serde_json::from_str(tool_text(&r)).unwrap();
    assert_eq!(answer["content"]["name"], "Ada", "{r}");
    let calls = posts(&server, "tools/call");
    assert_eq!(calls.len(), 2, "the call and its retry");
    assert_eq!(calls[0]["body"]["id"], "host-7");
    assert_ne!(
        calls[1]["body"]["id"], calls[0]["body"]["id"],
        "SEP-2322: the retry is a new request with an id of its own"
    );
    assert_eq!(calls[1]["status"], 200);
}

/// `server/discover` and two requests as a 2026-07-28 host sends them.
fn modern_host_session(host: &mut Bridge) -> Value {
    let meta = json!({
        "io.modelcontextprotocol/protocolVersion": "2026-07-28",
        "io.modelcontextprotocol/clientCapabilities": {"elicitation": {"form": {}}},
        "io.modelcontextprotocol/clientInfo": {"name": "modern-host", "version": "9"},
    });
    let (_, discover) = host.request("server/discover", json!({"_meta": meta}));
    let (_, list) = host.request("tools/list", json!({"_meta": meta}));
    assert!(
        list["result"]["tools"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t["name"] == "echo")),
        "{list}"
    );
    let mut with_token = meta.clone();
    with_token["progressToken"] = json!("p1");
    let (_, r) = host.request(
        "tools/call",
        json!({"name":"echo","arguments":{"text":"down a level"},"_meta": with_token}),
    );
    assert_eq!(tool_text(&r), "down a level", "{r}");
    discover
}

#[test]
fn a_2026_host_gets_server_discover_from_a_2025_server() {
    let server = Server::start("sdk-server.mjs", &[]);
    let dir = tempfile::tempdir().unwrap();
    // First with no era remembered (the host's discover is tried on the
    // server first), then with the 2025 era remembered.
    for start in 0..2 {
        let mut host = bridge(&server, &dir, &[]);
        let d = modern_host_session(&mut host);
        let result = &d["result"];
        assert_eq!(result["supportedVersions"], json!(["2026-07-28"]), "{d}");
        assert_eq!(result["resultType"], "complete");
        assert_eq!(
            result["serverInfo"]["name"], "mcp-tether-lab-sdk-server",
            "{d}"
        );
        assert!(result["capabilities"]["tools"].is_object(), "{d}");
        let inits = posts(&server, "initialize");
        assert_eq!(
            inits.len(),
            start + 1,
            "the bridge initialized for the host"
        );
        assert_eq!(
            inits[start]["body"]["params"]["clientInfo"]["name"],
            "modern-host"
        );
        assert_eq!(
            inits[start]["body"]["params"]["capabilities"]["elicitation"]["form"],
            json!({})
        );
    }
    let log = server.log();
    assert!(
        log.iter()
            .any(|e| e["method"] == "POST" && e["body"]["method"] == "notifications/initialized")
    );
    // The later requests ride the session, in the 2025 shape: the envelope
    // is gone, the rest of `_meta` stays.
    let calls = posts(&server, "tools/call");
    assert_eq!(calls.len(), 2);
    for call in &calls {
        assert!(call["headers"]["mcp-session-id"].is_string(), "{call}");
        assert_eq!(call["headers"]["mcp-protocol-version"], "2025-11-25");
        assert_eq!(
            call["body"]["params"]["_meta"],
            json!({"progressToken": "p1"})
        );
    }
    assert_eq!(
        posts(&server, "server/discover").len(),
        1,
        "probed once, then remembered"
    );

    // A 2025 host in front of the same server is unchanged.
    let mut old = bridge(&server, &dir, &[]);
    let init = initialize_with(&mut old, json!({}));
    assert_eq!(
        init["result"]["serverInfo"]["name"],
        "mcp-tether-lab-sdk-server"
    );
    let (_, r) = old.call_tool("echo", json!({"text": "as before"}));
    assert_eq!(tool_text(&r), "as before");
}
