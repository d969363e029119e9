//! The two ways to talk HTTP to an MCP server: Streamable HTTP (2025-03-26
//! and later) and the 2024-11-05 HTTP+SSE transport. Each sends what the
//! relay gives it and hands back what the server answered. Both send
//! through `wire`: the same headers, token, cookies, timeout, body limit and
//! reading of a refusal.

pub mod legacy_sse;
pub mod streamable;
pub mod wire;
