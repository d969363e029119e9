#!/usr/bin/env bash
# The hosts' own CLIs read what `mcp-tether add --host` wrote (issue 22):
#
#   bash tests/host-clis/run.sh       (MCP_TETHER_BIN=path overrides target/debug/mcp-tether;
#                                      HOST_CLIS="claude-code codex" runs only those;
#                                      HOST_CLIS_KEEP=1 keeps the temporary homes and outputs)
#
# Claude Code, Gemini CLI and Codex, pinned by tests/host-clis/package-lock.json
# (npm ci into tests/host-clis/node_modules, again only when the lock changes;
# the npm cache is target/host-clis-npm-cache, never ~/.npm). For each host, in
# a fresh temporary HOME with a clean environment (env -i: no CLAUDE_CONFIG_DIR,
# GEMINI_CLI_HOME, API keys, … from this shell; CODEX_HOME, XDG_* and
# MCP_TETHER_CONFIG_DIR inside the temporary directory) and a temporary project
# directory as the working directory:
#   1. the host's user config is seeded with another server ("other") and settings;
#   2. `mcp-tether add tether-lab URL --host H` (doctor passes against the SDK lab server);
#   3. `claude mcp list` / `gemini mcp list` / `codex mcp list` must list
#      tether-lab with this mcp-tether (canonical path) and the URL as its command
#      line, and "other" too. Claude Code and Gemini CLI start the servers to
#      check them: tether-lab must be "Connected" (the bridge they started
#      answered initialize through to the lab server); Codex must show it enabled;
#   4. `mcp-tether remove tether-lab --host H`, and the host lists "other" but no
#      tether-lab.
# Update checks, telemetry and non-essential traffic are off through each CLI's
# environment variables or settings; every command runs under `timeout`.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"

BIN="${MCP_TETHER_BIN:-$ROOT/target/debug/mcp-tether}"
[ -x "$BIN" ] || { echo "tests/host-clis: no binary at $BIN (cargo build --locked first, or set MCP_TETHER_BIN)" >&2; exit 1; }
# `add` writes the canonical path of the binary that ran it.
BIN="$(readlink -f "$BIN")"
HOSTS="${HOST_CLIS:-claude-code gemini-cli codex}"
NAME=tether-lab
OTHER=other
OTHER_CMD=/nonexistent/other-mcp-server # never starts: no network, fails at once
T0=$(date +%s)

NL=$'\n'
fail() { echo "tests/host-clis: FAIL: $*" >&2; exit 1; }

# The CLIs, pinned. npm ci only when package-lock.json changed since the last
# install (the three are ~900 MB unpacked).
CLIS="$ROOT/tests/host-clis"
STAMP="$(sha256sum "$CLIS/package-lock.json" | cut -d' ' -f1)"
if [ "$(cat "$CLIS/node_modules/.installed-lock" 2>/dev/null)" != "$STAMP" ] \
  || [ ! -x "$CLIS/node_modules/.bin/claude" ] || [ ! -x "$CLIS/node_modules/.bin/gemini" ] || [ ! -x "$CLIS/node_modules/.bin/codex" ]; then
  echo "== tests/host-clis: npm ci (pinned by tests/host-clis/package-lock.json)"
  npm ci --prefix "$CLIS" --cache "$ROOT/target/host-clis-npm-cache" --prefer-offline \
    --no-audit --no-fund --update-notifier=false --loglevel=error
  echo "$STAMP" > "$CLIS/node_modules/.installed-lock"
fi
T1=$(date +%s)

[ -d tests/lab/node_modules/@modelcontextprotocol/sdk ] \
  || npm ci --prefix tests/lab --no-audit --no-fund --loglevel=error

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tether-host-clis.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ "${HOST_CLIS_KEEP:-0}" = 1 ]; then echo "tests/host-clis: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

# The SDK lab server, for add's doctor and for the hosts' connection checks.
node tests/lab/sdk-server.mjs --port 0 < /dev/null > "$WORK/sdk-server.out" 2> "$WORK/sdk-server.err" &
SERVER_PID=$!
for _ in $(seq 200); do [ -s "$WORK/sdk-server.out" ] && break; sleep 0.05; done
[ -s "$WORK/sdk-server.out" ] || fail "the SDK lab server did not start: $(cat "$WORK/sdk-server.err")"

URL="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).url' "$WORK/sdk-server.out")"

# Runs a command as if in a fresh account whose home is $H, from project dir $P.
in_home() {
  (cd "$P" && env -i \
    PATH="$PATH" HOME="$H" USER="${USER:-tester}" LANG=C.UTF-8 TERM=dumb NO_COLOR=1 TMPDIR="$H/tmp" \
    XDG_CONFIG_HOME="$H/.config" XDG_DATA_HOME="$H/.local/share" XDG_CACHE_HOME="$H/.cache" XDG_STATE_HOME="$H/.local/state" \
    MCP_TETHER_CONFIG_DIR="$H/mcp-tether-config" MCP_TETHER_REQUIRE_CONFIG_DIR=1 \
    DISABLE_AUTOUPDATER=1 CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_TELEMETRY=1 DISABLE_ERROR_REPORTING=1 \
    GEMINI_TELEMETRY_ENABLED=false GEMINI_CLI_SYSTEM_SETTINGS_PATH="$H/no-system-settings.json" \
    CODEX_HOME="$H/.codex" \
    "$@")
}

