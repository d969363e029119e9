#!/usr/bin/env bash
# Run the PRERELEASE MCP conformance suite's client scenarios against mcp-tether.
#
#   bash tests/conformance-next/run.sh [scenario...]            # report
#   bash tests/conformance-next/run.sh --gate [scenario...]     # gate
#   CONFORMANCE_GATE=1 bash tests/conformance-next/run.sh       # gate, same thing
#
# Report mode (the default) exits 0 even when scenarios fail. It exits
# non-zero only when the suite itself cannot run (install failed, `list`
# failed, or no scenario produced a checks.json at all).
#
# Gate mode exits 1 when any scenario it runs fails, or when none passed, and
# 2/3 as above when the suite cannot run. With no scenario arguments it runs
# every client scenario `conformance list --client` prints EXCEPT those in
# GATE_SKIP below: scenarios whose feature mcp-tether does not implement yet.
# Nothing else may be left out of the gate; the list is printed on every gate
# run, and an entry the suite no longer lists fails the gate (so the list
# can't go stale). Named scenarios always run, skip list or not.
#
# The suite version is pinned in package.json / package-lock.json here
# (@modelcontextprotocol/conformance 0.2.0-alpha.12). The stable, gating job is
# tests/conformance/run.sh (0.1.16, from tests/lab).
#
# Reused by path, not copied: tests/conformance/node20-compat/register.mjs (the
# Node 20 preload for the suite's `import {globSync} from "fs"`) and
# tests/conformance/host.mjs, to which host-next.mjs hands every scenario the
# suite runs at protocol 2025-11-25. host-next.mjs itself plays a 2026-07-28
# host (server/discover, per-request _meta, MRTR) for the scenarios the alpha
# runs at 2026-07-28 (MCP_CONFORMANCE_PROTOCOL_VERSION).
#
# Default: every client scenario that `conformance list --client` prints.
# A scenario passes only if the suite exits 0 AND its checks.json has no
# FAILURE/WARNING entries and at least one SUCCESS (same rule as the stable job).
#
# Environment:
#   MCP_TETHER_BIN, MCP_TETHER_ARGS   see tests/conformance/host.mjs
#   CONFORMANCE_HOST                  host driver (default tests/conformance-next/host-next.mjs,
#                                     which hands 2025-era scenarios to tests/conformance/host.mjs)
#   CONFORMANCE_TIMEOUT_MS            suite's per-scenario client timeout (default 30000)
#   CONFORMANCE_SCENARIO_DEADLINE_S   hard wall-clock limit per scenario, suite included (default 90)
#   CONFORMANCE_OUT                   keep checks.json/stdout/stderr + summary.tsv here
#   CONFORMANCE_SKIP                  space-separated scenarios to leave out (both modes)
#   CONFORMANCE_GATE=1                gate mode (as --gate)
set -u

# --- gate skip list: features not implemented in mcp-tether YET ----------------
# Each entry is a scenario the gate does not run because mcp-tether lacks the
# feature it tests, not because the test or the driver is wrong. Remove an entry
# in the same change that implements its feature; empty the list and the gate
# runs every client scenario of the suite.
# Empty since 2026-12-06: every client scenario of the suite gates.
GATE_SKIP=()

GATE="${CONFORMANCE_GATE:-0}"
if [ "${1:-}" = "--gate" ]; then GATE=1; shift; fi
case "$GATE" in 0|"") GATE=0 ;; *) GATE=1 ;; esac

HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PKG="$HERE/node_modules/@modelcontextprotocol/conformance"
SUITE="$PKG/dist/index.js"
PINNED="0.2.0-alpha.12"
NODE_COMPAT=(--import "$ROOT/tests/conformance/node20-compat/register.mjs")
HOST="${CONFORMANCE_HOST:-$HERE/host-next.mjs}"
TIMEOUT_MS="${CONFORMANCE_TIMEOUT_MS:-30000}"
DEADLINE_S="${CONFORMANCE_SCENARIO_DEADLINE_S:-90}"

die() {
  echo "conformance-next: cannot run the suite: $*" >&2
  echo "conformance-next: 0 passed, 0 failed (suite did not run)"
  exit 2
}

