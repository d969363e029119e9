#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install what the tests need (pinned),
# build, run the unit and integration tests, then the official MCP conformance
# scenarios through the real binary. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages some tests need, from Debian: ruby (`ruby -c` on the
# Homebrew formula), Chromium (the callback pages in a real browser), a
# headless Secret Service (gnome-keyring, dbus-run-session, secret-tool),
# openssl (a throwaway CA for the https lab server), and an X server with the
# desktop's URL launcher (xvfb, xdg-utils).
missing=()
command -v ruby >/dev/null 2>&1 || missing+=(ruby)
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v gnome-keyring-daemon >/dev/null 2>&1 || missing+=(gnome-keyring)
command -v dbus-run-session >/dev/null 2>&1 || missing+=(dbus)
command -v secret-tool >/dev/null 2>&1 || missing+=(libsecret-tools)
command -v openssl >/dev/null 2>&1 || missing+=(openssl) # certificates for the https lab server
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || missing+=(python3-venv) # tests/lab-py
command -v Xvfb >/dev/null 2>&1 || missing+=(xvfb)           # a desktop the host hid (tests/it/desktop.rs)
command -v xdg-open >/dev/null 2>&1 || missing+=(xdg-utils)  # the real launcher that desktop uses
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]} (apt)"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

echo "== installing the test lab (npm, pinned by tests/lab/package-lock.json)"
npm ci --prefix tests/lab --no-audit --no-fund --loglevel=error

echo "== installing the Python lab (a 2026-07-28 server on the Python SDK, pinned by tests/lab-py/requirements.txt)"
bash tests/lab-py/setup.sh

echo "== installing the FastMCP lab (FastMCP 4.1.6 and its built-in authorization server, pinned by tests/lab-fastmcp/requirements.txt)"
bash tests/lab-fastmcp/setup.sh

echo "== installing the Cloudflare lab (wrangler 4.86 + workers-oauth-provider, pinned by tests/lab-cf/package-lock.json)"
npm ci --prefix tests/lab-cf --no-audit --no-fund --loglevel=error

# Every suite gives mcp-tether a private config dir. Anything written to the
# real one during the run is a test that escaped: the run fails (checked at
# the end against this marker).
REAL_CONFIG="${XDG_CONFIG_HOME:-$HOME/.config}/mcp-tether"
STARTED_MARK="$(mktemp)"

echo "== building"
cargo build --locked

echo "== unit and integration tests"
cargo test --locked

echo "== hostile servers: every request answered once, prompt exit, bounded memory and request rates (tests/hostile)"
MCP_TETHER_BIN="$PWD/target/debug/mcp-tether" node --test tests/hostile/

# The binary users get is the release build: several times faster, so a flood
# piles up differently (a release-only memory growth under 10,000 pings went
# unseen while only the debug build ran here).
echo "== hostile servers again, against the release build (what users run)"
cargo build --release --locked
MCP_TETHER_BIN="$PWD/target/release/mcp-tether" node --test tests/hostile/

echo "== packages as users install them: npm launcher + PyPI wheel, offline, against the SDK lab (tests/dist)"
MCP_TETHER_BIN="$PWD/target/debug/mcp-tether" bash tests/dist/run.sh

echo "== host CLIs list what add wrote (tests/host-clis)"
host_clis_t0=$SECONDS
MCP_TETHER_BIN="$PWD/target/debug/mcp-tether" bash tests/host-clis/run.sh
echo "== host CLIs: $(( SECONDS - host_clis_t0 )) s"

echo "== the OS keyring: a real Secret Service (gnome-keyring) on a private session bus"
dbus-run-session -- bash tests/keyring/run.sh

echo "== callback pages in headless Chromium (artifacts in target/browser-artifacts/)"
node --test tests/browser/

echo "== MCP conformance suite (client scenarios, through mcp-tether)"
bash tests/conformance/run.sh

echo "== MCP conformance prerelease (0.2.0-alpha.12), gating: every client scenario but GATE_SKIP in tests/conformance-next/run.sh"
bash tests/conformance-next/run.sh --gate

echo "== no suite touched the real config dir ($REAL_CONFIG)"
if [ -d "$REAL_CONFIG" ] && [ -n "$(find "$REAL_CONFIG" -newer "$STARTED_MARK" -print -quit)" ]; then
  echo "a test wrote to $REAL_CONFIG:" >&2
  find "$REAL_CONFIG" -newer "$STARTED_MARK" >&2
  exit 1
fi
rm -f "$STARTED_MARK"
