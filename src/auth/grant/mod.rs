//! Getting a grant: the browser and the loopback callback that catches its
//! redirect (`code`, with `pkce`), the device flow (RFC 8628), or, with no
//! person, client credentials, a workload's JWT (`jwt_bearer`, RFC 7523) or
//! an ID-JAG from the enterprise IdP (`enterprise`, SEP-990, with the ID
//! token from a sign-in to the IdP, `idp`, when none is given). Which one runs is `auth::flow`'s choice;
//! `auth::sign_in` runs it.

pub mod browser;
pub mod callback;
pub mod client_credentials;
pub mod code;
pub mod device;
pub mod enterprise;
pub mod idp;
pub mod jwt_bearer;
pub mod pkce;