# --- install (npm ci) when missing or not the pinned version -----------------
installed_version() {
  node -e 'try{console.log(require(process.argv[1]).version)}catch{console.log("none")}' "$PKG/package.json"
}
if [ ! -f "$SUITE" ] || [ "$(installed_version)" != "$PINNED" ]; then
  echo "installing the pinned suite ($PINNED) with npm ci in $HERE" >&2
  (cd "$HERE" && npm ci --no-audit --no-fund >&2) || die "npm ci failed in $HERE"
fi
[ -f "$SUITE" ] || die "$SUITE missing after npm ci"
[ "$(installed_version)" = "$PINNED" ] || die "installed suite is $(installed_version), expected $PINNED"

suite() { node "${NODE_COMPAT[@]}" "$SUITE" "$@"; }

# --- scenario list ------------------------------------------------------------
gate_skipped=()
stale_skips=()
if [ "$#" -gt 0 ]; then
  SCENARIOS=("$@")
else
  listing="$(suite list --client 2>&1)" || die "'conformance list --client' failed: $listing"
  mapfile -t SCENARIOS < <(printf '%s\n' "$listing" | sed -n 's/^  - \([^ ]*\).*/\1/p')
  [ "${#SCENARIOS[@]}" -gt 0 ] || die "'conformance list --client' printed no scenarios"
  if [ "$GATE" = 1 ] && [ "${#GATE_SKIP[@]}" -gt 0 ]; then
    gate_skipped=()
    for g in "${GATE_SKIP[@]}"; do
      found=0
      for s in "${SCENARIOS[@]}"; do [ "$s" = "$g" ] && found=1; done
      if [ "$found" = 0 ]; then
        stale_skips+=("$g")
        echo "gate: GATE_SKIP lists $g, which the suite does not list; remove it from run.sh" >&2
      fi
    done
    kept=()
    for s in "${SCENARIOS[@]}"; do
      case " ${GATE_SKIP[*]} " in
        *" $s "*) echo "gate: skipping $s (GATE_SKIP: not yet implemented in mcp-tether)" >&2; gate_skipped+=("$s") ;;
        *) kept+=("$s") ;;
      esac
    done
    SCENARIOS=("${kept[@]}")
  fi
  if [ -n "${CONFORMANCE_SKIP:-}" ]; then
    kept=()
    for s in "${SCENARIOS[@]}"; do
      case " $CONFORMANCE_SKIP " in *" $s "*) echo "skipping $s (CONFORMANCE_SKIP)" >&2 ;; *) kept+=("$s") ;; esac
    done
    SCENARIOS=("${kept[@]}")
  fi
fi

case "$ROOT" in
  *" "*) echo "warning: repo path contains spaces; the suite splits --command on spaces" >&2 ;;
esac
if [ -z "${MCP_TETHER_BIN:-}" ] && [ ! -x "$ROOT/target/debug/mcp-tether" ]; then
  echo "note: $ROOT/target/debug/mcp-tether not found; set MCP_TETHER_BIN or run cargo build" >&2
fi
echo "suite: @modelcontextprotocol/conformance $(installed_version); node $(node --version)" >&2
echo "bridge: ${MCP_TETHER_BIN:-$ROOT/target/debug/mcp-tether} ${MCP_TETHER_ARGS:-}" >&2
echo "host: $HOST; ${#SCENARIOS[@]} scenario(s)" >&2
if [ "$GATE" = 1 ]; then echo "mode: gate (exits 1 if any scenario fails)" >&2; else echo "mode: report (exits 0 when scenarios fail)" >&2; fi

if [ -n "${CONFORMANCE_OUT:-}" ]; then
  OUT="$CONFORMANCE_OUT"
  mkdir -p "$OUT"
else
  OUT="$(mktemp -d -t mcp-tether-conformance-next.XXXXXX)"
  trap 'rm -rf "$OUT"' EXIT
fi
SUMMARY="$OUT/summary.tsv"
printf 'scenario\tresult\tverdict\treasons\n' >"$SUMMARY"

