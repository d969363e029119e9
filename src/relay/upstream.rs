//! The server side of the relay: which transport reaches the server
//! (Streamable HTTP, or the 2024-11-05 HTTP+SSE one, chosen up front or on
//! first use), and the one loop every exchange with it goes through, which
//! lets the auth layer fix a refused authorization and tries again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use bytes::Bytes;
use serde_json::Value;

use super::cookies::CookieJar;
use super::error::RelayError;
use super::jsonrpc::Message;
use super::stdio::Output;
use super::transport::legacy_sse::LegacySse;
use super::transport::streamable::{Posted, StreamableHttp};
use crate::auth::{Auth, Person};
use crate::config::{Config, Transport};

/// How many times one request may send the person through authorization
/// (a server that keeps refusing must not loop us).
const MAX_AUTH_ATTEMPTS: u32 = 3;
/// Requests relayed at the same time; more wait for a slot.
const MAX_REQUESTS_IN_FLIGHT: usize = 64;

/// The transport in use.
#[derive(Clone)]
pub enum Link {
    Streamable(Arc<StreamableHttp>),
    Legacy(Arc<LegacySse>),
}

pub struct Upstream {
    config: Arc<Config>,
    http: reqwest::Client,
    out: Output,
    /// None until first needed when the legacy transport was chosen up front.
    link: tokio::sync::Mutex<Option<Link>>,
    auth: Option<Arc<Auth>>,
    /// Cookies the server set, for both transports (None: `--disable-cookies`).
    cookies: Option<Arc<CookieJar>>,
    /// Shared with the auth layer: the host can show a URL elicitation.
    host_opens_urls: Arc<AtomicBool>,
    request_slots: tokio::sync::Semaphore,
}

/// Build the HTTP client every request to the MCP server goes through.
pub fn http_client(config: &Config) -> Result<reqwest::Client, RelayError> {
    crate::net::client(
        crate::net::Purpose::McpServer(&config.url),
        &config.tls,
        &config.network,
        config.timeout,
    )
    .map_err(|e| RelayError::Connect {
        origin: config.url.origin().ascii_serialization(),
        cause: format!("could not set up the HTTP client: {e}"),
    })
}

impl Upstream {
    pub fn new(config: Arc<Config>, out: Output) -> Result<Upstream, RelayError> {
        let http = http_client(&config)?;
        let host_opens_urls = Arc::new(AtomicBool::new(false));
        let auth = match &config.auth {
            Some(cfg) => {
                let person = Person::ViaHost {
                    // What the auth layer has to tell the person goes to the host.
                    notifier: Some(super::host::spawn_notifier(out.clone())),
                    host_opens_urls: host_opens_urls.clone(),
                    // The host may close the bridge before a person finishes.
                    detach: true,
                };
                Some(Arc::new(Auth::new(
                    config.url.clone(),
                    cfg.clone(),
                    person,
                    config.timeout,
                )?))
            }
            None => None,
        };
        let cookies = config.cookies.then(Arc::default);
        let mut upstream = Upstream {
            config,
            http,
            out,
            link: tokio::sync::Mutex::new(None),
            auth,
            cookies,
            host_opens_urls,
            request_slots: tokio::sync::Semaphore::new(MAX_REQUESTS_IN_FLIGHT),
        };
        let link = match upstream.config.transport {
            Transport::Auto | Transport::StreamableHttp => Some(upstream.streamable()),
            // Connecting means a request; wait until the host speaks.
            Transport::LegacySse | Transport::SseFirst => None,
        };
        upstream.link = tokio::sync::Mutex::new(link);
        Ok(upstream)
    }

    fn streamable(&self) -> Link {
        Link::Streamable(Arc::new(
            StreamableHttp::new(
                self.http.clone(),
                self.config.url.clone(),
                self.config.headers.clone(),
                self.config.timeout,
            )
            .with_auth(self.auth.clone())
            .with_cookies(self.cookies.clone()),
        ))
    }