# The host's list output, ANSI-free, blanks squeezed, a leading status mark
# (Gemini's ✓/✗/○) dropped: "NAME: COMMAND ARGS…" (Claude, Gemini) or
# "NAME COMMAND ARGS …" (Codex's table).
normalise() { sed -E -e 's/\x1b\[[0-9;]*m//g' -e 's/[[:space:]]+/ /g' -e 's/^ //' -e 's/^(✓|✗|○|●|◌|…) //' "$1"; }
# The line for server $1, or nothing.
line_for() { normalise "$2" | awk -v n="$1" 'index($0, n ": ") == 1 || index($0, n " ") == 1'; }

list_with() { # host-cli output-file
  local cli="$1" out="$2" rc=0
  # Both streams: Gemini CLI prints its list on stderr.
  in_home timeout 60 "$CLIS/node_modules/.bin/$cli" mcp list > "$out" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "$cli mcp list exited $rc:${NL}$(cat "$out")"
}

check_host() {
  local host="$1" cli file status
  case "$host" in
    claude-code) cli=claude; file=.claude.json; status='✔ Connected' ;;
    gemini-cli) cli=gemini; file=.gemini/settings.json; status='- Connected' ;;
    codex) cli=codex; file=.codex/config.toml; status=' enabled ' ;;
    *) fail "unknown host $host" ;;
  esac
  H="$WORK/$host/home"; P="$WORK/$host/project"
  mkdir -p "$H/tmp" "$H/.codex" "$H/.gemini" "$P"
  local t0
  t0=$(date +%s)
  local version
  version="$(in_home timeout 30 "$CLIS/node_modules/.bin/$cli" --version 2>/dev/null | tail -n1)"

  # 1. The user's config as it might be: another server, settings.
  case "$host" in
    claude-code) cat > "$H/$file" <<EOF
{
  "numStartups": 12,
  "installMethod": "npm",
  "autoUpdates": false,
  "hasCompletedOnboarding": true,
  "mcpServers": {
    "$OTHER": {
      "type": "stdio",
      "command": "$OTHER_CMD",
      "args": ["--stdio"],
      "env": {}
    }
  },
  "projects": {
    "$P": { "allowedTools": [], "hasTrustDialogAccepted": true, "mcpServers": {} }
  }
}
EOF
      ;;
    gemini-cli)
      cat > "$H/$file" <<EOF
{
  "general": { "enableAutoUpdate": false, "enableAutoUpdateNotification": false },
  "privacy": { "usageStatisticsEnabled": false },
  "telemetry": { "enabled": false },
  "mcpServers": {
    "$OTHER": { "command": "$OTHER_CMD", "args": ["--stdio"] }
  }
}
EOF
      # Untrusted folders get no MCP servers at all, user-level ones included.
      printf '{ "%s": "TRUST_FOLDER" }\n' "$P" > "$H/.gemini/trustedFolders.json"
      ;;
    codex) cat > "$H/$file" <<EOF
# ~/.codex/config.toml
check_for_update_on_startup = false

[mcp_servers.$OTHER]
command = "$OTHER_CMD"
args = ["--stdio"]
EOF
      ;;
  esac

  # 2. add
  local out="$WORK/$host/out" rc=0
  in_home timeout 60 "$BIN" add "$NAME" "$URL" --host "$host" > "$out.add" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "$host: mcp-tether add exited $rc:${NL}$(cat "$out.add")"
  grep -qF "Added '$NAME'" "$out.add" || fail "$host: add did not say it added $NAME:${NL}$(cat "$out.add")"

  # 3. The host lists it, and the other server.
  list_with "$cli" "$out.1"
  local ours
  ours="$(line_for "$NAME" "$out.1")"
  [ -n "$ours" ] || fail "$host: '$cli mcp list' does not list $NAME:${NL}$(cat "$out.1")"
  case "$ours" in
    "$NAME: $BIN $URL"* | "$NAME $BIN $URL "*) ;;
    *) fail "$host: '$cli mcp list' shows $NAME as something other than '$BIN $URL': $ours" ;;
  esac
  case "$ours" in
    *"$status"*) ;;
    *) fail "$host: '$cli mcp list' shows $NAME without '$status': $ours" ;;
  esac
  [ -n "$(line_for "$OTHER" "$out.1")" ] || fail "$host: '$cli mcp list' no longer lists $OTHER:${NL}$(cat "$out.1")"
  case "$(line_for "$OTHER" "$out.1")" in
    "$OTHER: $OTHER_CMD --stdio"* | "$OTHER $OTHER_CMD --stdio "*) ;;
    *) fail "$host: '$cli mcp list' shows $OTHER changed: $(line_for "$OTHER" "$out.1")" ;;
  esac

  # 4. remove: gone from the host's list, the other server still there.
  rc=0
  in_home timeout 30 "$BIN" remove "$NAME" --host "$host" > "$out.remove" 2>&1 || rc=$?
  [ "$rc" -eq 0 ] || fail "$host: mcp-tether remove exited $rc:${NL}$(cat "$out.remove")"
  list_with "$cli" "$out.2"
  [ -z "$(line_for "$NAME" "$out.2")" ] || fail "$host: '$cli mcp list' still lists $NAME after remove:${NL}$(cat "$out.2")"
  [ -n "$(line_for "$OTHER" "$out.2")" ] || fail "$host: after remove, '$cli mcp list' no longer lists $OTHER:${NL}$(cat "$out.2")"

  echo "ok $host ($version): '$cli mcp list' shows $NAME as '$BIN $URL' ($(xargs <<<"$status")), '$OTHER' too; after remove only '$OTHER' ($(( $(date +%s) - t0 )) s)"
}

echo "== tests/host-clis: $HOSTS, from $BIN, against $URL"
for host in $HOSTS; do check_host "$host"; done
echo "== tests/host-clis: all passed in $(( $(date +%s) - T1 )) s (install: $(( T1 - T0 )) s)"
