//! The network rules every HTTP client of mcp-tether follows, in one place:
//! the https-or-loopback rule, the TLS settings (`--ca-cert`,
//! `SSL_CERT_FILE`, `--insecure`), the connection settings (`--ipv4`,
//! `--connect-timeout`) and the one client builder. The relay, the
//! authorization code, doctor and logout all build their clients here, so a
//! flag that changes how mcp-tether connects changes it everywhere.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::{Host, Url};

/// Sent with every request: which program, which version.
pub const USER_AGENT: &str = concat!("mcp-tether/", env!("CARGO_PKG_VERSION"));

/// How every HTTP client checks certificates.
#[derive(Debug, Clone, Default)]
pub struct Tls {
    /// Roots trusted on top of the system's: `--ca-cert`.
    pub extra_roots: Vec<reqwest::Certificate>,
    /// `SSL_CERT_FILE`: more roots, read when a TLS client is built.
    pub ssl_cert_file: Option<PathBuf>,
    /// `--insecure`: no certificate checks at all (lab use, warned on start).
    pub insecure: bool,
}

impl Tls {
    /// Apply to a client builder. The system trust store stays in use
    /// (rustls-platform-verifier); the extra roots are trusted on top of it.
    pub fn apply(&self, mut builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        if !self.extra_roots.is_empty() {
            builder = builder.tls_certs_merge(self.extra_roots.iter().cloned());
        }
        if let Some(path) = &self.ssl_cert_file {
            match read_pem("SSL_CERT_FILE", path) {
                Ok(certs) => builder = builder.tls_certs_merge(certs),
                Err(e) => tracing::warn!("{e}; using the system's roots only"),
            }
        }
        if self.insecure {
            builder = builder.tls_danger_accept_invalid_certs(true);
        }
        builder
    }
}

/// How every HTTP client connects.
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// `--ipv4`: only IPv4 addresses are tried.
    pub ipv4_only: bool,
    /// `--connect-timeout`; else the request timeout is used.
    pub connect_timeout: Option<Duration>,
}

impl Network {
    /// Apply to a client builder; `timeout` is the connect timeout unless
    /// `--connect-timeout` says otherwise.
    pub fn apply(
        &self,
        mut builder: reqwest::ClientBuilder,
        timeout: Duration,
    ) -> reqwest::ClientBuilder {
        builder = builder.connect_timeout(self.connect_timeout.unwrap_or(timeout));
        if self.ipv4_only {
            // A v4 local address makes the connector try v4 addresses only.
            builder = builder.local_address(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
        }
        builder
    }
}

/// A PEM file of certificates that can't be used.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{origin} {path}: {why}")]
pub struct PemError {
    /// Where the path came from: `--ca-cert` or `SSL_CERT_FILE`.
    pub origin: &'static str,
    pub path: String,
    pub why: String,
}

/// Every certificate in a PEM file.
pub fn read_pem(origin: &'static str, path: &Path) -> Result<Vec<reqwest::Certificate>, PemError> {
    let bad = |why: String| PemError {
        origin,
        path: path.display().to_string(),
        why,
    };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| bad(format!("not a PEM certificate file ({e})")))?;
    if certs.is_empty() {
        return Err(bad(
            "no certificate in it (expected -----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    Ok(certs)
}

/// A loopback address (127.0.0.0/8, ::1, `localhost`): plain http is safe
/// there, because nothing leaves the machine.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Why a URL may not carry credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsafe {
    /// Plain http to a host that is not this machine.
    PlainHttp,
    /// Not http at all (`javascript:`, `data:`, `file:`…).
    NotHttp,
}

/// The rule for every URL mcp-tether sends credentials to: https, or plain
/// http on loopback, or plain http anywhere when the person opted in
/// (`--allow-http`).
pub fn check_transport(url: &Url, allow_http: bool) -> Result<(), Unsafe> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if allow_http || is_loopback(url) => Ok(()),
        "http" => Err(Unsafe::PlainHttp),
        _ => Err(Unsafe::NotHttp),
    }
}

