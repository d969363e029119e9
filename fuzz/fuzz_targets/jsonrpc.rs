//! JSON-RPC framing: a line from the host, a message from the server, and the
//! single-line re-framing of what goes to stdout.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use mcp_tether::relay::jsonrpc::{self, Kind, Line, Message, Rejected};
use serde_json::Value;

fn one_line(b: &[u8]) -> bool {
    !b.iter().any(|&c| c == b'\n' || c == b'\r')
}

/// What is relayed is one line of JSON; what is rejected gets an answer.
fn check(item: &Result<Message, Rejected>) {
    match item {
        Ok(m) => {
            assert!(one_line(&m.bytes), "a relayed message spans lines");
            serde_json::from_slice::<Value>(&m.bytes).expect("relayed bytes are JSON");
        }
        Err(rejected) => {
            // The host always gets a JSON-RPC response for a rejected line.
            let answer =
                jsonrpc::parse_owned(rejected.to_response()).expect("a valid error response");
            assert!(matches!(answer.kind, Kind::Response { .. }));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    match jsonrpc::parse_line(data.to_vec()) {
        Line::Blank => assert!(data.trim_ascii().is_empty()),
        Line::Single(item) => check(&item),
        Line::Batch(items) => items.iter().for_each(check),
    }
    check(&jsonrpc::parse_owned(Bytes::copy_from_slice(data)));

    let out = jsonrpc::single_line(Bytes::copy_from_slice(data));
    assert!(one_line(&out));
    if let Ok(v) = serde_json::from_slice::<Value>(data) {
        assert_eq!(serde_json::from_slice::<Value>(&out).ok(), Some(v));
    }

    let _ = jsonrpc::params_of(data);
    let _ = jsonrpc::host_offers_url_elicitation(data);
    let _ = jsonrpc::negotiated_protocol_version(data);
});
