#!/bin/sh
# make upgrade LOGTO_VERSION=x.y.z [LOGTO_IMAGE=ref]: move the stack to another Logto release.
#   0. checks first, nothing changed yet: an exact, newer version; Docker answers; the Logto image of that version
#      (Compose's own resolution of compose.yaml: LOGTO_IMAGE, else svhd/logto:x.y.z) differs from
#      the running one and is on this machine or can be pulled (the WeChat connector is not part of
#      it: the logto-connectors volume keeps it across versions)
#   1. backup (backups/<time>-before-logto-x.y.z.dump; retention never removes it; the stack keeps running)
#   2. .env: LOGTO_VERSION=x.y.z (and LOGTO_IMAGE when given); the old file kept as .env.<time>.bak
#   3. stop Logto, deploy the database alterations with the NEW image (`npm run alteration deploy latest`)
#   4. docker compose up -d --wait: every service healthy (Logto's start command deploys again: a no-op)
#   5. print how to roll back: the old .env, then the backup
# A mirror or a test image: LOGTO_IMAGE on the command line names the new image (it goes into .env).
set -eu
. "$(dirname -- "$0")/lib.sh"
: "${DOCKER:=docker}"

new=${1:-}
[ -n "$new" ] || die "which version?" "make upgrade LOGTO_VERSION=x.y.z (releases: https://github.com/logto-io/logto/releases)"
printf '%s\n' "$new" | grep -Eq '^[0-9]+\.[0-9]+\.[0-9]+$' ||
  die "LOGTO_VERSION=$new is not an exact version" "an image tag of svhd/logto like 1.43.0 (not latest, not 1.43)"
[ -f "$ENV_FILE" ] || die "$ENV_FILE not found" "make up first: there is nothing to upgrade yet"

# make exports its command-line variables: LOGTO_IMAGE from there (or the shell) is the new image.
# Every command below gets the versions it needs explicitly; Compose must not see these by accident.
given_image=${LOGTO_IMAGE:-}
unset LOGTO_VERSION LOGTO_IMAGE

prev=$(env_get LOGTO_VERSION)
[ -n "$prev" ] || die "$ENV_FILE has no LOGTO_VERSION" "set the version the stack runs now (make check-env names it) and run make upgrade again"
if [ "$new" = "$prev" ] && [ -z "$given_image" ]; then
  say "upgrade: Logto is already pinned to $new in .env; nothing to do (after a make upgrade to $new that failed: make up finishes it, or roll back as it printed)"
  exit 0
fi
if ! version_ge "$new" "$prev"; then
  die "LOGTO_VERSION=$new is older than the $prev in .env; an altered database cannot go back by starting an older Logto" \
    "roll back with the commands make upgrade printed (the old .env, then make restore of the backups/*-before-logto-$prev.dump)"
fi
file_image=$(env_get LOGTO_IMAGE)
if [ -n "$file_image" ] && [ -z "$given_image" ]; then
  die ".env sets LOGTO_IMAGE=$file_image, the image of Logto $prev" \
    "name the image of $new as well: make upgrade LOGTO_VERSION=$new LOGTO_IMAGE=<the same repository>:$new"
fi

require_docker "make upgrade LOGTO_VERSION=$new again"
old_ref=$(logto_image)
[ -n "$old_ref" ] || die "docker compose config does not resolve the logto service" "make check-env, then docker compose config"
# with_new CMD...: CMD with the new version (and image) in its environment, before .env says so
with_new() (
  LOGTO_VERSION=$new
  export LOGTO_VERSION
  if [ -n "$given_image" ]; then LOGTO_IMAGE=$given_image; export LOGTO_IMAGE; fi
  "$@"
)
new_ref=$(with_new logto_image)
if [ "$new_ref" = "$old_ref" ]; then
  die "the image for Logto $new would be $new_ref, the one Logto $prev runs now" "name the new image: make upgrade LOGTO_VERSION=$new LOGTO_IMAGE=<image of $new>"
fi

say "upgrade: Logto $prev ($old_ref) -> $new ($new_ref)"
say "upgrade: step 0/5 the image $new_ref ..."
if $DOCKER image inspect "$new_ref" >/dev/null 2>&1; then
  say "upgrade: $new_ref is on this machine"
elif $DOCKER pull "$new_ref"; then
  say "upgrade: pulled $new_ref"
