#!/bin/sh
# The end-to-end scenarios (tests/e2e) against the real Compose stack with the WeChat emulator:
# `make e2e` (up, test, down) and `make e2e-down`.
#
# Usage: scripts/e2e-compose.sh [all|up|describe|test|bench|down]     (default: all)
#   all       up, describe, test; then down (E2E_KEEP=1 keeps the stack for another `test`)
#   up        build and start the stack (compose.yaml + compose.sandbox.yaml + compose.e2e.yaml), wait until healthy
#   describe  write the stack description the harness reads (HARNESS_STACK): host names, Caddy's root, ...
#   test      run the e2e project against it (npx vitest run --project e2e)
#   bench     `make bench-compose`: build, time a cold and a warm `up`, describe, `npm run bench` against
#             the stack (docker stats per container, image sizes) into bench/results-compose.md; then down
#   down      stop it and delete its volumes
#
# Needs: Docker with Compose v2, ports 80 and 443 free, Node 22.14+ (on Linux x64 Node 20: `npm ci` adds a Node 22) after `npm ci`, Chromium
# (HARNESS_CHROMIUM, default /usr/bin/chromium) and certutil (libnss3-tools).
# It is its own Compose project (E2E_PROJECT, default wechat-logto-stack-e2e) with its own env file
# (E2E_DIR/.env, secrets generated once) and volumes: your stack and your .env are not touched.
# The browser reaches Caddy on 127.0.0.1:443 (host names mapped by Chromium's --host-resolver-rules,
# Caddy's internal root trusted in its profile), as a user does; open.weixin.qq.com is the sandbox's
# Caddy site. compose.e2e.yaml publishes on 127.0.0.1 only the emulator's control API and Postgres.
# Which Logto: LOGTO_IMAGE, as for compose.yaml: the base the stack's Logto image is built from with
# connectors/wechat (default the official svhd/logto:LOGTO_VERSION), e.g.
#   LOGTO_IMAGE=wechat-logto-stack/logto-standin:1.42.0 make e2e     (tests/logto-standin/Dockerfile)
# The stack description says which ran (logtoKind: the stand-in image's label, else "real").
set -eu
ROOT=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
. "$ROOT/scripts/env/lib.sh"

E2E_DIR=${E2E_DIR:-$ROOT/tests/.artifacts/compose-e2e}
PROJECT=${E2E_PROJECT:-wechat-logto-stack-e2e}
ENV_FILE=$E2E_DIR/.env
STACK_FILE=$E2E_DIR/stack.json
LOG_DIR=$E2E_DIR/logs
E2E_EMULATOR_CONTROL_PORT=${E2E_EMULATOR_CONTROL_PORT:-18090}
E2E_POSTGRES_PORT=${E2E_POSTGRES_PORT:-15432}
export E2E_EMULATOR_CONTROL_PORT E2E_POSTGRES_PORT
COMPOSE_FILES="compose.yaml compose.sandbox.yaml compose.e2e.yaml"

compose() {
	# shellcheck disable=SC2086
	docker compose -p "$PROJECT" --project-directory "$ROOT" --env-file "$ENV_FILE" \
		$(for f in $COMPOSE_FILES; do printf -- '-f %s ' "$ROOT/$f"; done) "$@"
}

# value NAME: NAME from the e2e env file, or .env.example's value (the defaults) when unset or empty.
value() {
	_v=$(env_value "$ENV_FILE" "$1" 2>/dev/null || true)
	[ -n "$_v" ] || _v=$(env_value "$ROOT/.env.example" "$1" 2>/dev/null || true)
	printf '%s' "$_v"
}

# The e2e env file: .env.example with generated secrets (the domains stay *.localhost), made anew
# when .env.example has gained a variable since (Compose refuses a secret variable that is missing).
env_file() {
	mkdir -p "$E2E_DIR"
	if [ -f "$ENV_FILE" ]; then
		missing=$(env_names "$ROOT/.env.example" | while read -r name; do env_names "$ENV_FILE" | grep -qx "$name" || printf '%s ' "$name"; done)
		[ -z "$missing" ] && return 0
		echo "e2e: $ENV_FILE lacks ${missing% }: made anew from .env.example"
		rm -f "$ENV_FILE"
	fi
	sh "$ROOT/scripts/env/generate-secrets.sh" "$ENV_FILE"
}

