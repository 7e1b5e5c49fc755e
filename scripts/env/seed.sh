#!/bin/sh
# `make seed`: run the one-shot provisioning again, with the compose files the running stack was
# started with. While the sandbox's WeChat emulator runs (`make up-sandbox`), that is the sandbox
# overlay: without it the seed sees no WeChat app in .env and removes the emulator's connector.
#
# Usage: scripts/env/seed.sh [extra `docker compose run` arguments]
set -eu
HERE=$(dirname "$0")
. "$HERE/lib.sh"
cd "$(stack_dir)"

if [ -z "${COMPOSE_FILE:-}" ] && emulator_running "$(compose_project)"; then
	echo "make seed: the WeChat sandbox is running: seeding with compose.sandbox.yaml (the emulator's app)"
	COMPOSE_FILE=compose.yaml:compose.sandbox.yaml
	export COMPOSE_FILE
fi
exec docker compose run --rm "$@" seed
