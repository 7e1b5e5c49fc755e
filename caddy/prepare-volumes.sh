#!/bin/sh
# One-shot step of compose.yaml (service `prepare`, runs as root in the Caddy image, on every `up`):
# 0. CONSOLE_READY_FILE (volume stack-state) is removed first, whatever fails later: Caddy answers
#    503 on the console until the seed has checked again that its registration is closed (a
#    database reset next to this volume would otherwise be served). Its directory belongs to uid
#    1000, the seed, which writes the marker.
# 1. /run/app-credentials (volume app-credentials) belongs to uid 1000: the seed writes
#    logto-client.json there and the app reads it, both as the Node image's `node` user.
# 2. /run/caddy-ca/root.crt (volume caddy-ca): what the app's NODE_EXTRA_CA_CERTS must add for its
#    server's calls to https://LOGTO_DOMAIN, world-readable. TLS_MODE=internal: Caddy's internal root,
#    which Caddy writes readable by root only. TLS_MODE=acme: the root(s) of a private ACME CA
#    (ACME_CA_ROOT, mounted at /run/acme-ca/root.pem), else the system CA bundle (public CAs, which
#    Node trusts anyway), so the file is always a valid PEM bundle.
set -eu

# Paths inside the container; the variables exist for tests/static only.
ROOT_CRT=${ROOT_CRT:-/data/caddy/pki/authorities/local/root.crt}
OUT_DIR=${OUT_DIR:-/run/caddy-ca}
CRED_DIR=${CRED_DIR:-/run/app-credentials}
SYSTEM_CAS=${SYSTEM_CAS:-/etc/ssl/certs/ca-certificates.crt}
# /dev/null (empty) when ACME_CA_ROOT is unset (compose.yaml).
ACME_CA_ROOT_FILE=${ACME_CA_ROOT_FILE:-/run/acme-ca/root.pem}
WAIT_SECONDS=${WAIT_SECONDS:-60}
CONSOLE_READY_FILE=${CONSOLE_READY_FILE:-/run/stack-state/console-ready}

rm -f "$CONSOLE_READY_FILE"
state_dir=$(dirname "$CONSOLE_READY_FILE")
chown 1000:1000 "$state_dir"
chmod 0755 "$state_dir"
echo "prepare: console closed until the seed has run ($CONSOLE_READY_FILE removed; $state_dir belongs to uid 1000)"

chown 1000:1000 "$CRED_DIR"
chmod 0700 "$CRED_DIR"
echo "prepare: $CRED_DIR belongs to uid 1000"

# Caddy creates its local CA while loading a config with `tls internal`; give it a moment.
if [ "${TLS_MODE:-internal}" = internal ]; then
	waited=0
	while [ ! -s "$ROOT_CRT" ] && [ "$waited" -lt "$WAIT_SECONDS" ]; do
		sleep 1
		waited=$((waited + 1))
	done
	if [ ! -s "$ROOT_CRT" ]; then
		echo "prepare: $ROOT_CRT not found after $WAIT_SECONDS s although TLS_MODE=internal; see: docker compose logs caddy" >&2
		exit 1
	fi
fi

if [ "${TLS_MODE:-internal}" = internal ]; then
	src=$ROOT_CRT
elif [ -s "$ACME_CA_ROOT_FILE" ]; then
	src=$ACME_CA_ROOT_FILE
else
	src=$SYSTEM_CAS
fi
cp "$src" "$OUT_DIR/.root.crt.tmp"
chmod 0644 "$OUT_DIR/.root.crt.tmp"
mv "$OUT_DIR/.root.crt.tmp" "$OUT_DIR/root.crt"
echo "prepare: published $src as $OUT_DIR/root.crt"
