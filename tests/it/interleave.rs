//! "Exactly one answer per request", over random interleavings: a host that
//! sends calls, cancellations, pings and notifications in random order and
//! at random moments, to a server that answers each call in its own broken
//! way (the hand-made fake `tests/hostile/broken-server.mjs`, case `mixed`:
//! each call names the misbehaviour that answers it). Whatever the mix,
//! every request the host sent gets exactly one valid JSON-RPC answer, and
//! nothing answers a request the host never sent.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

use crate::support::{Bridge, Server};

/// Misbehaviours that each settle one call within the bridge's `--timeout`
/// (a few by timing out): see broken-server.mjs for what each does.
const BEHAVIOURS: &[&str] = &[
    "ok",
    "sse-ok",
    "post202",
    "both",
    "comments-forever",
    "wrong-id",
    "string-id",
    "inflight-eof",
    "inflight-eof-sse",
    "truncated-body",
    "not-jsonrpc",
    "null-id",
    "result-missing",
    "error-code-string",
    "null-id-error",
    "float-id",
    "dup-response",
    "swapped",
    "ct-json-sends-sse",
    "ct-sse-sends-json",
    "ct-missing",
    "gzip-lie",
    "sse-garbage",
    "sse-unterminated",
    "resume-loop",
    "huge-retry",
    "html-500",
    "503-forever",
    "conn-reset-call",
    "empty-200",
    "header-flood",
    "status-then-hang",
    "chunked-garbage",
    "close-mid-chunk",
];

/// The bridge's per-request deadline here: short, so that the behaviours
/// that never answer settle quickly.
const TIMEOUT_SECS: u64 = 3;

#[derive(Debug, Clone)]
enum Step {
    /// A tools/call answered by this behaviour after `delay_ms`.
    Call {
        behave: &'static str,
        delay_ms: u64,
        string_id: bool,
    },
    /// Cancel the n-th call sent so far (modulo), if any.
    Cancel(usize),
    Ping,
    Notification,
    /// Let time pass before the next step.
    Pause(u64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (
            prop::sample::select(BEHAVIOURS),
            prop_oneof![3 => Just(0u64), 1 => 0u64..400],
            any::<bool>(),
        )
            .prop_map(|(behave, delay_ms, string_id)| Step::Call { behave, delay_ms, string_id }),
        1 => any::<usize>().prop_map(Step::Cancel),
        1 => Just(Step::Ping),
        1 => Just(Step::Notification),
        1 => (0u64..300).prop_map(Step::Pause),
    ]
}

/// Play `steps` against one fresh bridge; check what the host saw.
fn play(url: &str, steps: &[Step]) -> Result<(), TestCaseError> {
    let timeout = TIMEOUT_SECS.to_string();
    let mut bridge = Bridge::spawn(&[url, "--timeout", &timeout]);
    bridge.initialize();
    let mut sent: Vec<Value> = Vec::new();
    let mut calls: Vec<Value> = Vec::new();
    for (n, s) in steps.iter().enumerate() {
        match s {
            Step::Call {
                behave,
                delay_ms,
                string_id,
            } => {
                let id = if *string_id {
                    json!(format!("c-{n}"))
                } else {
                    json!(1000 + n)
                };
                bridge.send(&json!({
                    "jsonrpc": "2.0", "id": id, "method": "tools/call",
                    "params": {"name": "echo", "arguments": {
                        "behave": behave, "delayMs": delay_ms,
                        // what the cases that misbehave only on a cue look for
                        "text": if *behave == "comments-forever" { "hang" } else { "wrong" },
                    }},
                }));
                sent.push(id.clone());
                calls.push(id);
            }
            Step::Cancel(k) => {
                if !calls.is_empty() {
                    let id = &calls[k % calls.len()];
                    bridge.send(&json!({
                        "jsonrpc": "2.0", "method": "notifications/cancelled",
                        "params": {"requestId": id, "reason": "the property test"},
                    }));
                }
            }
            Step::Ping => {
                let id = json!(format!("p-{n}"));
                bridge.send(&json!({"jsonrpc": "2.0", "id": id, "method": "ping"}));
                sent.push(id);
            }
            Step::Notification => bridge.send(&json!({
                "jsonrpc": "2.0", "method": "notifications/roots/list_changed",
            })),
            Step::Pause(ms) => std::thread::sleep(Duration::from_millis(*ms)),
        }
    }

    // Every behaviour settles within the deadline (+ resumption backoff and
    // a call's own delay); give it generous room, then look for strays.
    let mut answers: HashMap<String, Vec<Value>> = HashMap::new();
    let until = Instant::now() + Duration::from_secs(TIMEOUT_SECS * 4 + 10);
    let mut settled = 0;
    while settled < sent.len() && Instant::now() < until {
        let Some(m) = bridge.try_recv(Duration::from_millis(200)) else {
            continue;
        };
        if m.get("method").is_some() {
            continue; // the server's own requests and notifications
        }
        let key = m["id"].to_string();
        prop_assert!(
            sent.contains(&m["id"]),
            "an answer to a request the host never sent: {m}"
        );
        check_response(&m)?;
        let seen = answers.entry(key).or_default();
        seen.push(m);
        if seen.len() == 1 {
            settled += 1;
        }
    }
    // Late duplicates would show up now.
    while let Some(m) = bridge.try_recv(Duration::from_millis(500)) {
        if m.get("method").is_none() {
            answers.entry(m["id"].to_string()).or_default().push(m);
        }
    }
    for id in &sent {
        let got = answers.get(&id.to_string()).map_or(0, Vec::len);
        prop_assert_eq!(
            got,
            1,
            "request {} got {} answers: {:?}\nstderr:\n{}",
            id,
            got,
            answers.get(&id.to_string()),
            bridge.stderr()
        );
    }
    bridge.close_stdin();
    bridge.wait(Duration::from_secs(5));
    Ok(())
}

/// A valid JSON-RPC response: `jsonrpc` 2.0, result xor a proper error.
fn check_response(m: &Value) -> Result<(), TestCaseError> {
    prop_assert_eq!(&m["jsonrpc"], "2.0", "{}", m);
    match (m.get("result"), m.get("error")) {
        (Some(_), None) => {}
        (None, Some(e)) => {
            prop_assert!(e["code"].is_i64(), "error code not an integer: {}", m);
            prop_assert!(
                e["message"].is_string(),
                "error message not a string: {}",
                m
            );
        }
        _ => prop_assert!(false, "not result xor error: {}", m),
    }
    Ok(())
}

#[test]
fn every_request_gets_exactly_one_answer_over_random_interleavings() {
    let server = Server::start_node_in("hostile", "broken-server.mjs", &[]);
    let url = server.at("/mixed/mcp");
    // Each case runs a real bridge for a few seconds: a handful of cases per
    // run, a different handful every run (PROPTEST_CASES for more).
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        // Shrinking replays whole bridges: a few rounds, not thousands.
        max_shrink_iters: 24,
        ..Config::default()
    });
    let result = runner.run(&prop::collection::vec(step(), 1..14), |steps| {
        play(&url, &steps)
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
