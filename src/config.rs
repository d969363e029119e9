//! Settings resolved from the command line and the environment. Everything here has
//! been checked: a `Config` that exists is one the relay can run with.

use std::net::IpAddr;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use url::{Host, Url};

use crate::auth::AuthConfig;
use crate::auth::callback::CallbackHost;
use crate::auth::discovery::Overrides;
use crate::auth::flow::{self, Flow};
use crate::auth::registration::ClientOptions;
use crate::auth::registration::JwtAlg;
use crate::auth::store::FileStore;
use crate::cli::{AssertionAlg, CallbackHostArg, ConnectArgs, FlowArg, TransportArg};

/// Which transport the relay speaks to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// Streamable HTTP, falling back to HTTP+SSE when the first POST is rejected.
    Auto,
    StreamableHttp,
    LegacySse,
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
}

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
    #[error("--auth-param '{0}' is not of the form key=value")]
    BadAuthParam(String),
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
        let url = parse_server_url(url, cli.allow_http)?;
        let mut headers = HeaderMap::new();
        for raw in &cli.headers {
            let (name, value) = parse_header(raw, env)?;
            headers.append(name, value);
        }
        if cli.timeout == 0 {
            return Err(ConfigError::ZeroTimeout);
        }
        let transport = match cli.transport {
            TransportArg::Auto => Transport::Auto,
            TransportArg::StreamableHttp => Transport::StreamableHttp,
            TransportArg::Sse => Transport::LegacySse,
        };
        // A person who passes their own Authorization header manages auth.
        let auth = if headers.contains_key(reqwest::header::AUTHORIZATION) {
            None
        } else {
            Some(auth_config(cli, env)?)
        };
        Ok(Config {
            url,
            headers,
            transport,
            timeout: Duration::from_secs(cli.timeout),
            auth,
        })
    }
}

fn auth_config(
    cli: &ConnectArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<AuthConfig, ConfigError> {
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
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AuthConfig {
        overrides: Overrides {
            resource_metadata: url_flag("--resource-metadata", &cli.resource_metadata)?,
            auth_server: url_flag("--auth-server", &cli.auth_server)?,
            auth_server_metadata: url_flag("--auth-server-metadata", &cli.auth_server_metadata)?,
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
        extra_params,
        assume_pkce: cli.assume_pkce,
        callback_port: cli.callback_port,
        callback_host: match cli.callback_host {
            CallbackHostArg::Ip => CallbackHost::Ip,
            CallbackHostArg::Localhost => CallbackHost::Localhost,
        },
        open_browser: !cli.no_browser,
        auth_timeout: Duration::from_secs(cli.auth_timeout.max(1)),
        store: FileStore::default_location(env("MCP_TETHER_CONFIG_DIR")),
        flow: match cli.flow {
            FlowArg::Auto => Flow::Auto,
            FlowArg::Browser => Flow::Browser,
            FlowArg::Device => Flow::Device,
            FlowArg::ClientCredentials => Flow::ClientCredentials,
        },
        no_browser: flow::no_browser_reason(env, std::path::Path::new("/")),
        interactive: false,
        paste: false,
        notifier: None,
    })
}

/// Parse the server URL and apply the https rule: plain http only to loopback,
/// unless the person opted in.
pub fn parse_server_url(raw: &str, allow_http: bool) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| ConfigError::BadUrl(raw.to_string(), e))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if allow_http || is_loopback(&url) => Ok(url),
        "http" => Err(ConfigError::InsecureHttp(
            url.host_str().unwrap_or_default().to_string(),
        )),
        _ => Err(ConfigError::BadScheme(raw.to_string())),
    }
}

/// 127.0.0.0/8, ::1 and `localhost` (which resolves to loopback by RFC 6761).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
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
}
