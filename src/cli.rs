//! The command line, as clap sees it. Nothing here is validated beyond its shape:
//! [`crate::config::Config`] turns these raw values into settings the rest trusts.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    long_about = "Bridge a stdio MCP host to a remote Streamable HTTP MCP server.\n\nYour MCP host (Claude Desktop, Cursor, Zed, Claude Code...) starts `mcp-tether URL` as a stdio server. Every JSON-RPC message the host writes goes to the remote server; every message the server sends comes back. When the server wants OAuth, mcp-tether signs you in and keeps the token fresh. stdout carries the protocol and nothing else; logs go to stderr or to --log-file.",
    after_help = "Examples:\n  mcp-tether https://mcp.example.com/mcp\n  mcp-tether https://mcp.example.com/mcp --header 'Authorization: Bearer ${API_TOKEN}'\n  mcp-tether login https://mcp.example.com/mcp --flow device\n  mcp-tether status",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// URL of the remote MCP server's endpoint, e.g. https://mcp.example.com/mcp
    #[arg(value_name = "URL", required = true)]
    pub url: Option<String>,

    /// mcp-remote's form `mcp-remote URL PORT`: the callback port, same as --callback-port.
    #[arg(value_name = "PORT", hide = true)]
    pub callback_port_positional: Option<u16>,

    #[command(flatten)]
    pub connect: ConnectArgs,

    /// How much to log: error, warn, info, debug or trace. Example: --log-level debug
    #[arg(long, value_enum, default_value_t = LogLevel::Info, value_name = "LEVEL", global = true)]
    pub log_level: LogLevel,

    /// Write logs to this file (appended) instead of stderr.
    /// Example: --log-file ~/mcp-tether.log
    #[arg(long, value_name = "PATH", global = true)]
    pub log_file: Option<PathBuf>,

    /// mcp-remote's --debug: the same as --log-level debug.
    #[arg(long, hide = true, global = true)]
    pub debug: bool,

    /// mcp-remote's --silent: the same as --log-level error (unless --debug).
    #[arg(long, hide = true, global = true)]
    pub silent: bool,
}

impl Cli {
    /// The connection flags of the bridge itself, with mcp-remote's positional
    /// callback port folded in (an explicit --callback-port wins).
    pub fn bridge_connect_args(&self) -> ConnectArgs {
        let mut connect = self.connect.clone();
        if connect.callback_port.is_none() {
            connect.callback_port = self.callback_port_positional;
        }
        connect
    }

    /// --log-level, raised to debug by mcp-remote's --debug, lowered to error
    /// by its --silent (--debug wins, as in mcp-remote).
    pub fn effective_log_level(&self) -> LogLevel {
        if self.debug
            && matches!(
                self.log_level,
                LogLevel::Error | LogLevel::Warn | LogLevel::Info
            )
        {
            LogLevel::Debug
        } else if self.silent && !self.debug {
            LogLevel::Error
        } else {
            self.log_level
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in to a server in this terminal and store the token, so the bridge
    /// your host starts later just works. Example: mcp-tether login https://mcp.example.com/mcp
    Login(Box<LoginArgs>),
    /// Remove stored tokens and client registrations (revoking them first where
    /// the server allows). Example: mcp-tether logout https://mcp.example.com/mcp
    Logout(LogoutArgs),
    /// List what is stored: server, issuer, client, scopes, expiry. Never the secrets.
    Status(StatusArgs),
    /// Check a server's authorization setup without relaying anything: what the
    /// bridge would discover, which client, scopes and flow it would use, and
    /// what to change when something would fail. Example: mcp-tether doctor https://mcp.example.com/mcp
    Doctor(Box<DoctorArgs>),
    /// Add a server to a host's config (after running doctor on it): the
    /// entry runs this binary by its full path, or npx/uvx with --via.
    /// Example: mcp-tether add example https://mcp.example.com/mcp --host claude-desktop
    Add(Box<AddArgs>),
    /// Remove a server entry that `add` wrote from a host's config.
    /// Example: mcp-tether remove example --host claude-desktop
    Remove(RemoveArgs),
    /// List the servers in a host's config that run through mcp-tether.
    /// Example: mcp-tether list --host cursor
    List(ListArgs),
    /// Print a shell completion script. Example: mcp-tether completions zsh > ~/.zfunc/_mcp-tether
    Completions {
        /// bash, zsh, fish, powershell or elvish
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// URL of the remote MCP server's endpoint
    #[arg(value_name = "URL")]
    pub url: String,

    /// For SSH sessions without a device flow: print the sign-in URL, open it on
    /// any machine, and paste back the address the browser ends on (or just the code).
    #[arg(long)]
    pub paste: bool,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// URL of the remote MCP server's endpoint
    #[arg(value_name = "URL")]
    pub url: String,

    /// Machine-readable output (a versioned schema, see docs/doctor.md)
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub connect: ConnectArgs,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["url", "all"])))]
pub struct LogoutArgs {
    /// The server to forget
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// Forget every server
    #[arg(long)]
    pub all: bool,

