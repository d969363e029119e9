//! `mcp-tether login <url>`: run a sign-in in this terminal and store the
//! result, so the bridge a host starts later finds a token and just works.

use anyhow::{Context, bail};
use reqwest::StatusCode;

use crate::auth::challenge::Challenge;
use crate::auth::{Auth, Person};
use crate::config::Config;

pub async fn run(config: Config, paste: bool) -> anyhow::Result<()> {
    let Some(auth_config) = config.auth.clone() else {
        bail!("you passed your own Authorization header, so there is nothing to sign in to");
    };
    // A clone shares the store's choice (keyring or files), made on first use.
    let store = auth_config.store.clone();
    let challenge = match probe(&config).await? {
        Probe::Challenge(c) => c,
        Probe::Open(status) => {
            eprintln!(
                "mcp-tether: {} answered HTTP {status} without asking for authorization: no sign-in needed",
                config.url
            );
            return Ok(());
        }
    };
    let auth = Auth::new(
        config.url.clone(),
        auth_config,
        Person::AtTerminal { paste },
        config.timeout,
    )?;
    auth.login(challenge).await?;
    let record = auth.record().await;
    let client = record
        .client
        .as_ref()
        .map(|c| c.client_id.as_str())
        .unwrap_or("(client credentials)");
    eprintln!(
        "mcp-tether: signed in to {} (issuer {}, client {client}). Stored in {}. Hosts that start `mcp-tether {}` now connect without signing in.",
        config.url,
        record.issuer.as_deref().unwrap_or("?"),
        // Asked after the sign-in: that is when the store chose the
        // keyring or the files (`--token-store auto`).
        store.as_ref().map_or_else(
            || "(nowhere: no config directory)".to_string(),
            |s| s.describe()
        ),
        config.url,
    );
    Ok(())
}

enum Probe {
    Challenge(Option<Challenge>),
    Open(StatusCode),
}

/// Ask the server without a token, to get its challenge (which may name a
/// metadata URL that discovery would not find on its own).
async fn probe(config: &Config) -> anyhow::Result<Probe> {
    let http = crate::relay::http_client(config)?;
    let resp = http
        .post(config.url.clone())
        .headers(config.headers.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            reqwest::header::ACCEPT,
            "application/json, text/event-stream",
        )
        .body(r#"{"jsonrpc":"2.0","id":"mcp-tether-login","method":"ping"}"#)
        .timeout(config.timeout)
        .send()
        .await
        .with_context(|| format!("could not reach {}", config.url))?;
    let status = resp.status();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Ok(Probe::Challenge(Challenge::from_headers(resp.headers())));
    }
    Ok(Probe::Open(status))
}
