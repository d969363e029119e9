//! The relay's numbered behaviours, each against the real SDK server
//! (tests/lab/sdk-server.mjs) unless a real server can't be made to do it.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::{Bridge, Server, tool_text};

fn sdk() -> Server {
    Server::start("sdk-server.mjs", &[])
}

/// Behaviour 1: Newline-delimited JSON-RPC in, and a batch array too.
#[test]
fn relays_lines_and_batches() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let (_, r) = bridge.call_tool("echo", json!({"text": "héllo ✓"}));
    assert_eq!(tool_text(&r), "héllo ✓");

    // A batch of two requests and a notification: one batch of two responses back.
    bridge.send_raw(
        br#"[{"jsonrpc":"2.0","id":"b1","method":"tools/call","params":{"name":"echo","arguments":{"text":"one"}}},{"jsonrpc":"2.0","method":"notifications/roots/list_changed"},{"jsonrpc":"2.0","id":"b2","method":"tools/call","params":{"name":"echo","arguments":{"text":"two"}}}]
"#,
    );
    let batch = loop {
        let m = bridge.recv();
        if m.is_array() {
            break m;
        }
    };
    let batch = batch.as_array().unwrap();
    assert_eq!(batch.len(), 2, "{batch:?}");
    let by_id = |id: &str| batch.iter().find(|m| m["id"] == id).unwrap();
    assert_eq!(tool_text(by_id("b1")), "one");
    assert_eq!(tool_text(by_id("b2")), "two");
}

/// Behaviour 2: The POST headers, 200 JSON, 200 SSE (in order) and 202s.
#[test]
fn posts_with_the_right_headers_and_relays_sse_in_order() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let id = bridge.fresh_id();
    bridge.send(&json!({"jsonrpc":"2.0","id":id,"method":"tools/call",
        "params":{"name":"progress","arguments":{"count":5},"_meta":{"progressToken":"p"}}}));
    let (before, response) = bridge.recv_response(&id);
    let progress: Vec<i64> = before
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| m["params"]["progress"].as_i64().unwrap())
        .collect();
    assert_eq!(
        progress,
        vec![1, 2, 3, 4, 5],
        "progress must arrive in order, before the result"
    );
    assert_eq!(tool_text(&response), "done 5");

    let log = server.log();
    for entry in log.iter().filter(|e| e["method"] == "POST") {
        assert_eq!(entry["headers"]["content-type"], "application/json");
        assert_eq!(
            entry["headers"]["accept"],
            "application/json, text/event-stream"
        );
    }
    let initialized = log
        .iter()
        .find(|e| e["body"]["method"] == "notifications/initialized")
        .unwrap();
    assert_eq!(initialized["status"], 202, "notifications are answered 202");
}

#[test]
fn relays_plain_json_responses() {
    let server = Server::start("sdk-server.mjs", &["--json-response"]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let (_, r) = bridge.call_tool("echo", json!({"text": "json body"}));
    assert_eq!(tool_text(&r), "json body");
    let call = &server.requests_with_method("tools/call")[0];
    assert_eq!(call["status"], 200);
}

/// Behaviour 3: Mcp-Session-Id kept and sent; MCP-Protocol-Version after initialize.
#[test]
fn keeps_the_session_and_protocol_version() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    let init = bridge.initialize();
    let version = init["result"]["protocolVersion"]
        .as_str()
        .unwrap()
        .to_string();
    bridge.request("tools/list", json!({}));
    // (Leaving out the era probe of --protocol auto: a server/discover.)
    let log: Vec<Value> = server
        .log()
        .into_iter()
        .filter(|e| e["body"]["method"] != "server/discover")
        .collect();
    let first = &log[0];
    assert_eq!(first["body"]["method"], "initialize");
    assert!(first["headers"].get("mcp-session-id").is_none());
    let later: Vec<&Value> = log.iter().skip(1).collect();
    assert!(
        later.len() >= 3,
        "initialized, GET and tools/list: {later:?}"
    );
    let session = later[0]["headers"]["mcp-session-id"].as_str().unwrap();
    for entry in later {
        assert_eq!(entry["headers"]["mcp-session-id"], session, "{entry}");
        assert_eq!(
            entry["headers"]["mcp-protocol-version"],
            version.as_str(),
            "{entry}"
        );
    }
}

