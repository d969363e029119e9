//! Settings resolved from the command line and the environment. Everything here has
//! been checked: a `Config` that exists is one the relay can run with.

use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::auth::AuthConfig;
use crate::auth::credential::CredentialSource;
use crate::auth::discovery::Overrides;
use crate::auth::flow::{self, Flow};
use crate::auth::grant::callback::CallbackHost;
use crate::auth::grant::idp::IdpOptions;
use crate::auth::registration::ClientOptions;
use crate::auth::registration::JwtAlg;
use crate::auth::store::{StoreChoice, TokenStore};
use crate::cli::{
    AssertionAlg, CallbackHostArg, ConnectArgs, FlowArg, NetArgs, ProtocolArg, TokenStoreArg,
    TransportArg,
};
use crate::net::{Network, Tls};

/// Which MCP protocol era to speak (see docs/protocol-era.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    Auto,
    Legacy,
    Modern,
}

/// Which transport the relay speaks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Streamable HTTP, falling back to HTTP+SSE when the first POST is rejected.
    Auto,
    StreamableHttp,
    LegacySse,
    /// mcp-remote's `sse-first`: HTTP+SSE, falling back to Streamable HTTP
    /// when the event stream is refused.
    SseFirst,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub url: Url,
    /// Headers from `--header`, already expanded. Never logged: they carry secrets.
    pub headers: HeaderMap,
    pub transport: Transport,
    pub timeout: Duration,
    /// OAuth, unless the person supplies their own Authorization header.
    pub auth: Option<AuthConfig>,
    /// `--ignore-tool` patterns: tools the host should not see.
    pub ignore_tools: Vec<String>,
    /// `--ca-cert`, `SSL_CERT_FILE` and `--insecure`; see [`Tls::apply`].
    pub tls: Tls,
    /// `--ipv4` and `--connect-timeout`; see [`Network::apply`].
    pub network: Network,
    /// Keep the cookies the server sets and send them back (off with
    /// `--disable-cookies`, or when the person passes their own `Cookie`).
    pub cookies: bool,
    /// `--keep-alive` / `--ping-interval`: ping the server this often.
    pub keep_alive: Option<Duration>,
    pub protocol: Protocol,
    /// Where `--protocol auto` remembers each server's era (None: nowhere).
    pub era_cache: Option<std::path::PathBuf>,
}

/// The keep-alive interval when `--keep-alive` is given without `--ping-interval`.
pub const DEFAULT_PING_INTERVAL: Duration = Duration::from_secs(30);

impl From<crate::net::PemError> for ConfigError {
    fn from(e: crate::net::PemError) -> Self {
        ConfigError::BadCaCert {
            origin: e.origin,
            path: e.path,
            why: e.why,
        }
    }
}

/// Printed on every start while `--insecure` is set.
pub const INSECURE_WARNING: &str = "mcp-tether: WARNING: --insecure is set: TLS certificates are NOT checked, so anyone on the network path can read and change this traffic, tokens included. Use it only in a lab; for a private CA use --ca-cert or SSL_CERT_FILE instead";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "'{0}' is not a valid URL ({1}); give the server's full endpoint, e.g. https://mcp.example.com/mcp"
    )]
    BadUrl(String, url::ParseError),
    #[error("'{0}' is not an http:// or https:// URL")]
    BadScheme(String),
    #[error(
        "refusing plain http:// to {0}: headers and tokens would travel unencrypted. Use https://, or pass --allow-http if this network is trusted"
    )]
    InsecureHttp(String),
    #[error("--header '{0}' is not of the form 'Name: value'")]
    BadHeader(String),
    #[error("--header-file {path}: {why}")]
    BadHeaderFile { path: String, why: String },
    #[error(
        "--header '{header}': environment variable {var} is not set; set it in the host's env block or your shell"
    )]
    MissingVar { header: String, var: String },
    #[error("--header '{0}': mcp-tether sets this header itself; remove it")]
    ManagedHeader(String),
    #[error("--timeout must be at least 1 second")]
    ZeroTimeout,
    #[error("{flag} '{value}' is not a valid URL ({why})")]
    BadFlagUrl {
        flag: &'static str,
        value: String,
        why: String,
    },
    #[error("--client-secret-env {0}: that environment variable is not set")]
    MissingSecretVar(String),
    #[error("{0}")]
    Store(#[from] crate::auth::store::StoreError),
    #[error("--auth-param '{0}' is not of the form key=value")]
    BadAuthParam(String),
    #[error(
        "--auth-param '{0}': mcp-tether sets `{0}` itself for every sign-in; a second value would make the authorization server fail"
    )]
    DerivedAuthParam(String),
    #[error("--auth-param '{key}': use {flag} instead, so the token and refresh requests agree")]
    AuthParamHasFlag { key: String, flag: &'static str },
    #[error(
        "--token-endpoint is for --flow client-credentials (a person signing in needs the authorization endpoint too: use --auth-server or --auth-server-metadata)"
    )]
    TokenEndpointNeedsClientCredentials,
    #[error(
        "--use-id-token needs a person to sign in: the client credentials grant issues no ID token"
    )]
    IdTokenWithClientCredentials,
    #[error(
        "--flow jwt-bearer needs the workload's JWT: pass --assertion-file PATH (a Kubernetes projected service-account token, say) or --assertion-env VAR (a CI job's OIDC token)"
    )]
    AssertionNeeded,
    #[error("{flag} {var}: that environment variable is not set")]
    MissingFlagVar { flag: &'static str, var: String },
    #[error("{flag} is for --flow {flow}; pass --flow {flow} too")]
    FlagNeedsFlow {
        flag: &'static str,
        flow: &'static str,
    },
    #[error(
        "--flow enterprise needs {what}. See docs/enterprise-auth.md for what your IdP admin sets up"
    )]
    EnterpriseNeeds { what: &'static str },

    #[error("{flag}: {why}")]
    BadStaticJson { flag: &'static str, why: String },
    #[error(
        "--host '{0}': the callback always listens on loopback; use --host localhost or --host 127.0.0.1 (or --callback-host)"
    )]
    BadCallbackHost(String),
    #[error("{origin} {path}: {why}")]
    BadCaCert {
        origin: &'static str,
        path: String,
        why: String,
    },
    #[error(
        "--callback-path '{0}' must be a path starting with '/', without '?' or '#'. Example: --callback-path /oauth/callback"
    )]
    BadCallbackPath(String),
}

