#!/bin/sh
# The backup service's commands (backup/entrypoint.sh runs `run` on BACKUP_SCHEDULE):
#   run          one backup: scripts/backup.sh (the one definition of a dump: pg_dump -Fc, checked
#                with pg_restore --list before it is kept, then BACKUP_RETENTION), then with
#                BACKUP_OFFSITE_REPOSITORY its encrypted restic copy and `restic forget` of older
#                scheduled snapshots. The result goes to backups/last-run (make status reads it).
#                The local backup is made and kept whatever the off-site copy does. Exit 1 when
#                either failed.
#   snapshots    the off-site snapshots (restic snapshots)
#   fetch ID     the off-site snapshot ID (or latest) into backups/offsite/; prints its dump's path
#                (backups/offsite/<name>.dump) as the last line: make restore FILE=offsite:ID
# Settings come from the environment (compose.yaml), secrets from files (SECRETS_DIR, default
# /run/secrets), read into this process only when a command needs them; no secret is printed.
set -u
umask 077

: "${BACKUP_DIR:=/backups}"
: "${SECRETS_DIR:=/run/secrets}"
: "${BACKUP_SCRIPT:=$(dirname -- "$0")/../scripts/backup.sh}"
: "${RESTIC:=restic}"
STATUS_FILE=$BACKUP_DIR/last-run
# the host's user owns backups/ (make up creates it): files written here go to that owner
OWNER=$(stat -c %u:%g "$BACKUP_DIR" 2>/dev/null) || OWNER=
export BACKUP_DIR

say() { printf '%s\n' "$*"; }
warn() { printf '%s\n' "$*" >&2; }
own() { [ -z "$OWNER" ] || chown "$OWNER" "$@" 2>/dev/null || :; }
# mask: user:password@ in URLs out of anything shown (a repository URL may carry them)
mask() { sed -E 's#(://)[^/@[:space:]]+@#\1***@#g'; }

# ---- restic ----------------------------------------------------------------------------------------
repo=${BACKUP_OFFSITE_REPOSITORY:-}
opts=
# offsite_env: restic's settings for BACKUP_OFFSITE_*; 1 (with $why) when one is missing
offsite_env() {
  RESTIC_REPOSITORY=$repo
  RESTIC_PASSWORD_FILE=$SECRETS_DIR/backup_offsite_password
  export RESTIC_REPOSITORY RESTIC_PASSWORD_FILE
  if [ ! -s "$RESTIC_PASSWORD_FILE" ]; then
    why="BACKUP_OFFSITE_PASSWORD is empty (the key that encrypts the off-site copy). Fix: set it in .env, keep a copy off this machine, then make up"
    return 1
  fi
  secret=$(cat "$SECRETS_DIR/backup_offsite_secret" 2>/dev/null) || secret=
  case $repo in
    s3:*)
      AWS_ACCESS_KEY_ID=${BACKUP_OFFSITE_KEY_ID:-}
      AWS_SECRET_ACCESS_KEY=$secret
      export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY ;;
    rest:*)
      if [ -n "${BACKUP_OFFSITE_KEY_ID:-}" ]; then
        RESTIC_REST_USERNAME=$BACKUP_OFFSITE_KEY_ID
        RESTIC_REST_PASSWORD=$secret
        export RESTIC_REST_USERNAME RESTIC_REST_PASSWORD
      fi ;;
  esac
  unset secret
  opts=
  for o in ${BACKUP_OFFSITE_OPTIONS:-}; do opts="$opts -o $o"; done
  return 0
}

