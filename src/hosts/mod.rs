//! The MCP hosts whose config files `mcp-tether add/remove/list` edit: where
//! each keeps its user-level config, which key holds the servers, what an
//! entry looks like, and how to tell an entry that runs mcp-tether.
//! See docs/host-config.md (with the source for each path and shape).
//!
//! The editing itself is in [`json`] (every JSON and JSONC host, through a
//! concrete syntax tree that keeps comments, order and spacing) and [`toml`]
//! (Codex, through `toml_edit`); [`file`] writes atomically with a backup.

pub mod file;
pub mod json;
pub mod toml;

use std::path::{Path, PathBuf};

use crate::cli::HostArg;

/// What the bridge's entry runs: a command and its arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Launch {
    pub command: String,
    pub args: Vec<String>,
}

/// The file format of a host's config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON. `comments`: the host reads JSON with comments and trailing
    /// commas (VS Code, Zed), so such a file is valid and is kept as it is.
    Json { comments: bool },
    /// TOML (Codex).
    Toml,
}

/// Everything `add` needs to know about one host.
#[derive(Debug, Clone, Copy)]
pub struct Host {
    pub arg: HostArg,
    /// How people call it.
    pub title: &'static str,
    pub format: Format,
    /// The key (JSON) or table (TOML) that holds the servers, at the top level.
    pub servers_key: &'static str,
    /// Entries carry `"type": "stdio"` (VS Code requires it; Claude Code's
    /// own `claude mcp add` writes it).
    pub typed: bool,
    /// Claude Code's `claude mcp add` also writes `"env": {}`; doing the
    /// same keeps an entry we write identical to one it writes.
    pub empty_env: bool,
    /// How to make the host read the change.
    pub reload: &'static str,
}

impl Host {
    pub fn get(arg: HostArg) -> Host {
        // Sources for each path and shape are in docs/host-config.md.
        let json = Format::Json { comments: false };
        let jsonc = Format::Json { comments: true };
        let (title, format, servers_key, typed, empty_env, reload) = match arg {
            // Anthropic's MCP quickstart ("For Claude Desktop users"):
            // claude_desktop_config.json, `mcpServers`.
            HostArg::ClaudeDesktop => (
                "Claude Desktop",
                json,
                "mcpServers",
                false,
                false,
                "Quit Claude Desktop completely (from the menu bar or tray, not just the window) and start it again.",
            ),
            // cursor.com/docs/mcp: ~/.cursor/mcp.json, `mcpServers`.
            HostArg::Cursor => (
                "Cursor",
                json,
                "mcpServers",
                false,
                false,
                "Open Cursor Settings → MCP (Tools & Integrations) and refresh, or restart Cursor.",
            ),
            // code.visualstudio.com/docs/copilot/reference/mcp-configuration:
            // the user profile's mcp.json, `servers`, `"type": "stdio"`.
            HostArg::Vscode => (
                "VS Code",
                jsonc,
                "servers",
                true,
                false,
                "VS Code reads mcp.json as it changes: run 'MCP: List Servers' and start the server (or use the Start action above its entry in mcp.json).",
            ),
            // docs.windsurf.com/windsurf/cascade/mcp:
            // ~/.codeium/windsurf/mcp_config.json, `mcpServers`.
            HostArg::Windsurf => (
                "Windsurf",
                json,
                "mcpServers",
                false,
                false,
                "In Windsurf's Cascade panel open the MCP servers list and press Refresh (or restart Windsurf).",
            ),
            // zed.dev/docs/ai/mcp ("As Custom Servers") and
            // zed.dev/docs/configuring-zed (the settings file, JSON with comments).
            HostArg::Zed => (
                "Zed",
                jsonc,
                "context_servers",
                false,
                false,
                "Zed applies settings.json when it changes; the server shows in the Agent Panel's settings (MCP servers).",
            ),
            // code.claude.com/docs/en/mcp (scopes): user scope is the
            // top-level `mcpServers` of ~/.claude.json.
            HostArg::ClaudeCode => (
                "Claude Code",
                json,
                "mcpServers",
                true,
                true,
                "Start a new `claude` session (a running one read ~/.claude.json when it started); `claude mcp list` shows the server.",
            ),
            // geminicli.com/docs/tools/mcp-server: ~/.gemini/settings.json,
            // `mcpServers` with command/args.
            HostArg::GeminiCli => (
                "Gemini CLI",
                json,
                "mcpServers",
                false,
                false,
                "Start `gemini` again; `/mcp` in it (or `gemini mcp list`) shows the server.",
            ),
            // developers.openai.com/codex/mcp: ~/.codex/config.toml
            // (or $CODEX_HOME/config.toml), `[mcp_servers.NAME]`.
            HostArg::Codex => (
                "Codex",
                Format::Toml,
                "mcp_servers",
                false,
                false,
                "Start `codex` again; `codex mcp list` (or `/mcp` in it) shows the server.",
            ),
        };
        Host {
            arg,
            title,
            format,
            servers_key,
            typed,
            empty_env,
            reload,
        }
    }

