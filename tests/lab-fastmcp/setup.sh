#!/usr/bin/env bash
# Creates tests/lab-fastmcp/.venv with FastMCP 4.1.6 and its pinned dependencies
# (requirements.txt), separate from tests/lab-py's venv. Idempotent (same stamp
# rule as tests/lab-py/setup.sh, which does the work).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec bash "$here/../lab-py/setup.sh" "$here"
