//! One sign-in, in this process: discovery, the grant the server and the
//! settings call for (browser and callback, device code, client
//! credentials, a JWT bearer assertion, or an enterprise ID-JAG), the scope and resource to ask for, and the token stored.
//! [`super::Auth`] decides when one is needed and whether it runs here or
//! in the sign-in helper ([`super::keeper`]).

use super::challenge::Challenge;
use super::context::Context;
use super::discovery::{self, Discovered};
use super::flow::{self, Grant};
use super::grant::{client_credentials, code, device, enterprise, jwt_bearer};
use super::registration::ClientSource;
use super::store::Record;
use super::{AuthError, ErrorCode, dpop, scope, token};

/// Sign in now: discover, choose the grant, run it, store the token.
pub(in crate::auth) async fn sign_in(
    cx: &Context,
    record: &mut Record,
    challenge: &Challenge,
    step_up_scope: Option<String>,
) -> Result<(), AuthError> {
    let discovered =
        discovery::discover(cx.http(), &cx.server, Some(challenge), &cx.cfg.overrides).await?;
    let md = &discovered.metadata;
    let (grant, why) = flow::choose(cx.cfg.flow, cx.cfg.surroundings.no_browser(), md);
    cx.person.tell(format!(
        "mcp-tether: signing in with the {grant} flow: {why}"
    ));
    if grant.involves_person() && !md.supports_s256() {
        if cx.cfg.assume_pkce {
            tracing::info!(
                "the server does not advertise PKCE S256; using it anyway (--assume-pkce)"
            );
        } else {
            return Err(AuthError::NoPkce {
                issuer: md.issuer.clone(),
            });
        }
    }
    let scope = scope_for(cx, &discovered, challenge, step_up_scope, grant);
    let resource = resource_for(cx, &discovered);

    // A stored registration is only good for the same authorization server.
    if record.issuer.as_deref() != Some(md.issuer.as_str()) {
        record.client = None;
        record.tokens = None;
        record.dpop_key = None;
    }
    record.issuer = Some(md.issuer.clone());
    record.discovered = Some(discovered.clone());
    record.discovered_at = token::now();
    record.resource = resource.clone();
    let resource = resource.as_deref();
    let signer = dpop_signer(cx, record, &discovered, challenge)?;
    let binding = signer.as_ref().map(|signer| token::Binding {
        signer,
        nonces: &cx.nonces,
    });
    let dpop = binding.as_ref();

    match grant {
        Grant::ClientCredentials => {
            let (client, tokens) =
                client_credentials::run(cx, md, scope.as_deref(), resource, dpop).await?;
            return cx.finish(record, Some(client), tokens);
        }
        Grant::JwtBearer => {
            let (client, tokens) =
                jwt_bearer::run(cx, md, scope.as_deref(), resource, dpop).await?;
            return cx.finish(record, client, tokens);
        }
        Grant::Enterprise => {
            let (client, tokens) =
                enterprise::run(cx, record, md, scope.as_deref(), resource, dpop).await?;
            return cx.finish(record, client, tokens);
        }
        Grant::Device => {
            return device::run(cx, record, md, scope.as_deref(), resource, dpop)
                .await
                .map_err(|e| explain_fallback(e, &discovered));
        }
        Grant::Browser => {}
    }

    let mut registered_again = false;
    loop {
        let (client, listener) = code::client_and_listener(cx, record, md)
            .await
            .map_err(|e| explain_fallback(e, &discovered))?;
        let ask = code::Ask {
            scope: scope.as_deref(),
            resource,
            extra: &cx.cfg.extra_params,
            dpop,
        };
        match code::run(cx, md, &client, listener, ask, |t| cx.usable(t, &md.issuer)).await {
            Ok(tokens) => return cx.finish(record, Some(client), tokens),
            Err(AuthError::BrowserFailed { why }) => {
                cx.person.tell(format!(
                    "mcp-tether: no browser could be opened ({why}); the server offers the device flow, so signing in with it instead"
                ));
                return device::run(cx, record, md, scope.as_deref(), resource, dpop)
                    .await
                    .map_err(|e| explain_fallback(e, &discovered));
            }
            // A client registered in this process is known to the
            // server: its invalid_client is about something else (how
            // it authenticates, say), and a new registration would fail
            // the same way after sending the person through again.
            Err(AuthError::Token(p))
                if p.error == ErrorCode::InvalidClient
                    && client.source == ClientSource::Dynamic
                    && !cx.is_fresh(&client)
                    && !registered_again =>
            {
                tracing::info!(
                    "the authorization server no longer knows our registration ({p}); registering again"
                );
                registered_again = true;
                record.client = None;
            }
            Err(e) => return Err(e),
        }
    }
}

/// The scope to ask for: `--scope`, else a step-up's union, else what the
/// server says ([`scope::choose_scope`]).
fn scope_for(
    cx: &Context,
    d: &Discovered,
    challenge: &Challenge,
    step_up: Option<String>,
    grant: Grant,
) -> Option<String> {
    let wanted = cx.cfg.scope.clone().or(step_up);
    scope::choose_scope(
        wanted.as_deref(),
        Some(challenge),
        d.resource_metadata.as_ref(),
        &d.metadata,
        cx.cfg.use_id_token,
        grant.involves_person(),
    )
    .value
}

/// The RFC 8707 resource to ask for; None with `--no-resource`.
fn resource_for(cx: &Context, d: &Discovered) -> Option<String> {
    if cx.cfg.no_resource {
        return None;
    }
    if let Some(r) = &cx.cfg.resource {
        return Some(r.clone());
    }
    if let Some(m) = &d.resource_metadata {
        return Some(m.resource.clone());
    }
    let mut canonical = cx.server.clone();
    canonical.set_fragment(None);
    Some(canonical.to_string())
}

/// The key to bind this sign-in's tokens to, when they are to be bound
/// (see [`dpop::wanted`]): the record's, or a new one kept with it.
fn dpop_signer(
    cx: &Context,
    record: &mut Record,
    discovered: &Discovered,
    challenge: &Challenge,
) -> Result<Option<dpop::Signer>, AuthError> {
    let server_asks = challenge.dpop
        || discovered
            .resource_metadata
            .as_ref()
            .is_some_and(|m| m.asks_for_dpop());
    let mode = if cx.dpop_refused.load(std::sync::atomic::Ordering::Acquire) {
        dpop::Mode::Never
    } else {
        cx.cfg.dpop
    };
    let algs = discovered
        .metadata
        .dpop_signing_alg_values_supported
        .as_deref();
    if !dpop::wanted(mode, server_asks, algs).map_err(AuthError::DpopNotOffered)? {
        return Ok(None);
    }
    let key = match &record.dpop_key {
        Some(key) => key.clone(),
        None => {
            let key = dpop::Key::generate().map_err(AuthError::Dpop)?;
            record.dpop_key = Some(key.clone());
            key
        }
    };
    let signer = key.signer().map_err(AuthError::Dpop)?;
    tracing::info!(
        "binding the tokens to a DPoP key (jkt {})",
        signer.thumbprint()
    );
    Ok(Some(signer))
}

/// When discovery found no metadata at all and fell back to the 2025-03-26
/// default endpoints, a later failure is most likely a discovery problem: say so.
fn explain_fallback(e: AuthError, d: &Discovered) -> AuthError {
    if d.metadata_url.is_some() {
        return e;
    }
    AuthError::Discovery {
        what: format!(
            "{e}. The server publishes no OAuth metadata where MCP says to look, so mcp-tether fell back to the 2025-03-26 default endpoints"
        ),
        tried: d.tried.clone(),
    }
}
