//! Why authorization failed, as the person should read it: each variant's
//! message says what happened and what to do.

use super::ProviderError;
pub use super::credential::{CredentialReadError, CredentialUnreadable};

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("{what}. Tried: {}. If the server's metadata lives elsewhere, pass --resource-metadata URL, --auth-server ISSUER or --auth-server-metadata URL", .tried.join("; "))]
    Discovery { what: String, tried: Vec<String> },

    #[error(
        "the server's protected resource metadata ({metadata_url}) is for resource {resource}, not for {server}; refusing to get a token for another resource. Tell the server's admin; no token was sent"
    )]
    ResourceMismatch {
        resource: String,
        server: String,
        metadata_url: String,
    },

    #[error(
        "the authorization server metadata at {metadata_url} says its issuer is {found}, but it was looked up for {expected}; refusing it (possible mix-up). Check --auth-server / --auth-server-metadata"
    )]
    IssuerMismatch {
        expected: String,
        found: String,
        metadata_url: String,
    },

    #[error("refusing plain http:// for {0}: use https, or pass --allow-http on a trusted network")]
    Insecure(String),

    #[error(
        "refusing the endpoint {0}: only https:// (or http:// on loopback) is allowed for OAuth endpoints. The server's metadata is broken or hostile; tell its admin. Nothing was sent or opened"
    )]
    NotHttp(String),

    #[error(
        "the authorization server {issuer} does not advertise PKCE with S256 (code_challenge_methods_supported), which MCP requires. If you know it supports PKCE (Entra ID does, without saying so), pass --assume-pkce"
    )]
    NoPkce { issuer: String },

    #[error(
        "the authorization server {issuer} does not support dynamic client registration, and no client was given. Register an application with the provider (redirect URI http://127.0.0.1/callback, or a fixed port with --callback-port) and pass --client-id ID (and --client-secret-env VAR for a confidential client)"
    )]
    NoClient { issuer: String },

    #[error("client registration at {endpoint} {}. Get an initial access token from the provider's admin and pass --registration-token TOKEN, or pre-register a client and pass --client-id", token_verdict(*.had_token))]
    RegistrationNeedsToken { endpoint: String, had_token: bool },

    #[error(
        "client registration at {endpoint} failed ({detail}). Pre-register a client with the provider and pass --client-id"
    )]
    Registration { endpoint: String, detail: String },

    #[error(
        "the authorization response's state did not match the request (possible CSRF); nothing was exchanged. Try again"
    )]
    StateMismatch,

    #[error(
        "the authorization response came from issuer {found}, expected {expected} (RFC 9207 mix-up defence); nothing was exchanged"
    )]
    IssuerParamMismatch { expected: String, found: String },

    #[error("the authorization server refused: {0}. {hint}", hint = .0.hint())]
    Denied(ProviderError),

    #[error(
        "no sign-in completed within {0} s. Open the URL printed on stderr, or raise --auth-timeout"
    )]
    AuthTimeout(u64),

    #[error("the token endpoint refused: {0}. {hint}", hint = .0.hint())]
    Token(ProviderError),

    /// The loopback listener for the callback could not be opened.
    #[error(
        "could not listen for the sign-in callback on 127.0.0.1:{port} ({cause}); pick another --callback-port"
    )]
    CallbackPort { port: u16, cause: std::io::Error },

    #[error("the callback listener failed: {0}")]
    CallbackListener(std::io::Error),

    /// `login --paste`: what was (not) pasted.
    #[error("{0}")]
    Paste(PasteError),

    #[error("the authorization response has no code")]
    NoCode,

    #[error("bad {which} '{url}': {cause}")]
    BadEndpoint {
        which: &'static str,
        url: String,
        cause: url::ParseError,
    },

    /// No browser opened and the person did not sign in in time: where to go.
    #[error(
        "{cause}. No browser could be opened; sign in at {url} (the next start will pick the token up), or run `mcp-tether login {server}` in a terminal"
    )]
    NobodySignedIn {
        cause: Box<AuthError>,
        url: String,
        server: String,
    },

    /// Waiting for another process's sign-in or refresh (the lock file).
    #[error("waiting for another mcp-tether's sign-in: {0}")]
    Lock(std::io::Error),

    #[error("another sign-in to this server is still under way")]
    OtherSignInUnderWay,

    #[error("cannot refresh: {0}")]
    CannotRefresh(CannotRefresh),

    #[error("the token endpoint issued a '{0}' token; mcp-tether sends Bearer tokens only")]
    NotBearer(String),

    #[error("DPoP: {0}")]
    Dpop(super::dpop::KeyError),

    #[error("{0}")]
    DpopNotOffered(super::dpop::NotOffered),

    /// `--client-assertion-key` could not be used.
    #[error("{0}")]
    ClientAssertion(ClientAssertionError),

    /// The authorization server's metadata lacks an endpoint the flow needs.
    #[error("{issuer} lists no {endpoint}")]
    MissingEndpoint {
        issuer: String,
        endpoint: &'static str,
    },

    /// A request to an authorization server endpoint got no HTTP answer
    /// (other than a connect failure or a timeout, which are `Unreachable`).
    #[error("the {what} request to {url} failed: {cause}")]
    RequestFailed {
        what: &'static str,
        url: String,
        cause: String,
    },

    /// An authorization server endpoint's answer could not be used.
    #[error("the {what} response from {url} {why}")]
    BadResponse {
        what: &'static str,
        url: String,
        why: String,
    },

    /// An OAuth endpoint answered with an error status and no OAuth error body.
    #[error("{url} answered HTTP {status}")]
    HttpStatus { url: String, status: u16 },

    /// The sign-in helper process could not be talked to.
    #[error("the sign-in helper: {what} ({cause})")]
    Helper { what: &'static str, cause: String },

    #[error(
        "the sign-in helper ended without saying how the sign-in went (its messages are above)"
    )]
    HelperSilent,

    #[error("the sign-in helper needs a token store")]
    HelperNeedsStore,

    #[error("the sign-in finished, but no new token could be read from the token store")]
    HelperTokenMissing,

    /// The sign-in helper could not be started (the binary was replaced by
    /// an upgrade while the bridge ran, say): the sign-in runs in-process.
    #[error("the sign-in helper could not be started ({cause})")]
    HelperUnavailable { cause: String },

    /// The authorization server could not be reached (connect or timeout).
    #[error(
        "the authorization server did not answer ({what}: {cause}). mcp-tether tries again with the next request; check your network, proxy, or the provider's status"
    )]
    Unreachable { what: String, cause: String },

    #[error(
        "the device code expired before it was approved. Run the sign-in again and approve it sooner"
    )]
    DeviceExpired,

    #[error(
        "the authorization server {issuer} does not offer the device flow. Use `mcp-tether login --paste` to sign in from another machine, or --flow browser"
    )]
    NoDeviceFlow { issuer: String },

    #[error(
        "--flow client-credentials needs a confidential client: pass --client-id with --client-secret-env VAR, or with --client-assertion-key PEM"
    )]
    ClientCredentialsNeedClient,

    #[error(
        "--use-id-token: the authorization server {issuer} issued no ID token although `openid` was asked for. Check that the client may use the openid scope, or leave out --use-id-token"
    )]
    NoIdToken { issuer: String },

    #[error(
        "the authorization server {issuer} refused the device flow for the client mcp-tether registered ({refusal}). Its admin must allow the grant urn:ietf:params:oauth:grant-type:device_code for dynamically registered clients; meanwhile sign in with the browser (--flow browser) or `mcp-tether login --paste`"
    )]
    DeviceGrantRefused {
        issuer: String,
        refusal: ProviderError,
    },

    /// No browser launcher worked (the caller falls back to the device flow).
    #[error("no browser could be opened ({why})")]
    BrowserFailed { why: String },

    /// A workload's assertion or a person's ID token could not be read.
    #[error(transparent)]
    CredentialUnreadable(#[from] CredentialUnreadable),

    /// The authorization server refused a JWT bearer grant (RFC 7523):
    /// reported as it came, never retried or traded for another grant.
    #[error("{issuer} refused {what} (the RFC 7523 jwt-bearer grant): {refusal}. {hint}", hint = jwt_bearer_hint(&.refusal.error, .issuer))]
    AssertionRefused {
        issuer: String,
        /// "the workload's assertion" or "the ID-JAG".
        what: &'static str,
        refusal: ProviderError,
    },

    /// The enterprise IdP refused the token exchange for an ID-JAG.
    #[error("the enterprise IdP ({endpoint}) refused to exchange the ID token for an ID-JAG: {refusal}. {hint}", hint = token_exchange_hint(&.refusal.error))]
    TokenExchangeRefused {
        endpoint: String,
        refusal: ProviderError,
    },

    #[error(
        "the enterprise IdP ({endpoint}) issued a '{issued}' token, not an ID-JAG (urn:ietf:params:oauth:token-type:id-jag). Check that cross-app access (enterprise-managed authorization) is enabled for this app at the IdP"
    )]
    NotIdJag { endpoint: String, issued: String },

    /// A flow's own settings are missing (the command line checks them
    /// first, so this is for an `AuthConfig` built some other way).
    #[error("--flow {flow} needs {what}")]
    FlowNeeds {
        flow: &'static str,
        what: &'static str,
    },

    /// The ID token the enterprise IdP sent at sign-in or refresh is not
    /// one to pass on.
    #[error("the ID token from the enterprise IdP {issuer} can't be used: {problem}")]
    BadIdToken {
        issuer: String,
        problem: IdTokenProblem,
    },

    /// No metadata with a token endpoint for the enterprise IdP.
    #[error("found no metadata with a token endpoint for the enterprise IdP {issuer}. Tried: {}. Pass --idp-token-endpoint URL", .tried.join("; "))]
    IdpDiscovery { issuer: String, tried: Vec<String> },

    /// The sign-in this request waited for failed; the same reason applies.
    #[error("{0}")]
    Earlier(String),
}

