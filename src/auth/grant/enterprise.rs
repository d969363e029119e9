//! Enterprise-managed authorization (MCP SEP-990, "cross-app access"): the
//! person's enterprise identity provider decides who may use the MCP
//! server. Two requests, and no browser once the person has an ID token:
//!
//! 1. RFC 8693 token exchange at the IdP: the person's ID token for an
//!    Identity Assertion JWT Authorization Grant (ID-JAG) for the MCP
//!    server's authorization server (`audience`) and the MCP server
//!    (`resource`);
//! 2. the RFC 7523 JWT bearer grant at that authorization server with the
//!    ID-JAG as the assertion ([`super::jwt_bearer::present`]), with the
//!    client registered there.
//!
//! The ID token is read afresh at each sign-in from `--id-token-file` or
//! `--id-token-env` when given (whatever keeps it current writes it there);
//! otherwise mcp-tether signs the person in to the IdP and keeps the ID
//! token ([`super::idp`]).

use super::idp::{self, Idp, Origin};
use super::jwt_bearer;
use crate::auth::context::Context;
use crate::auth::registration::{self, Client};
use crate::auth::store::Record;
use crate::auth::token::{self, Tokens};
use crate::auth::{AuthError, ErrorCode, discovery};

/// RFC 8693 §2.1.
pub const TOKEN_EXCHANGE: &str = "urn:ietf:params:oauth:grant-type:token-exchange";
/// RFC 8693 §3: what the subject token is.
pub const ID_TOKEN_TYPE: &str = "urn:ietf:params:oauth:token-type:id_token";

/// The token exchange's form (RFC 8693 §2.1, SEP-990), before client
/// authentication.
pub(in crate::auth) fn exchange_form(
    id_token: String,
    audience: &str,
    resource: Option<&str>,
    scope: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("grant_type", TOKEN_EXCHANGE.to_string()),
        ("requested_token_type", token::ID_JAG.to_string()),
        ("subject_token", id_token),
        ("subject_token_type", ID_TOKEN_TYPE.to_string()),
        ("audience", audience.to_string()),
    ];
    token::add_target(&mut form, resource, scope);
    form
}

/// Both steps: the ID-JAG from the IdP, then the access token for it.
pub(in crate::auth) async fn run(
    cx: &Context,
    record: &mut Record,
    md: &discovery::ServerMetadata,
    scope: Option<&str>,
    resource: Option<&str>,
    dpop: Option<&token::Binding<'_>>,
) -> Result<(Option<Client>, Tokens), AuthError> {
    let idp = cx.cfg.enterprise.as_ref().ok_or(AuthError::FlowNeeds {
        flow: "enterprise",
        what: "--idp-issuer (or --idp-token-endpoint with --id-token-file or --id-token-env) and --idp-client-id",
    })?;
    let client =
        registration::configured_client(&cx.cfg.client, md).ok_or(AuthError::FlowNeeds {
            flow: "enterprise",
            what: "--client-id (the client registered at the MCP server's authorization server)",
        })?;
    let (endpoint, idp_md) = idp::endpoints(cx.http(), idp, cx.cfg.overrides.allow_http).await?;
    let idp_client = Client::pre_registered(
        idp.client_id.clone(),
        registration::auth_for_secret(&idp_md, idp.client_secret.clone()),
    );
    let source = Idp {
        options: idp,
        metadata: &idp_md,
        token_endpoint: &endpoint,
        client: &idp_client,
    };
    let mut kept_refused = false;
    let jag = loop {
        let (id_token, origin) = idp::id_token(cx, record, &source, kept_refused).await?;
        match &idp.id_token {
            Some(source) => tracing::info!(
                "exchanging the ID token ({source}) at {endpoint} for an ID-JAG for {}",
                md.issuer
            ),
            None => tracing::info!(
                "exchanging the ID token ({origin}) at {endpoint} for an ID-JAG for {}",
                md.issuer
            ),
        }
        let form = exchange_form(id_token, &md.issuer, resource, scope);
        match token::exchange_for_id_jag(cx.http(), endpoint.as_str(), &idp_client, form).await {
            Ok(jag) => break jag,
            // The kept ID token may have been revoked (the person signed
            // out at the IdP): once, get another (refresh or sign-in).
            Err(AuthError::Token(refusal))
                if origin == Origin::Kept
                    && refusal.error == ErrorCode::InvalidGrant
                    && !kept_refused =>
            {
                tracing::info!("the IdP refused the kept ID token ({refusal}); getting a new one");
                kept_refused = true;
            }
            Err(AuthError::Token(refusal)) => {
                return Err(AuthError::TokenExchangeRefused {
                    endpoint: endpoint.to_string(),
                    refusal,
                });
            }
            Err(other) => return Err(other),
        }
    };
    tracing::info!("presenting the ID-JAG to {}", md.issuer);
    let tokens = jwt_bearer::present(
        cx,
        md,
        Some(&client),
        jag,
        "the ID-JAG",
        scope,
        resource,
        dpop,
    )
    .await?;
    Ok((Some(client), tokens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exchange_asks_for_an_id_jag_for_the_authorization_server_and_the_resource() {
        let f = exchange_form(
            "id.token.jwt".into(),
            "https://as.example",
            Some("https://mcp.example.com/mcp"),
            Some("mcp:tools"),
        );
        let get = |k: &str| f.iter().find(|(key, _)| *key == k).map(|(_, v)| v.as_str());
        assert_eq!(
            get("grant_type"),
            Some("urn:ietf:params:oauth:grant-type:token-exchange")
        );
        assert_eq!(
            get("requested_token_type"),
            Some("urn:ietf:params:oauth:token-type:id-jag")
        );
        assert_eq!(get("subject_token"), Some("id.token.jwt"));
        assert_eq!(
            get("subject_token_type"),
            Some("urn:ietf:params:oauth:token-type:id_token")
        );
        assert_eq!(get("audience"), Some("https://as.example"));
        assert_eq!(get("resource"), Some("https://mcp.example.com/mcp"));
        assert_eq!(get("scope"), Some("mcp:tools"));
        let bare = exchange_form("t".into(), "https://as.example", None, None);
        assert_eq!(bare.len(), 5);
    }
}
