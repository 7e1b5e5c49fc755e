#!/bin/sh
# The backup service (compose.yaml `backup`, image backup/Dockerfile).
#   (no argument)       BusyBox crond in the foreground, running `job.sh run` on BACKUP_SCHEDULE
#                       (UTC); with BACKUP_SCHEDULE=off it runs no job (make restore still uses the image)
#   run | snapshots | fetch ID   one command of backup/job.sh (docker compose run --rm backup ...)
set -eu
HERE=$(dirname -- "$0")

if [ $# -gt 0 ]; then exec sh "$HERE/job.sh" "$@"; fi

. "$HERE/schedule.sh"
schedule=${BACKUP_SCHEDULE:-}
problem=$(schedule_problem "$schedule")
if [ -z "$schedule" ] || [ -n "$problem" ]; then
  echo "backup: BACKUP_SCHEDULE='$schedule' ${problem:-is empty}. Fix: a cron expression in .env, e.g. BACKUP_SCHEDULE=0 3 * * * (03:00 UTC daily), or BACKUP_SCHEDULE=off; then make up" >&2
  exit 2
fi
: "${CRON_DIR:=/etc/crontabs}"
mkdir -p "$CRON_DIR"
if [ "$schedule" = off ]; then
  # crond with no job: the service stays what the healthcheck and make status expect
  : >"$CRON_DIR/root"
  echo "backup: BACKUP_SCHEDULE=off: no scheduled backups (make backup still works)"
else
  # The job's output goes to the container's log (docker compose logs backup): PID 1 is docker-init.
  printf '%s sh %s/job.sh run >/proc/1/fd/1 2>/proc/1/fd/2\n' "$schedule" "$(CDPATH='' cd -- "$HERE" && pwd)" >"$CRON_DIR/root"
  offsite=off
  [ -n "${BACKUP_OFFSITE_REPOSITORY:-}" ] && offsite=on
  echo "backup: scheduled '$schedule' (UTC), keeping ${BACKUP_RETENTION:-7}; off-site copy: $offsite"
fi
exec ${CROND:-crond} -f -l 8 -L /dev/stderr -c "$CRON_DIR"
