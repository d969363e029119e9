//! SSE event handling: a server's event stream, cut into network chunks,
//! decoded by `sse_stream::SseByteStream` and handled as the relay does.
#![no_main]


use bytes::Bytes;
use futures_util::{FutureExt, StreamExt};
use libfuzzer_sys::fuzz_target;
use mcp_tether::relay::transport::streamable::{Cursor, read_event};

fn decode(chunks: Vec<Bytes>) -> (Vec<sse_stream::Sse>, bool) {
    let stream = futures_util::stream::iter(chunks.into_iter().map(Ok::<_, std::io::Error>));
    let mut events = sse_stream::SseByteStream::new(stream);
    let mut out = Vec::new();
    loop {
        match events
            .next()
            .now_or_never()
            .expect("in-memory stream is ready")
        {
            Some(Ok(ev)) => out.push(ev),
            Some(Err(_)) => return (out, true),
            None => return (out, false),
        }
    }
}

/// What the relay does with each decoded event (`streamable::read_event`).
fn handle(events: Vec<sse_stream::Sse>, cursor: &mut Cursor) {
    for event in events {
        if let Some(Ok(m)) = read_event(event, cursor) {
            assert!(!m.bytes.iter().any(|&b| b == b'\n' || b == b'\r'));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    // The first byte says where the network cuts the rest.
    let Some((&step, body)) = data.split_first() else {
        return;
    };
    let step = usize::from(step).max(1);
    let body = Bytes::copy_from_slice(body);
    let chunks: Vec<Bytes> = (0..body.len())
        .step_by(step)
        .map(|i| body.slice(i..(i + step).min(body.len())))
        .collect();
    let whole = decode(vec![body.clone()]);
    let cut = decode(chunks);
    assert_eq!(whole, cut, "chunking changed the events");
    handle(whole.0, &mut Cursor::default());
});
