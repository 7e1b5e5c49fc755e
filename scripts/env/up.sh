#!/bin/sh
# `make up`: create .env on the first run (secrets generated), check it, start the stack and wait
# until every service is healthy (one-shot steps finished), then print the URLs.
# Nothing starts when .env is invalid (exit 2), nor with real WeChat credentials while the sandbox's
# WeChat emulator still runs in the project (exit 3: `make down` first). Containers of the project
# that the compose files no longer name (the emulator after the sandbox) are removed. An image that
# is not on this machine and cannot be pulled stops it before anything changes (exit 4), naming the
# image, where it comes from and the setting to change.
#
# Usage: scripts/env/up.sh [extra `docker compose up` arguments]
#   Overlays: COMPOSE_FILE=compose.yaml:compose.sandbox.yaml scripts/env/up.sh   (Compose reads COMPOSE_FILE)
set -eu
HERE=$(dirname "$0")
. "$HERE/lib.sh"
ROOT=$(stack_dir)
ENV_FILE=$ROOT/.env
cd "$ROOT"

# The command that runs this script again with the same compose files (the sandbox's overlay too).
case ":${COMPOSE_FILE:-}:" in
*:compose.sandbox.yaml:*) again="make up-sandbox" ;;
*) again="make up" ;;
esac
# The emulator is a service of the sandbox's overlay only: Compose names it with that file alone.
emulator_logs=
if [ "$again" = "make up-sandbox" ]; then
	emulator_logs="
  COMPOSE_FILE=$COMPOSE_FILE docker compose logs --tail=100 wechat-emulator   the WeChat emulator"
fi

# ---- host prerequisites: Docker with Compose v2 -------------------------------------------------
if ! command -v docker >/dev/null 2>&1; then
	echo "error: docker not found. Install Docker Engine 24+ with the Compose v2 plugin: https://docs.docker.com/engine/install/" >&2
	exit 1
fi
if ! compose_version=$(docker compose version 2>/dev/null); then
	echo "error: \`docker compose\` (Compose v2) not found. Install the docker-compose-plugin package (Compose v2.26+); the old docker-compose 1.x does not work." >&2
	exit 1
fi
# Without a reachable daemon every later step (and every command a failure would suggest) fails
# the same way: say that, in Docker's own words, before touching anything.
if ! daemon_error=$(docker info --format '{{.ServerVersion}}' 2>&1 >/dev/null); then
	cat >&2 <<HINT
error: the Docker daemon is not reachable; nothing was started.
  docker info: $(printf '%s\n' "$daemon_error" | sed -n '/./{p;q;}')
