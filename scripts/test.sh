#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install what the tests need (pinned),
# build, run the unit and integration tests, then the official MCP conformance
# scenarios through the real binary. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== installing the test lab (npm, pinned by tests/lab/package-lock.json)"
npm ci --prefix tests/lab --no-audit --no-fund --loglevel=error

echo "== building"
cargo build --locked

echo "== unit and integration tests"
cargo test --locked

echo "== MCP conformance suite (client scenarios, through mcp-tether)"
bash tests/conformance/run.sh