/// Headers the relay owns: a user value would break the protocol.
const MANAGED_HEADERS: &[&str] = &[
    "content-type",
    "accept",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
    "content-length",
    "host",
];

impl Config {
    /// Resolve the command line. `env` looks up environment variables, so tests
    /// can inject them instead of mutating the process environment.
    pub fn from_args(
        url: &str,
        cli: &ConnectArgs,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let cli = &mcp_remote_compat(cli)?;
        let url = parse_server_url(url, cli.allow_http)?;
        let mut headers = HeaderMap::new();
        if let Some(path) = &cli.header_file {
            for (name, value) in read_header_file(path, env)? {
                headers.append(name, value);
            }
        }
        for raw in &cli.headers {
            let (name, value) = parse_header(raw, env)?;
            headers.append(name, value);
        }
        if cli.timeout == 0 {
            return Err(ConfigError::ZeroTimeout);
        }
        let transport = match cli.transport {
            TransportArg::Auto | TransportArg::HttpFirst => Transport::Auto,
            TransportArg::StreamableHttp | TransportArg::HttpOnly => Transport::StreamableHttp,
            TransportArg::Sse | TransportArg::SseOnly => Transport::LegacySse,
            TransportArg::SseFirst => Transport::SseFirst,
        };
        let (tls, network) = net_settings(&cli.net, env)?;
        let cookies = !cli.disable_cookies && !headers.contains_key(reqwest::header::COOKIE);
        // A person who passes their own Authorization header manages auth.
        let auth = if headers.contains_key(reqwest::header::AUTHORIZATION) {
            None
        } else {
            let mut auth = auth_config(cli, env)?;
            auth.tls = tls.clone();
            auth.network = network.clone();
            Some(auth)
        };
        Ok(Config {
            url,
            headers,
            transport,
            timeout: Duration::from_secs(cli.timeout),
            auth,
            ignore_tools: cli.ignore_tools.clone(),
            tls,
            network,
            cookies,
            keep_alive: match (cli.ping_interval, cli.keep_alive) {
                (Some(secs), _) => Some(Duration::from_secs(secs)),
                (None, true) => Some(DEFAULT_PING_INTERVAL),
                (None, false) => None,
            },
            protocol: match cli.protocol {
                ProtocolArg::Auto => Protocol::Auto,
                ProtocolArg::Legacy => Protocol::Legacy,
                ProtocolArg::Modern => Protocol::Modern,
            },
            era_cache: crate::auth::store::config_dir(env("MCP_TETHER_CONFIG_DIR"))
                .ok()
                .map(|d| d.join("protocol-eras.json")),
        })
    }
}