    /// The user-level config file on this platform, from the environment
    /// (`HOME`, `XDG_CONFIG_HOME`, `APPDATA` through the `directories`
    /// crate; `CLAUDE_CONFIG_DIR`, `CODEX_HOME` where the host honours them).
    pub fn default_path(&self, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<PathBuf> {
        let base = directories::BaseDirs::new()
            .ok_or_else(|| anyhow::anyhow!("no home directory found: pass --config PATH"))?;
        let home = base.home_dir();
        // The platform's config dir: ~/.config (or $XDG_CONFIG_HOME) on
        // Linux, ~/Library/Application Support on macOS, %APPDATA% on Windows.
        let config = base.config_dir();
        let from_env = |name: &str| env(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        Ok(match self.arg {
            HostArg::ClaudeDesktop => config.join("Claude").join("claude_desktop_config.json"),
            HostArg::Cursor => home.join(".cursor").join("mcp.json"),
            HostArg::Vscode => config.join("Code").join("User").join("mcp.json"),
            HostArg::Windsurf => home
                .join(".codeium")
                .join("windsurf")
                .join("mcp_config.json"),
            HostArg::Zed => zed_dir(home, config).join("settings.json"),
            HostArg::ClaudeCode => from_env("CLAUDE_CONFIG_DIR")
                .unwrap_or_else(|| home.to_path_buf())
                .join(".claude.json"),
            HostArg::GeminiCli => home.join(".gemini").join("settings.json"),
            HostArg::Codex => from_env("CODEX_HOME")
                .unwrap_or_else(|| home.join(".codex"))
                .join("config.toml"),
        })
    }

    /// The entry for `launch`, as (key, JSON value) pairs in the order
    /// the host's own docs write them.
    pub fn entry(&self, launch: &Launch) -> Vec<(&'static str, EntryValue)> {
        let mut out = Vec::new();
        if self.typed {
            out.push(("type", EntryValue::Str("stdio".into())));
        }
        out.push(("command", EntryValue::Str(launch.command.clone())));
        out.push(("args", EntryValue::List(launch.args.clone())));
        if self.empty_env {
            out.push(("env", EntryValue::EmptyMap));
        }
        out
    }
}

/// Zed keeps its settings in ~/.config/zed on Linux (honouring
/// XDG_CONFIG_HOME) and on macOS too, and in %APPDATA%\Zed on Windows.
fn zed_dir(home: &Path, config: &Path) -> PathBuf {
    if cfg!(windows) {
        config.join("Zed")
    } else if cfg!(target_os = "macos") {
        home.join(".config").join("zed")
    } else {
        config.join("zed")
    }
}

/// A value in an entry: all an entry needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryValue {
    Str(String),
    List(Vec<String>),
    EmptyMap,
}

/// How the entry starts mcp-tether.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runner {
    /// This binary, by its absolute path.
    Binary(String),
    /// `npx -y mcp-tether` (`cmd /c npx …` on Windows).
    Npx,
    /// `uvx mcp-tether`.
    Uvx,
}

impl Runner {
    /// The command and arguments that run mcp-tether with `bridge_args`.
    /// On Windows, hosts start `command` without a shell, and `npx` is a
    /// `.cmd` script there: it has to go through `cmd /c`.
    pub fn launch(&self, bridge_args: &[String]) -> Launch {
        let (command, mut args): (String, Vec<String>) = match self {
            Runner::Binary(path) => (path.clone(), vec![]),
            Runner::Npx if cfg!(windows) => (
                "cmd".into(),
                vec!["/c".into(), "npx".into(), "-y".into(), "mcp-tether".into()],
            ),
            Runner::Npx => ("npx".into(), vec!["-y".into(), "mcp-tether".into()]),
            Runner::Uvx => ("uvx".into(), vec!["mcp-tether".into()]),
        };
        args.extend(bridge_args.iter().cloned());
        Launch { command, args }
    }
}

