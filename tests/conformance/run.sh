#!/usr/bin/env bash
# Run MCP conformance client scenarios against mcp-tether through host.mjs.
#
#   tests/conformance/run.sh [scenario...]
#
# Default scenarios: the four core ones and the auth/* ones listed below.
# A scenario counts as passed only if the suite exits 0 AND its checks.json has
# no FAILURE and no WARNING entries. Ends with: conformance: N passed, M failed
#
# Environment: MCP_TETHER_BIN, MCP_TETHER_ARGS (see host.mjs);
#              CONFORMANCE_TIMEOUT_MS (suite's per-scenario client timeout, default 30000);
#              CONFORMANCE_OUT (keep results here instead of a temp dir).
set -u

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
SUITE="$ROOT/tests/lab/node_modules/@modelcontextprotocol/conformance/dist/index.js"
# Node 20 lacks fs.globSync, which the suite imports (see node20-compat/register.mjs).
NODE_COMPAT=(--import "$HERE/node20-compat/register.mjs")
TIMEOUT_MS="${CONFORMANCE_TIMEOUT_MS:-30000}"

if [ "$#" -gt 0 ]; then
  SCENARIOS=("$@")
else
  SCENARIOS=(
    # The relay (issue: stdio <-> Streamable HTTP).
    initialize tools_call elicitation-sep1034-client-defaults sse-retry
    # Authorization: every auth/* client scenario.
    auth/metadata-default auth/metadata-var1 auth/metadata-var2 auth/metadata-var3
    auth/basic-cimd
    auth/scope-from-www-authenticate auth/scope-from-scopes-supported
    auth/scope-omitted-when-undefined auth/scope-step-up auth/scope-retry-limit
    auth/token-endpoint-auth-basic auth/token-endpoint-auth-post auth/token-endpoint-auth-none
    auth/pre-registration
    auth/2025-03-26-oauth-metadata-backcompat auth/2025-03-26-oauth-endpoint-fallback
    auth/resource-mismatch auth/offline-access-scope auth/offline-access-not-supported
    # Headless and machine-to-machine.
    auth/client-credentials-basic auth/client-credentials-jwt
    # Enterprise-managed authorization (SEP-990): token exchange, then jwt-bearer.
    auth/cross-app-access-complete-flow
  )
fi

if [ ! -f "$SUITE" ]; then
  echo "conformance suite not installed: run 'npm ci' in tests/lab" >&2
  echo "conformance: 0 passed, ${#SCENARIOS[@]} failed"
  exit 1
fi

case "$ROOT" in
  *" "*) echo "warning: repo path contains spaces; the suite splits --command on spaces" >&2 ;;
esac

if [ -z "${MCP_TETHER_BIN:-}" ] && [ ! -x "$ROOT/target/debug/mcp-tether" ]; then
  echo "note: $ROOT/target/debug/mcp-tether not found; set MCP_TETHER_BIN" >&2
fi
echo "bridge: ${MCP_TETHER_BIN:-$ROOT/target/debug/mcp-tether} ${MCP_TETHER_ARGS:-}" >&2

if [ -n "${CONFORMANCE_OUT:-}" ]; then
  OUT="$CONFORMANCE_OUT"
  mkdir -p "$OUT"
else
  OUT="$(mktemp -d -t mcp-tether-conformance.XXXXXX)"
  trap 'rm -rf "$OUT"' EXIT
fi

# Prints "<failures> <warnings> <successes>" for the checks.json files under $1,
# or "missing" (read-checks.mjs, shared with the prerelease job).
count_checks() {
  local res
  res="$(node "$HERE/read-checks.mjs" "$1")"
  echo "${res%%$'\t'*}"
}

passed=0
failed=0
failed_names=()
for scenario in "${SCENARIOS[@]}"; do
  dir="$OUT/$(echo "$scenario" | tr '/' '_')"
  mkdir -p "$dir"
  echo
  echo "=== scenario: $scenario ==="
  (cd "$ROOT" && node "${NODE_COMPAT[@]}" "$SUITE" client \
      --command "node $HERE/host.mjs" \
      --scenario "$scenario" \
      --timeout "$TIMEOUT_MS" \
      -o "$dir") 2>&1
  rc=$?
  counts="$(count_checks "$dir")"
  verdict=ok
  if [ "$rc" -ne 0 ]; then
    verdict="suite exit code $rc"
  elif [ "$counts" = missing ]; then
    verdict="no checks.json written"
  else
    read -r nfail nwarn nsucc <<<"$counts"
    if [ "$nfail" -ne 0 ] || [ "$nwarn" -ne 0 ]; then
      verdict="$nfail failure(s), $nwarn warning(s)"
    elif [ "$nsucc" -eq 0 ]; then
      verdict="no SUCCESS checks"
    fi
  fi
  if [ "$verdict" = ok ]; then
    echo "--- $scenario: PASS"
    passed=$((passed + 1))
  else
    echo "--- $scenario: FAIL ($verdict)"
    failed=$((failed + 1))
    failed_names+=("$scenario")
  fi
done

echo
[ "$failed" -gt 0 ] && echo "failed scenarios: ${failed_names[*]}"
[ -n "${CONFORMANCE_OUT:-}" ] && echo "results kept in $OUT"
echo "conformance: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
