//! The refresh-token grant: a new access token without the person.

use super::context::Context;
use super::store::Record;
use super::{AuthError, CannotRefresh, ErrorCode, discovery, token};

/// Refresh the record's token and store the new one. A refresh token the
/// server calls invalid is forgotten, so nobody tries it again.
pub(in crate::auth) async fn refresh(cx: &Context, record: &mut Record) -> Result<(), AuthError> {
    let Some(tokens) = record.tokens.clone() else {
        return Err(AuthError::CannotRefresh(CannotRefresh::NoToken));
    };
    let refresh_token = tokens
        .refresh_token
        .clone()
        .ok_or(AuthError::CannotRefresh(CannotRefresh::NoRefreshToken))?;
    let discovered = match &record.discovered {
        Some(d) => d.clone(),
        None => {
            let d = discovery::discover(cx.http(), &cx.server, None, &cx.cfg.overrides).await?;
            record.discovered = Some(d.clone());
            record.discovered_at = token::now();
            d
        }
    };
    let client = cx
        .effective_client(record, &discovered.metadata)
        .ok_or(AuthError::CannotRefresh(CannotRefresh::NoClient))?;
    let endpoint = discovered.metadata.require_token_endpoint()?.to_string();
    let mut form = vec![
        ("grant_type", "refresh_token".to_string()),
        ("refresh_token", refresh_token.clone()),
    ];
    if let Some(resource) = record.resource.as_ref().filter(|_| !cx.cfg.no_resource) {
        form.push(("resource", resource.clone()));
    }
    // A bound token is refreshed with the same key (RFC 9449 §5: the
    // refresh token of a public client is bound to it too).
    let signer = match (tokens.dpop_bound, &record.dpop_key) {
        (true, Some(key)) => Some(key.signer().map_err(AuthError::Dpop)?),
        _ => None,
    };
    let binding = signer.as_ref().map(|signer| token::Binding {
        signer,
        nonces: &cx.nonces,
    });
    let result = token::request(
        cx.http(),
        &endpoint,
        Some(&client),
        form,
        tokens.scope.as_deref(),
        binding.as_ref(),
    )
    .await;
    match result {
        Ok(mut new) => {
            // A server that doesn't rotate keeps the old refresh token valid.
            if new.refresh_token.is_none() {
                new.refresh_token = Some(refresh_token);
            }
            if new.scope.is_none() {
                new.scope = tokens.scope.clone();
            }
            // A refresh response need not carry a new ID token (OIDC
            // Core §12.2); the one we have stays until it expires.
            if new.id_token.is_none() {
                new.id_token = tokens.id_token.clone();
            }
            tracing::info!("access token refreshed");
            record.tokens = Some(new);
            cx.save(record);
            Ok(())
        }
        Err(e) => {
            if let AuthError::Token(p) = &e
                && p.error == ErrorCode::InvalidGrant
            {
                // The refresh token is dead: forget it so nobody retries it.
                if let Some(t) = record.tokens.as_mut() {
                    t.refresh_token = None;
                }
                cx.save(record);
            }
            Err(e)
        }
    }
}