/// An existing entry, as read from a host's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    /// Set when the entry runs mcp-tether: how, and the bridge's arguments.
    pub tether: Option<(Runner, Vec<String>)>,
    /// The command, for entries that don't run mcp-tether.
    pub command: Option<String>,
}

impl Found {
    /// The entry `name` that runs `command args…` (the hosts' formats differ
    /// only in where these two are written).
    pub fn of(name: String, command: Option<String>, args: &[String]) -> Found {
        let tether = command.as_deref().and_then(|c| recognise(c, args));
        Found {
            name,
            tether,
            command,
        }
    }

    /// The server URL the bridge is pointed at (its first argument that
    /// isn't a flag or a flag's value, as far as a URL-looking one goes).
    pub fn url(&self) -> Option<&str> {
        let (_, args) = self.tether.as_ref()?;
        args.iter()
            .map(String::as_str)
            .find(|a| a.starts_with("http://") || a.starts_with("https://"))
    }
}

/// Does `command args…` run mcp-tether? Then how, and with which of its
/// own arguments. Recognises the bare binary (any path, `.exe` or not),
/// `npx [-y] mcp-tether[@version]`, `uvx`/`pipx run mcp-tether[==…]`, and
/// those behind `cmd /c`.
pub fn recognise(command: &str, args: &[String]) -> Option<(Runner, Vec<String>)> {
    if stem(command) == "mcp-tether" || is_this_binary(command) {
        return Some((Runner::Binary(command.to_string()), args.to_vec()));
    }
    let words: Vec<&str> = std::iter::once(command)
        .chain(args.iter().map(String::as_str))
        .collect();
    let runner_at = words
        .iter()
        .position(|w| matches!(stem(w), "npx" | "uvx" | "pipx" | "bunx" | "pnpx"))?;
    let runner = if stem(words[runner_at]) == "uvx" || stem(words[runner_at]) == "pipx" {
        Runner::Uvx
    } else {
        Runner::Npx
    };
    let package_at = words[runner_at + 1..]
        .iter()
        .position(|w| is_package(w))
        .map(|i| runner_at + 1 + i)?;
    // Everything between the runner and the package must be the runner's
    // own flags (`-y`, `--yes`, `run`, `--from X`…), not another package.
    let bridge = words[package_at + 1..]
        .iter()
        .map(|s| s.to_string())
        .collect();
    Some((runner, bridge))
}

/// The binary running now, whatever its file is called: `add` writes its
/// canonical path, and a download or a copy need not be named mcp-tether.
fn is_this_binary(command: &str) -> bool {
    let Ok(own) = std::env::current_exe().and_then(|p| p.canonicalize()) else {
        return false;
    };
    std::path::Path::new(command)
        .canonicalize()
        .is_ok_and(|c| c == own)
}

fn is_package(word: &str) -> bool {
    let word = word.strip_prefix("mcp-tether").map(|rest| {
        rest.is_empty() || rest.starts_with('@') || rest.starts_with("==") || rest.starts_with('>')
    });
    word == Some(true)
}

/// The file name without directories or a Windows executable extension.
fn stem(command: &str) -> &str {
    let base = command.rsplit(['/', '\\']).next().unwrap_or(command);
    for ext in [".exe", ".cmd", ".bat", ".EXE", ".CMD", ".BAT"] {
        if let Some(s) = base.strip_suffix(ext) {
            return s;
        }
    }
    base
}

