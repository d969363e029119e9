#!/usr/bin/env bash
# Creates tests/lab-py/.venv and installs the pinned Python MCP SDK (mcp 2.3.0) into it.
# Idempotent: an existing venv whose installed packages already match requirements.txt is left alone.
set -euo pipefail
# An optional argument names another Python lab folder with its own requirements.txt
# (tests/lab-fastmcp uses this script so).
here="${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)}"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
echo "$want" > "$stamp"