    /// Wait for one of the slots that bound the requests in flight: over
    /// HTTP/1.1 each needs a connection of its own, and a host that
    /// pipelines thousands would otherwise open thousands.
    pub async fn request_slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        // The semaphore is never closed, so this always gets a slot.
        self.request_slots.acquire().await.ok()
    }

    /// The transport to talk through, connecting the legacy one on first use.
    pub async fn link(&self) -> Result<Link, RelayError> {
        let mut slot = self.link.lock().await;
        if let Some(u) = slot.as_ref() {
            return Ok(u.clone());
        }
        let u = match self.connect_legacy().await {
            Ok(legacy) => Link::Legacy(legacy),
            // `sse-first`: a server that refuses the event stream the way a
            // Streamable HTTP server refuses a GET without a session gets
            // Streamable HTTP instead (what mcp-remote's sse-first does).
            Err(e)
                if self.config.transport == Transport::SseFirst
                    && matches!(
                        e.http_status().map(|s| s.as_u16()),
                        Some(400) | Some(404) | Some(405)
                    ) =>
            {
                tracing::info!(
                    "the server refused the HTTP+SSE stream ({}); trying Streamable HTTP",
                    e.http_status().map(|s| s.to_string()).unwrap_or_default()
                );
                self.streamable()
            }
            Err(e) => return Err(e),
        };
        *slot = Some(u.clone());
        Ok(u)
    }

    /// The Streamable HTTP transport, when that is the one in use.
    pub async fn streamable_link(&self) -> Option<Arc<StreamableHttp>> {
        match self.link().await {
            Ok(Link::Streamable(s)) => Some(s),
            _ => None,
        }
    }

    /// The Streamable HTTP transport if it is already connected (no connect).
    pub async fn current_streamable(&self) -> Option<Arc<StreamableHttp>> {
        match self.link.lock().await.as_ref() {
            Some(Link::Streamable(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// Open the legacy HTTP+SSE transport.
    pub async fn connect_legacy(&self) -> Result<Arc<LegacySse>, RelayError> {
        self.authorized(|| {
            LegacySse::connect(
                self.http.clone(),
                &self.config.url,
                self.config.headers.clone(),
                self.config.timeout,
                self.out.clone(),
                self.auth.clone(),
                self.cookies.clone(),
            )
        })
        .await
    }

    /// Use the legacy transport from now on (a fallback during initialize).
    pub async fn switch_to_legacy(&self, legacy: Arc<LegacySse>) {
        *self.link.lock().await = Some(Link::Legacy(legacy));
    }

    /// The transport, taken out for good (at shutdown).
    pub async fn take(&self) -> Option<Link> {
        self.link.lock().await.take()
    }

    /// The host said at initialize whether it can show a URL elicitation.
    pub fn set_host_opens_urls(&self, yes: bool) {
        self.host_opens_urls.store(yes, Ordering::Release);
    }

    /// Whether a sign-in (a person in a browser or approving a device code)
    /// is under way.
    pub fn signing_in(&self) -> bool {
        self.auth.as_ref().is_some_and(|a| a.signing_in())
    }

    /// What the person must do to finish the sign-in under way, if one is.
    pub fn sign_in_hint(&self) -> Option<String> {
        self.auth.as_ref().and_then(|a| a.sign_in_hint())
    }

    /// POST over Streamable HTTP, through [`Self::authorized`], with
    /// per-request headers if any.
    pub async fn post(
        &self,
        s: &StreamableHttp,
        body: Bytes,
        expect: Option<&Value>,
        headers: Option<&reqwest::header::HeaderMap>,
    ) -> Result<Posted, RelayError> {
        self.authorized(|| s.post_with(body.clone(), expect, &self.out, headers))
            .await
    }

    /// Send one message over the legacy transport, through [`Self::authorized`].
    pub async fn send_legacy(
        &self,
        legacy: &LegacySse,
        message: &Message,
    ) -> Result<(), RelayError> {
        self.authorized(|| legacy.send(message)).await
    }

    /// Run one exchange with the server; when it refuses the authorization
    /// (a 401, or a 403 asking for more scope), let the auth layer fix it
    /// (refresh, sign in, step up) and run it again, a bounded number of times.
    /// Both transports go through here, so the legacy HTTP+SSE one recovers
    /// the same way as Streamable HTTP.
    pub async fn authorized<T, F, Fut>(&self, mut exchange: F) -> Result<T, RelayError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, RelayError>>,
    {
        let mut attempts = 0;
        loop {
            match (exchange().await, self.auth.as_ref()) {
                (
                    Err(RelayError::Unauthorized {
                        status,
                        challenge,
                        sent,
                    }),
                    Some(auth),
                ) if attempts < MAX_AUTH_ATTEMPTS => {
                    attempts += 1;
                    auth.recover(status, challenge.map(|c| *c), sent.as_ref())
                        .await?;
                }
                (
                    Err(RelayError::Unauthorized {
                        status, challenge, ..
                    }),
                    None,
                ) => {
                    let (error, description) = challenge
                        .map(|c| (c.error, c.error_description))
                        .unwrap_or_default();
                    return Err(RelayError::HeaderRefused {
                        status,
                        error,
                        description,
                    });
                }
                (other, _) => return other,
            }
        }
    }
}