    #[command(flatten)]
    pub net: NetArgs,
}

/// How every HTTP client connects: shared by the bridge and the commands
/// that reach the network on their own (`logout` revokes tokens).
#[derive(Debug, Clone, Default, Args)]
pub struct NetArgs {
    /// Also trust the CA certificates in this PEM file (repeatable), on top of
    /// the system's trust store: for TLS-inspecting corporate proxies and private
    /// CAs. Example: --ca-cert /etc/ssl/corp-root.pem
    /// `SSL_CERT_FILE` is honoured the same way.
    #[arg(long = "ca-cert", value_name = "PEM")]
    pub ca_certs: Vec<PathBuf>,

    /// Accept any TLS certificate, even an invalid or self-signed one. For lab
    /// use only: anyone on the path can then read your tokens. mcp-tether warns
    /// on every start while it is set. Prefer --ca-cert.
    #[arg(long)]
    pub insecure: bool,

    /// Seconds to wait for a TCP (and TLS) connection, when it should differ
    /// from --timeout. Example: --connect-timeout 5
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub connect_timeout: Option<u64>,

    /// Connect over IPv4 only, for hosts whose IPv6 addresses resolve but
    /// silently drop traffic. Example: --ipv4
    #[arg(long)]
    pub ipv4: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only this server
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// Machine-readable output
    #[arg(long)]
    pub json: bool,
}

/// How to reach the server and how to authorize: shared by the bridge and `login`.
#[derive(Debug, Clone, Args)]
pub struct ConnectArgs {
    /// Extra HTTP header sent with every request, as 'Name: value' (repeatable).
    /// ${VAR} is replaced with the environment variable VAR, so secrets stay out of
    /// host config files: --header 'Authorization: Bearer ${API_TOKEN}'
    #[arg(long = "header", short = 'H', value_name = "NAME: VALUE")]
    pub headers: Vec<String>,

    /// Read more headers from a file: one 'Name: value' per line, `#` starts a
    /// comment, ${VAR} is expanded. Keeps credentials out of the process list
    /// and the host's config. Example: --header-file ~/.config/mcp/github.headers
    #[arg(long, value_name = "PATH")]
    pub header_file: Option<PathBuf>,

    /// Ping the server when the connection is otherwise idle, so load balancers
    /// and proxies don't drop it (every 30 s; see --ping-interval). Example: --keep-alive
    #[arg(long)]
    pub keep_alive: bool,

    /// Seconds between keep-alive pings (implies --keep-alive). Example: --ping-interval 15
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub ping_interval: Option<u64>,

    /// Which transport to speak. `auto` tries Streamable HTTP and falls back to the
    /// 2024-11-05 HTTP+SSE transport when the server rejects the first POST.
    /// Example: --transport sse
    #[arg(long, value_enum, default_value_t = TransportArg::Auto, value_name = "TRANSPORT")]
    pub transport: TransportArg,

    /// Which MCP protocol era the server speaks. `auto` asks the server once
    /// (`server/discover`) and remembers the answer per server; a host that speaks
    /// the 2025 era then works with a 2026-07-28 server too. Example: --protocol legacy
    #[arg(long, value_enum, default_value_t = ProtocolArg::Auto, value_name = "ERA")]
    pub protocol: ProtocolArg,

    /// Allow plain http:// to a host that is not loopback. Tokens and headers then
    /// travel unencrypted: use it only on a network you trust.
    /// Example: mcp-tether --allow-http http://mcp.internal:8080/mcp
    #[arg(long)]
    pub allow_http: bool,

    /// Seconds to wait for a connection, for response headers and for a JSON body.
    /// Long-lived event streams are not cut by it. Example: --timeout 30
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    pub timeout: u64,

    /// How to connect: certificates, address family, connect timeout.
    #[command(flatten)]
    pub net: NetArgs,

