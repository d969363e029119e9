#!/bin/sh
# Wrapper so the stand-in bridge can be used as MCP_TETHER_BIN.
exec node "$(dirname "$0")/reference-bridge.mjs" "$@"
