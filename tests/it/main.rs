//! Integration tests: the real mcp-tether binary, spawned the way a host spawns
//! it, against real servers started on 127.0.0.1 (see tests/lab).
//! One test binary keeps link times down.

mod desktop;
mod doctor;
mod dpop;
mod embedded;
mod enterprise;
mod era;
mod failures;
mod faults;
mod generated;
mod headless;
mod hostile;
mod hosts;
mod interleave;
mod oauth;
mod quirks;
mod relay;
mod secrets;
mod store;
mod support;
mod workload;
