#!/bin/sh
# Fill the empty secrets of .env with random values (`make secrets`; the first `make up` runs it).
#
# Usage: scripts/env/generate-secrets.sh [ENV_FILE]     (default: .env at the repository root)
#
# - ENV_FILE missing: it is created from .env.example, then filled.
# - A secret that has a value is never changed. A secret that is absent is appended.
# - When ENV_FILE is rewritten, the previous version is kept as ENV_FILE.<UTC time>.bak.
# - Secret values are never printed nor passed as a command's argument (`ps` shows those to every
#   user). Files are created owner-only (umask 077).
# Randomness: /dev/urandom through tr, letters and digits only (safe in URLs, YAML and .env).
set -eu
umask 077
. "$(dirname "$0")/lib.sh"

ROOT=$(stack_dir)
ENV_FILE=${1:-$ROOT/.env}
EXAMPLE=$ROOT/.env.example

# name:length. Lengths give POSTGRES_PASSWORD ~190 bits, AUTH_SECRET ~285 bits, LOGTO_ADMIN_PASSWORD ~143 bits.
SECRETS="POSTGRES_PASSWORD:32 AUTH_SECRET:48 LOGTO_ADMIN_PASSWORD:24"

created=no
if [ ! -e "$ENV_FILE" ]; then
	if [ ! -f "$EXAMPLE" ]; then
		echo "error: $ENV_FILE does not exist and there is no $EXAMPLE to create it from" >&2
		exit 1
	fi
	cp "$EXAMPLE" "$ENV_FILE"
	chmod 600 "$ENV_FILE"
	created=yes
	echo "created $ENV_FILE from .env.example"
fi

work=$(mktemp "$ENV_FILE.tmp.XXXXXX")
trap 'rm -f "$work" "$work.next"' EXIT
cp "$ENV_FILE" "$work"

changed=no
for spec in $SECRETS; do
	name=${spec%%:*}
	length=${spec#*:}
	if value=$(env_value "$work" "$name"); then
		if [ -n "$value" ]; then
			echo "kept $name (already set)"
			continue
		fi
		secret=$(random_alnum "$length")
		# Replace every empty assignment of NAME (the last one is what Compose reads). The secret goes
		# through awk's environment, never its arguments: any user can read those in `ps` while it runs.
		NAME=$name SECRET=$secret awk '
			BEGIN { name = ENVIRON["NAME"]; secret = ENVIRON["SECRET"] }
			{
				line = $0; sub(/^[ \t]+/, "", line); sub(/^export[ \t]+/, "", line)
				if (line ~ ("^" name "[ \t]*=[ \t]*(\"\"|\047\047)?[ \t]*$")) { print name "=" secret; next }
				print
			}
		' "$work" >"$work.next"
		mv "$work.next" "$work"
	else
		secret=$(random_alnum "$length")
		# Keep the file's last line intact when it has no trailing newline.
		if [ -s "$work" ] && [ "$(tail -c 1 "$work" | od -An -c | tr -d ' ')" != '\n' ]; then
			echo >>"$work"
		fi
		printf '%s=%s\n' "$name" "$secret" >>"$work"
	fi
	echo "generated $name"
	changed=yes
done

if [ "$changed" = no ]; then
	echo "no empty secrets in $ENV_FILE: nothing changed"
	exit 0
fi

if [ "$created" = no ]; then
	backup="$ENV_FILE.$(date -u +%Y%m%dT%H%M%SZ).bak"
	cp -p "$ENV_FILE" "$backup"
	chmod 600 "$backup"
	echo "previous $ENV_FILE kept as $backup"
fi
chmod 600 "$work"
mv "$work" "$ENV_FILE"
echo "wrote $ENV_FILE (mode 600). The console admin password is LOGTO_ADMIN_PASSWORD in it."
