#!/bin/sh
# `make help`: list the Makefile's targets with the comment line above each `.PHONY: <target>`.
# Usage: scripts/env/make-help.sh [MAKEFILE...]
set -eu
[ "$#" -gt 0 ] || set -- Makefile
echo "Usage: make <target>   (no target = this help)"
echo
awk '
	/^# / { comment = substr($0, 3); next }
	/^\.PHONY: / { printf "  %-14s %s\n", $2, comment; comment = ""; next }
	{ comment = "" }
' "$@"
