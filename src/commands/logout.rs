//! `mcp-tether logout <url>` / `--all`: revoke (RFC 7009) where the server
//! offers it, then forget the tokens and the client registration.

use anyhow::bail;

use crate::auth::registration::Client;
use crate::auth::store::Record;
use crate::auth::token;

pub async fn run(
    url: Option<&str>,
    all: bool,
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
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .timeout(std::time::Duration::from_secs(10))
        .build()?;
    for record in records {
        let revoked = revoke(&http, &record).await;
        store.remove(&record.server_url)?;
        let how = match revoked {
            Revoked::Yes => "tokens revoked at the authorization server",
            Revoked::NotOffered => "the authorization server offers no revocation",
            Revoked::Failed => "revocation failed; the tokens expire on their own",
        };
        eprintln!("mcp-tether: logged out of {} ({how})", record.server_url);
    }
    Ok(())
}

enum Revoked {
    Yes,
    NotOffered,
    Failed,
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