up() {
	env_file
	echo "e2e: starting $PROJECT (build, then wait until healthy; the first build takes minutes)"
	compose up -d --build --wait
}

describe() {
	[ -f "$ENV_FILE" ] || { echo "error: $ENV_FILE missing: run '$0 up' first" >&2; exit 1; }
	mkdir -p "$LOG_DIR"
	if [ -z "${E2E_CADDY_ROOT:-}" ]; then
		compose cp caddy:/data/caddy/pki/authorities/local/root.crt "$E2E_DIR/caddy-root.crt" >/dev/null
	else
		cp "$E2E_CADDY_ROOT" "$E2E_DIR/caddy-root.crt"
	fi
	sep=
	logto=$(value LOGTO_DOMAIN)
	app=$(value APP_DOMAIN)
	admin=$(value ADMIN_DOMAIN)
	# Which Logto runs: the stand-in image says so in a label (tests/logto-standin/Dockerfile).
	kind=real
	logto_ctr=$(compose ps -q logto 2>/dev/null || true)
	if [ -n "$logto_ctr" ]; then
		[ "$(docker inspect --format '{{ index .Config.Labels "org.wechat-logto-stack.logto" }}' "$logto_ctr")" = standin ] && kind=standin
		echo "e2e: Logto image $(docker inspect --format '{{ .Config.Image }}' "$logto_ctr") ($kind)"
	fi
	# The shape of StackInfo (tests/harness/stack.ts), origin "external", plus how to run the seed again.
	# It holds the database and console passwords: owner-only from its creation, never readable by others.
	rm -f "$STACK_FILE"
	(umask 077 && cat >"$STACK_FILE") <<EOF
{
  "origin": "external",
  "logtoKind": "$kind",
  "httpsPort": 443,
  "domains": { "logto": "$logto", "app": "$app", "admin": "$admin" },
  "urls": { "app": "https://$app", "logto": "https://$logto", "admin": "https://$admin", "issuer": "https://$logto/oidc" },
  "hosts": { "$logto": "127.0.0.1", "$app": "127.0.0.1", "$admin": "127.0.0.1", "open.weixin.qq.com": "127.0.0.1" },
  "caFiles": ["$E2E_DIR/caddy-root.crt"],
  "caBundle": "$E2E_DIR/caddy-root.crt",
  "logto": { "internalUrl": "", "adminInternalUrl": "", "dbUrl": "postgres://postgres:$(value POSTGRES_PASSWORD)@127.0.0.1:$E2E_POSTGRES_PORT/logto" },
  "postgres": null,
  "emulator": { "controlUrl": "http://127.0.0.1:$E2E_EMULATOR_CONTROL_PORT", "ip": "127.0.0.1" },
  "app": { "internalUrl": "" },
  "wechat": { "appId": "wx0000000000000001", "appSecret": "emulator-secret-0000000000000001" },
  "admin": { "username": "$(value LOGTO_ADMIN_USERNAME)", "password": "$(value LOGTO_ADMIN_PASSWORD)" },
  "credentialsFile": "",
  "seedEnv": {},
  "appEnv": {},
  "nodeEnv": {},
  "runDir": "$E2E_DIR",
  "logDir": "$LOG_DIR",
  "timings": {},
  "compose": {
    "files": ["$(for f in $COMPOSE_FILES; do printf '%s' "$sep$ROOT/$f"; sep='", "'; done)"],
    "projectDirectory": "$ROOT", "project": "$PROJECT", "envFile": "$ENV_FILE",
    "env": { "E2E_EMULATOR_CONTROL_PORT": "$E2E_EMULATOR_CONTROL_PORT", "E2E_POSTGRES_PORT": "$E2E_POSTGRES_PORT" }
  }
}
EOF
	echo "e2e: stack description in $STACK_FILE"
}

