//! `WWW-Authenticate` parsing: one header value as text, and as headers.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mcp_tether::auth::challenge::{Challenge, parse_bearer};
use reqwest::header::{HeaderMap, HeaderValue, WWW_AUTHENTICATE};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Some(c) = parse_bearer(text)
    {
        let _ = c.is_insufficient_scope();
    }
    // The same bytes as several header values (split at NUL, which a header
    // value can't hold).
    let mut headers = HeaderMap::new();
    for part in data.split(|&b| b == 0) {
        if let Ok(v) = HeaderValue::from_bytes(part) {
            headers.append(WWW_AUTHENTICATE, v);
        }
    }
    let from_headers = Challenge::from_headers(&headers);
    let all: Vec<_> = headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(parse_bearer)
        .collect();
    // The first challenge's parameters, and DPoP if any header offered it.
    match (&from_headers, all.first()) {
        (Some(c), Some(first)) => {
            assert_eq!(c.scope, first.scope);
            assert_eq!(c.error, first.error);
            assert_eq!(c.resource_metadata, first.resource_metadata);
            assert_eq!(c.dpop, all.iter().any(|c| c.dpop));
        }
        (None, None) => {}
        _ => panic!("from_headers and parse_bearer disagree"),
    }
});
