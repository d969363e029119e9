#!/usr/bin/env bash
# Fuzz mcp-tether's parsers with cargo-fuzz (libFuzzer), each target for a
# bounded time. Exits non-zero if any target crashed (a panic, or a failed
# invariant assert!) and says where the crashing input was saved.
#
#   bash scripts/fuzz.sh                  # every target, 60 s each
#   FUZZ_SECONDS=20 bash scripts/fuzz.sh  # shorter
#   bash scripts/fuzz.sh jsonrpc sse      # some targets
#
# Runs on the stable toolchain: `--sanitizer none` is what makes that work.
# cargo-fuzz's default is AddressSanitizer, which it enables with the
# nightly-only `-Zsanitizer=address`; without a sanitizer every flag it passes
# (`-Cpasses=sancov-module`, `-Cllvm-args=-sanitizer-coverage-*`, `--cfg
# fuzzing`) is a stable codegen option, and libFuzzer itself is C++ built by
# libfuzzer-sys. Nothing here is unsafe code, so ASan would find little that a
# panic doesn't already show. FUZZ_FLAGS adds cargo-fuzz build flags, e.g.
# FUZZ_FLAGS=--debug-assertions for overflow checks and debug_assert!s (a
# separate, full rebuild: about 12 minutes on 2 cores).
#
# Targets live in fuzz/fuzz_targets/; seeds in fuzz/seeds/<target>/ (read
# only); the growing corpus in fuzz/corpus/<target>/, crashing inputs in
# fuzz/artifacts/<target>/ and libFuzzer's output in fuzz/logs/<target>.log
# (all ignored by git). Reproduce a crash with
#   cargo fuzz run --sanitizer none <target> fuzz/artifacts/<target>/crash-…
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
# shellcheck disable=SC2206 # FUZZ_FLAGS is a list of flags
FLAGS=(--sanitizer none ${FUZZ_FLAGS:-})

if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(challenge jsonrpc sse metadata well_known http_response)
fi

if ! cargo fuzz --version 2>/dev/null | grep -qF "cargo-fuzz $CARGO_FUZZ_VERSION"; then
  echo "== installing cargo-fuzz $CARGO_FUZZ_VERSION"
  cargo install cargo-fuzz --version "=$CARGO_FUZZ_VERSION" --locked
fi

echo "== building the fuzz targets (release, sancov, no sanitizer: stable toolchain)"
for t in "${targets[@]}"; do
  cargo fuzz build "${FLAGS[@]}" "$t"
done

# Run the binaries that build made (not `cargo fuzz run`, which rebuilds first):
# every target fuzzes the same snapshot of the code, even if src/ changes meanwhile.
bin_dir="fuzz/target/$(rustc -vV | sed -n 's/^host: //p')/release"

failed=()
for t in "${targets[@]}"; do
  echo "== fuzzing $t for ${FUZZ_SECONDS} s"
  mkdir -p "fuzz/corpus/$t" "fuzz/artifacts/$t" fuzz/logs
  log="fuzz/logs/$t.log"
  seeds=()
  [ -d "fuzz/seeds/$t" ] && seeds=("fuzz/seeds/$t")
  before=$(find "fuzz/artifacts/$t" -type f | wc -l)
  start=$SECONDS
  if "$bin_dir/$t" -artifact_prefix="fuzz/artifacts/$t/" \
    -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    "fuzz/corpus/$t" "${seeds[@]}" 2>"$log"; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "   ok: $runs runs in $((SECONDS - start)) s, corpus $(find "fuzz/corpus/$t" -type f | wc -l) inputs"
  else
    failed+=("$t")
    # The panic (or libFuzzer's reason), and where the input went.
    grep -a -A2 -E "panicked at|ERROR: libFuzzer" "$log" | head -n 8 >&2 || true
    grep -a -E "Test unit written to|^Base64:" "$log" >&2 || true
    if [ "$(find "fuzz/artifacts/$t" -type f | wc -l)" -gt "$before" ]; then
      artifact=$(ls -t "fuzz/artifacts/$t"/* | head -n 1)
      echo "   CRASH in $t: input saved as $artifact (full log: $log)" >&2
      echo "   reproduce: cargo fuzz run --sanitizer none $t $artifact" >&2
    else
      echo "   $t FAILED without a crash input: see $log" >&2
    fi
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "== failures in: ${failed[*]}; crash inputs in fuzz/artifacts/<target>/" >&2
  exit 1
fi
echo "== no crashes (${targets[*]})"