/// What to change when a JWT bearer grant is refused.
fn jwt_bearer_hint(code: &super::ErrorCode, issuer: &str) -> String {
    use super::ErrorCode as E;
    match code {
        E::InvalidGrant => format!(
            "The assertion is expired, not yet valid, meant for another audience (it must name {issuer}), or from an issuer this authorization server does not trust. mcp-tether reads it again at the next request"
        ),
        E::InvalidScope => {
            "The scope asked for is not allowed with this assertion: pass --scope with one that is".into()
        }
        E::UnauthorizedClient => {
            "This client may not use the jwt-bearer grant: the authorization server's admin must allow urn:ietf:params:oauth:grant-type:jwt-bearer for it".into()
        }
        E::InvalidClient => "Check --client-id and its secret or key".into(),
        _ => "Check the assertion, --client-id and --scope".into(),
    }
}

/// What to change when the enterprise IdP refuses the token exchange.
fn token_exchange_hint(code: &super::ErrorCode) -> &'static str {
    use super::ErrorCode as E;
    match code {
        E::InvalidGrant => {
            "The ID token is expired or not one this IdP issued to --idp-client-id (one from --id-token-file or --id-token-env: get a fresh one), or the IdP's policy does not let you use this MCP server (ask the IdP admin)"
        }
        E::InvalidClient | E::UnauthorizedClient => {
            "Check --idp-client-id and its secret, and that the IdP admin allowed this app the token exchange grant"
        }
        E::InvalidTarget | E::AccessDenied => {
            "The IdP's policy does not let you use this MCP server: ask the IdP admin to grant access to it"
        }
        _ => "Check --idp-token-endpoint (or --idp-issuer), --idp-client-id and the ID token",
    }
}

