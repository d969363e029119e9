//! The protocol eras: MCP 2026-07-28 (no `initialize`, no sessions) and the
//! 2025 era before it. `memory` remembers which one each server speaks,
//! `modern` is the 2026-07-28 wire format as pure translations, and `bridge`
//! is the relay's side of a 2026-07-28 server: what it knows about that
//! server and the host, and how each host message reaches it. `downlevel`
//! is the other way round: a 2026-07-28 host in front of a 2025-era server.

pub mod bridge;
pub mod downlevel;
pub mod memory;
pub mod modern;

pub use memory::Era;
