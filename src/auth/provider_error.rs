//! An OAuth error response (RFC 6749 §4.1.2.1 and §5.2, RFC 8628 §3.5), kept
//! verbatim: `error`, `error_description` and `error_uri` reach the person as
//! the provider wrote them (Entra ID's AADSTS codes included), followed by
//! mcp-tether's own hint for what to change.

use std::fmt;

use serde::Deserialize;

/// The `error` code of an OAuth error response: the ones mcp-tether acts
/// on, and every other as the provider spelled it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub enum ErrorCode {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnauthorizedClient,
    UnsupportedGrantType,
    InvalidScope,
    /// RFC 8707: the resource was refused.
    InvalidTarget,
    AccessDenied,
    /// RFC 8628: the person has not approved the device code yet.
    AuthorizationPending,
    /// RFC 8628: poll less often.
    SlowDown,
    /// RFC 8628: the device code expired.
    ExpiredToken,
    /// RFC 9449 §8: retry with the nonce in the `DPoP-Nonce` header.
    UseDpopNonce,
    Other(String),
}

impl ErrorCode {
    pub fn as_str(&self) -> &str {
        match self {
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::InvalidClient => "invalid_client",
            ErrorCode::InvalidGrant => "invalid_grant",
            ErrorCode::UnauthorizedClient => "unauthorized_client",
            ErrorCode::UnsupportedGrantType => "unsupported_grant_type",
            ErrorCode::InvalidScope => "invalid_scope",
            ErrorCode::InvalidTarget => "invalid_target",
            ErrorCode::AccessDenied => "access_denied",
            ErrorCode::AuthorizationPending => "authorization_pending",
            ErrorCode::SlowDown => "slow_down",
            ErrorCode::ExpiredToken => "expired_token",
            ErrorCode::UseDpopNonce => "use_dpop_nonce",
            ErrorCode::Other(code) => code,
        }
    }
}

impl From<String> for ErrorCode {
    fn from(code: String) -> Self {
        match code.as_str() {
            "invalid_request" => ErrorCode::InvalidRequest,
            "invalid_client" => ErrorCode::InvalidClient,
            "invalid_grant" => ErrorCode::InvalidGrant,
            "unauthorized_client" => ErrorCode::UnauthorizedClient,
            "unsupported_grant_type" => ErrorCode::UnsupportedGrantType,
            "invalid_scope" => ErrorCode::InvalidScope,
            "invalid_target" => ErrorCode::InvalidTarget,
            "access_denied" => ErrorCode::AccessDenied,
            "authorization_pending" => ErrorCode::AuthorizationPending,
            "slow_down" => ErrorCode::SlowDown,
            "expired_token" => ErrorCode::ExpiredToken,
            "use_dpop_nonce" => ErrorCode::UseDpopNonce,
            _ => ErrorCode::Other(code),
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ProviderError {
    pub error: ErrorCode,
    #[serde(default)]
    pub error_description: Option<String>,
    #[serde(default)]
    pub error_uri: Option<String>,
}

impl ProviderError {
    pub fn new(error: impl Into<String>) -> ProviderError {
        ProviderError {
            error: ErrorCode::from(error.into()),
            error_description: None,
            error_uri: None,
        }
    }

    /// What the person can change, judged from the error code and, for
    /// Entra ID, the AADSTS code in the description.
    pub fn hint(&self) -> &'static str {
        let description = self.error_description.as_deref().unwrap_or_default();
        if description.contains("AADSTS9010010") {
            return "This provider rejects the resource parameter: pass --no-resource, and name the API in the scope (--scope 'api://<app-id>/.default')";
        }
        if description.contains("AADSTS70011") {
            return "The scope is not one this provider accepts: pass --scope with the API's scope, e.g. 'api://<app-id>/.default'";
        }
        if description.contains("AADSTS50011") {
            return "The redirect URI is not registered for this client: register it, or match it with --callback-host, --callback-port and --callback-path";
        }
        match &self.error {
            ErrorCode::InvalidScope => {
                "Ask for scopes the provider knows: pass --scope (see `mcp-tether doctor URL` for what the server asks for)"
            }
            ErrorCode::InvalidTarget => {
                "The provider refused the resource: pass --resource URI, or --no-resource if it rejects the parameter (Entra ID v2)"
            }
            ErrorCode::InvalidClient | ErrorCode::UnauthorizedClient => {
                "Check --client-id and its secret or key, and that this client may use this grant at the provider"
            }
            ErrorCode::InvalidGrant => {
                "The code or refresh token is no longer valid: sign in again with `mcp-tether login URL`"
            }
            ErrorCode::AccessDenied => {
                "The sign-in was refused or cancelled: check the account, then try again"
            }
            ErrorCode::InvalidRequest => {
                "Check the flags that shape the request (--scope, --resource, --auth-param, --callback-*)"
            }
            _ => "Check the account, the scopes (--scope) and the client (--client-id)",
        }
    }
}

/// `error: description (more: uri)`, exactly as the provider sent them.
impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.error)?;
        if let Some(d) = self.error_description.as_deref().filter(|d| !d.is_empty()) {
            write!(f, ": {d}")?;
        }
        if let Some(u) = self.error_uri.as_deref().filter(|u| !u.is_empty()) {
            write!(f, " (more: {u})")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_all_three_fields_verbatim_and_a_hint() {
        let e: ProviderError = serde_json::from_str(
            r#"{"error":"invalid_request","error_description":"AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes.","error_uri":"https://login.microsoftonline.com/error?code=9010010"}"#,
        )
        .unwrap();
        assert_eq!(
            e.to_string(),
            "invalid_request: AADSTS9010010: The resource parameter provided in the request doesn't match with the requested scopes. (more: https://login.microsoftonline.com/error?code=9010010)"
        );
        assert!(e.hint().contains("--no-resource"));
        assert_eq!(
            ProviderError::new("invalid_scope").to_string(),
            "invalid_scope"
        );
        assert!(
            ProviderError::new("invalid_scope")
                .hint()
                .contains("--scope")
        );
    }

    #[test]
    fn codes_round_trip_and_unknown_ones_are_kept() {
        for code in [
            "invalid_grant",
            "slow_down",
            "invalid_target",
            "AADSTS_custom",
            "",
        ] {
            assert_eq!(ErrorCode::from(code.to_string()).as_str(), code);
        }
        assert_eq!(
            ErrorCode::from("authorization_pending".to_string()),
            ErrorCode::AuthorizationPending
        );
        assert_eq!(
            ErrorCode::from("Invalid_Grant".to_string()),
            ErrorCode::Other("Invalid_Grant".into()),
            "codes are case-sensitive (RFC 6749 §5.2)"
        );
    }
}
