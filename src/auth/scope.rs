//! Which scopes to ask for: the MCP spec's rules, shared by the sign-in
//! and `doctor` so they cannot disagree.

use super::challenge::Challenge;
use super::discovery;

/// Where the requested scopes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScopeSource {
    /// `--scope`, or the union asked for by a step-up.
    Given,
    Challenge,
    ResourceMetadata,
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopeChoice {
    /// The `scope` parameter, or None to leave it out.
    pub value: Option<String>,
    pub source: ScopeSource,
    pub offline_access_added: bool,
}

/// The MCP spec's scope rules, shared by the flows and `doctor`: what was
/// given wins, else the challenge's `scope`, else the resource's
/// `scopes_supported`, else nothing; plus `offline_access` when the
/// authorization server offers it and a person signs in (`refresh`), so a
/// refresh token comes; plus `openid` with `--use-id-token`, since an ID
/// token is issued only when it is granted.
///
/// Without a person (client credentials, jwt-bearer, enterprise) there is
/// no refresh token to ask for: the grant simply runs again (RFC 6749
/// §4.4.3), and a client allowed only the resource's scopes would be
/// refused `invalid_scope` for asking.
pub fn choose_scope(
    given: Option<&str>,
    challenge: Option<&Challenge>,
    prm: Option<&discovery::ResourceMetadata>,
    md: &discovery::ServerMetadata,
    id_token: bool,
    refresh: bool,
) -> ScopeChoice {
    let prm_scopes = prm
        .and_then(|m| m.scopes_supported.as_ref())
        .filter(|s| !s.is_empty())
        .map(|s| s.join(" "));
    let (base, source) = if let Some(s) = given {
        (Some(s.to_string()), ScopeSource::Given)
    } else if let Some(s) = challenge.and_then(|c| c.scope.clone()) {
        (Some(s), ScopeSource::Challenge)
    } else if let Some(s) = prm_scopes {
        (Some(s), ScopeSource::ResourceMetadata)
    } else {
        (None, ScopeSource::None)
    };
    let mut scopes = scope_list(base.as_deref());
    let offline_access_added = refresh
        && md.lists_scope("offline_access")
        && !scopes.iter().any(|s| s == "offline_access");
    if offline_access_added {
        scopes.push("offline_access".into());
    }
    if id_token && !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    ScopeChoice {
        value: (!scopes.is_empty()).then(|| scopes.join(" ")),
        source,
        offline_access_added,
    }
}

pub(super) fn scope_list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or_default()
        .split_whitespace()
        .map(str::to_string)
        .collect()
}