Fix: start it (sudo systemctl start docker), or if it runs: check DOCKER_HOST and that you may use
its socket (sudo usermod -aG docker \$USER, then log in again); then \`$again\` again.
HINT
	exit 1
fi

# ---- .env: create on the first run, then check ---------------------------------------------------
if [ ! -e "$ENV_FILE" ]; then
	sh "$HERE/generate-secrets.sh" "$ENV_FILE"
fi
if ! sh "$HERE/validate.sh" "$ENV_FILE"; then
	exit 2
fi

# ---- leaving the WeChat sandbox --------------------------------------------------------------------
# The emulator's network aliases are open.weixin.qq.com and api.weixin.qq.com: while it runs in the
# project, Logto's calls to WeChat (with the real AppSecret) would go to it. Outside the sandbox
# (the compose files name no wechat-emulator service) real credentials wait until it is gone.
if [ -n "$(env_value "$ENV_FILE" WECHAT_APP_ID || true)" ]; then
	# `docker compose config`: top-level `name:` and two-space service keys under `services:`.
	project_model=$(docker compose config) || exit 2
	project=$(printf '%s\n' "$project_model" | awk '/^name:/ { print $2; exit }')
	sandbox=$(printf '%s\n' "$project_model" | awk '/^[^ ]/ { top = $1 } top == "services:" && /^  wechat-emulator:$/ { print "yes"; exit }')
	if [ -z "$sandbox" ] && emulator_running "$project"; then
		cat >&2 <<HINT
error: the WeChat emulator of \`make up-sandbox\` is still running in project $project, and .env
sets real WeChat credentials (WECHAT_APP_ID). Inside the project network open.weixin.qq.com and
api.weixin.qq.com are the emulator, so Logto would send your AppSecret and every WeChat sign-in to it.
Fix: \`make down\` (it stops the whole stack, the emulator too), then \`make up\`.
HINT
		exit 3
	fi
fi

# ---- images: every one that is pulled must be there, before anything changes ----------------------
# Compose would pull a missing image in the middle of `up`, and build this project's own (the heavy
# way: npm and next build on this machine) when the pull fails. Instead each image not on this
# machine is pulled now, and the ones that cannot be are named with the setting that decides them.
# `docker compose config`: two-space service keys, four-space `image:`.
image_list=$(docker compose config | awk '
	/^[^ ]/ { top = $1 }
	top == "services:" && /^  [^ ]/ { svc = $1; sub(/:$/, "", svc) }
	top == "services:" && /^    image: / { print svc, $2 }') || exit 2
missing=0
checked=
while read -r service ref; do
	case " $checked " in *" $ref "*) continue ;; esac
	checked="$checked $ref"
	docker image inspect "$ref" >/dev/null 2>&1 && continue
	echo "pulling $ref ($service)"
	if pull_error=$(docker pull -q "$ref" 2>&1 >/dev/null </dev/null); then continue; fi
	missing=$((missing + 1))
	# Where from: a first part with a dot, a port or "localhost" is a registry, else Docker Hub.
	case ${ref%%/*} in
	*.* | *:* | localhost) from=${ref%%/*} path=${ref#*/} ;;
	*) from="Docker Hub (docker.io)" path=$ref ;;
	esac
	case $service in
	postgres) setting=POSTGRES_IMAGE ;;
	prepare) setting=CADDY_IMAGE ;;
	# compose.dns.yaml gives caddy the DNS build (CADDY_DNS_IMAGE); prepare keeps the plain one
	caddy) case $ref in */wechat-logto-stack/caddy-dns:*) setting=CADDY_DNS_IMAGE ;; *) setting=CADDY_IMAGE ;; esac ;;
	logto) setting=LOGTO_IMAGE ;;
	logto-connectors) setting=CONNECTOR_IMAGE ;;
	seed | app | backup) setting=$(printf '%s' "$service" | tr 'a-z' 'A-Z')_IMAGE ;;
	wechat-emulator) setting=WECHAT_EMULATOR_IMAGE ;;
	*) setting= ;;
	esac
	# As Compose reads them: this shell's environment first, then .env.
	own= registry=${IMAGE_REGISTRY:-$(env_value "$ENV_FILE" IMAGE_REGISTRY 2>/dev/null || true)}
	[ -z "$setting" ] || eval "own=\${$setting:-\$(env_value \"\$ENV_FILE\" $setting 2>/dev/null || true)}"
	if [ -z "$setting" ]; then
		fix="the \`image:\` of service $service in the compose files, or pull it by hand"
	elif [ -n "$own" ]; then
		fix="$setting=$own names it: set $setting to a reference that can be pulled (empty: from IMAGE_REGISTRY)"
	elif [ -n "$registry" ]; then
		fix="IMAGE_REGISTRY=$registry names it: copy ${ref#"$registry"/} into that registry, or set $setting to a reference that can be pulled"
	else
		fix="set IMAGE_REGISTRY in .env to a registry or mirror that holds $path (every image), or $setting to a reference that can be pulled (this one)"
	fi
	case $setting in SEED_IMAGE | APP_IMAGE | BACKUP_IMAGE | CONNECTOR_IMAGE | CADDY_DNS_IMAGE | WECHAT_EMULATOR_IMAGE) fix="$fix; or build this project's images here: \`make build\`" ;; esac
	cat >&2 <<HINT
error: image $ref (service $service) cannot be pulled from $from.
  docker pull: $(printf '%s\n' "$pull_error" | sed -n '/./{p;q;}')
  Fix: $fix (README, "Images from a mirror or your own registry").
HINT
done <<EOF_IMAGES
$image_list
EOF_IMAGES
if [ "$missing" -gt 0 ]; then
	echo "Nothing was started. Fix the image setting(s) above, then \`$again\` again." >&2
	exit 4
fi

# ---- secrets changed in .env since a container was created ------------------------------------------
# Compose copies each secret into a container when it creates it (compose.yaml, `secrets:`) and
# never compares it again. So the one-shot seed is always created afresh (it runs on every up
# anyway), and a running service whose copy differs from .env is removed, for `up` to create it
# again with the new value. The values stay in this shell (no command line holds one). Caddy has
# its secret only with compose.dns.yaml (DNS-01); without it there is no file to compare.
stale=
for entry in postgres:postgres_password:POSTGRES_PASSWORD logto:postgres_password:POSTGRES_PASSWORD \
	app:auth_secret:AUTH_SECRET app:auth_logto_secret:AUTH_LOGTO_SECRET backup:postgres_password:POSTGRES_PASSWORD \
	backup:backup_offsite_password:BACKUP_OFFSITE_PASSWORD backup:backup_offsite_secret:BACKUP_OFFSITE_SECRET \
	caddy:acme_dns_secret:ACME_DNS_SECRET; do
	service=${entry%%:*} rest=${entry#*:}
	secret=${rest%%:*} name=${rest#*:}
	case " $stale " in *" $service "*) continue ;; esac
	# Not running, or created before its secrets were files: nothing to compare (Compose decides).
	current=$(docker compose exec -T "$service" cat "/run/secrets/$secret" 2>/dev/null) || continue
	if [ "$current" != "$(env_value "$ENV_FILE" "$name" || true)" ]; then
		stale="$stale $service"
	fi
done
if [ -n "$stale" ]; then
	echo "recreating${stale}: a secret it uses changed in .env"
	# shellcheck disable=SC2086 # one word per service
	docker compose --progress quiet rm --stop --force $stale >/dev/null
fi
docker compose --progress quiet rm --force seed >/dev/null

# ---- start ----------------------------------------------------------------------------------------
# backups/ as the user who runs make (the backup service writes there as root, handing each file to
# this owner); a folder Docker created for the bind mount would be root's.
mkdir -p backups && chmod 700 backups
echo "starting the stack ($compose_version); the first run creates the database and takes a minute or two..."
if ! docker compose up -d --wait --remove-orphans "$@"; then
	cat >&2 <<HINT

The stack did not become healthy. Look at:
  docker compose ps -a                   which service is unhealthy or exited
  docker compose logs --tail=100 seed    the one-shot provisioning (exit code 2 = configuration)
  docker compose logs --tail=100 logto   Logto (database, alterations)
  docker compose logs --tail=100 caddy   certificates (TLS_MODE=acme needs DNS and ports 80/443)$emulator_logs
Fix, then run \`$again\` again (it is safe to repeat).
HINT
	exit 1
fi

# ---- where things are ----------------------------------------------------------------------------
logto=$(env_value "$ENV_FILE" LOGTO_DOMAIN)
app=$(env_value "$ENV_FILE" APP_DOMAIN)
admin=$(env_value "$ENV_FILE" ADMIN_DOMAIN)
user=$(env_value "$ENV_FILE" LOGTO_ADMIN_USERNAME || true)
tls=$(env_value "$ENV_FILE" TLS_MODE || true)
wx=$(env_value "$ENV_FILE" WECHAT_APP_ID || true)
oa=$(env_value "$ENV_FILE" WECHAT_OA_APP_ID || true)

echo
echo "The stack is up."
echo "  App:            https://$app"
echo "  Logto (OIDC):   https://$logto/oidc"
echo "  Admin console:  https://$admin/console"
echo "    user:         ${user:-admin}"
echo "    password:     LOGTO_ADMIN_PASSWORD in $ENV_FILE (show it: grep '^LOGTO_ADMIN_PASSWORD=' .env)"
if [ -n "$wx" ]; then
	echo "  WeChat:         authorization callback domain (授权回调域) to register: $logto"
fi
if [ -n "$oa" ]; then
	echo "  Official Acct:  web authorization domain (网页授权域名) to register: $logto (WeChat's MP_verify_<key>.txt goes into wechat-verify/)"
fi
if [ "${tls:-internal}" = internal ]; then
	echo
	echo "TLS_MODE=internal: browsers warn until you trust Caddy's local root certificate:"
	echo "  docker compose cp caddy:/data/caddy/pki/authorities/local/root.crt ./caddy-root.crt"
	echo "  then import caddy-root.crt as a trusted authority (system or browser settings)."
fi
echo
echo "Logs: make logs    Status: make ps    Stop: make down"
