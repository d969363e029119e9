#!/usr/bin/env bash
# Makes the release archive of one target from a built binary, and its checksum:
#
#   packaging/archive.sh TARGET BINARY VERSION OUTDIR
#
#   OUTDIR/mcp-tether-vVERSION-TARGET.tar.gz   (.zip for *-windows-*)
#   OUTDIR/mcp-tether-vVERSION-TARGET.tar.gz.sha256   ("<hex>  <file name>")
#
# The archive holds one folder, mcp-tether-vVERSION-TARGET/, with the binary,
# the completions, the man page, the README, the CHANGELOG and the licenses.
# These names are what [package.metadata.binstall] in Cargo.toml and the Homebrew
# formula (packaging/homebrew/) expect. Prints the archive's path.
set -euo pipefail
[ $# -eq 4 ] || { echo "usage: $0 TARGET BINARY VERSION OUTDIR" >&2; exit 2; }
target=$1 binary=$2 version=$3 out=$4
root="$(cd "$(dirname "$0")/.." && pwd)"
[ -f "$binary" ] || { echo "no binary at $binary" >&2; exit 2; }

name="mcp-tether-v${version}-${target}"
exe=mcp-tether
case "$target" in *-windows-*) exe=mcp-tether.exe ;; esac

mkdir -p "$out"
out="$(cd "$out" && pwd)"
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/$name"
cp "$binary" "$stage/$name/$exe"
chmod 755 "$stage/$name/$exe"
cp -R "$root/completions" "$root/man" "$stage/$name/"
cp "$root/README.md" "$root/CHANGELOG.md" "$root/LICENSE-MIT" "$root/LICENSE-APACHE" "$stage/$name/"

case "$target" in
  *-windows-*)
    file="$name.zip"
    rm -f "$out/$file"
    if command -v 7z >/dev/null 2>&1; then
      (cd "$stage" && 7z a -tzip -bso0 -bsp0 "$out/$file" "$name")
    else
      (cd "$stage" && zip -qr "$out/$file" "$name")
    fi
    ;;
  *)
    file="$name.tar.gz"
    # Owner and order fixed, so the same inputs give the same listing.
    if tar --version 2>/dev/null | grep -q GNU; then
      (cd "$stage" && tar --owner=0 --group=0 --numeric-owner --sort=name -czf "$out/$file" "$name")
    else
      (cd "$stage" && tar -czf "$out/$file" "$name")
    fi
    ;;
esac

if command -v sha256sum >/dev/null 2>&1; then
  (cd "$out" && sha256sum "$file" > "$file.sha256")
else
  (cd "$out" && shasum -a 256 "$file" > "$file.sha256")
fi
echo "$out/$file"