/// The TLS and connection settings from their flags and `SSL_CERT_FILE`.
pub fn net_settings(
    args: &NetArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(Tls, Network), ConfigError> {
    let tls = Tls {
        extra_roots: load_ca_certs(&args.ca_certs)?,
        ssl_cert_file: ssl_cert_file(env("SSL_CERT_FILE"))?,
        insecure: args.insecure,
    };
    let network = Network {
        ipv4_only: args.ipv4,
        connect_timeout: args.connect_timeout.map(Duration::from_secs),
    };
    Ok((tls, network))
}

/// Read every certificate of each `--ca-cert` PEM file.
fn load_ca_certs(paths: &[std::path::PathBuf]) -> Result<Vec<reqwest::Certificate>, ConfigError> {
    let mut out = Vec::new();
    for path in paths {
        out.extend(crate::net::read_pem("--ca-cert", path).map_err(ConfigError::from)?);
    }
    Ok(out)
}

/// `SSL_CERT_FILE` (the OpenSSL convention many tools follow; hosts that strip
/// the environment may need it in their `env` block). Checked now, read only
/// when a TLS client is built: it often names the whole system bundle, and
/// parsing that costs milliseconds a plain-http server never needs.
fn ssl_cert_file(value: Option<String>) -> Result<Option<std::path::PathBuf>, ConfigError> {
    let Some(path) = value
        .filter(|p| !p.is_empty())
        .map(std::path::PathBuf::from)
    else {
        return Ok(None);
    };
    std::fs::File::open(&path).map_err(|e| ConfigError::BadCaCert {
        origin: "SSL_CERT_FILE",
        path: path.display().to_string(),
        why: e.to_string(),
    })?;
    Ok(Some(path))
}

/// mcp-remote's flags, mapped onto ours: `--static-oauth-client-info`,
/// `--static-oauth-client-metadata` and `--host`. Our own flags win where both
/// are given.
fn mcp_remote_compat(cli: &ConnectArgs) -> Result<ConnectArgs, ConfigError> {
    let mut out = cli.clone();
    if let Some(raw) = &cli.static_oauth_client_info {
        let flag = "--static-oauth-client-info";
        let v = json_or_file(flag, raw)?;
        let field = |name: &str| -> Result<Option<String>, ConfigError> {
            match v.get(name) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(ConfigError::BadStaticJson {
                    flag,
                    why: format!("\"{name}\" must be a string"),
                }),
            }
        };
        let id = field("client_id")?.ok_or_else(|| ConfigError::BadStaticJson {
            flag,
            why: "no \"client_id\" in it".into(),
        })?;
        let secret = field("client_secret")?;
        if out.client_id.is_none() {
            out.client_id = Some(id);
            if out.client_secret.is_none() && out.client_secret_env.is_none() {
                out.client_secret = secret;
            }
        }
    }
    if let Some(raw) = &cli.static_oauth_client_metadata {
        let flag = "--static-oauth-client-metadata";
        let v = json_or_file(flag, raw)?;
        let Some(obj) = v.as_object() else {
            return Err(ConfigError::BadStaticJson {
                flag,
                why: "expected a JSON object".into(),
            });
        };
        for (key, value) in obj {
            match (key.as_str(), value) {
                ("scope", serde_json::Value::String(scope)) if out.scope.is_none() => {
                    out.scope = Some(scope.clone());
                }
                _ => tracing::debug!(
                    "{flag}: ignoring \"{key}\" (mcp-tether registers its own client metadata)"
                ),
            }
        }
    }
    if cli.device_code {
        out.flow = FlowArg::Device;
    }
    if cli.client_credentials {
        out.flow = FlowArg::ClientCredentials;
    }
    if let Some(secs) = cli.headers_timeout {
        out.timeout = secs;
    }
    if cli.body_timeout.is_some() {
        tracing::debug!(
            "--body-timeout: accepted; event streams are never cut for being idle and JSON bodies are bounded by --timeout"
        );
    }
    if cli.enable_proxy {
        tracing::debug!("--enable-proxy: accepted; HTTP(S)_PROXY and NO_PROXY are always used");
    }
    if let Some(host) = &cli.mcp_remote_host {
        out.callback_host = match host.as_str() {
            "localhost" => CallbackHostArg::Localhost,
            "127.0.0.1" => CallbackHostArg::Ip,
            _ => return Err(ConfigError::BadCallbackHost(host.clone())),
        };
    }
    Ok(out)
}

/// `--auth-success-url`: a page the browser may be sent to with nothing of
/// the sign-in in it, over https (or http on loopback, or with --allow-http).
fn success_url(cli: &ConnectArgs) -> Result<Option<Url>, ConfigError> {
    let Some(raw) = &cli.auth_success_url else {
        return Ok(None);
    };
    let bad = |why: &str| ConfigError::BadFlagUrl {
        flag: "--auth-success-url",
        value: raw.clone(),
        why: why.to_string(),
    };
    let url = Url::parse(raw).map_err(|e| bad(&e.to_string()))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(ConfigError::BadFlagUrl {
            flag: "--auth-success-url",
            value: without_credentials(&url),
            why: "it must not carry credentials".into(),
        });
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("it must not have a query or a fragment"));
    }
    crate::auth::discovery::check_transport(&url, cli.allow_http)
        .map_err(|_| bad("use https (http only on loopback, or with --allow-http)"))?;
    Ok(Some(url))
}

/// An endpoint named on the command line (`--token-endpoint`, the IdP's):
/// a URL with no user name, password or fragment, which would otherwise go
/// into requests and logs.
fn endpoint_url(flag: &'static str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| ConfigError::BadFlagUrl {
        flag,
        value: raw.to_string(),
        why: e.to_string(),
    })?;
    if !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(ConfigError::BadFlagUrl {
            flag,
            value: without_credentials(&url),
            why: "it must not carry credentials or a fragment".into(),
        });
    }
    Ok(url)
}

