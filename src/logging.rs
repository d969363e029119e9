//! Logs go to stderr (a host shows it in its log pane) or to a file; never to
//! stdout, which carries the protocol.

use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::cli::LogLevel;

/// Set up the global logger. `MCP_TETHER_LOG` (`target=level` directives
/// such as `mcp_tether=trace,reqwest=debug`, or just `trace`) overrides the
/// level for debugging. `Targets` rather than `EnvFilter`: the same
/// directives but span and field filters, without a regex engine in the
/// binary (docs/size.md).
pub fn init(level: LogLevel, file: Option<&Path>) -> std::io::Result<()> {
    let level = match level {
        LogLevel::Error => "error",
        LogLevel::Warn => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
        LogLevel::Trace => "trace",
    };
    // Our own crate at the chosen level; dependencies only when they warn.
    let default = || {
        format!("warn,mcp_tether={level}")
            .parse::<Targets>()
            .unwrap_or_default()
    };
    let filter = std::env::var("MCP_TETHER_LOG")
        .ok()
        .and_then(|v| v.parse::<Targets>().ok())
        .unwrap_or_else(default);
    let registry = tracing_subscriber::registry().with(filter);
    match file {
        Some(path) => {
            let file = OpenOptions::new().create(true).append(true).open(path)?;
            registry
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_target(false)
                        .with_ansi(false)
                        .with_writer(Mutex::new(file)),
                )
                .init();
        }
        None => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_target(false)
                    .with_ansi(std::io::stderr().is_terminal())
                    .with_writer(std::io::stderr)
                    .without_time(),
            )
            .init(),
    }
    Ok(())
}
