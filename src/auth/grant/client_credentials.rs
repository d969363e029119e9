//! The client credentials grant (OAuth 2.1 §4.2): a machine signs in as
//! itself with a pre-registered client's secret or key, no person involved.

use crate::auth::context::Context;
use crate::auth::registration::{self, Client};
use crate::auth::token::{self, Tokens};
use crate::auth::{AuthError, discovery};

/// Client credentials with the configured client (a secret or a key is
/// required: a public client cannot use this grant).
pub(in crate::auth) async fn run(
    cx: &Context,
    md: &discovery::ServerMetadata,
    scope: Option<&str>,
    resource: Option<&str>,
    dpop: Option<&token::Binding<'_>>,
) -> Result<(Client, Tokens), AuthError> {
    let client = registration::configured_client(&cx.cfg.client, md)
        .filter(|c| !matches!(c.auth, registration::ClientAuth::None))
        .ok_or(AuthError::ClientCredentialsNeedClient)?;
    let endpoint = md.require_token_endpoint()?;
    let mut form = vec![("grant_type", "client_credentials".to_string())];
    token::add_target(&mut form, resource, scope);
    let tokens = token::request(cx.http(), endpoint, Some(&client), form, scope, dpop).await?;
    Ok((client, tokens))
}