/// Behaviour 4: The GET stream carries server-initiated messages.
#[test]
fn opens_the_get_stream_after_initialized() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let (mut seen, r) = bridge.call_tool("announce", json!({"text": "to everyone"}));
    assert_eq!(tool_text(&r), "announced");
    // The announcement travels on the GET stream, so it may come after the result.
    let deadline = Instant::now() + Duration::from_secs(5);
    while !seen.iter().any(|m| m["params"]["data"] == "to everyone") {
        assert!(
            Instant::now() < deadline,
            "no announcement arrived: {seen:?}"
        );
        if let Some(m) = bridge.try_recv(Duration::from_millis(200)) {
            seen.push(m);
        }
    }
    let gets: Vec<Value> = server
        .log()
        .into_iter()
        .filter(|e| e["method"] == "GET")
        .collect();
    assert_eq!(gets.len(), 1);
    assert_eq!(gets[0]["headers"]["accept"], "text/event-stream");
}

/// Behaviour 4: A POST's stream that the server closes before answering is resumed with
/// GET and Last-Event-ID (the SDK's closeSSEStream, a real server behaviour).
#[test]
fn resumes_a_closed_response_stream() {
    let server = Server::start("sdk-server.mjs", &["--retry-ms", "300"]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let (_, r) = bridge.call_tool("disconnect", json!({"ms": 600}));
    assert_eq!(tool_text(&r), "resumed 600");
    let resumed: Vec<Value> = server
        .log()
        .into_iter()
        .filter(|e| e["method"] == "GET" && e["headers"].get("last-event-id").is_some())
        .collect();
    assert_eq!(resumed.len(), 1, "one resumption GET with Last-Event-ID");
}

/// Behaviour 4: A dropped GET stream reconnects with Last-Event-ID after `retry`
/// (hand-made fault server: a real one doesn't drop its stream on cue).
#[test]
fn reconnects_a_dropped_get_stream() {
    let server = Server::start("fault-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.at("/getdrop/mcp")]);
    bridge.initialize();
    let first = bridge.recv();
    let second = bridge.recv();
    assert_eq!(first["method"], "notifications/message");
    assert_eq!(second["method"], "notifications/message");
    assert_ne!(first["params"], second["params"]);
    let gets: Vec<Value> = server
        .log()
        .into_iter()
        .filter(|e| e["method"] == "GET")
        .collect();
    assert_eq!(gets.len(), 2, "{gets:?}");
    assert!(gets[0]["headers"].get("last-event-id").is_none());
    assert_eq!(gets[1]["headers"]["last-event-id"], "g1");
}

/// Behaviour 4: A POST stream cut before the response (socket dropped) resumes via GET,
/// after the server's `retry` (hand-made fault server).
#[test]
fn resumes_a_dropped_response_stream_after_retry() {
    let server = Server::start("fault-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.at("/drop/mcp")]);
    bridge.initialize();
    let (others, r) = bridge.call_tool("echo", json!({"text": "survives"}));
    assert_eq!(tool_text(&r), "survives");
    assert!(
        others
            .iter()
            .any(|m| m["method"] == "notifications/message")
    );
    let resume = server
        .log()
        .into_iter()
        .find(|e| e["method"] == "GET" && e["headers"].get("last-event-id").is_some())
        .expect("a resumption GET");
    assert_eq!(resume["headers"]["last-event-id"], "e1");
    let waited = resume["extra"]["sinceDropMs"].as_f64().unwrap_or(0.0);
    assert!(
        waited >= 250.0,
        "waited only {waited} ms of the server's 300 ms retry"
    );
}

/// Behaviour 5: Server requests reach the host; the host's answers go back.
#[test]
fn server_requests_round_trip_through_the_host() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();

    let call = |bridge: &mut Bridge, tool: &str, args: Value, answer: Value| -> Value {
        let id = bridge.fresh_id();
        bridge.send(&json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{"name":tool,"arguments":args}}));
        let request = loop {
            let m = bridge.recv();
            if m.get("method").is_some() && m.get("id").is_some() {
                break m;
            }
        };
        bridge.send(&json!({"jsonrpc":"2.0","id":request["id"],"result":answer}));
        let (_, response) = bridge.recv_response(&id);
        json!({"request": request, "response": response})
    };

    let r = call(
        &mut bridge,
        "sample",
        json!({"prompt": "hi"}),
        json!({"role":"assistant","content":{"type":"text","text":"sampled!"},"model":"m"}),
    );
    assert_eq!(r["request"]["method"], "sampling/createMessage");
    assert_eq!(tool_text(&r["response"]), "sampled!");

    let r = call(
        &mut bridge,
        "elicit",
        json!({"message": "who?"}),
        json!({"action":"accept","content":{"name":"Grace","ok":true}}),
    );
    assert_eq!(r["request"]["method"], "elicitation/create");
    let result: Value = serde_json::from_str(tool_text(&r["response"])).unwrap();
    assert_eq!(result["content"]["name"], "Grace");

    let r = call(
        &mut bridge,
        "roots",
        json!({}),
        json!({"roots":[{"uri":"file:///tmp","name":"tmp"}]}),
    );
    assert_eq!(r["request"]["method"], "roots/list");
    assert!(tool_text(&r["response"]).contains("file:///tmp"));

    // The host's answers were POSTed and accepted.
    let answers: Vec<Value> = server
        .log()
        .into_iter()
        .filter(|e| e["method"] == "POST" && e["body"].get("result").is_some())
        .collect();
    assert_eq!(answers.len(), 3);
    assert!(answers.iter().all(|e| e["status"] == 202), "{answers:?}");
}

