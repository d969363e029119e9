//! Logs go to stderr (a host shows it in its log pane) or to a file; never to
//! stdout, which carries the protocol.

use std::fs::OpenOptions;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

use crate::cli::LogLevel;

/// Set up the global logger. `MCP_TETHER_LOG` (a tracing filter such as
/// `mcp_tether=trace`) overrides the level for debugging.
pub fn init(level: LogLevel, file: Option<&Path>) -> std::io::Result<()> {
    let level = match level {
        LogLevel::Error => "error",
        LogLevel::Warn => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
        LogLevel::Trace => "trace",
    };
    // Our own crate at the chosen level; dependencies only when they warn.
    let filter = EnvFilter::try_from_env("MCP_TETHER_LOG")
        .unwrap_or_else(|_| EnvFilter::new(format!("warn,mcp_tether={level}")));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    match file {
        Some(path) => {
            let file = OpenOptions::new().create(true).append(true).open(path)?;
            builder
                .with_ansi(false)
                .with_writer(Mutex::new(file))
                .init();
        }
        None => builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_writer(std::io::stderr)
            .without_time()
            .init(),
    }
    Ok(())
}
