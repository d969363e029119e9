//! Getting a grant from the person: the browser and the loopback callback
//! that catches its redirect (with PKCE), or the device flow (RFC 8628).
//! Which one runs is `auth::flow`'s choice; client credentials involve no
//! person and live in `auth::mod`.

pub mod browser;
pub mod callback;
pub mod device;
pub mod pkce;
