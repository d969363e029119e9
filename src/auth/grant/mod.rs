//! Getting a grant: the browser and the loopback callback that catches its
//! redirect (`code`, with `pkce`), the device flow (RFC 8628), or client
//! credentials (no person). Which one runs is `auth::flow`'s choice;
//! `auth::sign_in` runs it.

pub mod browser;
pub mod callback;
pub mod client_credentials;
pub mod code;
pub mod device;
pub mod pkce;
