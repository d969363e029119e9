//! `mcp-tether logout <url>` / `--all`: revoke (RFC 7009) where the server
//! offers it, then forget the tokens and the client registration.

use anyhow::bail;

use crate::auth::registration::Client;
use crate::auth::store::Record;
use crate::auth::token;
use crate::cli::NetArgs;
use crate::config::{INSECURE_WARNING, net_settings};

pub async fn run(
    url: Option<&str>,
    all: bool,
    net: &NetArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<()> {
    let store = super::store(env)?;
    let records: Vec<Record> = if all {
        store.list()
    } else {
        let url = url.expect("clap requires a URL or --all");
        let canonical = super::stored_name(url);
        match store.load(&canonical) {
            Some(r) => vec![r],
            None => bail!("nothing is stored for {url} (see `mcp-tether status`)"),
        }
    };
    if records.is_empty() {
        eprintln!("mcp-tether: nothing is stored");
    }
    // The same certificates and connection rules as the bridge: behind a
    // TLS-inspecting proxy, revocation needs --ca-cert too.
    let (tls, network) = net_settings(net, env)?;
    if tls.insecure {
        eprintln!("{INSECURE_WARNING}");
    }
    let http = crate::net::client(
        crate::net::Purpose::Authorization,
        &tls,
        &network,
        std::time::Duration::from_secs(10),
    )?;
    for record in records {
        let revoked = revoke(&http, &record).await;
        let idp = revoke_idp_sign_in(&http, &record).await;
        store.remove(&record.server_url)?;
        let how = match revoked {
            Revoked::Yes => "tokens revoked at the authorization server",
            Revoked::NotOffered => "the authorization server offers no revocation",
            Revoked::Failed => "revocation failed; the tokens expire on their own",
            Revoked::Refused => {
                "its revocation endpoint is not one tokens may be sent to (see above); the tokens expire on their own"
            }
        };
        eprintln!("mcp-tether: logged out of {} ({how})", record.server_url);
        if let Some(idp) = idp {
            eprintln!("mcp-tether: {idp}");
        }
    }
    Ok(())
}

enum Revoked {
    Yes,
    NotOffered,
    Failed,
    /// The metadata names a revocation endpoint tokens must not go to.
    Refused,
}

/// Revoke the refresh token (which ends the grant at most servers), then the
/// access token.
async fn revoke(http: &reqwest::Client, record: &Record) -> Revoked {
    let endpoint = record
        .discovered
        .as_ref()
        .and_then(|d| d.metadata.revocation_endpoint.clone());
    let (Some(endpoint), Some(tokens), Some(client)) = (endpoint, &record.tokens, &record.client)
    else {
        return Revoked::NotOffered;
    };
    if let Err(why) = revocation_allowed(&endpoint, record) {
        tracing::warn!("not revoking at {endpoint}: {why}");
        eprintln!("mcp-tether: not sending tokens to the revocation endpoint {endpoint}: {why}");
        return Revoked::Refused;
    }
    let mut all_ok = true;
    let pairs = [
        (tokens.refresh_token.as_deref(), "refresh_token"),
        (Some(tokens.access_token.as_str()), "access_token"),
    ];
    for (value, hint) in pairs {
        let Some(value) = value else { continue };
        all_ok &= revoke_one(http, &endpoint, client, value, hint).await;
    }
    if all_ok {
        Revoked::Yes
    } else {
        Revoked::Failed
    }
}

/// `--flow enterprise`: the refresh token of the sign-in to the IdP that
/// mcp-tether did, revoked at the IdP (as the requesting app, by its
/// client id: its secret is never stored, so a confidential app's IdP may
/// refuse, and the token then expires there). What to tell the person.
async fn revoke_idp_sign_in(http: &reqwest::Client, record: &Record) -> Option<String> {
    let session = record.idp.as_ref()?;
    let forgot = format!("forgot the sign-in to the IdP {}", session.issuer);
    let Some(refresh_token) = &session.refresh_token else {
        return Some(forgot);
    };
    let Some(endpoint) = &session.revocation_endpoint else {
        return Some(format!("{forgot} (it offers no revocation)"));
    };
    let allowed = url::Url::parse(endpoint).ok().is_some_and(|url| {
        crate::net::check_transport(&url, false).is_ok()
            && url::Url::parse(&session.issuer).is_ok_and(|i| i.origin() == url.origin())
    });
    if !allowed {
        return Some(format!(
            "{forgot} (its revocation endpoint {endpoint} is not on its origin over https: not used)"
        ));
    }
    let client = Client::pre_registered(
        session.client_id.clone(),
        crate::auth::registration::ClientAuth::None,
    );
    if revoke_one(http, endpoint, &client, refresh_token, "refresh_token").await {
        Some(format!("{forgot} and revoked its refresh token there"))
    } else {
        Some(format!(
            "{forgot}; revoking its refresh token there failed (it expires on its own)"
        ))
    }
}

/// Tokens and client credentials go to a revocation endpoint only under the
/// rules every other endpoint follows: https (or http on loopback), and on
/// the origin of the authorization server that issued them (its issuer or
/// its token endpoint: Google revokes on the token endpoint's host).
fn revocation_allowed(endpoint: &str, record: &Record) -> Result<(), String> {
    let url = url::Url::parse(endpoint).map_err(|e| format!("not a URL ({e})"))?;
    crate::net::check_transport(&url, false).map_err(|why| match why {
        crate::net::Unsafe::PlainHttp => "plain http off this machine".to_string(),
        crate::net::Unsafe::NotHttp => "not an http(s) URL".to_string(),
    })?;
    let issuer_side = [
        record.issuer.clone(),
        record
            .discovered
            .as_ref()
            .and_then(|d| d.metadata.token_endpoint.clone()),
    ];
    let same_origin = issuer_side
        .iter()
        .flatten()
        .filter_map(|u| url::Url::parse(u).ok())
        .any(|u| u.origin() == url.origin());
    if same_origin {
        Ok(())
    } else {
        Err("it is on another origin than the authorization server's".into())
    }
}

async fn revoke_one(
    http: &reqwest::Client,
    endpoint: &str,
    client: &Client,
    value: &str,
    hint: &'static str,
) -> bool {
    let mut form = vec![
        ("token", value.to_string()),
        ("token_type_hint", hint.to_string()),
    ];
    let Ok(req) = token::authenticate(http.post(endpoint), &mut form, client) else {
        return false;
    };
    match req.form(&form).send().await {
        Ok(resp) if resp.status().is_success() => true,
        // RFC 7009 §2.2.1: the server can't revoke this kind of token (self-
        // contained JWT access tokens, typically); they simply expire.
        Ok(resp) if resp.status() == reqwest::StatusCode::BAD_REQUEST && hint == "access_token" => {
            let body = resp.text().await.unwrap_or_default();
            body.contains("unsupported_token_type")
        }
        Ok(resp) => {
            tracing::warn!("revoking the {hint} at {endpoint}: HTTP {}", resp.status());
            false
        }
        Err(e) => {
            tracing::warn!("revoking the {hint} at {endpoint}: {e}");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::discovery::{Discovered, ServerMetadata};

    fn record(issuer: &str, token_endpoint: &str) -> Record {
        let metadata: ServerMetadata = serde_json::from_value(serde_json::json!({
            "issuer": issuer,
            "token_endpoint": token_endpoint,
        }))
        .unwrap();
        Record {
            issuer: Some(issuer.into()),
            discovered: Some(Discovered {
                resource_metadata: None,
                resource_metadata_url: None,
                metadata,
                metadata_url: None,
                tried: Vec::new(),
            }),
            ..Record::default()
        }
    }

    #[test]
    fn tokens_go_only_to_a_revocation_endpoint_of_the_issuer() {
        let r = record("https://as.example", "https://as.example/token");
        assert!(revocation_allowed("https://as.example/revoke", &r).is_ok());
        // Plain http off this machine, or another scheme: never.
        assert!(revocation_allowed("http://as.example/revoke", &r).is_err());
        assert!(revocation_allowed("javascript:alert(1)", &r).is_err());
        // Another origin: not where these tokens came from.
        assert!(revocation_allowed("https://evil.example/revoke", &r).is_err());
        assert!(revocation_allowed("https://as.example:8443/revoke", &r).is_err());
        // The token endpoint's origin counts (Google: accounts.google.com
        // issues, oauth2.googleapis.com takes tokens and revocations).
        let g = record(
            "https://accounts.google.com",
            "https://oauth2.googleapis.com/token",
        );
        assert!(revocation_allowed("https://oauth2.googleapis.com/revoke", &g).is_ok());
        // Loopback labs stay possible.
        let lab = record("http://127.0.0.1:9000", "http://127.0.0.1:9000/token");
        assert!(revocation_allowed("http://127.0.0.1:9000/token/revocation", &lab).is_ok());
    }
}
