#!/bin/sh
# make restore FILE=backups/<name>.dump [YES=1]: put a backup from make backup back.
# FILE=offsite:<snapshot id> (or offsite:latest): first fetch that off-site snapshot (restic, in
# the backup service's image: docker compose run backup fetch) into backups/offsite/, then the same.
# Asks for confirmation unless --yes. Stops app, seed, Logto and the backup service; applies the backup's roles file
# (if present, for a new cluster); restores into a new database in one transaction; only when
# that worked swaps it in for the current one (kept as <db>_pre_restore until the next restore);
# starts the stack again. A failed restore leaves the current database untouched.
set -eu
. "$(dirname -- "$0")/lib.sh"

yes=0
file=
while [ $# -gt 0 ]; do
  case $1 in
    -y | --yes) yes=1; shift ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) die "unknown option $1" "usage: scripts/restore.sh [--yes] backups/<name>.dump" ;;
    *) file=$1; shift ;;
  esac
done
[ -n "$file" ] || die "which backup?" "make restore FILE=backups/<name>.dump (ls backups/)"
case $file in
  offsite:*)
    snapshot=${file#offsite:}
    say "restore: fetching the off-site snapshot ${snapshot:-latest} (docker compose run backup fetch) ..."
    # its progress goes to stderr; the last line of stdout is the fetched dump's path
    fetched=$($COMPOSE run --rm --no-deps -T backup fetch "${snapshot:-latest}") ||
      die "could not fetch the off-site snapshot ${snapshot:-latest} (the reason is above); nothing changed" \
        "docker compose run --rm backup snapshots lists the snapshots; then make restore FILE=offsite:<id>"
    file=$(printf '%s\n' "$fetched" | tail -n 1)
    say "restore: off-site snapshot ${snapshot:-latest} is $file"
    ;;
esac
[ -f "$file" ] && [ -r "$file" ] || die "cannot read $file" "ls -l backups/"
roles="${file%.dump}.roles.sql"

db=$LOGTO_DB
new_db="${db}_restoring"
old_db="${db}_pre_restore"
sql() { $PSQL -X -v ON_ERROR_STOP=1 -q -t -A -d postgres -c "$1"; }

if [ "$yes" != 1 ]; then
  if [ ! -t 0 ]; then
    die "restore replaces database '$db' and needs confirmation" "run it in a terminal, or add --yes (make restore FILE=$file YES=1)"
  fi
  printf 'Restore %s over database "%s"? Logto, the seed and the app stop meanwhile. [y/N] ' "$file" "$db"
  read -r answer || answer=
  case $answer in y | Y | yes | YES) ;; *) say "restore: cancelled, nothing changed"; exit 1 ;; esac
fi

say "restore: stopping app, seed, logto and backup ..."
# the backup service too: a scheduled dump must not meet the database while it is swapped
$COMPOSE stop app seed logto backup ||
  die "could not stop app, seed, logto and backup (Compose's words above); database '$db' was not changed" \
    "docker compose ps -a (make up starts again what stopped), then make restore FILE=$file YES=1 again"
say "restore: making sure postgres is up ..."
$COMPOSE up -d --wait postgres ||
  die "PostgreSQL did not start (Compose's words above); database '$db' was not changed, app, seed, logto and backup are stopped" \
    "docker compose logs postgres, then make restore FILE=$file YES=1 again (or make up to run as before)"

restart_stack() {
  say "restore: starting the stack again ..."
  $COMPOSE up -d --wait
}
abort() {
  warn "error: $1; database '$db' was not changed"
  sql "DROP DATABASE IF EXISTS \"$new_db\"" || true
  restart_stack || true
  exit 1
}

if [ -f "$roles" ]; then
  say "restore: roles from $(basename -- "$roles") (existing ones are kept) ..."
  # CREATE ROLE made idempotent; the superuser we connect as is left alone.
  sed -e "/^CREATE ROLE \"\{0,1\}$PG_SUPERUSER\"\{0,1\};/d" \
    -e "/^ALTER ROLE \"\{0,1\}$PG_SUPERUSER\"\{0,1\} /d" \
    -e 's/^CREATE ROLE \(.*\);$/DO $do$ BEGIN CREATE ROLE \1; EXCEPTION WHEN duplicate_object THEN NULL; END $do$;/' \
    "$roles" | $PSQL -X -v ON_ERROR_STOP=1 -q -d postgres >/dev/null || abort "applying the roles failed"
else
  say "restore: no $(basename -- "$roles") beside the dump; using the roles already in the cluster"
fi

owner=$(sql "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = '$db'") || abort "cannot reach postgres"
[ -n "$owner" ] || owner=$PG_SUPERUSER
sql "DROP DATABASE IF EXISTS \"$new_db\"" || abort "cannot drop a leftover $new_db"
sql "CREATE DATABASE \"$new_db\" OWNER \"$owner\" TEMPLATE template0 ENCODING 'UTF8'" || abort "cannot create $new_db"

say "restore: pg_restore into $new_db (single transaction) ..."
$PG_RESTORE --exit-on-error --single-transaction --no-password -d "$new_db" <"$file" ||
  abort "pg_restore failed"

say "restore: swapping $new_db in for $db ..."
sql "DROP DATABASE IF EXISTS \"$old_db\"" || abort "cannot drop the previous $old_db"
sql "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()" >/dev/null || true
if [ "$(sql "SELECT 1 FROM pg_database WHERE datname = '$db'")" = 1 ]; then
  sql "ALTER DATABASE \"$db\" RENAME TO \"$old_db\"" || abort "cannot rename $db (still in use?)"
fi
if ! sql "ALTER DATABASE \"$new_db\" RENAME TO \"$db\""; then
  sql "ALTER DATABASE \"$old_db\" RENAME TO \"$db\"" || true
  abort "cannot rename $new_db to $db"
fi

restart_stack
say "restore: done. Database '$db' is $file; the one it replaced is kept as '$old_db' until the next restore"
say "  (drop it to free space: docker compose exec postgres psql -U $PG_SUPERUSER -c 'DROP DATABASE $old_db')"