/// Behaviour 6: A slow call doesn't hold up a fast one.
#[test]
fn requests_run_concurrently() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    bridge.send(&json!({"jsonrpc":"2.0","id":"slow","method":"tools/call","params":{"name":"slow","arguments":{"ms":1500}}}));
    bridge.send(&json!({"jsonrpc":"2.0","id":"fast","method":"tools/call","params":{"name":"echo","arguments":{"text":"quick"}}}));
    let started = Instant::now();
    let first = bridge.recv();
    assert_eq!(
        first["id"], "fast",
        "the fast call must not wait for the slow one"
    );
    assert!(started.elapsed() < Duration::from_millis(1200));
    let second = bridge.recv();
    assert_eq!(second["id"], "slow");
    assert_eq!(tool_text(&second), "slept 1500");
}

/// Behaviour 6: Many concurrent responses, each a whole line (never interleaved).
#[test]
fn concurrent_large_responses_stay_whole_lines() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    for i in 0..20 {
        bridge.send(&json!({"jsonrpc":"2.0","id":i,"method":"tools/call","params":{"name":"bytes","arguments":{"n": 100_000 + i}}}));
    }
    let mut seen = std::collections::BTreeSet::new();
    while seen.len() < 20 {
        let m = bridge.recv(); // panics on any line that is not JSON
        let i = m["id"].as_i64().unwrap();
        assert_eq!(tool_text(&m).len() as i64, 100_000 + i);
        seen.insert(i);
    }
}

