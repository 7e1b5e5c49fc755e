#!/bin/sh
# install-connector SOURCE TARGET: make TARGET (the volume Logto mounts at
# packages/core/connectors/@wechat-logto-stack-connector-wechat) hold exactly the package in SOURCE.
# compose.yaml's `logto-connectors` runs it on every `up`, before Logto starts (depends_on), so a
# Logto never starts on a partial copy: a failed copy fails this step, and `up` stops there.
# An unchanged package is left alone: a running Logto keeps the files it loaded.
set -eu
src=$1 target=$2
version=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$src/package.json" | head -n 1)
[ -d "$target" ] || { echo "install-connector: $target is not a directory (the volume of compose.yaml's logto-connectors)" >&2; exit 2; }
if diff -r "$src" "$target" >/dev/null 2>&1; then
  echo "install-connector: connector-wechat $version is installed already"
  exit 0
fi
find "$target" -mindepth 1 -delete
cp -R "$src/." "$target/"
# Logto reads these files as whatever user its image runs as.
chmod -R a+rX "$target"
diff -r "$src" "$target" >/dev/null || { echo "install-connector: the copy in $target differs from $src after copying" >&2; exit 1; }
echo "install-connector: connector-wechat $version installed"
