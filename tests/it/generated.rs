//! Files generated from the CLI definition and checked in: shell completions
//! (completions/) and the man page (man/mcp-tether.1). This test fails when
//! they differ from what the current `Cli` generates; run it with
//! `MCP_TETHER_BLESS=1` to rewrite them. It also syntax-checks the Homebrew
//! formula with `ruby -c`.

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::CommandFactory;
use clap_complete::Shell;
use mcp_tether::cli::Cli;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// (path under the repository, generated content)
fn generated() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "mcp-tether.bash"),
        (Shell::Zsh, "_mcp-tether"),
        (Shell::Fish, "mcp-tether.fish"),
        (Shell::PowerShell, "_mcp-tether.ps1"),
        (Shell::Elvish, "mcp-tether.elv"),
    ] {
        let mut buf = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "mcp-tether", &mut buf);
        out.push((Path::new("completions").join(file), buf));
    }
    let mut man = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut man)
        .expect("rendering the man page");
    out.push((Path::new("man").join("mcp-tether.1"), man));
    out
}

#[test]
fn completions_and_man_page_match_the_cli() {
    let bless = std::env::var("MCP_TETHER_BLESS").is_ok_and(|v| v == "1");
    let mut stale = Vec::new();
    for (rel, content) in generated() {
        let path = Path::new(ROOT).join(&rel);
        let current = std::fs::read(&path).ok();
        if current.as_deref() == Some(content.as_slice()) {
            continue;
        }
        if bless {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &content).unwrap();
            eprintln!("rewrote {}", rel.display());
        } else {
            stale.push(rel.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "these checked-in files differ from what the current CLI generates: {}.\n\
         Regenerate them with: MCP_TETHER_BLESS=1 cargo test --test it generated\n\
         and commit the result.",
        stale.join(", ")
    );
}

#[test]
fn the_completions_subcommand_prints_the_checked_in_scripts() {
    for (shell, file) in [("bash", "mcp-tether.bash"), ("zsh", "_mcp-tether")] {
        let out = crate::support::bin()
            .env("MCP_TETHER_CONFIG_DIR", std::env::temp_dir())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success());
        let checked_in = std::fs::read(Path::new(ROOT).join("completions").join(file)).unwrap();
        assert_eq!(out.stdout, checked_in, "completions {shell}");
    }
}

#[test]
fn homebrew_formula_is_valid_ruby_and_installs_what_the_repo_has() {
    let formula = Path::new(ROOT).join("packaging/homebrew/mcp-tether.rb");
    let text = std::fs::read_to_string(&formula).unwrap();
    // A template the release fills with each prebuilt archive's url and
    // sha256 (packaging/homebrew/render.mjs; tests/dist renders and checks it).
    for needle in [
        "bin.install \"mcp-tether\"",
        "man1.install \"man/mcp-tether.1\"",
        "sha256 \"@SHA256:x86_64-apple-darwin@\"",
        "test do",
        "--version",
        "doctor --help",
    ] {
        assert!(text.contains(needle), "the formula lacks {needle:?}");
    }
    // Every file the formula installs from the repo exists.
    for file in [
        "completions/mcp-tether.bash",
        "completions/_mcp-tether",
        "completions/mcp-tether.fish",
        "man/mcp-tether.1",
    ] {
        assert!(text.contains(file), "the formula doesn't install {file}");
        assert!(Path::new(ROOT).join(file).exists(), "{file} is missing");
    }
    match Command::new("ruby").arg("-c").arg(&formula).output() {
        Ok(out) => assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("Syntax OK"),
            "ruby -c {}: {}{}",
            formula.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
        // A check that passes without running is no check: without ruby
        // this test fails (scripts/test.sh installs it).
        Err(e) => panic!(
            "running `ruby -c {}` ({e}): install ruby, or run scripts/test.sh, which does",
            formula.display()
        ),
    }
}
