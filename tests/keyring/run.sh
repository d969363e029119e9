#!/usr/bin/env bash
# Run the Secret Service keyring tests against a real gnome-keyring, headless:
# scripts/test.sh starts this under `dbus-run-session`, so a private session
# bus exists; here a fresh keyring is created and unlocked on it.
set -euo pipefail
# A fresh HOME keeps the test keyring apart from any real one; rustup and
# cargo keep finding their own homes.
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export HOME="$(mktemp -d)"
export XDG_DATA_HOME="$HOME/.local/share"
printf 'mcp-tether-test' | gnome-keyring-daemon --unlock --components=secrets >/dev/null
cargo test --locked --test it -- --ignored store::the_secret_service_keyring
