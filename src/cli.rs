//! The command line, as clap sees it. Nothing here is validated beyond its shape:
//! [`crate::config::Config`] turns these raw values into settings the rest trusts.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Bridge a stdio MCP host to a remote MCP server over Streamable HTTP.
///
/// Your MCP host (Claude Desktop, Cursor, Zed, Claude Code…) starts mcp-tether as a
/// stdio server. Every JSON-RPC message the host writes goes to the remote server;
/// every message the server sends comes back. stdout carries the protocol and
/// nothing else; logs go to stderr or to --log-file.
#[derive(Debug, Parser)]
#[command(
    name = "mcp-tether",
    version,
    about = "Bridge a stdio MCP host to a remote Streamable HTTP MCP server",
    after_help = "Example:\n  mcp-tether https://mcp.example.com/mcp --header 'Authorization: Bearer ${API_TOKEN}'"
)]
pub struct Cli {
    /// URL of the remote MCP server's endpoint, e.g. https://mcp.example.com/mcp
    #[arg(value_name = "URL")]
    pub url: String,

    /// Extra HTTP header sent with every request, as 'Name: value' (repeatable).
    /// ${VAR} is replaced with the environment variable VAR, so secrets stay out of
    /// host config files: --header 'Authorization: Bearer ${API_TOKEN}'
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Which transport to speak. `auto` tries Streamable HTTP and falls back to the
    /// 2024-11-05 HTTP+SSE transport when the server rejects the first POST.
    #[arg(long, value_enum, default_value_t = TransportArg::Auto, value_name = "TRANSPORT")]
    pub transport: TransportArg,

    /// Allow plain http:// to a host that is not loopback. Tokens and headers then
    /// travel unencrypted: use it only on a network you trust.
    #[arg(long)]
    pub allow_http: bool,

    /// Seconds to wait for a connection, for response headers and for a JSON body.
    /// Long-lived event streams are not cut by it. Example: --timeout 30
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,

    /// How much to log: error, warn, info, debug or trace. Example: --log-level debug
    #[arg(long, value_enum, default_value_t = LogLevel::Info, value_name = "LEVEL")]
    pub log_level: LogLevel,

    /// Write logs to this file (appended) instead of stderr.
    /// Example: --log-file ~/mcp-tether.log
    #[arg(long, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportArg {
    /// Streamable HTTP first, then the legacy HTTP+SSE transport if the server rejects it.
    Auto,
    /// Streamable HTTP only (MCP 2025-03-26 and later).
    StreamableHttp,
    /// The legacy HTTP+SSE transport only (MCP 2024-11-05).
    Sse,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}
