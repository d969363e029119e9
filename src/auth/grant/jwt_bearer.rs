//! The JWT bearer grant (RFC 7523 §2.1): a JWT is presented as the grant.
//! Two uses: workload identity federation (SEP-1933), where the JWT is the
//! workload's own (a Kubernetes projected service-account token, a CI OIDC
//! token), read afresh at each token request because it rotates; and the
//! second step of enterprise-managed authorization ([`super::enterprise`]),
//! where it is the ID-JAG the enterprise IdP issued. No person is involved,
//! no refresh token is expected: when the token expires the grant runs
//! again. A refusal is reported as it came: never retried, never traded for
//! another grant.

use crate::auth::context::Context;
pub use crate::auth::credential::CredentialSource;
use crate::auth::registration::{self, Client};
use crate::auth::token::{self, Tokens};
use crate::auth::{AuthError, discovery};

/// `grant_type` of RFC 7523 §2.1.
pub const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";

/// The token request's form, before client authentication.
pub(in crate::auth) fn form(
    assertion: String,
    scope: Option<&str>,
    resource: Option<&str>,
) -> Vec<(&'static str, String)> {
    let mut form = vec![
        ("grant_type", GRANT_TYPE.to_string()),
        ("assertion", assertion),
    ];
    token::add_target(&mut form, resource, scope);
    form
}

/// Workload identity: the assertion read now from where `--assertion-file`
/// or `--assertion-env` says, presented with the configured client, if any
/// (`--client-id` alone: `client_id` in the body).
pub(in crate::auth) async fn run(
    cx: &Context,
    md: &discovery::ServerMetadata,
    scope: Option<&str>,
    resource: Option<&str>,
    dpop: Option<&token::Binding<'_>>,
) -> Result<(Option<Client>, Tokens), AuthError> {
    let source = cx.cfg.assertion.as_ref().ok_or(AuthError::FlowNeeds {
        flow: "jwt-bearer",
        what: "--assertion-file PATH or --assertion-env VAR",
    })?;
    let assertion = source.read("the workload's assertion")?;
    tracing::info!(
        "presenting the workload's assertion ({source}) to {}",
        md.issuer
    );
    let client = registration::configured_client(&cx.cfg.client, md);
    let tokens = present(
        cx,
        md,
        client.as_ref(),
        assertion,
        "the workload's assertion",
        scope,
        resource,
        dpop,
    )
    .await?;
    Ok((client, tokens))
}

/// Present `assertion` at the token endpoint; a refusal becomes
/// [`AuthError::AssertionRefused`], saying what to check.
#[allow(clippy::too_many_arguments)]
pub(in crate::auth) async fn present(
    cx: &Context,
    md: &discovery::ServerMetadata,
    client: Option<&Client>,
    assertion: String,
    what: &'static str,
    scope: Option<&str>,
    resource: Option<&str>,
    dpop: Option<&token::Binding<'_>>,
) -> Result<Tokens, AuthError> {
    let endpoint = md.require_token_endpoint()?;
    token::request(
        cx.http(),
        endpoint,
        client,
        form(assertion, scope, resource),
        scope,
        dpop,
    )
    .await
    .map_err(|e| refused(e, &md.issuer, what))
}

/// An OAuth refusal of the grant, said as one.
fn refused(e: AuthError, issuer: &str, what: &'static str) -> AuthError {
    match e {
        AuthError::Token(refusal) => AuthError::AssertionRefused {
            issuer: issuer.to_string(),
            what,
            refusal,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::ProviderError;

    #[test]
    fn the_form_carries_the_grant_type_the_assertion_scope_and_resource() {
        let f = form(
            "header.payload.sig".into(),
            Some("mcp:tools"),
            Some("https://mcp.example.com/mcp"),
        );
        assert_eq!(
            f,
            vec![
                (
                    "grant_type",
                    "urn:ietf:params:oauth:grant-type:jwt-bearer".to_string()
                ),
                ("assertion", "header.payload.sig".to_string()),
                ("resource", "https://mcp.example.com/mcp".to_string()),
                ("scope", "mcp:tools".to_string()),
            ]
        );
        let bare = form("a.b.c".into(), None, None);
        assert_eq!(bare.len(), 2, "no scope or resource when none is chosen");
    }

    #[test]
    fn refusals_become_clear_errors_and_other_failures_pass_through() {
        for (code, says) in [
            ("invalid_grant", "meant for another audience"),
            ("invalid_scope", "--scope"),
            (
                "unauthorized_client",
                "must allow urn:ietf:params:oauth:grant-type:jwt-bearer",
            ),
        ] {
            let e = refused(
                AuthError::Token(ProviderError::new(code)),
                "https://as.example",
                "the workload's assertion",
            );
            let AuthError::AssertionRefused { refusal, .. } = &e else {
                panic!("{e:?}")
            };
            assert_eq!(refusal.error.as_str(), code);
            let text = e.to_string();
            assert!(
                text.starts_with(&format!(
                    "https://as.example refused the workload's assertion (the RFC 7523 jwt-bearer grant): {code}"
                )),
                "{text}"
            );
            assert!(text.contains(says), "{text}");
        }
        let other = refused(
            AuthError::HttpStatus {
                url: "https://as.example/token".into(),
                status: 500,
            },
            "https://as.example",
            "the workload's assertion",
        );
        assert!(matches!(other, AuthError::HttpStatus { status: 500, .. }));
    }
}