run_tests() {
	[ -f "$STACK_FILE" ] || describe
	mkdir -p "$LOG_DIR"
	# Service logs as files, for the failure report of tests/harness/e2e-setup.ts.
	pids=
	for s in app logto wechat-emulator caddy; do
		compose logs -f --no-color --no-log-prefix "$s" >"$LOG_DIR/$s.log" 2>&1 &
		pids="$pids $!"
	done
	# The host's interface changes while the browser runs (Chromium fails in-flight navigations with
	# ERR_NETWORK_CHANGED on each): a timestamped record, to tell which engine step made one.
	if command -v ip >/dev/null 2>&1; then
		ip -ts monitor link address >"$LOG_DIR/ip-monitor.log" 2>&1 &
		pids="$pids $!"
	fi
	rc=0
	(cd "$ROOT" && HARNESS_STACK="$STACK_FILE" npx vitest run --project e2e) || rc=$?
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null || true
	if [ "$rc" -ne 0 ]; then
		compose ps -a >"$LOG_DIR/ps.txt" 2>&1 || true
		echo "e2e: FAILED (exit $rc). Screenshots in tests/.artifacts/, service logs in $LOG_DIR" >&2
	fi
	return "$rc"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }
# meminfo FIELD: a /proc/meminfo figure in MiB (MemTotal, MemAvailable).
meminfo() { awk -v f="$1:" '$1 == f { print int($2 / 1024) }' /proc/meminfo; }

# The bench on the engine: the same stack as the e2e suite, measured from the host.
bench() {
	env_file
	echo "e2e: bench: building the images (not timed)"
	compose build
	compose down -v --remove-orphans >/dev/null 2>&1 || true
	echo "e2e: bench: cold up (new volumes) ..."
	# The whole host's memory during it: the lowest MemAvailable, sampled every half second.
	total=$(meminfo MemTotal)
	before=$((total - $(meminfo MemAvailable)))
	low_file=$E2E_DIR/bench-mem-available
	meminfo MemAvailable >"$low_file"
	(
		low=$(cat "$low_file")
		while sleep 0.5; do
			now=$(meminfo MemAvailable)
			[ "$now" -ge "$low" ] || { low=$now && echo "$low" >"$low_file"; }
		done
	) &
	sampler=$!
	t0=$(now_ms)
	compose up -d --wait || { kill "$sampler"; exit 1; }
	cold=$(($(now_ms) - t0))
	kill "$sampler"
	peak=$((total - $(cat "$low_file")))
	echo "e2e: bench: host memory in use: ${before} MiB before the cold up, ${peak} MiB at its peak (of ${total} MiB)"
	compose down
	echo "e2e: bench: warm up (volumes kept) ..."
	t0=$(now_ms)
	compose up -d --wait
	warm=$(($(now_ms) - t0))
	echo "e2e: bench: up to healthy: cold ${cold} ms, warm ${warm} ms"
	describe
	(cd "$ROOT" && HARNESS_STACK="$STACK_FILE" BENCH_COMPOSE_PROJECT="$PROJECT" \
		BENCH_COMPOSE_UP_COLD_MS="$cold" BENCH_COMPOSE_UP_WARM_MS="$warm" \
		BENCH_COMPOSE_UP_HOST_BEFORE_MB="$before" BENCH_COMPOSE_UP_HOST_PEAK_MB="$peak" BENCH_COMPOSE_HOST_TOTAL_MB="$total" \
		BENCH_SEED_COMMAND="docker compose -p $PROJECT --project-directory $ROOT --env-file $ENV_FILE $(for f in $COMPOSE_FILES; do printf -- '-f %s ' "$ROOT/$f"; done)run --rm seed" \
		npm run bench -- --out="$ROOT/bench/results-compose.md" ${BENCH_ARGS:-})
}

down() {
	[ -f "$ENV_FILE" ] || { echo "e2e: nothing to stop ($ENV_FILE missing)"; return 0; }
	compose down -v --remove-orphans
	rm -f "$STACK_FILE"
}

case ${1:-all} in
	all)
		[ "${E2E_KEEP:-}" = 1 ] || trap 'down' EXIT
		up
		describe
		run_tests
		;;
	up) up ;;
	describe) describe ;;
	test) run_tests ;;
	bench)
		trap 'down' EXIT
		bench
		;;
	down) down ;;
	*)
		echo "usage: $0 [all|up|describe|test|bench|down]" >&2
		exit 2
		;;
esac
