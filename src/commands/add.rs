//! `mcp-tether add NAME URL --host HOST [bridge flags]`, `remove NAME
//! --host HOST` and `list --host HOST`: write, undo and show the entries
//! that run mcp-tether in a host's config file. `add` runs doctor first and
//! stops on a problem unless `--force` (docs/host-config.md says why).
//!
//! stdout gets what was asked for (the change with `--dry-run`, the list);
//! stderr gets doctor's report and what was done.

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::cli::{AddArgs, BridgeFlags, HostFileArgs, ListArgs, RemoveArgs, ViaArg};
use crate::commands::doctor;
use crate::config::Config;
use crate::hosts::{self, EntryValue, Format, Found, Host, Runner, file};
use crate::say::say;

/// An outcome: exit code and, for a refusal, the reason.
pub enum Outcome {
    Done,
    /// Refused (exit 1), with the reason on stderr.
    Refused(String),
    /// Bad input (exit 2).
    Usage(String),
}

struct Target {
    host: Host,
    path: PathBuf,
}

fn target(args: &HostFileArgs, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Target> {
    let host = Host::get(args.host);
    let path = match &args.config {
        Some(p) => p.clone(),
        None => host.default_path(env)?,
    };
    Ok(Target {
        host,
        path: file::resolve(&path),
    })
}

fn list_entries(t: &Target, text: &str) -> anyhow::Result<Vec<Found>> {
    match t.host.format {
        Format::Json { .. } => hosts::json::list(&t.host, text),
        Format::Toml => hosts::toml::list(&t.host, text),
    }
    .map_err(|e| anyhow::anyhow!("{}: {e}", t.path.display()))
}

fn upsert(
    t: &Target,
    text: Option<&str>,
    name: &str,
    entry: &[(&'static str, EntryValue)],
) -> anyhow::Result<String> {
    match t.host.format {
        Format::Json { .. } => hosts::json::upsert(&t.host, text, name, entry),
        Format::Toml => hosts::toml::upsert(&t.host, text, name, entry),
    }
}

fn remove_entry(t: &Target, text: &str, name: &str) -> anyhow::Result<Option<String>> {
    match t.host.format {
        Format::Json { .. } => hosts::json::remove(&t.host, text, name),
        Format::Toml => hosts::toml::remove(&t.host, text, name),
    }
    .map_err(|e| anyhow::anyhow!("{}: {e}", t.path.display()))
}

/// Flags of `add` itself that ended up among the bridge flags (everything
/// after the first bridge flag is taken as one).
const OWN_FLAGS: [&str; 5] = ["--host", "--config", "--via", "--dry-run", "--force"];

pub async fn add(args: &AddArgs, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Outcome> {
    if let Some(own) = args
        .bridge
        .iter()
        .find(|a| OWN_FLAGS.contains(&a.split('=').next().unwrap_or("")))
    {
        return Ok(Outcome::Usage(format!(
            "{own} is a flag of `add`: put it before the bridge flags (everything after the first bridge flag goes into the entry)"
        )));
    }
    if let Some(why) = hosts::secret_refusal(&args.bridge) {
        return Ok(Outcome::Usage(why));
    }
    let flags = match BridgeFlags::try_parse_from(&args.bridge) {
        Ok(f) => f,
        Err(e) => {
            return Ok(Outcome::Usage(format!(
                "the bridge flags after the URL: {}",
                e.to_string().trim_end()
            )));
        }
    };
    let t = target(&args.file, env)?;

    // The file first: a name taken by another server, or a file that
    // can't be read, stops before any network.
    let old = file::read(&t.path)?;
    let runner = match args.via {
        ViaArg::Binary => Runner::Binary(own_path()?),
        ViaArg::Npx => Runner::Npx,
        ViaArg::Uvx => Runner::Uvx,
    };
    // The URL as typed (doctor below checks it as the bridge will).
    let mut bridge = vec![args.url.clone()];
    bridge.extend(args.bridge.iter().cloned());
    let launch = runner.launch(&bridge);
    let entry = t.host.entry(&launch);
    let cannot_read = |e: anyhow::Error| {
        Ok(Outcome::Refused(format!(
            "{e}\nmcp-tether leaves a file it can't read as it is. Fix it, or add this by hand:\n\n{}",
            snippet(&t.host, &args.name, &entry)
        )))
    };
    let existing = match &old {
        Some(text) => match list_entries(&t, text) {
            Ok(found) => found,
            Err(e) => return cannot_read(e),
        },
        None => Vec::new(),
    };
    let replacing = existing.iter().find(|f| f.name == args.name);
    if let Some(f) = replacing
        && f.tether.is_none()
        && !args.force
    {
        return Ok(Outcome::Refused(format!(
            "{} already has a server named '{}' that runs {} (not mcp-tether): choose another name, or pass --force to replace it",
            t.path.display(),
            args.name,
            f.command.as_deref().unwrap_or("something else")
        )));
    }
    // Doctor, with the flags the entry will carry. Variables the entry
    // reads from the host's environment need not be set in this shell.
    let wanted = variables_named(&flags);
    let unset = RefCell::new(Vec::new());
    let doctor_env = |name: &str| {
        env(name).or_else(|| {
            wanted.iter().any(|w| w == name).then(|| {
                unset.borrow_mut().push(name.to_string());
                "mcp-tether-add-placeholder".to_string()
            })
        })
    };
    let config = match Config::from_args(&args.url, &flags.connect, &doctor_env) {
        Ok(c) => c,
        Err(e) => return Ok(Outcome::Usage(e.to_string())),
    };
    let report = doctor::diagnose(&config).await?;
    say(doctor::render(&report).trim_end());
    let mut unset = unset.into_inner();
    unset.dedup();
    for var in &unset {
        say(format!(
            "note: {var} is not set in this shell; the host must have it in its environment (the entry's `env`, or the environment the host starts in)."
        ));
    }
    if !report.ok && !args.force {
        return Ok(Outcome::Refused(format!(
            "doctor found a problem (above), so {} is unchanged: fix it and run this again, or pass --force to write the entry anyway",
            t.path.display()
        )));
    }

    let new = match upsert(&t, old.as_deref(), &args.name, &entry) {
        Ok(new) => new,
        Err(e) => return cannot_read(anyhow::anyhow!("{}: {e}", t.path.display())),
    };
    if old.as_deref() == Some(new.as_str()) {
        say(format!(
            "\n{} already has this entry for '{}': nothing to change.",
            t.path.display(),
            args.name
        ));
        return Ok(Outcome::Done);
    }
    if args.dry_run {
        print(&file::diff(&t.path, old.as_deref().unwrap_or(""), &new))?;
        say("\n--dry-run: nothing written.");
        return Ok(Outcome::Done);
    }
    let backup = file::write(&t.path, &new)?;
    say(format!(
        "\n{} '{}' in {}{}.",
        if replacing.is_some() {
            "Replaced"
        } else {
            "Added"
        },
        args.name,
        t.path.display(),
        backup
            .map(|b| format!(" (the previous file is in {})", b.display()))
            .unwrap_or_default()
    ));
    say(format!("{}: {}", t.host.title, t.host.reload));
    Ok(Outcome::Done)
}

pub fn remove(args: &RemoveArgs, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Outcome> {
    let t = target(&args.file, env)?;
    let Some(old) = file::read(&t.path)? else {
        return Ok(Outcome::Refused(format!(
            "{} does not exist: nothing to remove",
            t.path.display()
        )));
    };
    let existing = list_entries(&t, &old)?;
    let Some(found) = existing.iter().find(|f| f.name == args.name) else {
        return Ok(Outcome::Refused(format!(
            "{} has no server named '{}'",
            t.path.display(),
            args.name
        )));
    };
    if found.tether.is_none() && !args.force {
        return Ok(Outcome::Refused(format!(
            "'{}' in {} doesn't run mcp-tether (it runs {}): pass --force to remove it anyway",
            args.name,
            t.path.display(),
            found.command.as_deref().unwrap_or("something else")
        )));
    }
    let new = remove_entry(&t, &old, &args.name)?.expect("the entry was listed");
    if args.dry_run {
        print(&file::diff(&t.path, &old, &new))?;
        say("\n--dry-run: nothing written.");
        return Ok(Outcome::Done);
    }
    let backup = file::write(&t.path, &new)?;
    say(format!(
        "Removed '{}' from {}{}.",
        args.name,
        t.path.display(),
        backup
            .map(|b| format!(" (the previous file is in {})", b.display()))
            .unwrap_or_default()
    ));
    say(format!("{}: {}", t.host.title, t.host.reload));
    Ok(Outcome::Done)
}

pub fn list(args: &ListArgs, env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<Outcome> {
    let t = target(&args.file, env)?;
    let entries = match file::read(&t.path)? {
        Some(text) => list_entries(&t, &text)?,
        None => Vec::new(),
    };
    let ours: Vec<&Found> = entries.iter().filter(|f| f.tether.is_some()).collect();
    if args.json {
        let items: Vec<serde_json::Value> = ours
            .iter()
            .map(|f| {
                let (runner, bridge) = f.tether.as_ref().expect("filtered");
                let (via, path) = match runner {
                    Runner::Binary(p) => ("binary", Some(p.as_str())),
                    Runner::Npx => ("npx", None),
                    Runner::Uvx => ("uvx", None),
                };
                serde_json::json!({
                    "name": f.name, "url": f.url(), "via": via, "command": path, "args": bridge,
                })
            })
            .collect();
        let out = serde_json::json!({
            "host": t.host.title, "config": t.path.display().to_string(), "servers": items,
        });
        print(&format!("{}\n", serde_json::to_string_pretty(&out)?))?;
        return Ok(Outcome::Done);
    }
    let mut out = format!("{} ({}):\n", t.host.title, t.path.display());
    if ours.is_empty() {
        out.push_str("  no server runs through mcp-tether\n");
    }
    for f in &ours {
        let (runner, bridge) = f.tether.as_ref().expect("filtered");
        let how = match runner {
            Runner::Binary(p) if Path::new(p).exists() => p.clone(),
            Runner::Binary(p) => format!("{p} (missing: run `add` again)"),
            Runner::Npx => "npx".into(),
            Runner::Uvx => "uvx".into(),
        };
        out.push_str(&format!("  {}  {}  via {how}\n", f.name, bridge.join(" ")));
    }
    let others = entries.len() - ours.len();
    if others > 0 {
        out.push_str(&format!(
            "  ({others} other server{} not through mcp-tether)\n",
            if others == 1 { "" } else { "s" }
        ));
    }
    print(&out)?;
    Ok(Outcome::Done)
}

/// The absolute path of this binary, links resolved: what a desktop
/// launcher, which doesn't see ~/.cargo/bin on its PATH, can start.
fn own_path() -> anyhow::Result<String> {
    let exe = std::env::current_exe()
        .map_err(|e| anyhow::anyhow!("finding this binary's path: {e}; use --via npx or uvx"))?;
    let exe = std::fs::canonicalize(&exe).unwrap_or(exe);
    let s = exe.display().to_string();
    // Windows' canonical form is a verbatim path (\\?\C:\…), which some
    // hosts can't start; the plain form names the same file.
    Ok(s.strip_prefix(r"\\?\").map(str::to_string).unwrap_or(s))
}

/// Environment variables the entry will read: --client-secret-env's and
/// `${VAR}` in --header values.
fn variables_named(flags: &BridgeFlags) -> Vec<String> {
    let mut out: Vec<String> = flags.connect.client_secret_env.iter().cloned().collect();
    for h in &flags.connect.headers {
        let mut rest = h.as_str();
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            out.push(after[..end].to_string());
            rest = &after[end + 1..];
        }
    }
    out
}

/// The entry as text to paste, for a file `add` won't rewrite.
fn snippet(host: &Host, name: &str, entry: &[(&'static str, EntryValue)]) -> String {
    match host.format {
        Format::Toml => hosts::toml::upsert(host, None, name, entry).unwrap_or_default(),
        Format::Json { .. } => {
            let q = |s: &str| serde_json::to_string(s).unwrap_or_default();
            let fields: Vec<String> = entry
                .iter()
                .map(|(k, v)| {
                    let v = match v {
                        EntryValue::Str(s) => q(s),
                        EntryValue::List(l) => format!(
                            "[{}]",
                            l.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
                        ),
                        EntryValue::EmptyMap => "{}".into(),
                    };
                    format!("      {}: {v}", q(k))
                })
                .collect();
            format!(
                "  {}: {{\n    {}: {{\n{}\n    }}\n  }}\n",
                q(host.servers_key),
                q(name),
                fields.join(",\n")
            )
        }
    }
}

fn print(text: &str) -> anyhow::Result<()> {
    // These commands are not the bridge: stdout is theirs.
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(())
}
