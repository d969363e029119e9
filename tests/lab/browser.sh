#!/bin/sh
# BROWSER=/path/to/browser.sh for mcp-tether: the authorization URL is the last argument.
exec node "$(dirname "$0")/browser.mjs" "$@"
