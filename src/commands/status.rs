//! `mcp-tether status [url] [--json]`: what is stored, never the secrets.

use serde::Serialize;

use crate::auth::registration::ClientSource;
use crate::auth::token;

#[derive(Serialize)]
struct Entry {
    server: String,
    issuer: Option<String>,
    client_id: Option<String>,
    client: Option<&'static str>,
    scopes: Option<String>,
    /// Unix seconds; None when unknown.
    expires_at: Option<u64>,
    expired: bool,
    refresh_token: bool,
    /// "dpop" for a DPoP-bound token (sent with its proof), else "bearer".
    token_type: &'static str,
    /// `--flow enterprise`: the sign-in to the enterprise IdP, when
    /// mcp-tether did it (the ID token itself is never shown).
    #[serde(skip_serializing_if = "Option::is_none")]
    idp: Option<IdpEntry>,
    store: String,
}

#[derive(Serialize)]
struct IdpEntry {
    issuer: String,
    client_id: String,
    subject: Option<String>,
    /// When the kept ID token expires (Unix seconds).
    id_token_expires_at: u64,
    refresh_token: bool,
}

pub fn run(
    url: Option<&str>,
    json: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let store = super::store(env)?;
    let wanted = url.map(super::stored_name);
    let location = store.describe();
    let entries: Vec<Entry> = store
        .list()
        .into_iter()
        .filter(|r| wanted.as_ref().is_none_or(|w| &r.server_url == w))
        .map(|r| {
            let tokens = r.tokens.as_ref();
            Entry {
                server: r.server_url.clone(),
                issuer: r.issuer.clone(),
                client_id: r.client.as_ref().map(|c| c.client_id.clone()),
                client: r.client.as_ref().map(|c| match c.source {
                    ClientSource::PreRegistered => "pre-registered",
                    ClientSource::MetadataDocument => "metadata document",
                    ClientSource::Dynamic => "registered dynamically",
                }),
                scopes: tokens.and_then(|t| t.scope.clone()),
                expires_at: tokens.and_then(|t| t.expires_at),
                expired: tokens
                    .and_then(|t| t.expires_at)
                    .is_some_and(|e| e <= token::now()),
                refresh_token: tokens.is_some_and(|t| t.refresh_token.is_some()),
                token_type: if tokens.is_some_and(|t| t.dpop_bound) {
                    "dpop"
                } else {
                    "bearer"
                },
                idp: r.idp.as_ref().map(|s| IdpEntry {
                    issuer: s.issuer.clone(),
                    client_id: s.client_id.clone(),
                    subject: s.subject.clone(),
                    id_token_expires_at: s.expires_at,
                    refresh_token: s.refresh_token.is_some(),
                }),
                store: location.clone(),
            }
        })
        .collect();
    let mut out = String::new();
    if json {
        out = serde_json::to_string_pretty(&entries)?;
        out.push('\n');
    } else if entries.is_empty() {
        out.push_str(&format!("Nothing stored ({location}).\n"));
    } else {
        for e in &entries {
            out.push_str(&format!("{}\n", e.server));
            out.push_str(&format!(
                "  issuer:   {}\n",
                e.issuer.as_deref().unwrap_or("-")
            ));
            out.push_str(&format!(
                "  client:   {} ({})\n",
                e.client_id.as_deref().unwrap_or("-"),
                e.client.unwrap_or("-")
            ));
            out.push_str(&format!(
                "  scopes:   {}\n",
                e.scopes.as_deref().unwrap_or("-")
            ));
            out.push_str(&format!("  expires:  {}\n", describe_expiry(e.expires_at)));
            out.push_str(&format!(
                "  bound:    {}\n",
                if e.token_type == "dpop" {
                    "DPoP (sent only with a proof of this machine's key)"
                } else {
                    "no (a bearer token)"
                }
            ));
            out.push_str(&format!(
                "  refresh:  {}\n",
                if e.refresh_token { "yes" } else { "no" }
            ));
            if let Some(idp) = &e.idp {
                out.push_str(&format!(
                    "  idp:      signed in to {} as {} (client {}; ID token {}; refresh: {})\n",
                    idp.issuer,
                    idp.subject.as_deref().unwrap_or("-"),
                    idp.client_id,
                    if idp.id_token_expires_at <= token::now() {
                        "expired".to_string()
                    } else {
                        format!("expires {}", describe_expiry(Some(idp.id_token_expires_at)))
                    },
                    if idp.refresh_token { "yes" } else { "no" }
                ));
            }
            out.push_str(&format!("  store:    {}\n", e.store));
        }
    }
    // status is not the bridge: stdout is free for its output.
    use std::io::Write;
    std::io::stdout().write_all(out.as_bytes())?;
    Ok(())
}

fn describe_expiry(expires_at: Option<u64>) -> String {
    let Some(at) = expires_at else {
        return "unknown".into();
    };
    let now = token::now();
    if at <= now {
        return "expired (a refresh or sign-in happens on next use)".into();
    }
    let left = at - now;
    match left {
        0..=119 => format!("in {left} s"),
        120..=7199 => format!("in {} min", left / 60),
        _ => format!("in {} h", left / 3600),
    }
}