# Prints "<failures> <warnings> <successes>\t<reasons>" for the checks.json
# files under $1, or "missing" (the stable job's read-checks.mjs).
read_checks() {
  node "$ROOT/tests/conformance/read-checks.mjs" "$1"
}

passed=0
failed=0
no_checks=0
failed_names=()
for scenario in "${SCENARIOS[@]}"; do
  dir="$OUT/$(echo "$scenario" | tr '/' '_')"
  mkdir -p "$dir"
  echo
  echo "=== scenario: $scenario ==="
  (cd "$ROOT" && timeout -k 5 "$DEADLINE_S" node "${NODE_COMPAT[@]}" "$SUITE" client \
      --command "node $HOST" \
      --scenario "$scenario" \
      --timeout "$TIMEOUT_MS" \
      -o "$dir") >"$dir/suite-output.txt" 2>&1
  rc=$?
  # Keep the log readable: the suite's own summary, not the full client stderr.
  sed -n '/^Checks:/,$p' "$dir/suite-output.txt" | grep -v '^\s*$' | head -60
  res="$(read_checks "$dir")"
  reasons=""
  verdict=ok
  if [ "$res" = missing ]; then
    no_checks=$((no_checks + 1))
    verdict="no checks.json written (suite exit $rc)"
    tail -20 "$dir/suite-output.txt"
  else
    counts="${res%%$'\t'*}"
    reasons="${res#*$'\t'}"
    read -r nfail nwarn nsucc <<<"$counts"
    if [ "$nfail" -ne 0 ] || [ "$nwarn" -ne 0 ]; then
      verdict="$nfail failure(s), $nwarn warning(s)"
    elif [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
      verdict="killed after ${DEADLINE_S}s"
    elif [ "$rc" -ne 0 ]; then
      verdict="suite exit code $rc"
      grep -E 'CLIENT (TIMED OUT|EXITED)' "$dir/suite-output.txt" | head -2
    elif [ "$nsucc" -eq 0 ]; then
      verdict="no SUCCESS checks"
    fi
  fi
  if [ "$verdict" = ok ]; then
    echo "--- $scenario: PASS"
    passed=$((passed + 1))
    printf '%s\tPASS\t%s\t\n' "$scenario" "$verdict" >>"$SUMMARY"
  else
    echo "--- $scenario: FAIL ($verdict)"
    failed=$((failed + 1))
    failed_names+=("$scenario")
    printf '%s\tFAIL\t%s\t%s\n' "$scenario" "$verdict" "$reasons" >>"$SUMMARY"
  fi
done

echo
if [ "$failed" -gt 0 ]; then echo "failed scenarios: ${failed_names[*]}"; fi
if [ -n "${CONFORMANCE_OUT:-}" ]; then echo "results kept in $OUT (summary.tsv)"; fi
if [ "${#gate_skipped[@]}" -gt 0 ]; then
  echo "not run (GATE_SKIP, not yet implemented in mcp-tether): ${gate_skipped[*]}"
fi
echo "conformance-next: $passed passed, $failed failed${gate_skipped[0]:+, ${#gate_skipped[@]} skipped (GATE_SKIP)}"
# If not one scenario got as far as writing checks.json, the suite itself is
# broken: say so with a non-zero status, in either mode.
if [ "${#SCENARIOS[@]}" -gt 0 ] && [ "$no_checks" -eq "${#SCENARIOS[@]}" ]; then
  echo "conformance-next: no scenario wrote checks.json; the suite did not run" >&2
  exit 3
fi
if [ "$GATE" = 1 ]; then
  if [ "$failed" -gt 0 ]; then
    echo "conformance-next gate: FAILED ($failed scenario(s) failed)" >&2
    exit 1
  fi
  if [ "${#stale_skips[@]}" -gt 0 ]; then
    echo "conformance-next gate: FAILED (GATE_SKIP names scenarios the suite does not list: ${stale_skips[*]})" >&2
    exit 1
  fi
  if [ "$passed" -eq 0 ]; then
    echo "conformance-next gate: FAILED (no scenario passed)" >&2
    exit 1
  fi
  echo "conformance-next gate: passed"
fi
exit 0