/// Flags that carry a secret: refused on the command line `add` writes
/// into a config file (and into every process listing), with what to use
/// instead.
pub fn secret_refusal(bridge_args: &[String]) -> Option<String> {
    let mut iter = bridge_args.iter().peekable();
    while let Some(arg) = iter.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (arg.as_str(), None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| iter.peek().map(|s| s.to_string()))
        };
        match flag {
            "--client-secret" => {
                return Some(
                    "--client-secret would write the secret into the host's config file: use --client-secret-env VAR instead and set VAR in the host's environment (its `env` block)".into(),
                );
            }
            "--registration-token" => {
                return Some(
                    "--registration-token is needed once, not on every start: run `mcp-tether login URL --registration-token …` in a terminal first (the registered client is stored and reused), then `add` without it".into(),
                );
            }
            "--static-oauth-client-info" => {
                let v = value().unwrap_or_default();
                if !v.starts_with('@') && v.contains("client_secret") {
                    return Some(
                        "--static-oauth-client-info with a client_secret inline would write the secret into the host's config file: use --client-id with --client-secret-env VAR (or @FILE)".into(),
                    );
                }
            }
            "--header" | "-H" => {
                let v = value().unwrap_or_default();
                if let Some((name, val)) = v.split_once(':') {
                    let name = name.trim().to_ascii_lowercase();
                    let sensitive = matches!(
                        name.as_str(),
                        "authorization" | "proxy-authorization" | "cookie"
                    ) || ["token", "secret", "key", "password", "auth"]
                        .iter()
                        .any(|w| name.contains(w));
                    if sensitive && !val.contains("${") {
                        return Some(format!(
                            "--header '{}: …' would write a credential into the host's config file: write it as ${{VAR}} (e.g. --header '{}: Bearer ${{API_TOKEN}}') and set the variable in the host's environment, or use --header-file",
                            name, name
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn recognises_each_way_of_running_mcp_tether() {
        let url = "https://mcp.example.com/mcp";
        let (r, a) = recognise("/usr/local/bin/mcp-tether", &s(&[url])).unwrap();
        assert_eq!(r, Runner::Binary("/usr/local/bin/mcp-tether".into()));
        assert_eq!(a, s(&[url]));
        let (r, a) = recognise(r"C:\tools\mcp-tether.exe", &s(&[url, "--client-id", "x"])).unwrap();
        assert!(matches!(r, Runner::Binary(_)));
        assert_eq!(a, s(&[url, "--client-id", "x"]));
        let (r, a) = recognise("npx", &s(&["-y", "mcp-tether@0.1.0", url])).unwrap();
        assert_eq!((r, a), (Runner::Npx, s(&[url])));
        let (r, a) = recognise("cmd", &s(&["/c", "npx", "-y", "mcp-tether", url])).unwrap();
        assert_eq!((r, a), (Runner::Npx, s(&[url])));
        let (r, a) = recognise("uvx", &s(&["mcp-tether", url])).unwrap();
        assert_eq!((r, a), (Runner::Uvx, s(&[url])));
        assert!(recognise("npx", &s(&["-y", "mcp-remote", url])).is_none());
        assert!(recognise("npx", &s(&["-y", "mcp-tether-fork", url])).is_none());
        assert!(recognise("node", &s(&["server.js"])).is_none());
    }

    #[test]
    fn secrets_are_refused_and_variables_are_not() {
        assert!(secret_refusal(&s(&["--client-secret", "s3cret"])).is_some());
        assert!(secret_refusal(&s(&["--client-secret=s3cret"])).is_some());
        assert!(secret_refusal(&s(&["--client-secret-env", "MY_SECRET"])).is_none());
        assert!(secret_refusal(&s(&["--registration-token", "iat"])).is_some());
        assert!(secret_refusal(&s(&["-H", "Authorization: Bearer abc"])).is_some());
        assert!(secret_refusal(&s(&["--header", "X-Api-Key: abc"])).is_some());
        assert!(secret_refusal(&s(&["--header", "Authorization: Bearer ${TOKEN}"])).is_none());
        assert!(secret_refusal(&s(&["--header", "X-Tenant: acme"])).is_none());
        assert!(
            secret_refusal(&s(&[
                "--static-oauth-client-info",
                r#"{"client_id":"a","client_secret":"b"}"#
            ]))
            .is_some()
        );
        assert!(secret_refusal(&s(&["--static-oauth-client-info", "@info.json"])).is_none());
        assert!(secret_refusal(&s(&["--client-id", "abc", "--scope", "read"])).is_none());
    }

    #[test]
    fn npx_and_uvx_forms() {
        let bridge = s(&["https://mcp.example.com/mcp"]);
        let npx = Runner::Npx.launch(&bridge);
        if cfg!(windows) {
            assert_eq!(npx.command, "cmd");
        } else {
            assert_eq!(npx.command, "npx");
            assert_eq!(
                npx.args,
                s(&["-y", "mcp-tether", "https://mcp.example.com/mcp"])
            );
        }
        let uvx = Runner::Uvx.launch(&bridge);
        assert_eq!(uvx.command, "uvx");
        assert_eq!(uvx.args, s(&["mcp-tether", "https://mcp.example.com/mcp"]));
    }
}