/// A URL for an error message, with any user name and password taken out:
/// they are secrets, and error messages reach logs.
fn without_credentials(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Refuse `--auth-param`s that would clash with what the flow sends itself.
fn check_auth_param(param: (String, String)) -> Result<(String, String), ConfigError> {
    const DERIVED: &[&str] = &[
        "response_type",
        "client_id",
        "redirect_uri",
        "state",
        "code_challenge",
        "code_challenge_method",
    ];
    let key = param.0.as_str();
    if DERIVED.contains(&key) {
        return Err(ConfigError::DerivedAuthParam(param.0));
    }
    let flag = match key {
        "scope" => Some("--scope"),
        "resource" => Some("--resource"),
        _ => None,
    };
    match flag {
        Some(flag) => Err(ConfigError::AuthParamHasFlag { key: param.0, flag }),
        None => Ok(param),
    }
}

/// A JSON value given inline or as `@path` (mcp-remote's convention).
fn json_or_file(flag: &'static str, raw: &str) -> Result<serde_json::Value, ConfigError> {
    let text = match raw.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path).map_err(|e| ConfigError::BadStaticJson {
            flag,
            why: format!("cannot read {path}: {e}"),
        })?,
        None => raw.to_string(),
    };
    serde_json::from_str(&text).map_err(|e| ConfigError::BadStaticJson {
        flag,
        why: format!("not valid JSON ({e})"),
    })
}

fn auth_config(
    cli: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AuthConfig, ConfigError> {
    if cli.use_id_token && cli.flow == FlowArg::ClientCredentials {
        return Err(ConfigError::IdTokenWithClientCredentials);
    }
    let assertion = assertion_source(cli, env)?;
    let enterprise = idp_options(cli, env)?;
    let url_flag = |flag: &'static str, v: &Option<String>| -> Result<Option<Url>, ConfigError> {
        v.as_deref()
            .map(|s| {
                Url::parse(s).map_err(|e| ConfigError::BadFlagUrl {
                    flag,
                    value: s.to_string(),
                    why: e.to_string(),
                })
            })
            .transpose()
    };
    let client_secret = match (&cli.client_secret, &cli.client_secret_env) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(var)) => {
            Some(env(var).ok_or_else(|| ConfigError::MissingSecretVar(var.clone()))?)
        }
        (None, None) => None,
    };
    let extra_params = cli
        .auth_params
        .iter()
        .map(|p| {
            p.split_once('=')
                .filter(|(k, _)| !k.is_empty())
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .ok_or_else(|| ConfigError::BadAuthParam(p.clone()))
                .and_then(check_auth_param)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AuthConfig {
        overrides: Overrides {
            resource_metadata: url_flag("--resource-metadata", &cli.resource_metadata)?,
            auth_server: url_flag("--auth-server", &cli.auth_server)?,
            auth_server_metadata: url_flag("--auth-server-metadata", &cli.auth_server_metadata)?,
            token_endpoint: match cli
                .token_endpoint
                .as_deref()
                .map(|raw| endpoint_url("--token-endpoint", raw))
                .transpose()?
            {
                Some(_) if cli.flow != FlowArg::ClientCredentials => {
                    return Err(ConfigError::TokenEndpointNeedsClientCredentials);
                }
                other => other,
            },
            allow_http: cli.allow_http,
        },
        client: ClientOptions {
            client_id: cli.client_id.clone(),
            client_secret,
            client_metadata_url: cli.client_metadata_url.clone(),
            registration_token: cli.registration_token.clone(),
            assertion_key: cli.client_assertion_key.clone().map(|p| {
                let alg = match cli.client_assertion_alg {
                    AssertionAlg::Rs256 => JwtAlg::RS256,
                    AssertionAlg::Es256 => JwtAlg::ES256,
                };
                (p, alg)
            }),
        },
        scope: cli.scope.clone(),
        resource: cli.resource.clone(),
        no_resource: cli.no_resource,
        extra_params,
        assume_pkce: cli.assume_pkce,
        use_id_token: cli.use_id_token,
        success_url: success_url(cli)?,
        callback_port: cli.callback_port,
        callback_path: check_callback_path(&cli.callback_path)?,
        callback_host: match cli.callback_host {
            CallbackHostArg::Ip => CallbackHost::Ip,
            CallbackHostArg::Localhost => CallbackHost::Localhost,
        },
        open_browser: !cli.no_browser,
        auth_timeout: Duration::from_secs(cli.auth_timeout.max(1)),
        store: Some(TokenStore::open(
            env("MCP_TETHER_CONFIG_DIR"),
            match cli.token_store {
                TokenStoreArg::Auto => StoreChoice::Auto,
                TokenStoreArg::Keyring => StoreChoice::Keyring,
                TokenStoreArg::File => StoreChoice::File,
            },
        )?),
        dpop: match (cli.dpop, cli.no_dpop) {
            (true, _) => crate::auth::dpop::Mode::Always,
            (_, true) => crate::auth::dpop::Mode::Never,
            _ => crate::auth::dpop::Mode::Auto,
        },
        flow: match cli.flow {
            FlowArg::Auto => Flow::Auto,
            FlowArg::Browser => Flow::Browser,
            FlowArg::Device => Flow::Device,
            FlowArg::ClientCredentials => Flow::ClientCredentials,
            FlowArg::JwtBearer => Flow::JwtBearer,
            FlowArg::Enterprise => Flow::Enterprise,
        },
        assertion,
        enterprise,
        surroundings: flow::Surroundings::read(env, std::path::Path::new("/")),
        tls: Tls::default(),
        network: Network::default(),
    })
}