/// What a client is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose<'a> {
    /// The MCP server at this URL: redirects followed only within its
    /// origin (headers may carry credentials), no overall request timeout
    /// (event streams are meant to stay open; the relay bounds each wait).
    McpServer(&'a Url),
    /// Metadata, registration, token and revocation requests: never follows
    /// a redirect (a token request must not be replayed elsewhere), keeps no
    /// idle connections (requests are minutes apart: a pooled one would
    /// often be closed by the server already), and bounds every request by
    /// the timeout.
    Authorization,
    /// The same, for `mcp-tether doctor` (it says so in its user agent).
    Doctor,
}

/// The one HTTP client builder: a client for `purpose`, with the TLS and
/// connection settings.
pub fn client(
    purpose: Purpose<'_>,
    tls: &Tls,
    network: &Network,
    timeout: Duration,
) -> reqwest::Result<reqwest::Client> {
    let builder = match purpose {
        Purpose::McpServer(url) => {
            let mut builder = network.apply(
                reqwest::Client::builder()
                    .user_agent(USER_AGENT)
                    .redirect(same_origin_redirects()),
                timeout,
            );
            if cfg!(target_os = "linux") && !proxy_configured() {
                // On Linux the "system proxy" is the environment; with none
                // set, skip the per-request proxy matching.
                builder = builder.no_proxy();
            }
            if url.scheme() == "http" {
                // Plain http, and redirects never leave the origin: no TLS
                // will ever be needed, so don't load the system's roots
                // (hundreds of files, milliseconds of start-up), nor
                // --ca-cert / SSL_CERT_FILE roots (which many machines point
                // at the whole system bundle).
                builder.tls_certs_only(Vec::new())
            } else {
                tls.apply(builder)
            }
        }
        Purpose::Authorization | Purpose::Doctor => {
            let agent = match purpose {
                Purpose::Doctor => format!("{USER_AGENT} (doctor)"),
                _ => USER_AGENT.to_string(),
            };
            let mut builder = reqwest::Client::builder()
                .user_agent(agent)
                .redirect(reqwest::redirect::Policy::none())
                .timeout(timeout);
            if purpose == Purpose::Authorization {
                builder = builder.pool_max_idle_per_host(0);
            }
            tls.apply(network.apply(builder, timeout))
        }
    };
    builder.build()
}

/// Follow a redirect only within the first request's origin, five at most.
fn same_origin_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let same_origin = attempt
            .previous()
            .first()
            .is_some_and(|first| first.origin() == attempt.url().origin());
        if attempt.previous().len() > 5 || !same_origin {
            attempt.stop()
        } else {
            attempt.follow()
        }
    })
}

/// Whether any proxy variable is set (any case), as reqwest would read them.
fn proxy_configured() -> bool {
    std::env::vars_os().any(|(k, _)| {
        let k = k.to_string_lossy().to_ascii_lowercase();
        matches!(k.as_str(), "http_proxy" | "https_proxy" | "all_proxy")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn https_anywhere_http_on_loopback_or_when_allowed() {
        let url = |s: &str| Url::parse(s).unwrap();
        assert_eq!(check_transport(&url("https://a.example/x"), false), Ok(()));
        assert_eq!(check_transport(&url("http://127.0.0.1:9/x"), false), Ok(()));
        assert_eq!(check_transport(&url("http://[::1]/x"), false), Ok(()));
        assert_eq!(check_transport(&url("http://LOCALHOST/x"), false), Ok(()));
        assert_eq!(
            check_transport(&url("http://a.example/x"), false),
            Err(Unsafe::PlainHttp)
        );
        assert_eq!(check_transport(&url("http://a.example/x"), true), Ok(()));
        assert_eq!(
            check_transport(&url("javascript:alert(1)"), true),
            Err(Unsafe::NotHttp)
        );
    }
}
