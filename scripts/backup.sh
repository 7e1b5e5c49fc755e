#!/bin/sh
# make backup: a consistent dump of Logto's database from the running stack.
#   backups/<UTC timestamp>.dump       pg_dump custom format (one snapshot, taken while Logto runs)
#   backups/<UTC timestamp>.roles.sql  the cluster's roles (Logto's per-tenant roles; needed to
#                                      restore into a new PostgreSQL cluster, e.g. a major upgrade)
# Files are owner-only (umask 077), written under a temporary name and renamed when complete.
# Keeps the newest BACKUP_RETENTION dumps (.env, default 7) of those named <UTC timestamp>.dump;
# a backup named otherwise with --name (upgrade.sh's <time>-before-logto-x.y.z, the rollback path
# make upgrade prints) is never removed.
# Refuses, leaving nothing behind, when the stack's PostgreSQL is not running.
# The backup service (backup/job.sh) runs this same script inside the stack: PG_READY (a command
# that succeeds when PostgreSQL answers) replaces the Compose check there, and BACKUP_OWNER
# (uid:gid) is who gets the files (the owner of the host's backups/).
# Options: --name NAME   file name stem instead of the timestamp (upgrade.sh uses it)
set -eu
. "$(dirname -- "$0")/lib.sh"
umask 077

name=
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=${2:?--name needs a value}; shift 2 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) die "unknown option $1" "usage: scripts/backup.sh [--name NAME]" ;;
  esac
done

retention=$(env_get BACKUP_RETENTION 7)
case $retention in
  '' | *[!0-9]* | 0*) die "BACKUP_RETENTION must be a positive whole number, got '$retention'" "set BACKUP_RETENTION=7 in .env" ;;
esac

[ -n "$name" ] || name=$(stamp)
case $name in
  *[!A-Za-z0-9._-]* | .*) die "backup name '$name' may use only letters, digits, . _ -" ;;
esac
# Before anything is written: a backup of a stopped stack is only an empty backups/.
if [ -n "${PG_READY:-}" ]; then
  $PG_READY || die "PostgreSQL does not answer ($PG_READY); nothing backed up" "docker compose ps postgres (start it: make up)"
elif ! running=$($COMPOSE ps --status running -q postgres 2>/dev/null); then
  require_docker "make backup"
  die "docker compose ps failed; nothing backed up" "is Docker running? docker info"
else
  [ -n "$running" ] || die "the stack is down (postgres is not running); nothing backed up" "make up, then make backup"
fi
created_dir=
[ -d "$BACKUP_DIR" ] || created_dir=yes
mkdir -p "$BACKUP_DIR"
chmod 700 "$BACKUP_DIR" 2>/dev/null || true
dump="$BACKUP_DIR/$name.dump"
roles="$BACKUP_DIR/$name.roles.sql"
[ -e "$dump" ] && die "$dump already exists" "wait a second and run make backup again"

part_dump="$BACKUP_DIR/.$name.dump.partial"
part_roles="$BACKUP_DIR/.$name.roles.sql.partial"
progress_pid=
cleanup() {
  [ -n "$progress_pid" ] && kill "$progress_pid" 2>/dev/null
  rm -f "$part_dump" "$part_roles"
  # a backups/ this run created stays only with a backup in it (rmdir removes only an empty one)
  [ -z "$created_dir" ] || rmdir "$BACKUP_DIR" 2>/dev/null || :
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# progress: the size of the partial dump every second, on a terminal only
show_progress() {
  while sleep 1; do
    printf '\r  %s bytes written' "$(wc -c <"$part_dump" 2>/dev/null | tr -d ' ')" >&2
  done
}

say "backup: dumping database '$LOGTO_DB' (pg_dump -Fc) ..."
: >"$part_dump"
if [ -t 2 ]; then show_progress & progress_pid=$!; fi
if ! $PG_DUMP -Fc -d "$LOGTO_DB" >"$part_dump"; then
  die "pg_dump failed; no backup written" "is the stack up? docker compose ps postgres (start it: make up)"
fi
if [ -n "$progress_pid" ]; then kill "$progress_pid" 2>/dev/null; progress_pid=; printf '\n' >&2; fi

say "backup: checking the archive (pg_restore --list) ..."
entries=$($PG_RESTORE --list <"$part_dump" | grep -c '^[0-9]') ||
  die "the dump is not a readable archive; no backup written"

say "backup: dumping roles (pg_dumpall --roles-only) ..."
$PG_DUMPALL --roles-only >"$part_roles" || die "pg_dumpall --roles-only failed; no backup written"
if [ -n "${BACKUP_OWNER:-}" ]; then
  chown "$BACKUP_OWNER" "$part_dump" "$part_roles" || die "cannot hand the backup to $BACKUP_OWNER (the owner of $BACKUP_DIR); no backup written"
fi

mv -f "$part_roles" "$roles"
mv -f "$part_dump" "$dump"
size=$(wc -c <"$dump" | tr -d ' ')
say "backup: wrote $dump ($size bytes, $entries archive entries) and $(basename -- "$roles")"

# only the names this script gives itself (<UTC timestamp>.dump), newest (by name) first
ls -1 "$BACKUP_DIR" | grep -E '^[0-9]{8}T[0-9]{6}Z\.dump$' | sort -r |
  tail -n +"$((retention + 1))" | while IFS= read -r old; do
    rm -f "$BACKUP_DIR/$old" "$BACKUP_DIR/${old%.dump}.roles.sql"
    say "backup: removed $old (BACKUP_RETENTION=$retention)"
  done