# restic_do ARGS...: restic with its output in $out; on failure $why names the setting to fix.
# With PROBE set, restic gets 60 s: it retries an unreachable storage for many minutes by itself.
restic_do() {
  # shellcheck disable=SC2086 # opts: one word per -o option
  out=$(${PROBE:+timeout 60} $RESTIC $opts "$@" 2>&1)
  rc=$?
  [ "$rc" -eq 0 ] && return 0
  if [ -n "${PROBE:-}" ] && [ "$rc" -ge 124 ]; then
    kind=unreachable
    why="the off-site storage at BACKUP_OFFSITE_REPOSITORY did not answer within 60 s ($(printf '%s\n' "$out" | tail -n 1 | mask)). Fix: the repository URL in BACKUP_OFFSITE_REPOSITORY, the network; then make up"
    return 1
  fi
  fatal=$(printf '%s\n' "$out" | grep -E '^(Fatal|error|Error)' | tail -n 1 | mask)
  [ -n "$fatal" ] || fatal=$(printf '%s\n' "$out" | tail -n 1 | mask)
  kind=other
  case $out in
    *"wrong password or no key found"*)
      kind=password
      why="the off-site repository does not open with BACKUP_OFFSITE_PASSWORD ($fatal). Fix: the password this repository was created with, in BACKUP_OFFSITE_PASSWORD; then make up" ;;
    *" 401"* | *"401 Unauthorized"* | *" 403"* | *"403 Forbidden"* | *"Access Denied"* | *AccessDenied* | *InvalidAccessKeyId* | *SignatureDoesNotMatch* | *"signature we calculated"* | *"Access Key Id"*)
      kind=credentials
      why="the off-site storage refused the credentials BACKUP_OFFSITE_KEY_ID / BACKUP_OFFSITE_SECRET ($fatal). Fix: the storage's access key id and secret (S3) or user and password (REST server) in .env; then make up" ;;
    *"no such host"* | *"connection refused"* | *"dial tcp"* | *"i/o timeout"* | *"network is unreachable"* | *NoSuchBucket* | *"bucket does not exist"*)
      kind=unreachable
      why="the off-site storage at BACKUP_OFFSITE_REPOSITORY cannot be reached ($fatal). Fix: the repository URL in BACKUP_OFFSITE_REPOSITORY (and the bucket), the network; then make up" ;;
    *"no matching ID"* | *"failed to find snapshot"* | *"no snapshot found"*)
      why="there is no such off-site snapshot ($fatal). Fix: an id from docker compose run --rm backup snapshots, or latest" ;;
    *) why="restic $1 failed ($fatal). Fix: check BACKUP_OFFSITE_REPOSITORY, BACKUP_OFFSITE_KEY_ID, BACKUP_OFFSITE_SECRET, BACKUP_OFFSITE_OPTIONS; docker compose logs backup" ;;
  esac
  return 1
}

# open_repo: the repository opens (created on first use: restic init); 1 with $why
open_repo() {
  offsite_env || return 1
  PROBE=1 restic_do cat config && return 0
  [ "$kind" = other ] || return 1
  # restic >= 0.17 exits 10 for "repository does not exist"; anything else is an error to show
  case "$rc:$out" in
    10:* | *"repository does not exist"*) ;;
    *) return 1 ;;
  esac
  say "offsite: no repository at $(printf '%s' "$repo" | mask) yet: restic init"
  restic_do init
}

# ---- run ---------------------------------------------------------------------------------------------
status() {
  _tmp=$STATUS_FILE.tmp.$$
  printf '%s\n' "$@" >"$_tmp" && own "$_tmp" && mv -f "$_tmp" "$STATUS_FILE"
}