fn token_verdict(had_token: bool) -> &'static str {
    if had_token {
        "refused the registration token"
    } else {
        "requires an initial access token"
    }
}

/// What `login --paste` read.
#[derive(Debug, thiserror::Error)]
pub enum PasteError {
    #[error("reading stdin failed: {0}")]
    Read(std::io::Error),
    #[error("nothing was pasted")]
    Nothing,
}

/// Why there is nothing to refresh with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CannotRefresh {
    #[error("nothing to refresh")]
    NoToken,
    #[error("no refresh token")]
    NoRefreshToken,
    #[error("no client to refresh with")]
    NoClient,
}

/// Why a private key JWT (RFC 7523) could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ClientAssertionError {
    #[error("cannot read --client-assertion-key {path}: {cause}")]
    Read {
        path: std::path::PathBuf,
        cause: std::io::Error,
    },
    #[error("--client-assertion-key {path} is not a {alg} private key in PEM ({cause})")]
    NotAKey {
        path: std::path::PathBuf,
        alg: &'static str,
        cause: jsonwebtoken::errors::Error,
    },
    #[error("signing the client assertion failed: {0}")]
    Sign(jsonwebtoken::errors::Error),
}

/// What is wrong with an ID token the IdP sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdTokenProblem {
    #[error("the IdP sent no ID token (was the openid scope granted?)")]
    Missing,
    #[error("it is not a JWT with a JSON payload")]
    NotAJwt,
    #[error("it was issued by {0}, not by the IdP")]
    WrongIssuer(String),
    #[error("it is for another app (its aud does not name --idp-client-id {0})")]
    WrongAudience(String),
    #[error("it has expired (or has no exp)")]
    Expired,
    #[error("its nonce is not the one this sign-in sent")]
    WrongNonce,
}