/// Behaviour 7: A 404 for the session: a new session is started, the host sees nothing.
#[test]
fn replaces_an_expired_session_transparently() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    bridge.call_tool("echo", json!({"text": "before"}));
    server.control("/_lab/expire-sessions");
    let (_, r) = bridge.call_tool("echo", json!({"text": "after"}));
    assert_eq!(tool_text(&r), "after", "the host must see no error");
    let inits = server.requests_with_method("initialize");
    assert_eq!(inits.len(), 2, "the host's initialize was replayed once");
    assert_eq!(inits[0]["body"]["params"], inits[1]["body"]["params"]);
    assert_eq!(
        server
            .requests_with_method("notifications/initialized")
            .len(),
        2
    );
    let calls = server.requests_with_method("tools/call");
    let last = calls.last().unwrap();
    assert_eq!(last["status"], 200);
    assert_ne!(
        last["headers"]["mcp-session-id"], inits[0]["headers"]["mcp-session-id"],
        "the retry uses the new session"
    );
}

/// Behaviour 7: The same against the hand-made server, several calls at once: one replay only.
#[test]
fn concurrent_requests_share_one_new_session() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    server.control("/_lab/expire-sessions");
    for i in 0..5 {
        bridge.send(&json!({"jsonrpc":"2.0","id":i,"method":"tools/call","params":{"name":"echo","arguments":{"text":format!("m{i}")}}}));
    }
    for _ in 0..5 {
        let m = bridge.recv();
        assert!(m.get("result").is_some(), "{m}");
    }
    assert_eq!(server.requests_with_method("initialize").len(), 2);
}

/// Behaviour 8: stdin EOF: DELETE the session, exit 0, promptly.
#[test]
fn deletes_the_session_and_exits_on_eof() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    bridge.request("tools/list", json!({}));
    let started = Instant::now();
    bridge.close_stdin();
    let status = bridge.wait(Duration::from_secs(5));
    assert!(status.success(), "{status:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    let log = server.log();
    let delete = log
        .iter()
        .find(|e| e["method"] == "DELETE")
        .expect("a DELETE");
    assert!(delete["headers"]["mcp-session-id"].is_string());
}

/// Behaviour 8: SIGTERM and SIGINT: the same.
#[test]
fn deletes_the_session_and_exits_on_signals() {
    for sig in ["TERM", "INT"] {
        let server = sdk();
        let mut bridge = Bridge::spawn(&[&server.url]);
        bridge.initialize();
        bridge.request("tools/list", json!({}));
        bridge.signal(sig);
        let status = bridge.wait(Duration::from_secs(5));
        assert!(status.success(), "SIG{sig}: {status:?}");
        assert!(
            server.log().iter().any(|e| e["method"] == "DELETE"),
            "SIG{sig}"
        );
    }
}

/// Behaviour 8: EOF with a request still running: what finishes within a
/// moment is answered, then the DELETE, and the exit within a second.
#[test]
fn eof_answers_what_finishes_at_once_then_exits() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    bridge.send(&json!({"jsonrpc":"2.0","id":"s","method":"tools/call","params":{"name":"slow","arguments":{"ms":150}}}));
    let closed = std::time::Instant::now();
    bridge.close_stdin();
    let (_, r) = bridge.recv_response(&json!("s"));
    assert_eq!(tool_text(&r), "slept 150");
    assert!(bridge.wait(Duration::from_secs(5)).success());
    assert!(
        closed.elapsed() < Duration::from_secs(1),
        "{:?}",
        closed.elapsed()
    );
}

/// Behaviour 9: auto falls back to the legacy transport; `sse` uses it directly.
#[test]
fn falls_back_to_the_legacy_sse_transport() {
    let server = Server::start("legacy-sse-server.mjs", &[]);
    for args in [
        vec![server.url.as_str()],
        vec!["--transport", "sse", server.url.as_str()],
    ] {
        let mut bridge = Bridge::spawn(&args);
        bridge.initialize();
        let (_, r) = bridge.call_tool("echo", json!({"text": "old school"}));
        assert_eq!(tool_text(&r), "old school", "{args:?}");
        bridge.close_stdin();
        assert!(bridge.wait(Duration::from_secs(5)).success());
    }
}

