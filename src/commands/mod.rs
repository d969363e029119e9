//! The subcommands other than the bridge itself, one module each.

pub mod login;
pub mod logout;
pub mod status;

use crate::auth::store::FileStore;

/// The store the bridge uses, from `MCP_TETHER_CONFIG_DIR` or the platform default.
fn store(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<FileStore> {
    FileStore::default_location(env("MCP_TETHER_CONFIG_DIR")).ok_or_else(|| {
        anyhow::anyhow!("no config directory could be found; set MCP_TETHER_CONFIG_DIR")
    })
}