    /// Hide tools whose name matches this pattern from the host (repeatable;
    /// `*` matches any run of characters). Example: --ignore-tool 'delete_*'
    #[arg(long = "ignore-tool", value_name = "PATTERN")]
    pub ignore_tools: Vec<String>,

    // ---- mcp-remote's spellings, so switching means changing only the command. ----
    /// mcp-remote: `{"client_id": …, "client_secret": …}` as JSON or @file;
    /// the same as --client-id / --client-secret.
    #[arg(long, value_name = "JSON|@FILE", hide = true)]
    pub static_oauth_client_info: Option<String>,

    /// mcp-remote: client metadata as JSON or @file. `scope` maps to --scope;
    /// the rest is ignored (mcp-tether registers its own metadata).
    #[arg(long, value_name = "JSON|@FILE", hide = true)]
    pub static_oauth_client_metadata: Option<String>,

    /// mcp-remote: the callback host name, the same as --callback-host.
    #[arg(long = "host", value_name = "HOST", hide = true)]
    pub mcp_remote_host: Option<String>,

    /// mcp-remote: the same as --flow device.
    #[arg(long, hide = true, conflicts_with = "client_credentials")]
    pub device_code: bool,

    /// mcp-remote: the same as --flow client-credentials.
    #[arg(long, hide = true)]
    pub client_credentials: bool,

    /// mcp-remote: seconds to wait for response headers, the same as --timeout.
    #[arg(long, value_name = "SECONDS", hide = true)]
    pub headers_timeout: Option<u64>,

    /// mcp-remote: the longest gap between chunks of a body. mcp-tether never
    /// cuts an event stream for being idle and bounds JSON bodies by --timeout,
    /// so this is accepted and has no effect.
    #[arg(long, value_name = "SECONDS", hide = true)]
    pub body_timeout: Option<u64>,

    /// mcp-remote: use HTTP(S)_PROXY / NO_PROXY. mcp-tether always does, so
    /// this is accepted and has no effect.
    #[arg(long, hide = true)]
    pub enable_proxy: bool,

    /// Don't keep the cookies the server sets. By default cookies the MCP
    /// server sets (load-balancer stickiness) are sent back to it, in memory
    /// only, for the life of the process. Example: --disable-cookies
    #[arg(long)]
    pub disable_cookies: bool,

    // ---- Authorization (OAuth 2.1). Used only when the server answers 401. ----
    /// Scopes to request, space-separated; overrides what the server asks for.
    /// Example: --scope 'openid offline_access api://mcp/.default'
    #[arg(long, value_name = "SCOPES", help_heading = "Authorization")]
    pub scope: Option<String>,

    /// A pre-registered OAuth client id, for providers without dynamic
    /// registration (Entra ID, Cognito, Auth0 by default, GitHub). Example: --client-id 1a2b3c
    #[arg(long, value_name = "ID", help_heading = "Authorization")]
    pub client_id: Option<String>,

