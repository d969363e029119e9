//! The authorization code grant with PKCE (OAuth 2.1 §4.1): the person's
//! browser goes to the authorization endpoint, and the code comes back to a
//! loopback listener (or is pasted, with `login --paste`).

use url::Url;

use super::callback::{self, Expect, Listener};
use super::{browser, pkce};
use crate::auth::context::Context;
use crate::auth::flow::Flow;
use crate::auth::registration::{self, Client, ClientSource};
use crate::auth::store::Record;
use crate::auth::token::{self, Tokens};
use crate::auth::{AuthError, Notice, discovery};

/// The client to use and a listener whose redirect URI it accepts.
pub(in crate::auth) async fn client_and_listener(
    cx: &Context,
    record: &mut Record,
    md: &discovery::ServerMetadata,
) -> Result<(Client, Listener), AuthError> {
    if let Some(client) = registration::configured_client(&cx.cfg.client, md) {
        let listener = listen(cx, cx.cfg.callback_port.unwrap_or(0)).await?;
        return Ok((client, listener));
    }
    // A client registered earlier: listen on the port it was registered with.
    if let Some(client) = record
        .client
        .clone()
        .filter(|c| c.source == ClientSource::Dynamic)
    {
        let port = client
            .redirect_uri
            .as_deref()
            .and_then(|u| Url::parse(u).ok())
            .and_then(|u| u.port());
        let wanted = cx.cfg.callback_port.or(port).unwrap_or(0);
        if let Ok(listener) = listen(cx, wanted).await
            && Some(listener.redirect_uri.as_str()) == client.redirect_uri.as_deref()
        {
            if cx.confirmed(md, &client).await {
                return Ok((client, listener));
            }
            // The person must not land on a "client not found" page.
            let client = cx.register(record, md, &listener.redirect_uri).await?;
            return Ok((client, listener));
        }
        tracing::info!("the registered redirect URI can't be used now; registering again");
    }
    let listener = listen(cx, cx.cfg.callback_port.unwrap_or(0)).await?;
    let client = cx.register(record, md, &listener.redirect_uri).await?;
    Ok((client, listener))
}

/// What an authorization request asks for, beyond the client.
pub(in crate::auth) struct Ask<'a> {
    pub scope: Option<&'a str>,
    pub resource: Option<&'a str>,
    /// Parameters beyond OAuth's: the `--auth-param`s at the MCP server's
    /// authorization server, the OIDC `nonce` at an enterprise IdP.
    pub extra: &'a [(String, String)],
    pub dpop: Option<&'a token::Binding<'a>>,
}

/// Send the person to the authorization endpoint and exchange the code
/// that comes back for tokens. `check` decides whether the tokens are what
/// was wanted, before the browser page says whether it worked.
pub(in crate::auth) async fn run(
    cx: &Context,
    md: &discovery::ServerMetadata,
    client: &Client,
    listener: Listener,
    ask: Ask<'_>,
    check: impl FnOnce(Tokens) -> Result<Tokens, AuthError>,
) -> Result<Tokens, AuthError> {
    let Ask {
        scope,
        resource,
        extra,
        dpop,
    } = ask;
    let authorization_endpoint = md.require_authorization_endpoint()?;
    let token_endpoint = md.require_token_endpoint()?;
    let pkce = pkce::Pkce::new();
    let state = pkce::random_token(24);
    let mut url = Url::parse(authorization_endpoint).map_err(|cause| AuthError::BadEndpoint {
        which: "authorization_endpoint",
        url: authorization_endpoint.to_string(),
        cause,
    })?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", &client.client_id)
            .append_pair("redirect_uri", &listener.redirect_uri)
            .append_pair("state", &state)
            .append_pair("code_challenge", &pkce.challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(resource) = resource {
            q.append_pair("resource", resource);
        }
        if let Some(scope) = scope {
            q.append_pair("scope", scope);
        }
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    let launch = {
        cx.person.tell(format!(
            "mcp-tether: authorization needed. Open this URL to sign in:\n\n    {url}\n"
        ));
        browser::send_person_to(url.as_str(), cx.cfg.open_browser && !cx.person.pastes()).await
    };
    cx.sign_in_hint.send_replace(Some(format!("open {url}")));
    let launch_failed = match launch {
        browser::Launch::Failed(why) => {
            if cx.cfg.flow == Flow::Auto && md.device_authorization_endpoint.is_some() {
                return Err(AuthError::BrowserFailed { why });
            }
            show_sign_in_url(cx, url.as_str(), &why);
            true
        }
        browser::Launch::Started | browser::Launch::NotTried => false,
    };
    let redirect_uri = listener.redirect_uri.clone();
    let expect = Expect {
        state: &state,
        issuer: &md.issuer,
        iss_required: md.authorization_response_iss_parameter_supported,
    };
    let (code, answer) = if cx.person.pastes() {
        // The browser may be on another machine: take whichever comes first,
        // the pasted address or a callback on this one.
        tokio::select! {
            pasted = callback::read_pasted(&expect) => (pasted?, None),
            called = listener.wait(Expect { ..expect }, cx.cfg.auth_timeout) => {
                let (code, answer) = called?;
                (code, Some(answer))
            }
        }
    } else {
        let (code, answer) = listener
            .wait(expect, cx.cfg.auth_timeout)
            .await
            .map_err(|e| match launch_failed {
                // The person never saw a browser: the error says where to go.
                true => AuthError::NobodySignedIn {
                    cause: Box::new(e),
                    url: url.to_string(),
                    server: cx.server.to_string(),
                },
                false => e,
            })?;
        (code, Some(answer))
    };
    let mut form = vec![
        ("grant_type", "authorization_code".to_string()),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", pkce.verifier),
    ];
    if let Some(resource) = resource {
        form.push(("resource", resource.to_string()));
    }
    let tokens = token::request(cx.http(), token_endpoint, Some(client), form, scope, dpop)
        .await
        .and_then(check);
    match (&tokens, answer) {
        (Ok(_), Some(answer)) => answer.signed_in(cx.cfg.success_url.as_ref()).await,
        (Err(e), Some(answer)) => answer.failed(e).await,
        (_, None) => {}
    }
    tokens
}

/// The browser could not be opened: put the sign-in URL where the person
/// looks (stderr has it already): the host's log, and a link the host
/// shows when it declared URL elicitation.
fn show_sign_in_url(cx: &Context, url: &str, why: &str) {
    if cx.person.at_terminal() {
        return;
    }
    let message = format!(
        "Sign in to {} to continue: open {url} (no browser could be opened here: {why}; or run `mcp-tether login {}` in a terminal)",
        cx.server, cx.server
    );
    cx.person
        .notify(Notice::Log(format!("mcp-tether: {message}")));
    if cx.person.host_opens_urls() {
        cx.person.notify(Notice::OpenUrl {
            url: url.to_string(),
            message,
        });
    }
}

/// The loopback listener for the callback, on `port` (0: any).
pub(in crate::auth) async fn listen(cx: &Context, port: u16) -> Result<Listener, AuthError> {
    Listener::bind(cx.cfg.callback_host, port, &cx.cfg.callback_path)
        .await
        .map_err(|cause| AuthError::CallbackPort { port, cause })
}