run() {
  lock=/tmp/backup-job.lock
  if ! mkdir "$lock" 2>/dev/null; then
    say "backup: another backup is still running; this one is skipped"
    return 0
  fi
  trap 'rmdir "$lock" 2>/dev/null' EXIT
  name=$(date -u +%Y%m%dT%H%M%SZ)
  # pg_dump and pg_dumpall reach the postgres service with PGHOST/PGUSER (compose.yaml) and this
  PGPASSWORD=$(cat "$SECRETS_DIR/postgres_password" 2>/dev/null) || PGPASSWORD=
  export PGPASSWORD
  log=$(mktemp)
  # scripts/backup.sh: dump, pg_restore --list, then retention; its lines go to the log as they come
  BACKUP_OWNER=$OWNER sh "$BACKUP_SCRIPT" --name "$name" 2>&1 | tee "$log"
  # the pipeline's status is tee's: the dump is there only when backup.sh succeeded
  entries=$(sed -n 's/^backup: wrote .*, \([0-9][0-9]*\) archive entries).*/\1/p' "$log")
  problem=$(grep -E '^error: ' "$log" | tail -n 1 | sed 's/^error: //')
  rm -f "$log"
  finished() { date -u +%Y-%m-%dT%H:%M:%SZ; }
  if [ ! -f "$BACKUP_DIR/$name.dump" ] || [ -z "$entries" ]; then
    status "finished=$(finished)" "local=failed" "dump=" "offsite=skipped" "error=local backup failed: ${problem:-see docker compose logs backup}"
    warn "backup: FAILED: ${problem:-see the lines above}"
    return 1
  fi
  if [ -z "$repo" ]; then
    status "finished=$(finished)" "local=ok" "dump=$name.dump" "entries=$entries" "offsite=off"
    return 0
  fi
  say "offsite: copying $name.dump to $(printf '%s' "$repo" | mask) (restic, encrypted) ..."
  if open_repo &&
    restic_do backup --host wechat-logto-stack --tag wechat-logto-stack --tag scheduled \
      "$BACKUP_DIR/$name.dump" "$BACKUP_DIR/$name.roles.sql"; then
    snapshot=$(printf '%s\n' "$out" | sed -n 's/^snapshot \([0-9a-f]*\) saved$/\1/p' | tail -n 1)
    say "offsite: snapshot $snapshot saved"
    # only this stack's scheduled snapshots, as one group (names differ per backup): the newest
    # BACKUP_RETENTION stay; snapshots tagged otherwise are never forgotten here
    if restic_do forget --tag scheduled --group-by '' --keep-last "${BACKUP_RETENTION:-7}" --prune; then
      status "finished=$(finished)" "local=ok" "dump=$name.dump" "entries=$entries" "offsite=ok" "snapshot=$snapshot"
      say "offsite: done; off-site keeps the newest ${BACKUP_RETENTION:-7} scheduled snapshots"
      return 0
    fi
    why="the copy $snapshot was saved, but pruning older ones failed: $why"
  fi
  status "finished=$(finished)" "local=ok" "dump=$name.dump" "entries=$entries" "offsite=failed" "error=$why"
  warn "offsite: FAILED: $why"
  warn "offsite: the local backup backups/$name.dump is made and kept"
  return 1
}

snapshots() {
  [ -n "$repo" ] || { warn "error: BACKUP_OFFSITE_REPOSITORY is empty: there is no off-site copy. Fix: set it in .env (README, Backups)"; return 1; }
  open_repo && restic_do snapshots --tag wechat-logto-stack || { warn "error: $why"; return 1; }
  printf '%s\n' "$out"
}

fetch() {
  id=${1:-latest}
  case $id in *[!A-Za-z0-9]*) warn "error: '$id' is not a snapshot id. Fix: an id from docker compose run --rm backup snapshots, or latest"; return 1 ;; esac
  [ -n "$repo" ] || { warn "error: BACKUP_OFFSITE_REPOSITORY is empty: there is no off-site copy to restore. Fix: set it in .env (README, Backups)"; return 1; }
  offsite_env || { warn "error: $why"; return 1; }
  PROBE=1 restic_do cat config || { warn "error: $why"; return 1; }
  dest=$BACKUP_DIR/offsite
  tmp=$dest/.fetch.$$
  mkdir -p "$tmp" && chmod 700 "$dest" && own "$dest"
  warn "offsite: restoring snapshot $id from $(printf '%s' "$repo" | mask) ..."
  if ! restic_do restore "$id" --tag wechat-logto-stack --target "$tmp"; then
    rm -rf "$tmp"
    warn "error: $why"
    return 1
  fi
  dump=$(find "$tmp" -name '*.dump' -type f | head -n 1)
  if [ -z "$dump" ]; then
    rm -rf "$tmp"
    warn "error: snapshot $id holds no .dump file. Fix: another snapshot (docker compose run --rm backup snapshots)"
    return 1
  fi
  base=$(basename -- "$dump" .dump)
  roles=$(dirname -- "$dump")/$base.roles.sql
  mv -f "$dump" "$dest/$base.dump"
  [ -f "$roles" ] && mv -f "$roles" "$dest/$base.roles.sql"
  rm -rf "$tmp"
  own "$dest/$base.dump" "$dest/$base.roles.sql"
  warn "offsite: snapshot $id is $dest/$base.dump"
  printf 'backups/offsite/%s.dump\n' "$base"
}

case ${1:-} in
  run) run ;;
  snapshots) snapshots ;;
  fetch) fetch "${2:-latest}" ;;
  *) warn "usage: job.sh run | snapshots | fetch [ID|latest]"; exit 2 ;;
esac
