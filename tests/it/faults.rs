//! Faults a user meets in real life: the server restarts or goes away, 5xx
//! bursts, event streams cut mid-response, the authorization server stalls
//! when a refresh is due, a hundred calls at once with cancellations, the host
//! hanging up with calls in flight, and garbage on stdin. Run against the real
//! SDK server (tests/lab/sdk-server.mjs) and the real OAuth lab; the
//! hand-made fault server only for the 500 burst.

use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::oauth::{Lab, whoami};
use crate::support::{Bridge, Server, tool_text};

// ---------------------------------------------------------------- helpers

/// A port nothing listens on right now (bound, read, released).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The real SDK server on a fixed port (so a "restart" keeps the URL).
fn sdk_on(port: u16) -> Server {
    Server::start("sdk-server.mjs", &["--port", &port.to_string()])
}

/// A tools/call request line.
fn call(id: impl Into<Value>, tool: &str, args: Value) -> Value {
    json!({"jsonrpc":"2.0","id":id.into(),"method":"tools/call",
        "params":{"name":tool,"arguments":args}})
}

/// Everything the host got while waiting: answers grouped by id, plus the
/// messages that are not answers (notifications, server requests).
#[derive(Default, Debug)]
struct Seen {
    answers: BTreeMap<String, Vec<Value>>,
    others: Vec<Value>,
}

impl Seen {
    fn has(&self, id: &str) -> bool {
        self.answers.contains_key(id)
    }

    fn answer(&self, id: &str) -> &Value {
        match self.answers.get(id).map(Vec::as_slice) {
            Some([one]) => one,
            other => panic!("id {id}: expected exactly one answer, got {other:?}"),
        }
    }
}

/// The map key for a JSON-RPC id (strings unquoted, anything else as JSON).
fn id_key(id: &Value) -> String {
    id.as_str()
        .map(str::to_string)
        .unwrap_or_else(|| id.to_string())
}

/// Read until every id in `must` has an answer (or `within` passes), then keep
/// reading for `grace` to catch late duplicates. Answers are responses (id, no
/// method); batches are flattened.
fn collect(bridge: &Bridge, must: &BTreeSet<String>, within: Duration, grace: Duration) -> Seen {
    let mut seen = Seen::default();
    let deadline = Instant::now() + within;
    let mut done_at: Option<Instant> = None;
    loop {
        let now = Instant::now();
        let until = match done_at {
            Some(t) => t + grace,
            None => deadline,
        };
        if now >= until {
            break;
        }
        let Some(m) = bridge.try_recv(until - now) else {
            break;
        };
        let items = match m {
            Value::Array(items) => items,
            m => vec![m],
        };
        for m in items {
            if m.get("method").is_none() && m.get("id").is_some() {
                seen.answers.entry(id_key(&m["id"])).or_default().push(m);
            } else {
                seen.others.push(m);
            }
        }
        if done_at.is_none() && must.iter().all(|id| seen.answers.contains_key(id)) {
            done_at = Some(Instant::now());
        }
    }
    seen
}

/// No id answered twice, and no answer to an id the host never used.
fn assert_no_duplicates_or_strangers(seen: &Seen, sent: &BTreeSet<String>) {
    for (id, answers) in &seen.answers {
        assert!(
            sent.contains(id),
            "an answer to an id nobody used: {answers:?}"
        );
        assert_eq!(
            answers.len(),
            1,
            "id {id} answered {} times: {answers:?}",
            answers.len()
        );
    }
}

/// POSTs in a server log that carry this JSON-RPC method (and id, if given).
fn posts<'a>(log: &'a [Value], method: &str, id: Option<&Value>) -> Vec<&'a Value> {
    log.iter()
        .filter(|e| e["method"] == "POST" && e["body"]["method"] == method)
        .filter(|e| id.is_none_or(|id| &e["body"]["id"] == id))
        .collect()
}