    /// The client secret of a confidential pre-registered client. Prefer
    /// --client-secret-env, which keeps it out of process listings.
    #[arg(
        long,
        value_name = "SECRET",
        help_heading = "Authorization",
        conflicts_with = "client_secret_env"
    )]
    pub client_secret: Option<String>,

    /// Read the client secret from this environment variable. Example: --client-secret-env MCP_SECRET
    #[arg(long, value_name = "VAR", help_heading = "Authorization")]
    pub client_secret_env: Option<String>,

    /// A Client ID Metadata Document URL to use as the client id, where the
    /// authorization server supports it. Example: --client-metadata-url https://example.com/client.json
    #[arg(long, value_name = "URL", help_heading = "Authorization")]
    pub client_metadata_url: Option<String>,

    /// An initial access token for registration endpoints that require one (Okta style).
    /// Example: --registration-token "$OKTA_IAT"
    #[arg(long, value_name = "TOKEN", help_heading = "Authorization")]
    pub registration_token: Option<String>,

    /// Where the server's protected resource metadata is, when it isn't at the
    /// well-known path. Example: --resource-metadata https://mcp.example.com/custom/prm.json
    #[arg(long, value_name = "URL", help_heading = "Authorization")]
    pub resource_metadata: Option<String>,

    /// The authorization server's issuer, when the server doesn't say.
    /// Example: --auth-server https://login.example.com/tenant1
    #[arg(long, value_name = "ISSUER", help_heading = "Authorization")]
    pub auth_server: Option<String>,

    /// After a sign-in that worked, send the browser to this page instead of
    /// mcp-tether's own (https, or http on loopback; no query or fragment).
    /// Example: --auth-success-url https://intranet.example.com/mcp-connected
    #[arg(long, value_name = "URL", help_heading = "Authorization")]
    pub auth_success_url: Option<String>,

    /// Send the OpenID Connect ID token instead of the access token, for servers
    /// that check who the caller is rather than what it may do (Cognito in front
    /// of Bedrock AgentCore). Adds `openid` to the scope. Example: --use-id-token
    #[arg(long, help_heading = "Authorization")]
    pub use_id_token: bool,

    /// Bind tokens to a key this bridge holds (DPoP, RFC 9449) even though the
    /// MCP server doesn't ask for it. Without this flag, tokens are bound when
    /// the server asks (its resource metadata or a `DPoP` challenge) and the
    /// authorization server supports ES256. Example: --dpop
    #[arg(long, conflicts_with = "no_dpop", help_heading = "Authorization")]
    pub dpop: bool,

    /// Never bind tokens with DPoP, even when the server asks; for a server
    /// that advertises DPoP but takes only Bearer tokens. Example: --no-dpop
    #[arg(long, help_heading = "Authorization")]
    pub no_dpop: bool,

    /// The token endpoint, for --flow client-credentials against an
    /// authorization server that publishes no metadata: discovery is skipped.
    /// Example: --token-endpoint https://auth.internal/oauth/token
    #[arg(long, value_name = "URL", help_heading = "Authorization")]
    pub token_endpoint: Option<String>,

    /// The authorization server's metadata URL, for metadata on another host
    /// or path. Example: --auth-server-metadata https://idp.example.com/oauth/meta.json
    #[arg(long, value_name = "URL", help_heading = "Authorization")]
    pub auth_server_metadata: Option<String>,

    /// The RFC 8707 resource to request tokens for (default: the server's own).
    /// Example: --resource https://mcp.example.com
    #[arg(long, value_name = "URI", help_heading = "Authorization")]
    pub resource: Option<String>,

    /// Leave the RFC 8707 `resource` parameter out of every authorization,
    /// token, refresh and device request, for providers that reject it (Entra ID
    /// v2: AADSTS9010010). The scope then has to name the API, e.g.
    /// --scope 'api://<app-id>/.default'. Example: --no-resource
    #[arg(
        long,
        alias = "disable-resource-parameter",
        conflicts_with = "resource",
        help_heading = "Authorization"
    )]
    pub no_resource: bool,

    /// An extra authorization request parameter (repeatable), such as Auth0's
    /// audience. Example: --auth-param audience=https://api.example.com
    #[arg(
        long = "auth-param",
        alias = "authorize-param",
        value_name = "KEY=VALUE",
        help_heading = "Authorization"
    )]
    pub auth_params: Vec<String>,

    /// Use PKCE S256 even though the authorization server doesn't advertise it
    /// (Entra ID supports it without saying so). Example: --assume-pkce
    #[arg(long, help_heading = "Authorization")]
    pub assume_pkce: bool,

    /// Listen for the sign-in callback on this port, for providers that only
    /// accept the exact redirect URI registered. Example: --callback-port 33418
    #[arg(long, value_name = "PORT", help_heading = "Authorization")]
    pub callback_port: Option<u16>,

    /// Host name in the redirect URI: 127.0.0.1 (default) or localhost. The
    /// listener is on loopback either way. Example: --callback-host localhost
    #[arg(long, value_enum, default_value_t = CallbackHostArg::Ip, value_name = "HOST", help_heading = "Authorization")]
    pub callback_host: CallbackHostArg,

    /// Path in the redirect URI. An app registered for mcp-remote needs no change
    /// at the provider with: --callback-host localhost --callback-port 3334
    /// --callback-path /oauth/callback
    #[arg(
        long,
        default_value = crate::auth::grant::callback::CALLBACK_PATH,
        value_name = "PATH",
        help_heading = "Authorization"
    )]
    pub callback_path: String,

    /// Don't open a browser; only print the sign-in URL on stderr. Example: --no-browser
    #[arg(long, help_heading = "Authorization")]
    pub no_browser: bool,

    /// Where tokens are kept: the OS keyring (macOS Keychain, Windows Credential
    /// Manager, Secret Service), a private file, or auto (the keyring when one
    /// answers, else the file). Example: --token-store file
    #[arg(long, value_enum, default_value_t = TokenStoreArg::Auto, value_name = "STORE", help_heading = "Authorization")]
    pub token_store: TokenStoreArg,

    /// Seconds to wait for the sign-in to complete. Example: --auth-timeout 600
    #[arg(
        long,
        default_value_t = 300,
        value_name = "SECONDS",
        help_heading = "Authorization"
    )]
    pub auth_timeout: u64,

    /// How to get a token: `auto` picks the device flow when no browser can be
    /// opened here (SSH, no display) and the server offers it, else the browser.
    /// Never picked by `auto`, for agents with no person signing in:
    /// `client-credentials`; `jwt-bearer`, a workload's own JWT (RFC 7523, with
    /// --assertion-file or --assertion-env); `enterprise`, an ID-JAG from the
    /// enterprise IdP for your ID token (SEP-990, with the --idp-* flags).
    /// Example: --flow device
    #[arg(long, value_enum, default_value_t = FlowArg::Auto, value_name = "FLOW", help_heading = "Authorization")]
    pub flow: FlowArg,

    /// Private key (PEM file) for private_key_jwt client authentication with
    /// --flow client-credentials. Example: --client-assertion-key agent.pem
    #[arg(long, value_name = "PEM", help_heading = "Authorization")]
    pub client_assertion_key: Option<std::path::PathBuf>,

    /// Signing algorithm for --client-assertion-key. Example: --client-assertion-alg ES256
    #[arg(long, value_enum, default_value_t = AssertionAlg::Rs256, value_name = "ALG", help_heading = "Authorization")]
    pub client_assertion_alg: AssertionAlg,

    /// --flow jwt-bearer: the file holding the workload's JWT, read again at
    /// each token request (it rotates). Example: --assertion-file
    /// /var/run/secrets/tokens/mcp-token
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "assertion_env",
        help_heading = "Workload and enterprise identity"
    )]
    pub assertion_file: Option<std::path::PathBuf>,

    /// --flow jwt-bearer: the environment variable holding the workload's JWT.
    /// Example: --assertion-env CI_JOB_JWT
    #[arg(
        long,
        value_name = "VAR",
        help_heading = "Workload and enterprise identity"
    )]
    pub assertion_env: Option<String>,

    /// --flow enterprise: the enterprise IdP's issuer; its endpoints are
    /// discovered, and mcp-tether signs you in there unless --id-token-file
    /// or --id-token-env gives the ID token. Example: --idp-issuer https://acme.okta.com
    #[arg(
        long,
        value_name = "URL",
        conflicts_with = "idp_token_endpoint",
        help_heading = "Workload and enterprise identity"
    )]
    pub idp_issuer: Option<String>,

    /// --flow enterprise: the enterprise IdP's token endpoint (no discovery;
    /// needs --id-token-file or --id-token-env). Example: --idp-token-endpoint
    /// https://acme.okta.com/oauth2/v1/token
    #[arg(
        long,
        value_name = "URL",
        help_heading = "Workload and enterprise identity"
    )]
    pub idp_token_endpoint: Option<String>,

    /// --flow enterprise: this app's client id at the enterprise IdP.
    /// Example: --idp-client-id 0oa1b2c3
    #[arg(
        long,
        value_name = "ID",
        help_heading = "Workload and enterprise identity"
    )]
    pub idp_client_id: Option<String>,

    /// --flow enterprise: the IdP client's secret. Prefer --idp-client-secret-env.
    #[arg(
        long,
        value_name = "SECRET",
        conflicts_with = "idp_client_secret_env",
        help_heading = "Workload and enterprise identity"
    )]
    pub idp_client_secret: Option<String>,

    /// --flow enterprise: read the IdP client's secret from this environment
    /// variable. Example: --idp-client-secret-env IDP_SECRET
    #[arg(
        long,
        value_name = "VAR",
        help_heading = "Workload and enterprise identity"
    )]
    pub idp_client_secret_env: Option<String>,

    /// --flow enterprise: the file holding your ID token from the IdP, read
    /// again at each sign-in, instead of signing in to the IdP.
    /// Example: --id-token-file ~/.config/okta/id_token
    #[arg(
        long,
        value_name = "PATH",
        conflicts_with = "id_token_env",
        help_heading = "Workload and enterprise identity"
    )]
    pub id_token_file: Option<std::path::PathBuf>,

    /// --flow enterprise: the environment variable holding your ID token.
    /// Example: --id-token-env OKTA_ID_TOKEN
    #[arg(
        long,
        value_name = "VAR",
        help_heading = "Workload and enterprise identity"
    )]
    pub id_token_env: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TokenStoreArg {
    Auto,
    Keyring,
    File,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FlowArg {
    Auto,
    Browser,
    Device,
    ClientCredentials,
    JwtBearer,
    Enterprise,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssertionAlg {
    #[value(name = "RS256")]
    Rs256,
    #[value(name = "ES256")]
    Es256,
}

/// Which MCP protocol era to speak to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolArg {
    /// Find out once per server (a `server/discover` on the first start), remember it.
    Auto,
    /// The 2025 era: `initialize`, sessions (2025-11-25 and earlier).
    Legacy,
    /// MCP 2026-07-28: no handshake, no sessions; the bridge translates for the host.
    Modern,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TransportArg {
    /// Streamable HTTP first, then the legacy HTTP+SSE transport if the server rejects it.
    Auto,
    /// Streamable HTTP only (MCP 2025-03-26 and later).
    StreamableHttp,
    /// The legacy HTTP+SSE transport only (MCP 2024-11-05).
    Sse,
    /// mcp-remote's name for `auto`.
    #[value(hide = true)]
    HttpFirst,
    /// mcp-remote's name for `streamable-http`.
    #[value(hide = true)]
    HttpOnly,
    /// mcp-remote's name for `sse`.
    #[value(hide = true)]
    SseOnly,
    /// mcp-remote's "SSE, then HTTP": the legacy transport first, Streamable HTTP if the stream is refused.
    #[value(hide = true)]
    SseFirst,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CallbackHostArg {
    #[value(name = "127.0.0.1")]
    Ip,
    Localhost,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

// ---- `add`, `remove`, `list`: a host's config file (src/commands/add.rs). ----

/// Which host's config to edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HostArg {
    ClaudeDesktop,
    Cursor,
    Vscode,
    Windsurf,
    Zed,
    ClaudeCode,
    GeminiCli,
    Codex,
}

/// How the host's entry starts mcp-tether.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ViaArg {
    /// This binary, by its absolute path (desktop launchers don't see ~/.cargo/bin).
    Binary,
    /// `npx -y mcp-tether …` (through `cmd /c` on Windows).
    Npx,
    /// `uvx mcp-tether …`.
    Uvx,
}

/// The host and its file: shared by add, remove and list.
#[derive(Debug, Clone, Args)]
pub struct HostFileArgs {
    /// The host whose user config to edit.
    #[arg(long, value_enum, value_name = "HOST")]
    pub host: HostArg,

    /// Edit this file instead of the host's user config (same format).
    /// Example: --config .vscode/mcp.json
    #[arg(long, value_name = "PATH")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Bridge flags after the URL go into the entry as they are, e.g. --client-id 1a2b3c --scope read. Secrets never do: use --client-secret-env VAR, or ${VAR} in --header, and set the variable in the host's environment."
)]
pub struct AddArgs {
    /// The entry's name in the host's config
    #[arg(value_name = "NAME")]
    pub name: String,

    /// URL of the remote MCP server's endpoint
    #[arg(value_name = "URL")]
    pub url: String,

    #[command(flatten)]
    pub file: HostFileArgs,

    /// How the entry starts mcp-tether.
    #[arg(long, value_enum, default_value_t = ViaArg::Binary, value_name = "HOW")]
    pub via: ViaArg,

    /// Print the change instead of writing it.
    #[arg(long)]
    pub dry_run: bool,

    /// Write the entry even though doctor found a problem, or over an entry
    /// of that name that doesn't run mcp-tether.
    #[arg(long)]
    pub force: bool,

    /// Bridge flags for the entry (anything `mcp-tether URL` takes).
    #[arg(
        value_name = "BRIDGE FLAGS",
        trailing_var_arg = true,
        allow_hyphen_values = true
    )]
    pub bridge: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The entry's name in the host's config
    #[arg(value_name = "NAME")]
    pub name: String,

    #[command(flatten)]
    pub file: HostFileArgs,

    /// Print the change instead of writing it.
    #[arg(long)]
    pub dry_run: bool,

    /// Remove the entry even though it doesn't run mcp-tether.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    #[command(flatten)]
    pub file: HostFileArgs,

    /// Machine-readable output
    #[arg(long)]
    pub json: bool,
}

/// The bridge's own flags, parsed on their own: `add` checks the flags it
/// is given to pass on, and runs doctor with them.
#[derive(Debug, Parser)]
#[command(name = "mcp-tether", no_binary_name = true)]
pub struct BridgeFlags {
    #[command(flatten)]
    pub connect: ConnectArgs,
}
