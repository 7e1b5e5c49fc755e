#!/bin/sh
# make upgrade LOGTO_VERSION=x.y.z: move the stack to another Logto release.
#   1. backup first (backups/<time>-before-logto-x.y.z.dump, the stack keeps running)
#   2. .env: LOGTO_VERSION=x.y.z (the old file kept as .env.<time>.bak, the old value in a comment)
#   3. docker compose pull logto (a wrong version stops here, .env put back)
#   4. stop Logto, deploy the database alterations (`npm run alteration deploy latest` in the new image)
#   5. docker compose up -d --wait (Logto's start command deploys again: a no-op) and health
#   6. print how to roll back: the old .env and the backup
set -eu
. "$(dirname -- "$0")/lib.sh"

new=${1:-}
[ -n "$new" ] || die "which version?" "make upgrade LOGTO_VERSION=x.y.z (releases: https://github.com/logto-io/logto/releases)"
printf '%s\n' "$new" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' ||
  die "LOGTO_VERSION=$new is not an exact version" "an image tag of svhd/logto like 1.43.0 (not latest, not 1.43)"
[ -f "$ENV_FILE" ] || die "$ENV_FILE not found" "make up first: there is nothing to upgrade yet"

prev=$(env_file_get LOGTO_VERSION 1.42.0)
if [ "$new" = "$prev" ]; then
  say "upgrade: Logto is already pinned to $new in .env; nothing to do"
  exit 0
fi
when=$(stamp)
backup_name="$when-before-logto-$new"
env_bak="$ENV_FILE.$when.bak"

rollback_help() {
  say ""
  say "To roll back to Logto $prev (database and version as before this upgrade):"
  say "  cp $(basename -- "$env_bak") .env                                   # LOGTO_VERSION=$prev"
  say "  make restore FILE=backups/$backup_name.dump YES=1"
}

say "upgrade: Logto $prev -> $new"
say "upgrade: step 1/5 backup (the stack keeps running) ..."
$COMPOSE up -d --wait postgres
BACKUP_DIR=$BACKUP_DIR sh "$SCRIPTS_DIR/backup.sh" --name "$backup_name"

say "upgrade: step 2/5 pin LOGTO_VERSION=$new in .env (previous file: $(basename -- "$env_bak")) ..."
cp -p "$ENV_FILE" "$env_bak"
env_set LOGTO_VERSION "$new" "LOGTO_VERSION before make upgrade on $when: $prev (rollback: scripts/README.md)"
LOGTO_VERSION=$new
export LOGTO_VERSION

say "upgrade: step 3/5 pull svhd/logto:$new ..."
if ! $COMPOSE pull logto; then
  cp -p "$env_bak" "$ENV_FILE"
  die "could not pull svhd/logto:$new; .env is back to LOGTO_VERSION=$prev, nothing else changed" \
    "check the version at https://hub.docker.com/r/svhd/logto/tags and the network"
fi

say "upgrade: step 4/5 stop Logto and deploy the database alterations of $new ..."
$COMPOSE stop logto
if ! $COMPOSE run --rm --no-deps --entrypoint sh logto -c "npm run alteration deploy latest"; then
  warn "error: the database alterations of $new failed (each runs in a transaction; earlier ones may be applied)"
  rollback_help
  exit 1
fi

say "upgrade: step 5/5 start and wait until healthy ..."
if ! $COMPOSE up -d --wait; then
  warn "error: the stack did not become healthy on Logto $new: docker compose logs logto"
  rollback_help
  exit 1
fi
$COMPOSE ps
say "upgrade: done, Logto $new is up and healthy. Backup: backups/$backup_name.dump"
rollback_help
