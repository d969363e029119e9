//! The subcommands other than the bridge itself, one module each.

pub mod add;
pub mod doctor;
pub mod login;
pub mod logout;
pub mod status;

use crate::auth::store::{StoreChoice, TokenStore};

/// The store the bridge uses: the keyring when one answers, else the file
/// store under `MCP_TETHER_CONFIG_DIR` or the platform default.
fn store(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<TokenStore> {
    TokenStore::open(env("MCP_TETHER_CONFIG_DIR"), StoreChoice::Auto).map_err(anyhow::Error::msg)
}

/// Ask the server something harmless without a token (a JSON-RPC ping), to
/// see whether it wants authorization and read its challenge: the challenge
/// may name a metadata URL that discovery would not find on its own.
async fn probe_without_token(
    http: &reqwest::Client,
    config: &crate::config::Config,
) -> reqwest::Result<reqwest::Response> {
    http.post(config.url.clone())
        .headers(config.headers.clone())
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(
            reqwest::header::ACCEPT,
            "application/json, text/event-stream",
        )
        .body(r#"{"jsonrpc":"2.0","id":"mcp-tether-probe","method":"ping"}"#)
        .timeout(config.timeout)
        .send()
        .await
}

/// The name a server's record is stored under: its URL as the bridge
/// normalises it (so `HTTPS://Example.com/mcp` finds `https://example.com/mcp`).
fn stored_name(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| url.to_string())
}