else
  die "the image $new_ref is neither on this machine nor can it be pulled; nothing was changed" \
    "check the version at https://hub.docker.com/r/svhd/logto/tags (or in your registry: IMAGE_REGISTRY, LOGTO_IMAGE) and the network"
fi
when=$(stamp)
backup_name="$when-before-logto-$new"
env_bak="$ENV_FILE.$when.bak"
# after .env or the database changed: the error, the fix, and the way back
fail_with_rollback() {
  warn "error: $1"
  warn "  fix: $2; or roll back to $prev as printed below"
  rollback_help
  exit 1
}
rollback_help() {
  say ""
  say "To roll back to Logto $prev (database and version as before this upgrade):"
  say "  cp $(basename -- "$env_bak") $(basename -- "$ENV_FILE")                                   # LOGTO_VERSION=$prev"
  say "  make restore FILE=backups/$backup_name.dump YES=1"
  if [ -n "$given_image" ]; then say "  (without LOGTO_IMAGE in your shell's environment: it would replace the one in .env)"; fi
}

say "upgrade: step 1/5 backup (the stack keeps running) ..."
$COMPOSE up -d --wait postgres ||
  die "PostgreSQL did not start for the backup; nothing changed" "docker compose logs postgres, then make upgrade LOGTO_VERSION=$new again"
BACKUP_DIR=$BACKUP_DIR sh "$SCRIPTS_DIR/backup.sh" --name "$backup_name" ||
  die "the backup before the upgrade failed (above); nothing changed" "fix what the backup says, then make upgrade LOGTO_VERSION=$new again"

say "upgrade: step 2/5 pin LOGTO_VERSION=$new in .env (previous file: $(basename -- "$env_bak")) ..."
cp -p "$ENV_FILE" "$env_bak" ||
  die "cannot copy .env to $(basename -- "$env_bak"); nothing changed" "make the stack's directory writable, then make upgrade LOGTO_VERSION=$new again"
# in a subshell: env_set's own die would end the script before .env is put back
if ! (
  env_set LOGTO_VERSION "$new" "LOGTO_VERSION before make upgrade on $when: $prev (rollback: scripts/README.md)"
  if [ -n "$given_image" ]; then
    env_set LOGTO_IMAGE "$given_image" "LOGTO_IMAGE before make upgrade on $when: ${file_image:-(unset: svhd/logto)}"
  fi
); then
  cp -p "$env_bak" "$ENV_FILE"
  die "could not pin LOGTO_VERSION=$new in .env; .env is as before, nothing else changed" "make .env writable, then make upgrade LOGTO_VERSION=$new again"
fi

# From here on .env names $new: an interrupted upgrade (Ctrl-C, a closed SSH session) says so and
# prints the way back, like a failed step. Running make upgrade again would find $new pinned already.
trap 'trap - INT TERM HUP; fail_with_rollback "make upgrade was interrupted after .env was set to LOGTO_VERSION=$new" "make up finishes the upgrade (Logto deploys the alterations of $new when it starts)"' INT TERM HUP

say "upgrade: step 3/5 stop Logto $prev and deploy the database alterations of $new with its image ..."
if ! $COMPOSE stop logto; then
  cp -p "$env_bak" "$ENV_FILE"
  die "could not stop Logto $prev; .env is back to LOGTO_VERSION=$prev, the database was not touched" \
    "docker compose ps -a logto; then make up (Logto $prev), or make upgrade LOGTO_VERSION=$new again"
fi
# compose.yaml's entrypoint gives the line DB_URL (from the password file) and runs it.
$COMPOSE run --rm --no-deps logto "npm run alteration deploy latest" ||
  fail_with_rollback "the database alterations of $new failed (each runs in a transaction; earlier ones may be applied)" \
    "read the alteration's error above, remove its cause, then make up (Logto deploys the remaining alterations when it starts)"

say "upgrade: step 4/5 start and wait until every service is healthy ..."
$COMPOSE up -d --wait ||
  fail_with_rollback "the stack did not become healthy on Logto $new" "docker compose ps -a; docker compose logs logto"
trap - INT TERM HUP
# only a listing: the upgrade is done whatever it says
$COMPOSE ps || :
say "upgrade: step 5/5 done, Logto $new is up and healthy. Backup: backups/$backup_name.dump"
rollback_help
