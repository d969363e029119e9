//! Reading what an authorization server (or a server's metadata endpoint)
//! sends back, with a ceiling: a hostile or broken server must not make the
//! bridge buffer without bound. OAuth documents are a few KB; 1 MiB is far
//! above any real one.

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;

/// The largest metadata document, token, registration or device response accepted.
pub const MAX_OAUTH_BODY: usize = 1 << 20;

#[derive(Debug, PartialEq, Eq)]
pub enum BodyError {
    TooLarge { limit: usize },
    Read(String),
}

impl std::fmt::Display for BodyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BodyError::TooLarge { limit } => write!(
                f,
                "the response is larger than {} MB, far more than any OAuth document; refusing it",
                limit >> 20
            ),
            BodyError::Read(e) => write!(f, "reading the response failed ({e})"),
        }
    }
}

/// The whole body, or an error as soon as it passes `limit` bytes (checked
/// against Content-Length first, then while streaming, for chunked bodies).
pub async fn read_limited(resp: reqwest::Response, limit: usize) -> Result<Bytes, BodyError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(BodyError::TooLarge { limit });
    }
    let mut body = BytesMut::new();
    let mut chunks = resp.bytes_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|e| BodyError::Read(e.to_string()))?;
        if body.len() + chunk.len() > limit {
            return Err(BodyError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