/// mcp-remote's `--transport sse-first`: the HTTP+SSE stream first (no POST
/// probe at a legacy server), and Streamable HTTP when a server refuses the
/// stream.
#[test]
fn sse_first_tries_the_stream_then_streamable_http() {
    let legacy = Server::start("legacy-sse-server.mjs", &[]);
    let streamable = sdk();
    for server in [&legacy, &streamable] {
        let mut bridge = Bridge::spawn(&["--transport", "sse-first", &server.url]);
        bridge.initialize();
        let (_, r) = bridge.call_tool("echo", json!({"text": "either way"}));
        assert_eq!(tool_text(&r), "either way", "{}", bridge.stderr());
        bridge.close_stdin();
        assert!(bridge.wait(Duration::from_secs(5)).success());
    }
    let first = &legacy.log()[0];
    assert_eq!(first["method"], "GET", "the stream comes first: {first}");
    assert!(
        !legacy
            .log()
            .iter()
            .any(|e| e["method"] == "POST" && e["path"] == "/sse"),
        "no Streamable HTTP probe at a server that speaks SSE"
    );
    let methods: Vec<String> = streamable
        .log()
        .iter()
        .map(|e| e["method"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(methods[0], "GET", "{methods:?}");
    assert!(methods[1..].contains(&"POST".to_string()), "{methods:?}");
}

/// A load balancer with cookie stickiness (the lab's `--sticky-cookie`):
/// the bridge sends the cookie back on every later request, so the session
/// stays on its node. `--disable-cookies` or a `Cookie` of the person's own
/// turns the jar off.
#[test]
fn sends_the_servers_cookies_back_for_load_balancer_stickiness() {
    let server = Server::start("sdk-server.mjs", &["--sticky-cookie"]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    for i in 0..3 {
        let (_, r) = bridge.call_tool("echo", json!({"text": format!("sticky {i}")}));
        assert_eq!(tool_text(&r), format!("sticky {i}"), "{}", bridge.stderr());
    }
    let log = server.log();
    assert!(log.len() >= 5, "{log:?}");
    for e in &log[1..] {
        assert_eq!(e["headers"]["cookie"], "lb-node=n1", "{e}");
        assert_ne!(e["status"], 404, "no request lost its node: {e}");
    }

    for flags in [
        vec!["--disable-cookies"],
        vec!["--header", "Cookie: mine=1"],
    ] {
        let server = Server::start("sdk-server.mjs", &["--sticky-cookie"]);
        let mut args = flags.clone();
        args.push(&server.url);
        let mut bridge = Bridge::spawn(&args);
        bridge.initialize();
        bridge.request("tools/list", json!({}));
        assert!(
            server.log().iter().all(|e| !e["headers"]["cookie"]
                .as_str()
                .unwrap_or("")
                .contains("lb-node")),
            "{flags:?}: no cookie from the jar"
        );
    }
}

/// A command line copied from mcp-remote 0.15.1's README starts: every option
/// it documents is accepted, and the ones mcp-tether has no equivalent for
/// are refused with a message that says what to do, not a usage error.
#[test]
fn accepts_mcp_remote_0_15_options() {
    let server = sdk();
    for flags in [
        vec!["--authorize-param", "prompt=consent"],
        vec!["--silent"],
        vec!["--enable-proxy"],
        vec![
            "--connect-timeout",
            "30",
            "--headers-timeout",
            "300",
            "--body-timeout",
            "0",
        ],
        vec!["--ipv4"],
        vec!["--disable-cookies"],
        vec!["--device-code"],
        vec!["--protocol", "auto"],
        vec!["--use-id-token"],
        vec!["--auth-success-url", "https://app.example.com/done"],
    ] {
        let mut args = flags.clone();
        args.push(&server.url);
        let mut bridge = Bridge::spawn(&args);
        bridge.initialize();
        let (_, r) = bridge.call_tool("echo", json!({"text": "migrated"}));
        assert_eq!(tool_text(&r), "migrated", "{flags:?}: {}", bridge.stderr());
    }
    for (flags, says) in [
        (
            vec!["--token-endpoint", "https://auth.example.com/token"],
            "--token-endpoint is for --flow client-credentials",
        ),
        (
            vec![
                "--auth-success-url",
                "https://app.example.com/done?from=mcp",
            ],
            "must not have a query or a fragment",
        ),
        (vec!["--authorize-param", "state=x"], "sets `state` itself"),
        (
            vec!["--authorize-param", "scope=a b"],
            "use --scope instead",
        ),
    ] {
        let mut args = flags.clone();
        args.push(&server.url);
        let (status, _, stderr) = crate::support::run_once(&args, &[], b"");
        assert_eq!(status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
        assert!(!stderr.contains("unexpected argument"), "{stderr}");
    }
}

/// `--ipv4` never connects over IPv6: a server only on [::1] is reached
/// without it and not with it.
#[test]
fn ipv4_only_never_tries_ipv6() {
    let Ok(listener) = std::net::TcpListener::bind("[::1]:0") else {
        panic!("this machine has no IPv6 loopback; the test needs one");
    };
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://[::1]:{}/mcp", listener.local_addr().unwrap().port());
    let accepted = |listener: &std::net::TcpListener| {
        let until = std::time::Instant::now() + Duration::from_secs(3);
        while std::time::Instant::now() < until {
            if listener.accept().is_ok() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    };
    let init = json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}});
    let mut ipv4 = Bridge::spawn(&["--ipv4", "--timeout", "2", &url]);
    ipv4.send(&init);
    let r = ipv4.recv();
    assert!(r["error"].is_object(), "{r}");
    assert!(!accepted(&listener), "--ipv4 connected over IPv6");

    let mut any = Bridge::spawn(&["--timeout", "2", &url]);
    any.send(&init);
    assert!(
        accepted(&listener),
        "without --ipv4 the IPv6 address is used"
    );
}

#[test]
fn streamable_only_does_not_fall_back() {
    let server = Server::start("legacy-sse-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&["--transport", "streamable-http", &server.url]);
    bridge.send(&json!({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}));
    let r = bridge.recv();
    assert_eq!(r["id"], 1);
    assert!(
        r["error"]["message"].as_str().unwrap().contains("HTTP 4"),
        "{r}"
    );
    assert!(!server.log().iter().any(|e| e["method"] == "GET"));
}

/// Behaviour 10: --header with ${VAR}, and an unset variable is a startup error.
#[test]
fn sends_extra_headers_with_expanded_variables() {
    let server = sdk();
    let mut bridge = Bridge::spawn_with_env(
        &[
            "--header",
            "X-Api-Key: ${LAB_KEY}",
            "-H",
            "X-Team:blue",
            &server.url,
        ],
        &[("LAB_KEY", "k-123")],
    );
    bridge.initialize();
    for entry in server.log() {
        assert_eq!(entry["headers"]["x-api-key"], "k-123");
        assert_eq!(entry["headers"]["x-team"], "blue");
    }
    let stderr = bridge.stderr();
    assert!(
        !stderr.contains("k-123"),
        "secrets never reach a log: {stderr}"
    );
}

/// Behaviour 11: User-Agent on every request.
#[test]
fn identifies_itself() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let ua = format!("mcp-tether/{}", env!("CARGO_PKG_VERSION"));
    assert!(
        server
            .log()
            .iter()
            .all(|e| e["headers"]["user-agent"] == ua.as_str())
    );
}

/// Behaviour 11: --timeout bounds a request whose answer never starts.
#[test]
fn times_out_a_request_that_never_answers() {
    let server = Server::start("fault-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&["--timeout", "1", &server.at("/slow/mcp")]);
    bridge.initialize();
    let started = Instant::now();
    let (_, r) = bridge.call_tool("echo", json!({"text": "x"}));
    let elapsed = started.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(5),
        "{elapsed:?}"
    );
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(
        msg.contains("within 1 s") && msg.contains("--timeout"),
        "{msg}"
    );
    // And the bridge still works afterwards.
    let (_, r) = bridge.request("ping", json!({}));
    assert!(r.get("result").is_some(), "{r}");
}

/// A host that opens with a newer era's method without the 2026-07-28
/// envelope (a real 2026-07-28 host: see era.rs) gets -32601 from a 2025-era
/// server, then initializes normally.
#[test]
fn answers_a_pre_initialize_request_with_method_not_found() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    let (_, r) = bridge.request("server/discover", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    bridge.initialize();
    let (_, r) = bridge.call_tool("echo", json!({"text": "fine"}));
    assert_eq!(tool_text(&r), "fine");
}

/// A host that goes quiet for longer than the server's keep-alive (Node's is
/// 5 s) must not get an error for its next request.
#[test]
fn survives_the_server_closing_idle_connections() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    bridge.call_tool("echo", json!({"text": "before"}));
    std::thread::sleep(Duration::from_millis(5600));
    let (_, r) = bridge.call_tool("echo", json!({"text": "after a pause"}));
    assert_eq!(tool_text(&r), "after a pause", "{r}");
}

/// --ignore-tool hides tools from the list and refuses calls to them.
#[test]
fn ignored_tools_are_hidden_and_refused() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&[
        "--ignore-tool",
        "slo*",
        "--ignore-tool",
        "bytes",
        &server.url,
    ]);
    bridge.initialize();
    let (_, list) = bridge.request("tools/list", json!({}));
    let names: Vec<&str> = list["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"echo"), "{names:?}");
    assert!(
        !names.contains(&"slow") && !names.contains(&"bytes"),
        "{names:?}"
    );
    let (_, r) = bridge.call_tool("slow", json!({"ms": 1}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    assert!(
        server.requests_with_method("tools/call").is_empty(),
        "never reached the server"
    );
    let (_, r) = bridge.call_tool("echo", json!({"text": "allowed"}));
    assert_eq!(tool_text(&r), "allowed");
}

/// `--header-file`: credentials out of the process list, comments allowed.
#[test]
fn reads_headers_from_a_file() {
    let server = sdk();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("lab.headers");
    std::fs::write(
        &file,
        "# the lab's credentials\n\nX-Api-Key: ${LAB_KEY}\nX-Team:green\n",
    )
    .unwrap();
    let mut bridge = Bridge::spawn_with_env(
        &["--header-file", file.to_str().unwrap(), &server.url],
        &[("LAB_KEY", "k-from-file")],
    );
    bridge.initialize();
    let log = server.log();
    assert!(!log.is_empty());
    for entry in log {
        assert_eq!(entry["headers"]["x-api-key"], "k-from-file");
        assert_eq!(entry["headers"]["x-team"], "green");
    }
    assert!(!bridge.stderr().contains("k-from-file"));
}

/// `--keep-alive` / `--ping-interval`: pings on the session while idle; the
/// host never sees them or their answers.
#[test]
fn keep_alive_pings_the_server_and_the_host_sees_nothing() {
    let server = sdk();
    let mut bridge = Bridge::spawn(&["--ping-interval", "1", &server.url]);
    bridge.initialize();
    std::thread::sleep(Duration::from_millis(2600));
    let pings = server.requests_with_method("ping");
    assert!(pings.len() >= 2, "{} pings", pings.len());
    for p in &pings {
        assert!(p["headers"].get("mcp-session-id").is_some(), "{p}");
        assert_eq!(p["status"], 200);
    }
    assert_eq!(bridge.try_recv(Duration::from_millis(100)), None);
    let (_, r) = bridge.call_tool("echo", json!({"text": "awake"}));
    assert_eq!(tool_text(&r), "awake");
}
