#!/bin/sh
# BROWSER=/path/to/follow-browser.sh: follow redirects from the last argument (see follow-browser.mjs).
exec node "$(dirname "$0")/follow-browser.mjs" "$@"
