//! mcp-tether: a stdio MCP server that relays to a remote MCP server over
//! Streamable HTTP (or the legacy HTTP+SSE transport).
//!
//! stdout belongs to the protocol. Nothing in this crate may print to it except
//! [`relay::stdio`]'s writer.
#![deny(clippy::print_stdout)]

pub mod auth;
pub mod cli;
pub mod commands;
pub mod config;
pub mod hosts;
pub mod locked;
pub mod logging;
pub mod net;
pub mod relay;
pub mod say;
