//! Whole HTTP responses to a POSTed request (status, headers, body as the
//! network cuts it, a connection that breaks): the relay's response handling
//! (`StreamableHttp::read_answer`) must give the host exactly one valid
//! JSON-RPC answer and relay nothing else as a response. The harness is
//! shared with the property test in `tests/prop.rs`.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../harness/http_response.rs"]
mod http_response;

fuzz_target!(|data: &[u8]| {
    if let Some(reply) = http_response::reply_from_bytes(data)
        && let Err(why) = http_response::check(&reply)
    {
        panic!("{why}: {reply:?}");
    }
});
