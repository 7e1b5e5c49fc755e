# shellcheck shell=sh
# Shared helpers of doctor.sh, backup.sh, restore.sh and upgrade.sh (POSIX sh: the VPS host has
# only Docker, Compose v2, make, sh and coreutils). Every command and path comes from the
# environment so the tests can run the real scripts without Docker:
#   STACK_DIR   repository root (default: the parent of scripts/)
#   ENV_FILE    the stack's .env (default: $STACK_DIR/.env)
#   COMPOSE     how to call Compose (default: "docker compose", run in $STACK_DIR)
#   BACKUP_DIR  where backups go (default: $STACK_DIR/backups)
#   PG_DUMP, PG_DUMPALL, PG_RESTORE, PSQL  client commands; default: run inside the postgres service
#   PG_READY    backup.sh only: a command that succeeds when PostgreSQL answers (default: unset,
#               `docker compose ps` says whether postgres runs); the backup service sets it
#   PG_SUPERUSER  the database superuser (default: postgres, the official image's POSTGRES_USER)
#   LOGTO_DB    Logto's database name (default: logto, from DB_URL in compose.yaml)

SCRIPTS_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
if [ -z "${STACK_DIR:-}" ]; then
  STACK_DIR=$(CDPATH='' cd -- "$(dirname -- "$0")/.." && pwd)
fi
: "${ENV_FILE:=$STACK_DIR/.env}"
: "${COMPOSE:=docker compose}"
: "${BACKUP_DIR:=$STACK_DIR/backups}"
: "${PG_SUPERUSER:=postgres}"
: "${LOGTO_DB:=logto}"
: "${PG_DUMP:=$COMPOSE exec -T postgres pg_dump -U $PG_SUPERUSER}"
: "${PG_DUMPALL:=$COMPOSE exec -T postgres pg_dumpall -U $PG_SUPERUSER}"
: "${PG_RESTORE:=$COMPOSE exec -T postgres pg_restore -U $PG_SUPERUSER}"
: "${PSQL:=$COMPOSE exec -T postgres psql -U $PG_SUPERUSER}"
export STACK_DIR ENV_FILE COMPOSE BACKUP_DIR PG_SUPERUSER LOGTO_DB PG_DUMP PG_DUMPALL PG_RESTORE PSQL
cd "$STACK_DIR" || exit 1

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
die() {
  printf 'error: %s\n' "$1" >&2
  [ -n "${2:-}" ] && printf '  fix: %s\n' "$2" >&2
  exit 1
}

# The one reader of .env lines for every script (env_value: as Compose reads them).
. "$SCRIPTS_DIR/env/lib.sh"

# env_get NAME [DEFAULT]: like Compose, a variable set in the environment wins over .env; then
# NAME's value in .env (env_value); then DEFAULT when that is empty or missing.
env_get() {
  if eval "[ -n \"\${$1+set}\" ]"; then
    eval "printf '%s' \"\$$1\""
    return 0
  fi
  _line=
  if [ -f "$ENV_FILE" ]; then
    _line=$(env_value "$ENV_FILE" "$1") || _line=
  fi
  if [ -z "$_line" ]; then printf '%s' "${2:-}"; else printf '%s' "$_line"; fi
}

# env_file_get NAME [DEFAULT]: NAME from .env only, ignoring the environment (make exports
# command-line variables such as `make upgrade LOGTO_VERSION=...` to its recipes).
env_file_get() {
  (unset "$1"; env_get "$@")
}

# env_set NAME VALUE [COMMENT]: rewrite .env atomically (temp file, same mode, rename); the first
# NAME= line is replaced (COMMENT, if given, goes on a "# " line above it), others dropped,
# appended when missing. VALUE must be a plain word (a version).
env_set() {
  [ -f "$ENV_FILE" ] || die "$ENV_FILE not found" "run make up once to create it"
  _tmp="$ENV_FILE.tmp.$$"
  cp -p "$ENV_FILE" "$_tmp" || die "cannot write next to $ENV_FILE"
  K="$1" V="$2" C="${3:-}" awk '
    BEGIN { k = ENVIRON["K"]; v = ENVIRON["V"]; c = ENVIRON["C"]; done = 0 }
    $0 ~ "^[[:space:]]*(export[[:space:]]+)?" k "[[:space:]]*=" {
      if (!done) { if (c != "") print "# " c; print k "=" v; done = 1 }; next }
    { print }
    END { if (!done) { if (c != "") print "# " c; print k "=" v } }
  ' "$ENV_FILE" >"$_tmp" && mv -f "$_tmp" "$ENV_FILE" || { rm -f "$_tmp"; die "cannot rewrite $ENV_FILE"; }
}

# require_docker AGAIN: stop, in Docker's own words, when its daemon does not answer (every later
# step, and every command a failure would suggest, would fail the same way); AGAIN: what to run then
require_docker() {
  _err=$(${DOCKER:-docker} info --format '{{.ServerVersion}}' 2>&1 >/dev/null) ||
    die "the Docker daemon is not reachable ($(printf '%s\n' "$_err" | sed -n '/./{p;q;}')); nothing was changed" \
      "start it (sudo systemctl start docker), or check DOCKER_HOST and that you may use its socket; then $1"
}

# compose_running SERVICE: true when the service has a running container.
compose_running() {
  [ -n "$($COMPOSE ps --status running -q "$1" 2>/dev/null)" ]
}

# service_key SERVICE KEY: a top-level key of a service as `docker compose config` resolves it
# (e.g. `service_key logto image`; compose.yaml and .env are the one definition), quotes removed
service_key() {
  $COMPOSE config 2>/dev/null | awk -v svc="  $1:" -v key="    $2: " '
    /^[^ ]/ { top = $1 }
    top == "services:" && /^  [^ ]/ { cur = $0 }
    top == "services:" && cur == svc && index($0, key) == 1 { v = substr($0, length(key) + 1); gsub(/["\047]/, "", v); print v; exit }'
}
# logto_image: the Logto image Compose resolves for the logto service (compose.yaml: LOGTO_IMAGE,
# else svhd/logto:<LOGTO_VERSION> from IMAGE_REGISTRY), the official image as it is
logto_image() { service_key logto image; }

# version_ge A B: dotted version A >= B (a leading v and -suffixes ignored)
version_ge() {
  awk -v a="${1#v}" -v b="${2#v}" 'BEGIN {
    sub(/[-+].*/, "", a); sub(/[-+].*/, "", b)
    na = split(a, x, "."); nb = split(b, y, ".")
    for (i = 1; i <= 3; i++) { xi = (i <= na) ? x[i] + 0 : 0; yi = (i <= nb) ? y[i] + 0 : 0
      if (xi > yi) exit 0; if (xi < yi) exit 1 }
    exit 0 }'
}

# timestamp for file names, sortable, UTC
stamp() { date -u +%Y%m%dT%H%M%SZ; }
