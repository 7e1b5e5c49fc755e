# Shared helpers of scripts/env/*.sh (POSIX sh; sourced, not run). The host needs only sh,
# coreutils, awk and sed: no Node, no openssl.

# The repository root (or STACK_DIR, which the tests point at a scratch copy).
stack_dir() {
	if [ -n "${STACK_DIR:-}" ]; then
		printf '%s\n' "$STACK_DIR"
	else
		(cd "$(dirname "$0")/../.." && pwd)
	fi
}

# env_value FILE NAME: print NAME's value as Compose reads a .env line (KEY=value, optional
# surrounding quotes, `export ` prefix, ` # comment` after unquoted values). Last assignment wins.
# Exit status 1 when NAME is not assigned at all.
env_value() {
	awk -v name="$2" '
		{ line = $0; sub(/^[ \t]+/, "", line); sub(/^export[ \t]+/, "", line) }
		line ~ /^#/ || index(line, "=") == 0 { next }
		{
			k = substr(line, 1, index(line, "=") - 1); sub(/[ \t]+$/, "", k)
			if (k != name) next
			v = substr(line, index(line, "=") + 1); sub(/^[ \t]+/, "", v); sub(/[ \t\r]+$/, "", v)
			if (v ~ /^".*"$/ || v ~ /^\047.*\047$/) v = substr(v, 2, length(v) - 2)
			else sub(/[ \t]+#.*$/, "", v)
			val = v; found = 1
		}
		END { if (found) { print val; exit 0 } exit 1 }
	' "$1"
}

# env_names FILE: the variable names assigned in FILE, one per line.
env_names() {
	awk '
		{ line = $0; sub(/^[ \t]+/, "", line); sub(/^export[ \t]+/, "", line) }
		line ~ /^#/ || index(line, "=") == 0 { next }
		{ k = substr(line, 1, index(line, "=") - 1); sub(/[ \t]+$/, "", k); print k }
	' "$1" | sort -u
}

# random_alnum N: N random characters [A-Za-z0-9] from /dev/urandom (about 5.95 bits each).
random_alnum() {
	_r=$(LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c "$1")
	if [ "${#_r}" -ne "$1" ]; then
		echo "could not read $1 random characters from /dev/urandom" >&2
		return 1
	fi
	printf '%s\n' "$_r"
}

# compose_project: the Compose project name of the stack in the current directory (top-level
# `name:` of `docker compose config`, which honours COMPOSE_PROJECT_NAME and COMPOSE_FILE).
compose_project() {
	docker compose config | awk '/^name:/ { print $2; exit }'
}

# emulator_running PROJECT: true while the WeChat emulator of `make up-sandbox` runs in PROJECT.
emulator_running() {
	[ -n "$(docker ps -q --filter "label=com.docker.compose.project=$1" --filter label=com.docker.compose.service=wechat-emulator)" ]
}
