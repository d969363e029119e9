//! What both transports do with every request to the MCP server: the
//! configured headers, the token, the cookies, one timeout, a bounded body,
//! and what a refusal means (for the auth layer, or an HTTP error). One
//! path, so Streamable HTTP and HTTP+SSE can't drift apart.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Response, StatusCode};

use url::Url;

use crate::auth::challenge::Challenge;
use crate::auth::{Auth, Credentials};
use crate::relay::cookies::{self, CookieJar};
use crate::relay::error::RelayError;

/// The largest JSON body read from the server: the same bound as a line
/// from the host (a message the host could not send is not one it can take).
pub const MAX_BODY_BYTES: usize = crate::relay::stdio::MAX_LINE_BYTES;

pub struct Wire {
    pub http: reqwest::Client,
    origin: String,
    extra_headers: HeaderMap,
    timeout: Duration,
    /// Tokens, if the server wants them. A refusal comes back as
    /// [`RelayError::Unauthorized`]; the relay recovers and tries again.
    auth: Option<Arc<Auth>>,
    /// Cookies the server set go back with every request (None:
    /// `--disable-cookies`).
    cookies: Option<Arc<CookieJar>>,
}

impl Wire {
    pub fn new(
        http: reqwest::Client,
        origin: String,
        extra_headers: HeaderMap,
        timeout: Duration,
    ) -> Wire {
        Wire {
            http,
            origin,
            extra_headers,
            timeout,
            auth: None,
            cookies: None,
        }
    }

    pub fn with_auth(mut self, auth: Option<Arc<Auth>>) -> Wire {
        self.auth = auth;
        self
    }

    pub fn with_cookies(mut self, cookies: Option<Arc<CookieJar>>) -> Wire {
        self.cookies = cookies;
        self
    }

    pub fn origin(&self) -> &str {
        &self.origin
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// What a `method` request to `url` carries, if the server wants a
    /// token: the Authorization header (refreshed first when due) and, for a
    /// DPoP-bound token, a fresh proof for this request.
    pub async fn credentials(&self, method: &str, url: &Url) -> Option<Credentials> {
        match &self.auth {
            Some(a) => a.credentials(method, url).await,
            None => None,
        }
    }

    /// The configured headers, the credentials and the cookies, on a request.
    pub fn prepare(
        &self,
        mut req: reqwest::RequestBuilder,
        credentials: Option<&Credentials>,
    ) -> reqwest::RequestBuilder {
        if !self.extra_headers.is_empty() {
            req = req.headers(self.extra_headers.clone());
        }
        if let Some(c) = credentials {
            req = req.header(header::AUTHORIZATION, c.authorization.clone());
            if let Some(proof) = &c.dpop {
                req = req.header("dpop", proof.clone());
            }
        }
        cookies::attach(self.cookies.as_deref(), req)
    }

    /// Send, within the timeout, and keep the cookies (and the DPoP nonce)
    /// the answer sets.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Result<Response, RelayError> {
        match tokio::time::timeout(self.timeout, req.send()).await {
            Ok(Ok(resp)) => {
                cookies::remember(self.cookies.as_deref(), resp.headers());
                if let Some(a) = &self.auth {
                    a.remember_nonce(resp.url(), resp.headers());
                }
                Ok(resp)
            }
            Ok(Err(e)) => Err(RelayError::from_reqwest(e, &self.origin, self.timeout)),
            Err(_) => Err(self.timed_out()),
        }
    }

    pub fn timed_out(&self) -> RelayError {
        RelayError::Timeout {
            origin: self.origin.clone(),
            after: self.timeout,
        }
    }

    /// A body, within the timeout and [`MAX_BODY_BYTES`].
    pub async fn read_body(&self, resp: Response) -> Result<Bytes, RelayError> {
        match tokio::time::timeout(self.timeout, read_limited(resp, &self.origin, self.timeout))
            .await
        {
            Ok(result) => result,
            Err(_) => Err(self.timed_out()),
        }
    }

    /// What an answer that is not a success means: a refused authorization
    /// (for the auth layer), or an HTTP error carrying what the body says.
    /// `sent` is the Authorization header the request carried.
    pub async fn refused(&self, resp: Response, sent: Option<HeaderValue>) -> RelayError {
        if let Some(e) = unauthorized(&resp, sent) {
            return e;
        }
        let status = resp.status();
        let body = self.read_body(resp).await.unwrap_or_default();
        RelayError::status(status, &body)
    }

    /// What an answer that is not a success means, given the credentials
    /// the request sent.
    pub async fn refusal(&self, resp: Response, credentials: Option<Credentials>) -> RelayError {
        self.refused(resp, credentials.map(|c| c.authorization))
            .await
    }
}

/// A 401, or a 403 that asks for more scope, is for the authorization layer.
pub fn unauthorized(resp: &Response, sent: Option<HeaderValue>) -> Option<RelayError> {
    let status = resp.status();
    let challenge = Challenge::from_headers(resp.headers()).map(Box::new);
    let step_up = status == StatusCode::FORBIDDEN
        && challenge
            .as_ref()
            .is_some_and(|c| c.is_insufficient_scope());
    (status == StatusCode::UNAUTHORIZED || step_up).then_some(RelayError::Unauthorized {
        status,
        challenge,
        sent,
    })
}

/// Read a body, refusing one over [`MAX_BODY_BYTES`] as soon as it gets
/// there rather than after buffering it all.
async fn read_limited(
    resp: Response,
    origin: &str,
    timeout: Duration,
) -> Result<Bytes, RelayError> {
    let too_large = || {
        RelayError::BadResponse(format!(
            "the body is over the {} MiB limit",
            MAX_BODY_BYTES >> 20
        ))
    };
    if resp
        .content_length()
        .is_some_and(|n| n > MAX_BODY_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut stream = resp.bytes_stream();
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| RelayError::from_reqwest(e, origin, timeout))?;
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