/// `--assertion-file` / `--assertion-env`: exactly one with --flow
/// jwt-bearer, neither without it. The value is read at each token request.
fn assertion_source(
    cli: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<CredentialSource>, ConfigError> {
    let source = credential_source(
        ("--assertion-file", &cli.assertion_file),
        ("--assertion-env", &cli.assertion_env),
        env,
    )?;
    match (cli.flow, source) {
        (FlowArg::JwtBearer, None) => Err(ConfigError::AssertionNeeded),
        (FlowArg::JwtBearer, source) => Ok(source),
        (_, Some(source)) => Err(ConfigError::FlagNeedsFlow {
            flag: source.flag(),
            flow: "jwt-bearer",
        }),
        (_, None) => Ok(None),
    }
}

/// A credential from a file or a variable (clap lets at most one through);
/// a variable must be set now (the process's environment won't change).
fn credential_source(
    file: (&'static str, &Option<std::path::PathBuf>),
    var: (&'static str, &Option<String>),
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<CredentialSource>, ConfigError> {
    if let (flag, Some(path)) = file {
        return Ok(Some(CredentialSource::File {
            flag,
            path: path.clone(),
        }));
    }
    let (flag, Some(name)) = var else {
        return Ok(None);
    };
    if env(name).is_none_or(|v| v.trim().is_empty()) {
        return Err(ConfigError::MissingFlagVar {
            flag,
            var: name.clone(),
        });
    }
    Ok(Some(CredentialSource::Env {
        flag,
        var: name.clone(),
    }))
}

/// The enterprise IdP for --flow enterprise: where to exchange the ID
/// token, as which client, and the ID token. The `--idp-*` flags are
/// refused with any other flow.
fn idp_options(
    cli: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<IdpOptions>, ConfigError> {
    let id_token = credential_source(
        ("--id-token-file", &cli.id_token_file),
        ("--id-token-env", &cli.id_token_env),
        env,
    )?;
    if cli.flow != FlowArg::Enterprise {
        let given = [
            ("--idp-issuer", cli.idp_issuer.is_some()),
            ("--idp-token-endpoint", cli.idp_token_endpoint.is_some()),
            ("--idp-client-id", cli.idp_client_id.is_some()),
            ("--idp-client-secret", cli.idp_client_secret.is_some()),
            (
                "--idp-client-secret-env",
                cli.idp_client_secret_env.is_some(),
            ),
        ]
        .into_iter()
        .find_map(|(flag, set)| set.then_some(flag))
        .or(id_token.as_ref().map(CredentialSource::flag));
        return match given {
            Some(flag) => Err(ConfigError::FlagNeedsFlow {
                flag,
                flow: "enterprise",
            }),
            None => Ok(None),
        };
    }
    let url = |flag: &'static str, v: &Option<String>| -> Result<Option<Url>, ConfigError> {
        let Some(raw) = v else { return Ok(None) };
        let url = endpoint_url(flag, raw)?;
        crate::net::check_transport(&url, cli.allow_http).map_err(|_| ConfigError::BadFlagUrl {
            flag,
            value: url.to_string(),
            why: "use https (http only on loopback, or with --allow-http)".into(),
        })?;
        Ok(Some(url))
    };
    let issuer = url("--idp-issuer", &cli.idp_issuer)?;
    let token_endpoint = url("--idp-token-endpoint", &cli.idp_token_endpoint)?;
    if issuer.is_none() && token_endpoint.is_none() {
        return Err(ConfigError::EnterpriseNeeds {
            what: "the enterprise IdP: --idp-issuer URL or --idp-token-endpoint URL",
        });
    }
    let Some(client_id) = cli.idp_client_id.clone() else {
        return Err(ConfigError::EnterpriseNeeds {
            what: "this app's client at the IdP: --idp-client-id ID (with --idp-client-secret-env VAR for a confidential one)",
        });
    };
    // Without an ID token, mcp-tether signs in to the IdP for one: that
    // needs the authorization endpoint, which only the issuer's metadata has.
    if id_token.is_none() && issuer.is_none() {
        return Err(ConfigError::EnterpriseNeeds {
            what: "either your ID token from the IdP (--id-token-file PATH or --id-token-env VAR) or --idp-issuer URL, so that mcp-tether can sign you in to the IdP",
        });
    }
    if cli.client_id.is_none() {
        return Err(ConfigError::EnterpriseNeeds {
            what: "the client registered at the MCP server's authorization server: --client-id ID (with --client-secret-env VAR)",
        });
    }
    let client_secret = match (&cli.idp_client_secret, &cli.idp_client_secret_env) {
        (Some(s), _) => Some(s.clone()),
        (None, Some(var)) => Some(env(var).ok_or_else(|| ConfigError::MissingFlagVar {
            flag: "--idp-client-secret-env",
            var: var.clone(),
        })?),
        (None, None) => None,
    };
    Ok(Some(IdpOptions {
        issuer,
        token_endpoint,
        client_id,
        client_secret,
        id_token,
    }))
}

fn check_callback_path(path: &str) -> Result<String, ConfigError> {
    let ok = path.starts_with('/')
        && !path.contains(['?', '#'])
        && !path.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok {
        Ok(path.to_string())
    } else {
        Err(ConfigError::BadCallbackPath(path.to_string()))
    }
}

/// Parse the server URL and apply the https rule: plain http only to loopback,
/// unless the person opted in.
pub fn parse_server_url(raw: &str, allow_http: bool) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| ConfigError::BadUrl(raw.to_string(), e))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_http || crate::net::is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::InsecureHttp(
            url.host_str().unwrap_or_default().to_string(),
        )),
        _ => Err(ConfigError::BadScheme(raw.to_string())),
    }
}