fn error_message(r: &Value) -> &str {
    r["error"]["message"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a JSON-RPC error, got {r}"))
}

/// Close stdin and require a clean exit within `within`.
fn hang_up(mut bridge: Bridge, within: Duration) {
    bridge.close_stdin();
    let status = bridge.wait(within);
    assert!(status.success(), "{status:?}; stderr:\n{}", bridge.stderr());
}

fn kill(sig: &str, pid: u32) {
    let ok = Command::new("kill")
        .args([&format!("-{sig}"), &pid.to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -{sig} {pid}");
}

fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

/// Sleep until the Unix time `t` (no-op if it has passed).
fn sleep_until(t: f64) {
    let left = t - unix_now();
    if left > 0.0 {
        std::thread::sleep(Duration::from_secs_f64(left));
    }
}

// ------------------------------------------------------------------ tests

/// Fault 1: The server restarts (deploy, crash) mid-session. The user notices
/// nothing: the next call is answered normally, because the bridge sees the
/// new server's 404 for the old session, replays initialize and retries.
#[test]
fn a_server_restart_mid_session_is_invisible_to_the_host() {
    let port = free_port();
    let server = sdk_on(port);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let (_, r) = bridge.call_tool("echo", json!({"text": "before"}));
    assert_eq!(tool_text(&r), "before");
    let old_session =
        server.requests_with_method("tools/call")[0]["headers"]["mcp-session-id"].clone();
    drop(server);

    let server = sdk_on(port);
    let (_, r) = bridge.call_tool("echo", json!({"text": "after the restart"}));
    assert_eq!(
        tool_text(&r),
        "after the restart",
        "the host must see the normal answer; stderr:\n{}",
        bridge.stderr()
    );
    // Nothing else for that id arrives later.
    let extra = collect(
        &bridge,
        &BTreeSet::new(),
        Duration::ZERO,
        Duration::from_millis(300),
    );
    assert!(extra.answers.is_empty(), "{extra:?}");

    // At the new server: the call with the old session (404), then the
    // replayed initialize and initialized, then the call again (200).
    let log = server.log();
    let post_methods: Vec<(String, Value)> = log
        .iter()
        .filter(|e| e["method"] == "POST")
        .map(|e| {
            (
                e["body"]["method"].as_str().unwrap_or("").to_string(),
                e["status"].clone(),
            )
        })
        .collect();
    assert_eq!(
        post_methods,
        vec![
            ("tools/call".into(), json!(404)),
            ("initialize".into(), json!(200)),
            ("notifications/initialized".into(), json!(202)),
            ("tools/call".into(), json!(200)),
        ],
        "{log:#?}"
    );
    let calls = posts(&log, "tools/call", None);
    assert_eq!(calls[0]["headers"]["mcp-session-id"], old_session);
    assert_ne!(calls[1]["headers"]["mcp-session-id"], old_session);
    assert_eq!(
        calls[0]["body"]["id"], calls[1]["body"]["id"],
        "the same request, retried"
    );
    hang_up(bridge, Duration::from_secs(5));
}

/// Fault 2a: The server is down for a while (connection refused). Each call the
/// user makes meanwhile fails with one clear error; the bridge stays up, and
/// once the server is back the next call just works.
#[test]
fn connection_refused_fails_each_request_once_then_recovers() {
    let port = free_port();
    let server = sdk_on(port);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    bridge.call_tool("echo", json!({"text": "up"}));
    drop(server);

    let ids: BTreeSet<String> = (0..4).map(|i| format!("down-{i}")).collect();
    for (i, id) in ids.iter().enumerate() {
        if i == 3 {
            bridge.send(&json!({"jsonrpc":"2.0","id":id,"method":"ping"}));
        } else {
            bridge.send(&call(id.as_str(), "echo", json!({"text": id})));
        }
    }
    let seen = collect(
        &bridge,
        &ids,
        Duration::from_secs(8),
        Duration::from_millis(500),
    );
    assert_no_duplicates_or_strangers(&seen, &ids);
    for id in &ids {
        let msg = error_message(seen.answer(id));
        assert!(msg.contains("could not connect"), "{id}: {msg}");
    }

    let server = sdk_on(port);
    let (_, r) = bridge.call_tool("echo", json!({"text": "back"}));
    assert_eq!(tool_text(&r), "back", "stderr:\n{}", bridge.stderr());
    assert_eq!(
        server.requests_with_method("initialize").len(),
        1,
        "one new session"
    );
    hang_up(bridge, Duration::from_secs(5));
}

/// Fault 2b: A burst of HTTP 500s (an overloaded server). Each call hit by it
/// fails with an error naming the 500, later calls succeed, and no tool call
/// was sent twice (a retried tools/call could run a side effect twice).
#[test]
fn a_burst_of_500s_fails_those_calls_and_never_retries_them() {
    let server = Server::start("fault-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.at("/burst500-3/mcp")]);
    bridge.initialize();
    let mut ids = Vec::new();
    for i in 0..5 {
        let id = format!("burst-{i}");
        bridge.send(&call(id.as_str(), "echo", json!({"text": id})));
        let (_, r) = bridge.recv_response(&json!(id));
        if i < 3 {
            assert_eq!(r["error"]["data"]["httpStatus"], 500, "{r}");
            assert!(error_message(&r).contains("HTTP 500"), "{r}");
        } else {
            assert_eq!(tool_text(&r), id, "{r}");
        }
        ids.push(id);
    }
    let (_, r) = bridge.request("ping", json!({}));
    assert!(r.get("result").is_some(), "{r}");

    let log = server.log();
    for id in &ids {
        let n = posts(&log, "tools/call", Some(&json!(id))).len();
        assert_eq!(n, 1, "tools/call {id} was POSTed {n} times");
    }
    assert_eq!(
        posts(&log, "initialize", None).len(),
        1,
        "a 500 is not a lost session"
    );
    hang_up(bridge, Duration::from_secs(5));
}

/// Fault 3: The server cuts a response stream mid-call (a proxy's idle timeout, a
/// load balancer). The user sees every progress update exactly once, in
/// order: none lost in the cut, none repeated by the Last-Event-ID replay.
#[test]
fn a_cut_stream_delivers_every_event_exactly_once() {
    let server = Server::start("sdk-server.mjs", &["--retry-ms", "200"]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();

    // With a progress token: notifications/progress 1..6, cut after 3.
    let id = json!("cut-progress");
    bridge.send(
        &json!({"jsonrpc":"2.0","id":id,"method":"tools/call","params":{
        "name":"disconnect","arguments":{"ms":400,"before":3,"after":3},
        "_meta":{"progressToken":"tok"}}}),
    );
    let (before, r) = bridge.recv_response(&id);
    assert_eq!(tool_text(&r), "resumed 400");
    let progress: Vec<i64> = before
        .iter()
        .filter(|m| m["method"] == "notifications/progress")
        .map(|m| m["params"]["progress"].as_i64().unwrap())
        .collect();
    assert_eq!(
        progress,
        vec![1, 2, 3, 4, 5, 6],
        "each progress exactly once, in order"
    );

    // Without one: notifications/message "step i/6", cut after 3.
    let id = json!("cut-log");
    bridge.send(&call(
        id.clone(),
        "disconnect",
        json!({"ms":400,"before":3,"after":3}),
    ));
    let (before, r) = bridge.recv_response(&id);
    assert_eq!(tool_text(&r), "resumed 400");
    let steps: Vec<&str> = before
        .iter()
        .filter(|m| m["method"] == "notifications/message" && m["params"]["logger"] == "disconnect")
        .map(|m| m["params"]["data"].as_str().unwrap())
        .collect();
    assert_eq!(
        steps,
        (1..=6).map(|i| format!("step {i}/6")).collect::<Vec<_>>(),
        "each log message exactly once, in order"
    );
    // Nothing trails in after the answers.
    let late = collect(
        &bridge,
        &BTreeSet::new(),
        Duration::ZERO,
        Duration::from_millis(500),
    );
    assert!(
        late.others
            .iter()
            .all(|m| m["params"]["logger"] != "disconnect"
                && m["method"] != "notifications/progress"),
        "a replayed duplicate arrived late: {late:?}"
    );

    let resumes: Vec<Value> = server
        .log()
        .into_iter()
        .filter(|e| e["method"] == "GET" && e["headers"].get("last-event-id").is_some())
        .collect();
    assert_eq!(resumes.len(), 2, "one resumption per cut: {resumes:#?}");
    hang_up(bridge, Duration::from_secs(5));
}

/// Fault 4: The authorization server stalls (SIGSTOP: it keeps its state but
/// answers nothing) when a refresh is due. The user's calls keep working while
/// the token is valid; after it expires each call fails with one clear error
/// instead of hanging; and when the AS is back the next call works by itself,
/// with a refresh and no new sign-in.
#[test]
fn the_authorization_server_stalling_when_a_refresh_is_due() {
    let lab = Lab::start(&["--access-ttl", "6", "--refresh-always"], &[]);
    let mut bridge = lab.bridge(&["--timeout", "2"]);
    bridge.initialize();
    let me = whoami(&mut bridge);
    let exp = me["exp"].as_f64().expect("exp");
    let as_pid = lab.auth_server.pid();
    kill("STOP", as_pid);
    // Make sure the AS is resumed whatever happens below.
    struct Cont(u32);
    impl Drop for Cont {
        fn drop(&mut self) {
            let _ = Command::new("kill")
                .args(["-CONT", &self.0.to_string()])
                .status();
        }
    }
    let cont = Cont(as_pid);

    // Before the refresh is due (lifetime/2 before expiry): the token works.
    let (_, r) = bridge.call_tool("whoami", json!({}));
    assert!(
        r.get("result").is_some(),
        "still valid, no refresh needed: {r}"
    );

    // Refresh due, token still valid: the refresh fails (AS silent, --timeout 2)
    // and the call goes out with the current token.
    sleep_until(exp - 2.5);
    let started = Instant::now();
    let (_, r) = bridge.call_tool("whoami", json!({}));
    let took = started.elapsed();
    eprintln!("[fault 4] refresh due, token valid: {took:?}: {r}");
    assert!(
        r.get("result").is_some(),
        "the current token still works: {r}"
    );

    // Expired, AS still silent: each call gets exactly one clear error, bounded.
    // Every step runs; what went wrong is collected and asserted at the end.
    let mut problems: Vec<String> = Vec::new();
    sleep_until(exp + 1.0);
    let ids: BTreeSet<String> = ["expired-1", "expired-2"].map(String::from).into();
    let started = Instant::now();
    for id in &ids {
        bridge.send(&call(id.as_str(), "whoami", json!({})));
    }
    let seen = collect(
        &bridge,
        &ids,
        Duration::from_secs(20),
        Duration::from_millis(300),
    );
    let took = started.elapsed();
    eprintln!("[fault 4] expired + AS stopped, 2 calls answered after {took:?}: {seen:#?}");
    assert_no_duplicates_or_strangers(&seen, &ids);
    for id in &ids {
        let r = seen.answer(id);
        let Some(msg) = r["error"]["message"].as_str() else {
            problems.push(format!("{id}: expected an error, got {r}"));
            continue;
        };
        let names_the_outage = [
            "did not answer",
            "timed out",
            "not reachable",
            "unreachable",
            "could not connect",
        ]
        .iter()
        .any(|w| msg.contains(w));
        if !names_the_outage || msg.contains("--resource-metadata") {
            problems.push(format!(
                "{id}: the error should say the authorization server did not answer, got: {msg}"
            ));
        }
    }
    // One refresh try (2 s) per call at most, with concurrent calls sharing it.
    if took > Duration::from_secs(6) {
        problems.push(format!("two calls with --timeout 2 took {took:?} to fail"));
    }

    // The AS comes back: the next call succeeds by itself, by refreshing.
    drop(cont);
    let started = Instant::now();
    bridge.send(&call("after-cont", "whoami", json!({})));
    let must: BTreeSet<String> = ["after-cont".to_string()].into();
    let seen = collect(
        &bridge,
        &must,
        Duration::from_secs(10),
        Duration::from_millis(200),
    );
    eprintln!(
        "[fault 4] after SIGCONT ({:?}): {:?}",
        started.elapsed(),
        seen.answers
    );
    match seen.answers.get("after-cont").map(Vec::as_slice) {
        Some([r]) if r.get("result").is_some() => {}
        other => problems.push(format!("after SIGCONT the call got {other:?}")),
    }
    let c = lab.counters();
    eprintln!("[fault 4] AS counters: {c}");
    eprintln!("[fault 4] bridge stderr:\n{}", bridge.stderr());
    if c["authorization"].as_u64().unwrap_or(0) != 1 {
        problems.push(format!("a second browser sign-in was started: {c}"));
    }
    if c["token"]["refresh_token"].as_u64().unwrap_or(0) < 1 {
        problems.push(format!("no refresh reached the AS: {c}"));
    }
    assert!(problems.is_empty(), "{problems:#?}");
    hang_up(bridge, Duration::from_secs(5));
}

/// Fault 5: A host fires 100 tool calls at once and cancels 20 of them. Every
/// call that was not cancelled gets exactly one answer, nothing is answered
/// twice or under a strange id, and every cancellation reaches the server.
#[test]
fn a_hundred_calls_in_flight_with_cancellations() {
    let server = Server::start("sdk-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let sent: BTreeSet<String> = (0..100).map(|i| format!("c{i}")).collect();
    for i in 0..100 {
        let ms = 300 + (i * 37) % 500;
        bridge.send(&call(format!("c{i}"), "slow", json!({"ms": ms})));
    }
    let cancelled: BTreeSet<String> = (0..100)
        .filter(|i| i % 5 == 0)
        .map(|i| format!("c{i}"))
        .collect();
    for id in &cancelled {
        bridge.send(&json!({"jsonrpc":"2.0","method":"notifications/cancelled",
            "params":{"requestId":id,"reason":"user pressed stop"}}));
    }
    let must: BTreeSet<String> = sent.difference(&cancelled).cloned().collect();
    let seen = collect(
        &bridge,
        &must,
        Duration::from_secs(10),
        Duration::from_secs(1),
    );
    assert_no_duplicates_or_strangers(&seen, &sent);
    let missing: Vec<&String> = must
        .iter()
        .filter(|id| !seen.answers.contains_key(*id))
        .collect();
    assert!(missing.is_empty(), "no answer for {missing:?}");
    for id in &must {
        assert!(
            seen.answer(id).get("result").is_some(),
            "{id}: {:?}",
            seen.answers[id]
        );
    }
    // A cancelled call gets one answer too: its result if that won the race,
    // else the bridge's "cancelled" error (-32800).
    for id in &cancelled {
        let a = seen.answer(id);
        assert!(
            a.get("result").is_some() || a["error"]["code"] == -32800,
            "{id}: {a}"
        );
    }

    let log = server.log();
    for id in &cancelled {
        let n = log
            .iter()
            .filter(|e| {
                e["method"] == "POST"
                    && e["body"]["method"] == "notifications/cancelled"
                    && e["body"]["params"]["requestId"] == id.as_str()
            })
            .count();
        assert_eq!(
            n, 1,
            "notifications/cancelled for {id} reached the server {n} times"
        );
    }
    // Each call is POSTed once; a call cancelled while it waited for a slot
    // is never sent at all.
    for id in &sent {
        let n = posts(&log, "tools/call", Some(&json!(id))).len();
        if cancelled.contains(id) {
            assert!(n <= 1, "{id} POSTed {n} times");
        } else {
            assert_eq!(n, 1, "{id}");
        }
    }
    // The bridge still answers promptly, and hangs up promptly (the SDK never
    // answers a cancelled call, so waiting for those would take --timeout).
    let (_, r) = bridge.call_tool("echo", json!({"text": "after the storm"}));
    assert_eq!(tool_text(&r), "after the storm");
    eprintln!("[fault 5] closing stdin; the bridge should exit within 5 s");
    hang_up(bridge, Duration::from_secs(5));
}

/// Fault 5b: Cancelled calls must not use up the bridge: the SDK (per the spec)
/// never answers a cancelled request, so if the bridge keeps waiting on each,
/// 64 cancellations leave no room and the user's next call hangs forever.
#[test]
fn cancelled_calls_do_not_block_later_ones() {
    let server = Server::start("sdk-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    for i in 0..70 {
        bridge.send(&call(format!("x{i}"), "slow", json!({"ms": 30_000})));
    }
    // Wait until they are all at the server, then cancel them all.
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.requests_with_method("tools/call").len() < 64 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for i in 0..70 {
        bridge.send(&json!({"jsonrpc":"2.0","method":"notifications/cancelled",
            "params":{"requestId":format!("x{i}"),"reason":"stop"}}));
    }
    std::thread::sleep(Duration::from_millis(300));
    bridge.send(&call("after", "echo", json!({"text": "still usable"})));
    let must: BTreeSet<String> = ["after".to_string()].into();
    let seen = collect(&bridge, &must, Duration::from_secs(5), Duration::ZERO);
    let at_server = posts(&server.log(), "tools/call", Some(&json!("after"))).len();
    assert!(
        seen.answers.contains_key("after"),
        "the call after 70 cancellations got no answer within 5 s (reached the server: {at_server}); \
         answers seen: {:?}",
        seen.answers.keys().collect::<Vec<_>>()
    );
    assert_eq!(tool_text(seen.answer("after")), "still usable");
    hang_up(bridge, Duration::from_secs(5));
}

/// Fault 6: The host quits (closes stdin) while ten calls are running. Each call
/// still gets its answer, the session is DELETEd at the server, and the
/// bridge exits 0 soon after the slowest call.
#[test]
fn closing_stdin_with_calls_in_flight() {
    // The host has gone: the bridge answers what finishes within a moment,
    // drops the rest (nobody is left to read it), ends the session and
    // exits within a second, whatever is still running at the server.
    let server = Server::start("sdk-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();
    let sent: BTreeSet<String> = (0..10).map(|i| format!("s{i}")).collect();
    for i in 0..10 {
        bridge.send(&call(
            format!("s{i}"),
            "slow",
            json!({"ms": 100 + 1000 * i}),
        ));
    }
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    bridge.close_stdin();
    let status = bridge.wait(Duration::from_secs(5));
    let exited_after = started.elapsed();
    assert!(status.success(), "{status:?}");
    assert!(
        exited_after < Duration::from_millis(1000),
        "exited {exited_after:?} after stdin closed"
    );
    let seen = collect(
        &bridge,
        &sent,
        Duration::from_millis(200),
        Duration::from_millis(200),
    );
    assert_no_duplicates_or_strangers(&seen, &sent);
    // The 100-ms call finished within the grace; the 9-s one can't have.
    assert_eq!(tool_text(seen.answer("s0")), "slept 100");
    assert!(!seen.has("s9"), "the 9-s call can't have been answered");
    let log = server.log();
    let last_call = log
        .iter()
        .rposition(|e| e["body"]["method"] == "tools/call")
        .unwrap();
    let delete = log
        .iter()
        .position(|e| e["method"] == "DELETE")
        .expect("a DELETE");
    assert!(delete > last_call, "the DELETE comes after the calls");
}

/// Fault 7: Garbage on stdin (a buggy host, a stray print). Each bad line gets a
/// JSON-RPC error or a warning on stderr, the bridge never crashes, and every
/// valid request in between is answered.
#[test]
fn a_corpus_of_bad_input_between_valid_requests() {
    let server = Server::start("sdk-server.mjs", &[]);
    let mut bridge = Bridge::spawn(&[&server.url]);
    bridge.initialize();

    let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
    let big_text = "z".repeat(50 * 1024 * 1024);
    let huge_id = "i".repeat(64 * 1024);
    // (name, line, id of a request in it whose answer must come exactly once)
    let corpus: Vec<(&str, Vec<u8>, Option<Value>)> = vec![
        (
            "malformed JSON",
            br#"{"jsonrpc":"2.0","id":1,"#.to_vec(),
            None,
        ),
        ("42", b"42".to_vec(), None),
        ("\"x\"", b"\"x\"".to_vec(), None),
        ("null", b"null".to_vec(), None),
        ("[]", b"[]".to_vec(), None),
        ("{}", b"{}".to_vec(), None),
        ("100k-deep [[[…]]]", deep(100_000).into_bytes(), None),
        (
            "100k-deep nesting inside a request",
            format!(
                r#"{{"jsonrpc":"2.0","id":"deep","method":"ping","params":{{"x":{}}}}}"#,
                deep(100_000)
            )
            .into_bytes(),
            None,
        ),
        (
            "50 MB request line",
            serde_json::to_vec(&call("big", "echo", json!({"text": big_text}))).unwrap(),
            Some(json!("big")),
        ),
        ("invalid UTF-8 bytes", b"\xc3\x28\xff\xfe".to_vec(), None),
        (
            "invalid UTF-8 inside a request",
            b"{\"jsonrpc\":\"2.0\",\"id\":\"utf\",\"method\":\"ping\",\"params\":{\"s\":\"\xff\"}}"
                .to_vec(),
            None,
        ),
        (
            "a response nobody asked for",
            br#"{"jsonrpc":"2.0","id":"nobody-asked","result":{}}"#.to_vec(),
            None,
        ),
        (
            "a request with a 64 KiB id",
            serde_json::to_vec(&json!({"jsonrpc":"2.0","id":huge_id,"method":"ping"})).unwrap(),
            Some(json!(huge_id)),
        ),
        ("whitespace only", b" \t  \r".to_vec(), None),
    ];

    let mut report = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for (i, (name, line, must_answer)) in corpus.into_iter().enumerate() {
        // (The log can't be read while it holds the 100k-deep request: too deep for serde_json.)
        server.control("/_lab/reset-log");
        let stderr_before = bridge.stderr().len();
        let mut bytes = line;
        bytes.push(b'\n');
        bridge.send_raw(&bytes);
        let valid = format!("valid-{i}");
        bridge.send(&call(valid.as_str(), "echo", json!({"text": valid})));
        let mut must: BTreeSet<String> = [valid.clone()].into();
        must.extend(must_answer.iter().map(id_key));
        let seen = collect(
            &bridge,
            &must,
            Duration::from_secs(20),
            Duration::from_millis(100),
        );
        let r = seen.answers.get(&valid).unwrap_or_else(|| {
            panic!(
                "after {name}: no answer to {valid}; stderr:\n{}",
                bridge.stderr()
            )
        });
        assert_eq!(r.len(), 1, "after {name}: {r:?}");
        assert_eq!(tool_text(&r[0]), valid, "after {name}");

        let others: Vec<(&String, &Vec<Value>)> =
            seen.answers.iter().filter(|(k, _)| **k != valid).collect();
        let stderr = bridge.stderr();
        let new_stderr = &stderr[stderr_before..];
        let warned = new_stderr.contains("WARN") || new_stderr.to_lowercase().contains("warn");
        let errors: Vec<String> = others
            .iter()
            .flat_map(|(_, v)| v.iter())
            .map(|m| {
                let id = id_key(&m["id"]);
                let id = if id.len() > 20 {
                    format!("{}…({} chars)", &id[..20], id.len())
                } else {
                    id
                };
                format!(
                    "id={id} {}",
                    if m.get("error").is_some() {
                        format!(
                            "error {} {:.120}",
                            m["error"]["code"],
                            m["error"]["message"].as_str().unwrap_or("")
                        )
                    } else {
                        "result".into()
                    }
                )
            })
            .collect();
        let first_warn = new_stderr
            .lines()
            .find(|l| l.contains("WARN"))
            .unwrap_or("")
            .chars()
            .take(200)
            .collect::<String>();
        report.push(format!(
            "{name}: answers={errors:?} warned={warned} {first_warn}"
        ));

        if let Some(id) = must_answer {
            let got = seen.answers.get(&id_key(&id)).map(Vec::len).unwrap_or(0);
            if got != 1 {
                problems.push(format!(
                    "{name}: the request got {got} answers, not exactly one"
                ));
            }
        }
        if name == "a response nobody asked for" {
            let at_server: Vec<Value> = server
                .log()
                .into_iter()
                .filter(|e| e["body"]["id"] == "nobody-asked")
                .map(|e| e["status"].clone())
                .collect();
            report.push(format!(
                "  (relayed to the server, which answered HTTP {at_server:?})"
            ));
        }
        if name != "whitespace only" && errors.is_empty() && !warned {
            problems.push(format!(
                "{name}: neither a JSON-RPC error nor a warning on stderr"
            ));
        }
    }
    eprintln!("[fault 7] per line:\n  {}", report.join("\n  "));
    hang_up(bridge, Duration::from_secs(5));
    assert!(problems.is_empty(), "{problems:#?}");
}
