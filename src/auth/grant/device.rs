//! The device authorization grant (RFC 8628): for SSH sessions and containers,
//! where no browser can be opened. The person approves on any other device.

use std::io::IsTerminal;
use std::time::Duration;

use serde::Deserialize;

use crate::auth::context::Context;
use crate::auth::registration::{Client, ClientSource};
use crate::auth::store::Record;
use crate::auth::token::{self, Tokens};
use crate::auth::{AuthError, ErrorCode, Notice, discovery, registration};
use crate::locked::Locked;

pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

#[derive(Debug, Clone, Deserialize)]
pub struct DeviceAuthorization {
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    pub expires_in: u64,
    /// Seconds between polls (RFC 8628: 5 when absent).
    #[serde(default)]
    pub interval: Option<u64>,
}

impl DeviceAuthorization {
    /// The URL to show: the complete one (code included) when there is one.
    pub fn url(&self) -> &str {
        self.verification_uri_complete
            .as_deref()
            .unwrap_or(&self.verification_uri)
    }

    /// The instruction, on one line, for a host's log or an error message.
    pub fn instruction(&self) -> String {
        match &self.verification_uri_complete {
            Some(url) => format!("open {url} and confirm the code {}", self.user_code),
            None => format!(
                "open {} and enter the code {}",
                self.verification_uri, self.user_code
            ),
        }
    }
}

/// Ask the authorization server for a device code.
pub async fn start(
    http: &reqwest::Client,
    endpoint: &str,
    client: &Client,
    scope: Option<&str>,
    resource: Option<&str>,
) -> Result<DeviceAuthorization, AuthError> {
    let mut form: Vec<(&'static str, String)> = resource
        .map(|r| ("resource", r.to_string()))
        .into_iter()
        .collect();
    if let Some(scope) = scope {
        form.push(("scope", scope.to_string()));
    }
    let req = http
        .post(endpoint)
        .header(reqwest::header::ACCEPT, "application/json");
    let req = token::authenticate(req, &mut form, client)?;
    let resp = req
        .form(&form)
        .send()
        .await
        .map_err(|e| AuthError::RequestFailed {
            what: "device authorization",
            url: endpoint.to_string(),
            cause: e.to_string(),
        })?;
    let status = resp.status();
    let body = crate::auth::body::read_limited(resp, crate::auth::body::MAX_OAUTH_BODY)
        .await
        .map_err(|e| AuthError::BadResponse {
            what: "device authorization",
            url: endpoint.to_string(),
            why: format!("could not be read: {e}"),
        })?;
    if !status.is_success() {
        return Err(token::oauth_error(&body, endpoint, status));
    }
    serde_json::from_slice(&body).map_err(|e| AuthError::BadResponse {
        what: "device authorization",
        url: endpoint.to_string(),
        why: format!("is not valid ({e})"),
    })
}

/// What the person is shown: the code, prominently, with a QR code of the
/// URL when stderr is a terminal (a phone can scan it).
pub fn instructions(d: &DeviceAuthorization) -> String {
    let mut text = String::new();
    text.push_str("\nmcp-tether: sign in on any device with a browser.\n\n");
    text.push_str(&format!("    Open:  {}\n", d.verification_uri));
    text.push_str(&format!("    Code:  {}\n", d.user_code));
    if let Some(full) = &d.verification_uri_complete {
        text.push_str(&format!(
            "\n    Or open this link, which includes the code:\n    {full}\n"
        ));
    }
    if std::io::stderr().is_terminal()
        && let Ok(qr) = qrcode::QrCode::new(d.url().as_bytes())
    {
        let art = qr
            .render::<qrcode::render::unicode::Dense1x2>()
            .quiet_zone(true)
            .build();
        text.push('\n');
        text.push_str(&art);
        text.push('\n');
    }
    text.push_str(&format!(
        "\nWaiting for approval (the code expires in {} min)…\n",
        d.expires_in.div_ceil(60)
    ));
    text
}

/// Poll the token endpoint until the person approves, refuses, or the code expires.
pub async fn poll(
    http: &reqwest::Client,
    token_endpoint: &str,
    client: &Client,
    d: &DeviceAuthorization,
    scope: Option<&str>,
    resource: Option<&str>,
    dpop: Option<&token::Binding<'_>>,
) -> Result<Tokens, AuthError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(d.expires_in);
    let mut interval = Duration::from_secs(d.interval.unwrap_or(5).max(1));
    loop {
        if tokio::time::Instant::now() + interval > deadline {
            return Err(AuthError::DeviceExpired);
        }
        tokio::time::sleep(interval).await;
        let mut form = vec![
            ("grant_type", GRANT_TYPE.to_string()),
            ("device_code", d.device_code.clone()),
        ];
        if let Some(resource) = resource {
            form.push(("resource", resource.to_string()));
        }
        match token::request(http, token_endpoint, Some(client), form, scope, dpop).await {
            Ok(tokens) => return Ok(tokens),
            Err(AuthError::Token(p)) => match p.error {
                ErrorCode::AuthorizationPending => {}
                // RFC 8628 §3.5: slow down by 5 seconds, for this and later polls.
                ErrorCode::SlowDown => interval += Duration::from_secs(5),
                ErrorCode::ExpiredToken => return Err(AuthError::DeviceExpired),
                _ => return Err(AuthError::Denied(p)),
            },
            Err(e) => return Err(e),
        }
    }
}
/// The whole device flow: a client that may use it, the code shown to the
/// person, the token polled for and stored.
pub(in crate::auth) async fn run(
    cx: &Context,
    record: &mut Record,
    md: &discovery::ServerMetadata,
    scope: Option<&str>,
    resource: Option<&str>,
    dpop: Option<&token::Binding<'_>>,
) -> Result<(), AuthError> {
    let endpoint =
        md.device_authorization_endpoint
            .clone()
            .ok_or_else(|| AuthError::NoDeviceFlow {
                issuer: md.issuer.clone(),
            })?;
    let token_endpoint = md.require_token_endpoint()?.to_string();
    let mut registered_again = false;
    let (client, d) = loop {
        let client = client(cx, record, md).await?;
        match start(cx.http(), &endpoint, &client, scope, resource).await {
            Ok(d) => break (client, d),
            Err(AuthError::Token(p))
                if matches!(
                    p.error,
                    ErrorCode::InvalidClient | ErrorCode::UnauthorizedClient
                ) && client.source == ClientSource::Dynamic =>
            {
                // A client registered a moment ago would be refused again.
                if registered_again || cx.is_fresh(&client) {
                    return Err(AuthError::DeviceGrantRefused {
                        issuer: md.issuer.clone(),
                        refusal: p,
                    });
                }
                tracing::info!(
                    "the device authorization endpoint refused client {} ({p}); registering again",
                    client.client_id
                );
                registered_again = true;
                record.client = None;
                cx.fresh_clients.locked().remove(&client.client_id);
            }
            Err(e) => return Err(e),
        }
    };
    show_code(cx, &d);
    let tokens = poll(
        cx.http(),
        &token_endpoint,
        &client,
        &d,
        scope,
        resource,
        dpop,
    )
    .await?;
    cx.finish(record, Some(client), tokens)
}

