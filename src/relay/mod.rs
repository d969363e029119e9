//! The relay: host messages from stdin go to the server, server messages go to
//! stdout. In the order a message meets them: `stdio` (the reader and the one
//! writer of stdout), `router` (dispatch, cancellation, batches), `session`
//! (initialize, a new session when the server forgets the old one, the event
//! stream, the DELETE at the end), `era` (a 2026-07-28 server), `upstream`
//! (the transport in use and the one authorized-request loop), `transport`
//! (Streamable HTTP and HTTP+SSE on the wire); `host` holds the bridge's own
//! requests to the host.
//!
//! Nothing a server or the host sends may panic the relay (a release build
//! aborts on panic, and the host would lose every request in flight): the
//! lints below keep `unwrap`, `expect` and `panic!` out of it, tests aside.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod cookies;
pub mod era;
pub mod error;
pub mod host;
pub mod jsonrpc;
mod router;
mod session;
pub mod stdio;
pub mod tools;
pub mod transport;
pub mod upstream;

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::config::Config;
use error::RelayError;
use jsonrpc::Message;
use stdio::{Input, Output};

pub use upstream::http_client;

/// Run the bridge until stdin ends or a signal arrives. An error means the
/// server could not be reached at all; everything else is answered per request.
pub async fn run(
    config: Config,
    input: mpsc::Receiver<Input>,
    out: Output,
) -> Result<(), RelayError> {
    let config = Arc::new(config);
    let host = Arc::new(host::HostRequests::new(out.clone()));
    let upstream = Arc::new(upstream::Upstream::new(config.clone(), out.clone())?);
    let session = Arc::new(session::Session::new(
        config.clone(),
        out.clone(),
        upstream.clone(),
        host.clone(),
    ));
    let router = Arc::new(router::Router::new(
        config,
        out,
        session.clone(),
        upstream,
        host,
    ));
    let result = tokio::select! {
        r = router.dispatch_all(input) => r,
        signal = shutdown_signal() => {
            tracing::info!("{signal}: shutting down");
            Ok(())
        }
    };
    session.shutdown().await;
    result
}

/// The host's answer for a message that failed: an error response for a
/// request; for anything else there is no one to answer, so it is logged.
fn report(message: &Message, method: &str, e: RelayError) -> Option<Bytes> {
    match message.request_id() {
        Some(id) => {
            tracing::warn!("{method} failed: {e}");
            Some(e.to_response(id, method))
        }
        None => {
            tracing::warn!("could not deliver {method} to the server: {e}");
            None
        }
    }
}

async fn shutdown_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            },
            Err(e) => {
                tracing::warn!("could not watch for SIGTERM ({e}); SIGINT still ends the bridge");
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}