/// `Name: value` or `Name:value` (Windows hosts mangle spaces in arguments, so
/// people write the second form), with `${VAR}` expanded.
fn parse_header(
    raw: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(HeaderName, HeaderValue), ConfigError> {
    let (name, value) = raw
        .split_once(':')
        .ok_or_else(|| ConfigError::BadHeader(raw.to_string()))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| ConfigError::BadHeader(raw.to_string()))?;
    if MANAGED_HEADERS.contains(&name.as_str()) {
        return Err(ConfigError::ManagedHeader(raw.to_string()));
    }
    let value = expand_vars(value.trim(), env).map_err(|var| ConfigError::MissingVar {
        header: raw.to_string(),
        var,
    })?;
    let mut value =
        HeaderValue::from_str(&value).map_err(|_| ConfigError::BadHeader(raw.to_string()))?;
    value.set_sensitive(true);
    Ok((name, value))
}

/// `--header-file`: `Name: value` lines; blank lines and `#` comments are
/// skipped. Errors name the line but never echo it: it may hold a secret.
fn read_header_file(
    path: &std::path::Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(HeaderName, HeaderValue)>, ConfigError> {
    let bad = |why: String| ConfigError::BadHeaderFile {
        path: path.display().to_string(),
        why,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let header = parse_header(line, env).map_err(|e| {
            bad(match e {
                ConfigError::MissingVar { var, .. } => {
                    format!("line {}: environment variable {var} is not set", n + 1)
                }
                ConfigError::ManagedHeader(_) => {
                    format!("line {}: mcp-tether sets this header itself", n + 1)
                }
                _ => format!("line {} is not of the form 'Name: value'", n + 1),
            })
        })?;
        out.push(header);
    }
    Ok(out)
}

/// Replace each `${VAR}` with its value. Returns the name of the first unset variable.
fn expand_vars(input: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            // An unterminated `${` is literal text, not a variable.
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let var = &after[..end];
        out.push_str(&env(var).ok_or_else(|| var.to_string())?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Option<String> {
        (name == "TOKEN").then(|| "s3cret".to_string())
    }

    #[test]
    fn expands_variables_and_reports_missing_ones() {
        assert_eq!(
            expand_vars("Bearer ${TOKEN}", &env).unwrap(),
            "Bearer s3cret"
        );
        assert_eq!(
            expand_vars("a${TOKEN}b${TOKEN}", &env).unwrap(),
            "as3cretbs3cret"
        );
        assert_eq!(expand_vars("${NOPE}", &env).unwrap_err(), "NOPE");
        assert_eq!(expand_vars("literal ${", &env).unwrap(), "literal ${");
    }

    #[test]
    fn header_forms() {
        let (n, v) = parse_header("Authorization:Bearer ${TOKEN}", &env).unwrap();
        assert_eq!(n.as_str(), "authorization");
        assert_eq!(v.to_str().unwrap(), "Bearer s3cret");
        assert!(v.is_sensitive());
        assert!(matches!(
            parse_header("no colon", &env),
            Err(ConfigError::BadHeader(_))
        ));
        assert!(matches!(
            parse_header("Accept: text/html", &env),
            Err(ConfigError::ManagedHeader(_))
        ));
    }

    #[test]
    fn header_files_skip_comments_and_name_bad_lines_without_echoing_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h");
        std::fs::write(
            &path,
            "# GitHub\n\nAuthorization: Bearer ${TOKEN}\nX-Team:core\n",
        )
        .unwrap();
        let headers = read_header_file(&path, &env).unwrap();
        assert_eq!(headers.len(), 2);
        assert_eq!(headers[0].1.to_str().unwrap(), "Bearer s3cret");
        assert_eq!(headers[1].0.as_str(), "x-team");

        std::fs::write(&path, "ok: 1\nsecret-without-colon\n").unwrap();
        let e = read_header_file(&path, &env).unwrap_err().to_string();
        assert!(e.contains("line 2"), "{e}");
        assert!(!e.contains("secret-without-colon"), "{e}");
        std::fs::write(&path, "A: ${NOPE}\n").unwrap();
        let e = read_header_file(&path, &env).unwrap_err().to_string();
        assert!(e.contains("NOPE is not set"), "{e}");
    }

    fn connect(args: &[&str]) -> ConnectArgs {
        use clap::Parser;
        let mut argv = vec!["mcp-tether", "https://mcp.example.com/mcp"];
        argv.extend_from_slice(args);
        crate::cli::Cli::parse_from(argv).bridge_connect_args()
    }

    #[test]
    fn urls_with_credentials_are_refused_without_echoing_them() {
        for flags in [
            vec![
                "--auth-success-url",
                "https://user:pa55word@app.example/done",
            ],
            vec![
                "--flow",
                "client-credentials",
                "--token-endpoint",
                "https://user:pa55word@auth.example/token",
            ],
        ] {
            let e = Config::from_args("https://mcp.example.com/mcp", &connect(&flags), &env)
                .unwrap_err()
                .to_string();
            assert!(e.contains("must not carry credentials"), "{e}");
            assert!(!e.contains("pa55word") && !e.contains("user"), "{e}");
        }
    }

    #[test]
    fn mcp_remote_flags_map_onto_ours() {
        let c = mcp_remote_compat(&connect(&[
            "3334",
            "--static-oauth-client-info",
            r#"{"client_id":"abc","client_secret":"s"}"#,
            "--static-oauth-client-metadata",
            r#"{"scope":"read write","client_name":"x"}"#,
            "--host",
            "localhost",
            "--transport",
            "http-only",
        ]))
        .unwrap();
        assert_eq!(c.callback_port, Some(3334));
        assert_eq!(c.client_id.as_deref(), Some("abc"));
        assert_eq!(c.client_secret.as_deref(), Some("s"));
        assert_eq!(c.scope.as_deref(), Some("read write"));
        assert_eq!(c.callback_host, CallbackHostArg::Localhost);
        assert_eq!(c.transport, TransportArg::HttpOnly);

        // Our own flags win.
        let c = mcp_remote_compat(&connect(&[
            "3334",
            "--callback-port",
            "5000",
            "--client-id",
            "mine",
            "--static-oauth-client-info",
            r#"{"client_id":"abc"}"#,
        ]))
        .unwrap();
        assert_eq!(c.callback_port, Some(5000));
        assert_eq!(c.client_id.as_deref(), Some("mine"));

        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("info.json");
        std::fs::write(&file, r#"{"client_id":"from-file"}"#).unwrap();
        let at = format!("@{}", file.display());
        let c = mcp_remote_compat(&connect(&["--static-oauth-client-info", &at])).unwrap();
        assert_eq!(c.client_id.as_deref(), Some("from-file"));

        assert!(matches!(
            mcp_remote_compat(&connect(&["--static-oauth-client-info", "{nope"])),
            Err(ConfigError::BadStaticJson { .. })
        ));
        assert!(matches!(
            mcp_remote_compat(&connect(&["--host", "example.com"])),
            Err(ConfigError::BadCallbackHost(_))
        ));
    }

    #[test]
    fn ignore_tools_and_ca_certs() {
        let config = Config::from_args(
            "https://mcp.example.com/mcp",
            &connect(&[
                "--ignore-tool",
                "delete_*",
                "--ignore-tool",
                "x",
                "--token-store",
                "file",
            ]),
            &|_| None,
        )
        .unwrap();
        assert_eq!(config.ignore_tools, vec!["delete_*", "x"]);
        assert!(config.tls.extra_roots.is_empty());

        let dir = tempfile::tempdir().unwrap();
        let not_pem = dir.path().join("empty.pem");
        std::fs::write(&not_pem, "hello").unwrap();
        let path = not_pem.to_str().unwrap();
        assert!(matches!(
            Config::from_args(
                "https://mcp.example.com/mcp",
                &connect(&["--ca-cert", path, "--token-store", "file"]),
                &|_| None
            ),
            Err(ConfigError::BadCaCert { .. })
        ));
    }

    #[test]
    fn http_only_to_loopback_unless_allowed() {
        assert!(parse_server_url("http://127.0.0.1:3000/mcp", false).is_ok());
        assert!(parse_server_url("http://127.5.0.1/mcp", false).is_ok());
        assert!(parse_server_url("http://[::1]:80/mcp", false).is_ok());
        assert!(parse_server_url("http://LOCALHOST/mcp", false).is_ok());
        assert!(matches!(
            parse_server_url("http://example.com/mcp", false),
            Err(ConfigError::InsecureHttp(_))
        ));
        assert!(parse_server_url("http://example.com/mcp", true).is_ok());
        assert!(matches!(
            parse_server_url("ftp://example.com", false),
            Err(ConfigError::BadScheme(_))
        ));
        assert!(matches!(
            parse_server_url("not a url", false),
            Err(ConfigError::BadUrl(..))
        ));
    }

    fn auth_of(flags: &[&str]) -> Result<AuthConfig, ConfigError> {
        Config::from_args("https://mcp.example.com/mcp", &connect(flags), &env)
            .map(|c| c.auth.expect("auth is configured"))
    }

    #[test]
    fn jwt_bearer_takes_exactly_one_assertion_source() {
        let a = auth_of(&["--flow", "jwt-bearer", "--assertion-file", "/run/token"]).unwrap();
        assert_eq!(a.flow, Flow::JwtBearer);
        assert_eq!(
            a.assertion,
            Some(CredentialSource::File {
                flag: "--assertion-file",
                path: "/run/token".into()
            })
        );
        let a = auth_of(&["--flow", "jwt-bearer", "--assertion-env", "TOKEN"]).unwrap();
        assert_eq!(
            a.assertion,
            Some(CredentialSource::Env {
                flag: "--assertion-env",
                var: "TOKEN".into()
            })
        );
        let none = auth_of(&["--flow", "jwt-bearer"]).unwrap_err();
        assert!(matches!(none, ConfigError::AssertionNeeded), "{none}");
        assert!(none.to_string().contains("--assertion-file PATH"), "{none}");
        // Both: clap refuses the pair.
        use clap::Parser;
        assert!(
            crate::cli::Cli::try_parse_from([
                "mcp-tether",
                "https://mcp.example.com/mcp",
                "--flow",
                "jwt-bearer",
                "--assertion-file",
                "/run/token",
                "--assertion-env",
                "TOKEN",
            ])
            .is_err()
        );
        let unset = auth_of(&["--flow", "jwt-bearer", "--assertion-env", "NOPE"]).unwrap_err();
        assert_eq!(
            unset.to_string(),
            "--assertion-env NOPE: that environment variable is not set"
        );
        let stray = auth_of(&["--assertion-file", "/run/token"]).unwrap_err();
        assert_eq!(
            stray.to_string(),
            "--assertion-file is for --flow jwt-bearer; pass --flow jwt-bearer too"
        );
    }

    #[test]
    fn enterprise_needs_the_idp_its_client_and_a_client_and_the_id_token_or_the_issuer() {
        let full = [
            "--flow",
            "enterprise",
            "--idp-issuer",
            "https://acme.okta.com",
            "--idp-client-id",
            "idp-app",
            "--idp-client-secret-env",
            "TOKEN",
            "--id-token-env",
            "TOKEN",
            "--client-id",
            "mcp-client",
        ];
        let a = auth_of(&full).unwrap();
        assert_eq!(a.flow, Flow::Enterprise);
        let idp = a.enterprise.unwrap();
        assert_eq!(idp.issuer.unwrap().as_str(), "https://acme.okta.com/");
        assert_eq!(idp.client_id, "idp-app");
        assert_eq!(idp.client_secret.as_deref(), Some("s3cret"));
        for (leave_out, says) in [
            (
                "--idp-issuer",
                "--idp-issuer URL or --idp-token-endpoint URL",
            ),
            ("--idp-client-id", "--idp-client-id ID"),
            ("--client-id", "--client-id ID"),
        ] {
            let mut flags = Vec::new();
            let mut skip = false;
            for f in full {
                if skip {
                    skip = false;
                } else if f == leave_out {
                    skip = true;
                } else {
                    flags.push(f);
                }
            }
            let e = auth_of(&flags).unwrap_err();
            assert!(matches!(e, ConfigError::EnterpriseNeeds { .. }), "{e}");
            assert!(e.to_string().contains(says), "{leave_out}: {e}");
        }
        // No ID token: mcp-tether signs in to the IdP, found by its issuer.
        let signs_in = auth_of(&[
            "--flow",
            "enterprise",
            "--idp-issuer",
            "https://acme.okta.com",
            "--idp-client-id",
            "idp-app",
            "--client-id",
            "mcp-client",
        ])
        .unwrap();
        assert!(signs_in.enterprise.unwrap().id_token.is_none());
        // …which needs the issuer's metadata, for the authorization endpoint.
        let e = auth_of(&[
            "--flow",
            "enterprise",
            "--idp-token-endpoint",
            "https://acme.okta.com/oauth2/v1/token",
            "--idp-client-id",
            "idp-app",
            "--client-id",
            "mcp-client",
        ])
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("--id-token-file PATH or --id-token-env VAR) or --idp-issuer URL"),
            "{e}"
        );
        let insecure = auth_of(&[
            "--flow",
            "enterprise",
            "--idp-token-endpoint",
            "http://idp.example.com/token",
        ])
        .unwrap_err();
        assert!(insecure.to_string().contains("use https"), "{insecure}");
        let stray = auth_of(&["--idp-client-id", "x"]).unwrap_err();
        assert_eq!(
            stray.to_string(),
            "--idp-client-id is for --flow enterprise; pass --flow enterprise too"
        );
        let stray = auth_of(&["--id-token-file", "/tmp/t"]).unwrap_err();
        assert!(
            stray.to_string().starts_with("--id-token-file is for"),
            "{stray}"
        );
    }
}