/// The client for the device flow: the configured one, or a registration
/// that includes the device grant and that the server still knows.
pub(in crate::auth) async fn client(
    cx: &Context,
    record: &mut Record,
    md: &discovery::ServerMetadata,
) -> Result<Client, AuthError> {
    if let Some(c) = cx.effective_client(record, md) {
        if c.source != ClientSource::Dynamic {
            return Ok(c);
        }
        if !c.allows(registration::DEVICE_GRANT) {
            tracing::info!(
                "client {} was registered without the device grant; registering again with it",
                c.client_id
            );
        } else if cx.confirmed(md, &c).await {
            return Ok(c);
        }
    }
    // Registration needs a redirect URI even for the device grant: the
    // browser flow may use this client later.
    let listener = super::code::listen(cx, cx.cfg.callback_port.unwrap_or(0)).await?;
    cx.register(record, md, &listener.redirect_uri).await
}

/// Put the device code where the person looks, whatever the host shows:
/// stderr (hosts log it, people tail it), a log notification at warning
/// level, and a URL elicitation when the host declared it can show one.
pub(in crate::auth) fn show_code(cx: &Context, d: &DeviceAuthorization) {
    if cx.person.at_terminal() {
        cx.person.show(&instructions(d));
        return;
    }
    let message = format!(
        "Sign in to {} to continue: {} (or run `mcp-tether login {}` in a terminal)",
        cx.server,
        d.instruction(),
        cx.server
    );
    cx.sign_in_hint.send_replace(Some(d.instruction()));
    cx.person.show(&instructions(d));
    cx.person
        .notify(Notice::Log(format!("mcp-tether: {message}")));
    if cx.person.host_opens_urls() {
        cx.person.notify(Notice::OpenUrl {
            url: d.url().to_string(),
            message,
        });
    }
}
