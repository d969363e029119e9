//! `mcp-tether add/remove/list --host …` on each host's real config format,
//! in a temporary HOME (HOME, XDG_CONFIG_HOME and APPDATA point into it;
//! never the developer's files), against the SDK lab server for doctor.

use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use crate::support::{BIN, Bridge, Server, bin};

struct Home {
    dir: tempfile::TempDir,
    config_dir: tempfile::TempDir,
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Home {
    fn new() -> Home {
        Home {
            dir: tempfile::tempdir().unwrap(),
            config_dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn run(&self, args: &[&str]) -> Run {
        self.run_as(bin(), args)
    }

    /// Run `command` (some mcp-tether binary) with `args` in this home.
    fn run_as(&self, mut command: std::process::Command, args: &[&str]) -> Run {
        let home = self.dir.path();
        let out = command
            .args(args)
            .env("HOME", home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("APPDATA", home.join("AppData").join("Roaming"))
            .env("USERPROFILE", home)
            .env_remove("CLAUDE_CONFIG_DIR")
            .env_remove("CODEX_HOME")
            .env("MCP_TETHER_CONFIG_DIR", self.config_dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        Run {
            code: out.status.code().expect("exited"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn write(&self, rel: &str, text: &str) {
        let p = self.path(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap()
    }
}

/// The binary as `add` writes it: canonical.
fn own_path() -> String {
    std::fs::canonicalize(BIN).unwrap().display().to_string()
}

/// One host: its file under HOME (Linux paths), a realistic file with other
/// servers and settings, and how to read an entry back.
#[derive(PartialEq)]
enum Back {
    /// The original, byte for byte.
    Bytes,
    /// Every line of the original (the servers key `add` had to create
    /// stays, empty).
    Lines,
    /// The same JSON (a minified file: the servers object `add` spread
    /// over lines stays spread).
    Value,
}

struct Case {
    host: &'static str,
    file: &'static str,
    original: &'static str,
    /// What `remove` gives back.
    round_trip: Back,
}

const CASES: &[Case] = &[
    Case {
        host: "claude-desktop",
        file: ".config/Claude/claude_desktop_config.json",
        original: "{\n  \"mcpServers\": {\n    \"filesystem\": {\n      \"command\": \"npx\",\n      \"args\": [\"-y\", \"@modelcontextprotocol/server-filesystem\", \"/home/me/Desktop\"]\n    }\n  },\n  \"globalShortcut\": \"Ctrl+Space\"\n}\n",
        round_trip: Back::Bytes,
    },
    Case {
        host: "cursor",
        file: ".cursor/mcp.json",
        original: "{\n    \"mcpServers\": {\n        \"sentry\": {\n            \"url\": \"https://mcp.sentry.dev/mcp\"\n        },\n        \"db\": {\n            \"command\": \"uvx\",\n            \"args\": [\"mcp-server-sqlite\"],\n            \"env\": { \"DB\": \"/tmp/x.db\" }\n        }\n    }\n}\n",
        round_trip: Back::Bytes,
    },
    Case {
        host: "vscode",
        file: ".config/Code/User/mcp.json",
        original: "// User-level MCP servers\n{\n\t\"servers\": {\n\t\t// GitHub's remote server\n\t\t\"github\": {\n\t\t\t\"type\": \"http\",\n\t\t\t\"url\": \"https://api.githubcopilot.com/mcp/\",\n\t\t},\n\t},\n\t\"inputs\": [\n\t\t{ \"type\": \"promptString\", \"id\": \"token\", \"password\": true },\n\t],\n}\n",
        round_trip: Back::Bytes,
    },
    Case {
        host: "windsurf",
        file: ".codeium/windsurf/mcp_config.json",
        original: "{\"mcpServers\":{\"git\":{\"command\":\"uvx\",\"args\":[\"mcp-server-git\"],\"disabled\":true}}}",
        round_trip: Back::Value,
    },
    Case {
        host: "zed",
        file: ".config/zed/settings.json",
        original: "// Zed settings\n//\n// For information on how to configure Zed, see the Zed\n// documentation: https://zed.dev/docs/configuring-zed\n{\n  \"theme\": { \"mode\": \"system\", \"light\": \"One Light\", \"dark\": \"One Dark\" },\n  \"buffer_font_size\": 15, // a bit larger\n  \"vim_mode\": true,\n}\n",
        round_trip: Back::Lines,
    },
    Case {
        host: "claude-code",
        file: ".claude.json",
        original: "{\n  \"numStartups\": 12,\n  \"installMethod\": \"npm-global\",\n  \"projects\": {\n    \"/home/me/src/app\": {\n      \"allowedTools\": [],\n      \"mcpServers\": {}\n    }\n  },\n  \"mcpServers\": {\n    \"notion\": {\n      \"type\": \"http\",\n      \"url\": \"https://mcp.notion.com/mcp\"\n    }\n  },\n  \"userID\": \"0123abcd\"\n}",
        round_trip: Back::Bytes,
    },
    Case {
        host: "gemini-cli",
        file: ".gemini/settings.json",
        original: "{\n  \"theme\": \"GitHub\",\n  \"selectedAuthType\": \"gemini-api-key\",\n  \"mcpServers\": {\n    \"context7\": {\n      \"httpUrl\": \"https://mcp.context7.com/mcp\",\n      \"timeout\": 30000\n    }\n  }\n}\n",
        round_trip: Back::Bytes,
    },
    Case {
        host: "codex",
        file: ".codex/config.toml",
        original: "# Codex settings\nmodel = \"gpt-5-codex\"   # the default model\napproval_policy = \"on-request\"\n\n[mcp_servers.docs]\ncommand = \"npx\"\nargs = [\"-y\", \"@upstash/context7-mcp\"]\nstartup_timeout_sec = 20\n\n[mcp_servers.docs.env]\nLOG = \"warn\"\n\n[tui]\nnotifications = true\n",
        round_trip: Back::Bytes,
    },
];

/// (command, args) of entry `name` in a host's file.
fn entry(case: &Case, text: &str, name: &str) -> (String, Vec<String>) {
    let v: Value = if case.host == "codex" {
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        let t = &doc["mcp_servers"][name];
        let args = t["args"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_string())
            .collect::<Vec<_>>();
        return (t["command"].as_str().unwrap().to_string(), args);
    } else {
        // Read through comments and trailing commas (JSONC hosts).
        jsonc_parser::cst::CstRootNode::parse(text, &Default::default())
            .unwrap()
            .to_serde_value()
            .unwrap()
    };
    let key = match case.host {
        "vscode" => "servers",
        "zed" => "context_servers",
        _ => "mcpServers",
    };
    let e = &v[key][name];
    if case.host == "vscode" || case.host == "claude-code" {
        assert_eq!(e["type"], "stdio", "{text}");
    }
    let args = e["args"]
        .as_array()
        .unwrap_or_else(|| panic!("no args in {text}"))
        .iter()
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    (e["command"].as_str().unwrap().to_string(), args)
}

#[test]
fn each_host_gets_the_entry_with_everything_else_kept() {
    let server = Server::start("sdk-server.mjs", &[]);
    for case in CASES {
        let home = Home::new();
        home.write(case.file, case.original);
        let host = case.host;
        let ctx = format!("host {host}");

        // --dry-run: the change on stdout, nothing written.
        let dry = home.run(&[
            "add",
            "lab",
            &server.url,
            "--host",
            host,
            "--dry-run",
            "--client-id",
            "abc",
        ]);
        assert_eq!(dry.code, 0, "{ctx}: {}", dry.stderr);
        assert!(dry.stdout.contains("+"), "{ctx}: {}", dry.stdout);
        assert!(
            dry.stderr.contains("probe"),
            "doctor's report: {}",
            dry.stderr
        );
        assert_eq!(
            home.read(case.file),
            case.original,
            "{ctx}: --dry-run wrote"
        );
        assert!(!home.path(&format!("{}.bak", case.file)).exists());

        let add = home.run(&[
            "add",
            "lab",
            &server.url,
            "--host",
            host,
            "--client-id",
            "abc",
        ]);
        assert_eq!(add.code, 0, "{ctx}: {}", add.stderr);
        assert!(add.stderr.contains("Added 'lab'"), "{ctx}: {}", add.stderr);
        let added = home.read(case.file);
        let (command, args) = entry(case, &added, "lab");
        assert_eq!(command, own_path(), "{ctx}");
        assert_eq!(args, [server.url.as_str(), "--client-id", "abc"], "{ctx}");
        // The backup is the file as it was.
        assert_eq!(
            home.read(&format!("{}.bak", case.file)),
            case.original,
            "{ctx}"
        );

        // list shows it, and only it.
        let list = home.run(&["list", "--host", host, "--json"]);
        assert_eq!(list.code, 0, "{ctx}: {}", list.stderr);
        let listed: Value = serde_json::from_str(&list.stdout).unwrap();
        let servers = listed["servers"].as_array().unwrap();
        assert_eq!(servers.len(), 1, "{ctx}: {listed:#}");
        assert_eq!(servers[0]["name"], "lab");
        assert_eq!(servers[0]["url"], server.url.as_str());
        assert_eq!(servers[0]["via"], "binary");

        // Adding the same again changes nothing; other flags replace it in place.
        let again = home.run(&[
            "add",
            "lab",
            &server.url,
            "--host",
            host,
            "--client-id",
            "abc",
        ]);
        assert_eq!(again.code, 0, "{ctx}: {}", again.stderr);
        assert!(
            again.stderr.contains("nothing to change"),
            "{ctx}: {}",
            again.stderr
        );
        assert_eq!(home.read(case.file), added, "{ctx}");
        let replaced = home.run(&["add", "lab", &server.url, "--host", host, "--via", "npx"]);
        assert_eq!(replaced.code, 0, "{ctx}: {}", replaced.stderr);
        assert!(replaced.stderr.contains("Replaced 'lab'"), "{ctx}");
        let (command, args) = entry(case, &home.read(case.file), "lab");
        assert_eq!(command, "npx", "{ctx}");
        assert_eq!(args, ["-y", "mcp-tether", server.url.as_str()], "{ctx}");
        let list = home.run(&["list", "--host", host]);
        assert!(
            list.stdout.contains("lab") && list.stdout.contains("via npx"),
            "{ctx}: {}",
            list.stdout
        );

        // remove: dry run first, then for real.
        let dry = home.run(&["remove", "lab", "--host", host, "--dry-run"]);
        assert_eq!(dry.code, 0, "{ctx}: {}", dry.stderr);
        assert!(dry.stdout.contains("-"), "{ctx}");
        let removed = home.run(&["remove", "lab", "--host", host]);
        assert_eq!(removed.code, 0, "{ctx}: {}", removed.stderr);
        let after = home.read(case.file);
        if case.round_trip == Back::Bytes {
            assert_eq!(
                after, case.original,
                "{ctx}: remove gives the original bytes back"
            );
        } else if case.round_trip == Back::Value {
            let a: Value = serde_json::from_str(&after).unwrap();
            let b: Value = serde_json::from_str(case.original).unwrap();
            assert_eq!(a, b, "{ctx}");
        } else {
            // Every line of the original is still there, comments included.
            for line in case.original.lines() {
                assert!(after.contains(line), "{ctx}: lost {line:?} in\n{after}");
            }
        }
        let list = home.run(&["list", "--host", host]);
        assert!(
            list.stdout.contains("no server runs through mcp-tether"),
            "{ctx}"
        );
        // Another server's entry is not ours to remove or replace.
        let other = match host {
            "claude-desktop" => "filesystem",
            "cursor" => "db",
            "vscode" => "github",
            "windsurf" => "git",
            "claude-code" => "notion",
            "gemini-cli" => "context7",
            "codex" => "docs",
            _ => continue,
        };
        let refused = home.run(&["remove", other, "--host", host]);
        assert_eq!(refused.code, 1, "{ctx}: {}", refused.stderr);
        assert!(refused.stderr.contains("doesn't run mcp-tether"), "{ctx}");
        let refused = home.run(&["add", other, &server.url, "--host", host]);
        assert_eq!(refused.code, 1, "{ctx}: {}", refused.stderr);
        assert!(refused.stderr.contains("--force"), "{ctx}");
        assert_eq!(home.read(case.file), after, "{ctx}");
    }
}

#[test]
fn a_missing_file_is_created_for_every_host() {
    let server = Server::start("sdk-server.mjs", &[]);
    for case in CASES {
        let home = Home::new();
        let add = home.run(&["add", "lab", &server.url, "--host", case.host]);
        assert_eq!(add.code, 0, "{}: {}", case.host, add.stderr);
        let text = home.read(case.file);
        let (command, args) = entry(case, &text, "lab");
        assert_eq!(
            (command.as_str(), args),
            (own_path().as_str(), vec![server.url.clone()])
        );
        assert!(!home.path(&format!("{}.bak", case.file)).exists());
    }
}

#[test]
fn the_written_entry_starts_a_working_bridge() {
    let server = Server::start("sdk-server.mjs", &[]);
    let home = Home::new();
    let add = home.run(&[
        "add",
        "lab",
        &server.url,
        "--host",
        "claude-desktop",
        "--timeout",
        "30",
    ]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    let case = &CASES[0];
    let (command, args) = entry(case, &home.read(case.file), "lab");
    assert_eq!(command, own_path());
    // Started as the host would (through support, with a private config dir).
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut bridge = Bridge::spawn(&args);
    let init = bridge.initialize();
    assert!(init["result"]["serverInfo"].is_object(), "{init}");
}

#[test]
fn a_file_the_host_could_not_read_is_left_alone_with_the_snippet_printed() {
    let server = Server::start("sdk-server.mjs", &[]);
    let home = Home::new();
    // Claude Desktop reads strict JSON: a comment makes the file invalid for it.
    let broken = "{\n  // a comment\n  \"mcpServers\": {}\n}\n";
    home.write(CASES[0].file, broken);
    let add = home.run(&["add", "lab", &server.url, "--host", "claude-desktop"]);
    assert_eq!(add.code, 1, "{}", add.stderr);
    assert!(add.stderr.contains("add this by hand"), "{}", add.stderr);
    assert!(
        add.stderr.contains("\"mcpServers\": {\n    \"lab\": {"),
        "{}",
        add.stderr
    );
    assert_eq!(home.read(CASES[0].file), broken);
    assert!(!home.path(&format!("{}.bak", CASES[0].file)).exists());
}

#[test]
fn secrets_and_failing_doctor_stop_before_writing() {
    let server = Server::start("sdk-server.mjs", &[]);
    let home = Home::new();
    let file = ".cursor/mcp.json";
    for secret in [
        &["--client-secret", "s3cret"][..],
        &["--header", "Authorization: Bearer abc"][..],
        &["--registration-token", "iat"][..],
    ] {
        let mut args = vec!["add", "lab", server.url.as_str(), "--host", "cursor"];
        args.extend_from_slice(secret);
        let run = home.run(&args);
        assert_eq!(run.code, 2, "{secret:?}: {}", run.stderr);
        assert!(!run.stderr.contains("s3cret") || run.stderr.contains("--client-secret-env"));
        assert!(!home.path(file).exists(), "{secret:?} was written");
    }
    // ${VAR} and --client-secret-env are how secrets go in: accepted, even
    // when the variable is only set in the host's environment.
    let run = home.run(&[
        "add",
        "lab",
        &server.url,
        "--host",
        "cursor",
        "--header",
        "Authorization: Bearer ${LAB_TOKEN}",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("LAB_TOKEN is not set in this shell"),
        "{}",
        run.stderr
    );
    assert!(home.read(file).contains("Bearer ${LAB_TOKEN}"));

    // Doctor can't reach the server: nothing written unless --force.
    let dead = "http://127.0.0.1:9/mcp";
    let run = home.run(&["add", "dead", dead, "--host", "cursor"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert!(!home.read(file).contains("dead"));
    let run = home.run(&["add", "dead", dead, "--host", "cursor", "--force"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(home.read(file).contains("\"dead\""));

    // add's own flags after a bridge flag are pointed out, not swallowed.
    let run = home.run(&[
        "add",
        "x",
        &server.url,
        "--host",
        "cursor",
        "--client-id",
        "a",
        "--dry-run",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("put it before the bridge flags"),
        "{}",
        run.stderr
    );
}

#[test]
fn config_points_at_another_file() {
    let server = Server::start("sdk-server.mjs", &[]);
    let home = Home::new();
    let project = home.path("project/.vscode/mcp.json");
    let p = project.to_str().unwrap();
    let add = home.run(&[
        "add",
        "lab",
        &server.url,
        "--host",
        "vscode",
        "--config",
        p,
        "--via",
        "uvx",
    ]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    let text = std::fs::read_to_string(&project).unwrap();
    let (command, args) = entry(&CASES[2], &text, "lab");
    assert_eq!(
        (command.as_str(), args),
        ("uvx", vec!["mcp-tether".to_string(), server.url.clone()])
    );
    assert!(!Path::new(&home.path(CASES[2].file)).exists());
}

/// A binary installed under another name (a download renamed, a package
/// manager's shim target) writes its own canonical path; `list` and
/// `remove` know that entry as mcp-tether's without `--force`.
#[test]
fn a_renamed_binary_finds_and_removes_its_own_entry() {
    let server = Server::start("sdk-server.mjs", &[]);
    let home = Home::new();
    let renamed = home.path("bin/tether-0.1.0-linux");
    std::fs::create_dir_all(renamed.parent().unwrap()).unwrap();
    std::fs::copy(BIN, &renamed).unwrap();
    let exe = || std::process::Command::new(&renamed);
    let add = home.run_as(exe(), &["add", "lab", &server.url, "--host", "cursor"]);
    assert_eq!(add.code, 0, "{}", add.stderr);
    let list = home.run_as(exe(), &["list", "--host", "cursor"]);
    assert_eq!(list.code, 0, "{}", list.stderr);
    assert!(list.stdout.contains("lab"), "{}", list.stdout);
    assert!(list.stdout.contains(&server.url), "{}", list.stdout);
    let removed = home.run_as(exe(), &["remove", "lab", "--host", "cursor"]);
    assert_eq!(removed.code, 0, "{}{}", removed.stdout, removed.stderr);
    assert!(!home.read(".cursor/mcp.json").contains(&server.url));
}
