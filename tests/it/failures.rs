//! Bad input and broken servers: no crash, no hang, nothing dropped silently,
//! and one clear line when the bridge can't start.

use std::net::TcpListener;
use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Bridge, Server, run_once, tool_text};

fn expect_error(m: &Value, code: i64) {
    assert_eq!(m["error"]["code"], code, "{m}");
}

#[test]
fn garbage_lines_get_parse_errors_and_the_bridge_keeps_going() {
    let server = Server::start("sdk-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();

    bridge.send_raw(b"this is not json\n");
    let m = bridge.recv();
    expect_error(&m, -32700);
    assert_eq!(m["id"], Value::Null);

    bridge.send_raw(b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\xff\xfe\"}\n");
    expect_error(&bridge.recv(), -32700);

    bridge.send_raw(b"[1,2]\n");
    let m = bridge.recv();
    let items = m.as_array().expect("a batch answer");
    assert_eq!(items.len(), 2);
    items.iter().for_each(|i| expect_error(i, -32600));

    bridge.send_raw(b"{\"id\":9,\"method\":\"x\"}\n");
    let m = bridge.recv();
    expect_error(&m, -32600);
    assert_eq!(m["id"], 9);

    // A 50 MB line of junk: one parse error, no crash.
    let mut huge = vec![b'x'; 50 * 1024 * 1024];
    huge.push(b'\n');
    bridge.send_raw(&huge);
    expect_error(&bridge.recv(), -32700);

    let (_, r) = bridge.call_tool("echo", json!({"text": "still here"}));
    assert_eq!(tool_text(&r), "still here");
}

#[test]
fn a_large_valid_message_is_relayed() {
    let server = Server::start("sdk-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let text = "z".repeat(5 * 1024 * 1024);
    let (_, r) = bridge.call_tool("echo", json!({"text": text}));
    assert_eq!(tool_text(&r).len(), text.len());
    let (_, r) = bridge.call_tool("bytes", json!({"n": 10 * 1024 * 1024}));
    assert_eq!(tool_text(&r).len(), 10 * 1024 * 1024);
}

#[test]
fn eof_in_the_middle_of_a_line_is_handled() {
    let server = Server::start("sdk-server.mjs", &[]);
    // A complete message without its final newline is still relayed...
    let init = br#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let (status, lines, _) = run_once(&[&server.url], &[], init);
    assert!(status.success());
    assert_eq!(lines.len(), 1);
    let r: Value = serde_json::from_str(&lines[0]).unwrap();
    assert!(r.get("result").is_some(), "{r}");

    // ...and a truncated one gets a parse error, then a clean exit.
    let (status, lines, _) = run_once(&[&server.url], &[], br#"{"jsonrpc":"2.0","id":1,"meth"#);
    assert!(status.success());
    let r: Value = serde_json::from_str(&lines[0]).unwrap();
    expect_error(&r, -32700);
}

#[test]
fn server_errors_become_json_rpc_errors_for_that_id() {
    let server = Server::start("fault-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.at("/status500/mcp")]);
    bridge.initialize();
    let (_, r) = bridge.call_tool("echo", json!({"text": "x"}));
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("HTTP 500"), "{msg}");
    assert!(msg.contains("tools/call"), "{msg}");
    assert!(msg.contains("try again"), "{msg}");
    assert_eq!(r["error"]["data"]["httpStatus"], 500);
    // Still running.
    let (_, r) = bridge.request("ping", json!({}));
    assert!(r.get("result").is_some(), "{r}");
}

#[test]
fn a_server_that_goes_away_gets_errors_not_silence() {
    let server = Server::start("sdk-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    drop(server);
    let (_, r) = bridge.call_tool("echo", json!({"text": "anyone?"}));
    let msg = r["error"]["message"].as_str().unwrap();
    assert!(msg.contains("could not connect"), "{msg}");
    bridge.close_stdin();
    assert!(bridge.wait(Duration::from_secs(5)).success());
}

#[test]
fn an_unreachable_server_is_one_line_and_a_non_zero_exit() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/mcp");
    let init = b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":\"2025-11-25\",\"capabilities\":{},\"clientInfo\":{\"name\":\"t\",\"version\":\"1\"}}}\n";
    let (status, lines, stderr) = run_once(&["--log-level", "error", &url], &[], init);
    assert!(!status.success());
    // The host's request still got its answer.
    let r: Value = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(r["id"], 1);
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("could not connect")
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr: {stderr}");
    assert!(lines[0].starts_with("mcp-tether: could not connect to http://127.0.0.1:"));
}

#[test]
fn startup_problems_are_one_line_and_non_zero() {
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case] = &[
        (&["not a url"], &[], "is not a valid URL"),
        (&["http://example.com/mcp"], &[], "--allow-http"),
        (
            &["ftp://example.com/mcp"],
            &[],
            "is not an http:// or https:// URL",
        ),
        (
            &[
                "-H",
                "Authorization: Bearer ${MCP_TETHER_TEST_UNSET}",
                "https://example.com/mcp",
            ],
            &[],
            "MCP_TETHER_TEST_UNSET is not set",
        ),
        (
            &["-H", "nonsense", "https://example.com/mcp"],
            &[],
            "'Name: value'",
        ),
    ];
    for (args, env, needle) in cases {
        let (status, stdout, stderr) = run_once(args, env, b"");
        assert!(!status.success(), "{args:?} should fail");
        assert!(stdout.is_empty(), "nothing on stdout: {stdout:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let (status, _, stderr) = run_once(&["--no-such-flag", "https://example.com/mcp"], &[], b"");
    assert!(!status.success());
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
}

#[test]
fn http_to_another_host_is_allowed_only_when_asked() {
    // --allow-http gets past the check (then fails to connect: nothing there).
    let (status, _, stderr) = run_once(
        &[
            "--allow-http",
            "--timeout",
            "1",
            "http://mcp-tether-test.invalid/mcp",
        ],
        &[],
        b"{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{}}\n",
    );
    assert!(!status.success());
    assert!(!stderr.contains("--allow-http"), "{stderr}");
    assert!(
        stderr.contains("could not connect") || stderr.contains("no answer from"),
        "{stderr}"
    );
}
