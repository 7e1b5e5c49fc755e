#!/bin/sh
# make doctor: preflight and health report of the stack. Each line is OK, WARN, FAIL or SKIP,
# with a fix under WARN and FAIL; exit 1 when anything FAILs. Works when the stack is down.
#
# Host checks here in POSIX sh (the VPS host has no Node): .env valid, Docker and Compose v2
# versions, ports 80/443, DNS of the three domains. The network checks (WeChat credentials, Logto
# status, OIDC issuer, certificates) are TypeScript (scripts/src/doctor) and run in a small image
# built from scripts/Dockerfile, attached to the stack's network when it runs.
#
# Overrides (tests, unusual hosts): DOCTOR_TS_CMD (run the TS checks some other way, e.g.
# "npm run --silent doctor --"), DOCTOR_RESOLVE (command printing a name's addresses),
# DOCTOR_HOST_ADDRS (this host's addresses), DOCTOR_PUBLIC_IP (the public address behind NAT),
# PROC_NET (default /proc/net), DOCTOR_MIN_DOCKER (24.0.0), DOCTOR_MIN_COMPOSE (2.26.0),
# DOCTOR_DF (default "df -P"), DOCTOR_DISK_MAX_PERCENT (85), DOCTOR_OUTBOUND_URLS ("host=url ...":
# the URL probed instead of an outbound host's own, scripts/src/doctor/outbound.ts).
#
# --status (make status): "is everything all right?" for a terminal, cron or a monitoring agent:
# each service's health, Logto's and the stack's versions, the last backup's age and a
# pg_restore --list of it, the disks, Logto's status and the certificates' days left. Exit 1 on any
# WARN or FAIL (something needs attention), 0 otherwise. BACKUP_MAX_AGE_HOURS (.env or the
# environment, 26); the backup service's last run from backups/last-run (backup/job.sh).
set -u
. "$(dirname -- "$0")/lib.sh"

mode=doctor
TS_ONLY=
case ${1:-} in
  --status) mode=status ;;
  '') ;;
  *) die "unknown option $1" "usage: scripts/doctor.sh [--status]" ;;
esac

: "${DOCTOR_MIN_DOCKER:=24.0.0}"
: "${DOCTOR_MIN_COMPOSE:=2.26.0}"
: "${PROC_NET:=/proc/net}"
: "${DOCTOR_IMAGE:=wechat-logto-stack-doctor:local}"

n_ok=0 n_warn=0 n_fail=0 n_skip=0
# report STATUS NAME MESSAGE [FIX]: the same line format as the TypeScript checks
report() {
  printf '%-5s %s: %s\n' "$1" "$2" "$3"
  case $1 in
    OK) n_ok=$((n_ok + 1)) ;;
    WARN) n_warn=$((n_warn + 1)) ;;
    FAIL) n_fail=$((n_fail + 1)) ;;
    SKIP) n_skip=$((n_skip + 1)) ;;
  esac
  if [ -n "${4:-}" ] && { [ "$1" = FAIL ] || [ "$1" = WARN ]; }; then printf '      fix: %s\n' "$4"; fi
}

is_local_domain() {
  case $1 in localhost | *.localhost | *.test | *.local) return 0 ;; *) return 1 ;; esac
}

# ---- .env ----------------------------------------------------------------------------------------
# The validator of make up (scripts/env/validate.sh: ERROR/WARN lines "<problem>. Fix: <fix>").
: "${ENV_VALIDATOR:=$SCRIPTS_DIR/env/validate.sh}"
check_env() {
  if [ ! -f "$ENV_FILE" ]; then
    report FAIL env "$ENV_FILE does not exist" "run make up (it creates .env with generated secrets), or cp .env.example .env && make secrets"
    return
  fi
  if [ ! -f "$ENV_VALIDATOR" ]; then
    report SKIP env "no .env validator at $ENV_VALIDATOR"
  else
    out=$(sh "$ENV_VALIDATOR" "$ENV_FILE" 2>&1)
    rc=$?
    problems=$(printf '%s\n' "$out" | grep -c -E '^(ERROR|WARN) ')
    printf '%s\n' "$out" | grep -E '^(ERROR|WARN) ' | while IFS= read -r line; do
      level=FAIL
      case $line in WARN*) level=WARN ;; esac
      text=$(printf '%s' "$line" | sed -E 's/^(ERROR|WARN) +//')
      case $text in
        *". Fix: "*) printf '%s\t%s\t%s\n' "$level" "${text%%. Fix: *}" "${text#*. Fix: }" ;;
        *) printf '%s\t%s\t\n' "$level" "$text" ;;
      esac
    done >"$ENV_FILE.doctor.$$"
    while IFS="$(printf '\t')" read -r level msg fix; do
      report "$level" env "$msg" "$fix"
    done <"$ENV_FILE.doctor.$$"
    rm -f "$ENV_FILE.doctor.$$"
    if [ "$rc" -ne 0 ] && [ "$problems" -eq 0 ]; then
      report FAIL env ".env is invalid: $(printf '%s' "$out" | tr '\n' ' ')" "make check-env"
    elif [ "$rc" -eq 0 ]; then
      report OK env ".env is valid (the same rules as make up)"
    fi
  fi
  perms=$(ls -l "$ENV_FILE" | cut -c5-10)
  if [ "$perms" != "------" ]; then
    report WARN env-perms ".env is readable by other users (it holds secrets)" "chmod 600 .env"
  fi
}

# ---- Docker and Compose --------------------------------------------------------------------------
docker_ok=0
check_docker() {
  if ! command -v docker >/dev/null 2>&1; then
    report FAIL docker "docker not found" "install Docker Engine $DOCKER_HINT"
    return
  fi
  if ! server=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || [ -z "$server" ]; then
    report FAIL docker "the Docker daemon does not answer" "start it (sudo systemctl start docker) or add your user to the docker group"
  elif version_ge "$server" "$DOCTOR_MIN_DOCKER"; then
    report OK docker "Docker Engine $server (>= $DOCTOR_MIN_DOCKER)"
    docker_ok=1
  else
    report FAIL docker "Docker Engine $server is older than $DOCTOR_MIN_DOCKER" "upgrade Docker Engine $DOCKER_HINT"
    docker_ok=1
  fi
  if ! compose=$($COMPOSE version --short 2>/dev/null) || [ -z "$compose" ]; then
    report FAIL compose "Compose v2 not found ($COMPOSE version failed)" "install the docker-compose-plugin package $DOCKER_HINT"
  elif version_ge "$compose" "$DOCTOR_MIN_COMPOSE"; then
    report OK compose "Compose $compose (>= $DOCTOR_MIN_COMPOSE)"
  else
    report FAIL compose "Compose $compose is older than $DOCTOR_MIN_COMPOSE" "upgrade the docker-compose-plugin package $DOCKER_HINT"
  fi
}
DOCKER_HINT="(https://docs.docker.com/engine/install/)"

# ---- Is the stack running? -----------------------------------------------------------------------
stack=down
caddy_id=
check_stack() {
  caddy_id=$($COMPOSE ps --status running -q caddy 2>/dev/null | head -n 1)
  if [ -n "$caddy_id" ]; then
    stack=up
    running=$($COMPOSE ps --status running --services 2>/dev/null | sort | tr '\n' ' ')
    report OK stack "running: ${running% }"
  else
    report SKIP stack "the stack is not running: checks that need it are skipped (start it: make up)"
  fi
}

# ---- Ports 80 and 443 ----------------------------------------------------------------------------
# listening PORT: a TCP socket in LISTEN on PORT on this host (IPv4 or IPv6), from /proc/net
listening() {
  hex=$(printf '%04X' "$1")
  cat "$PROC_NET/tcp" "$PROC_NET/tcp6" 2>/dev/null |
    awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { found = 1 } END { exit !found }'
}
check_ports() {
  if [ ! -r "$PROC_NET/tcp" ]; then
    report SKIP ports "cannot read $PROC_NET/tcp on this system (not Linux?)"
    return
  fi
  for port in 80 443; do
    if ! listening "$port"; then
      if [ "$stack" = up ]; then
        report WARN "port $port" "free, but this stack's Caddy runs: is its port published?" "docker compose ps caddy; docker compose up -d caddy"
      else
        report OK "port $port" "free"
      fi
    elif [ "$stack" = up ] && $COMPOSE port caddy "$port" >/dev/null 2>&1; then
      report OK "port $port" "held by this stack's Caddy"
    else
      report FAIL "port $port" "in use by another program" "find it with: sudo ss -ltnp 'sport = :$port' (stop it or move it; Caddy needs 80 and 443)"
    fi
  done
}

# ---- DNS -----------------------------------------------------------------------------------------
resolve() {
  if [ -n "${DOCTOR_RESOLVE:-}" ]; then
    $DOCTOR_RESOLVE "$1"
  elif command -v getent >/dev/null 2>&1; then
    getent ahostsv4 "$1" | awk '{ print $1 }' | sort -u
  else
    nslookup "$1" 2>/dev/null | awk '/^Address/ && NR > 2 { print $NF }'
  fi
}
host_addrs() {
  if [ -n "${DOCTOR_HOST_ADDRS:-}" ]; then
    printf '%s\n' $DOCTOR_HOST_ADDRS
  elif [ -r "$PROC_NET/fib_trie" ]; then
    awk '/32 host LOCAL/ { print prev } { prev = $2 }' "$PROC_NET/fib_trie" | sort -u
  elif command -v hostname >/dev/null 2>&1; then
    hostname -I 2>/dev/null | tr ' ' '\n'
  fi
  [ -n "${DOCTOR_PUBLIC_IP:-}" ] && printf '%s\n' "$DOCTOR_PUBLIC_IP"
}
check_dns() {
  tls_mode=$(env_get TLS_MODE internal)
  mine=$(host_addrs | grep -v '^127\.' | sort -u | tr '\n' ' ')
  for var in LOGTO_DOMAIN APP_DOMAIN ADMIN_DOMAIN; do
    # Empty: the default, .env.example's (the one next to these scripts), as the TS checks take it.
    domain=$(env_get "$var" "$(env_value "$SCRIPTS_DIR/../.env.example" "$var" 2>/dev/null)")
    case $domain in
      *[!A-Za-z0-9.-]*) report SKIP "dns $var" "$var=$domain is not a host name (see the env lines above)"; continue ;;
    esac
    if is_local_domain "$domain"; then
      if [ "$tls_mode" = acme ]; then
        report FAIL "dns $domain" "$var is a local name but TLS_MODE=acme" "set $var to a public host name, or TLS_MODE=internal"
      else
        report OK "dns $domain" "local name (browsers resolve *.localhost to this machine)"
      fi
      continue
    fi
    addrs=$(resolve "$domain" | tr '\n' ' ')
    addrs=${addrs% }
    if [ -z "$addrs" ]; then
      report FAIL "dns $domain" "$var does not resolve" "create a DNS A record: $domain -> this host's public address"
      continue
    fi
    match=
    for a in $addrs; do
      case " $mine " in *" $a "*) match=$a ;; esac
    done
    if [ -n "$match" ]; then
      report OK "dns $domain" "resolves to $match, an address of this host"
    elif [ -z "$mine" ]; then
      report WARN "dns $domain" "resolves to $addrs; this host's addresses are unknown" "run with DOCTOR_PUBLIC_IP=<this host's public address> make doctor"
    else
      report WARN "dns $domain" "resolves to $addrs, not to this host (${mine% })" "point the A record at this host; behind NAT, check with DOCTOR_PUBLIC_IP=<public address> make doctor"
    fi
  done
}

# ---- Disk ----------------------------------------------------------------------------------------
# The filesystems of Docker's data (images, volumes: the database, container logs) and of the
# backups: over DOCTOR_DISK_MAX_PERCENT (85) used, WARN. A full disk stops PostgreSQL, and with
# it every sign-in. DOCTOR_DF replaces `df -P` (tests).
: "${DOCTOR_DISK_MAX_PERCENT:=85}"
: "${DOCTOR_DF:=df -P}"
# disk_usage PATH: "<percent> <mount point>" of the filesystem holding PATH (or its nearest existing parent)
disk_usage() {
  _p=$1
  while [ ! -e "$_p" ] && [ "$_p" != / ] && [ "$_p" != . ]; do _p=$(dirname -- "$_p"); done
  $DOCTOR_DF "$_p" 2>/dev/null | awk 'NR == 2 { sub(/%$/, "", $5); print $5, $6 }'
}
check_disk() {
  docker_root=
  if [ "$docker_ok" = 1 ]; then docker_root=$(docker info --format '{{.DockerRootDir}}' 2>/dev/null); fi
  seen=
  for what in docker backups; do
    case $what in
      docker)
        path=$docker_root
        if [ -z "$path" ]; then report SKIP "disk docker" "Docker's data directory is unknown (daemon not reachable)"; continue; fi
        if [ ! -d "$path" ]; then report SKIP "disk docker" "Docker's data ($path) is not on this machine (Docker Desktop, or a remote DOCKER_HOST)"; continue; fi
        label="Docker's data ($path)" ;;
      backups) path=$BACKUP_DIR; label="the backups ($path)" ;;
    esac
    usage=$(disk_usage "$path")
    pct=${usage%% *}
    mount=${usage#* }
    case $pct in
      '' | *[!0-9]*) report SKIP "disk $what" "cannot read the disk usage of $path (df -P)"; continue ;;
    esac
    # one line per filesystem: backups on the same disk as Docker's data say so
    case " $seen " in *" $mount "*) report OK "disk $what" "$label: on $mount too (above)"; continue ;; esac
    seen="$seen $mount"
    if [ "$pct" -gt "$DOCTOR_DISK_MAX_PERCENT" ]; then
      report WARN "disk $what" "$mount is $pct % full (over $DOCTOR_DISK_MAX_PERCENT %), it holds $label" \
        "free space: docker image prune -a and docker builder prune (unused images and build cache), move old backups off the machine; a full disk stops PostgreSQL"
    else
      report OK "disk $what" "$mount is $pct % full, it holds $label"
    fi
  done
}

# ---- Network checks (TypeScript) -----------------------------------------------------------------
TS_VARS="LOGTO_DOMAIN APP_DOMAIN ADMIN_DOMAIN TLS_MODE WECHAT_APP_ID WECHAT_APP_SECRET WECHAT_OA_APP_ID WECHAT_OA_APP_SECRET WECHAT_API_BASE LOGTO_URL APP_URL ADMIN_URL DOCTOR_TIMEOUT_MS"
# the settings that decide which outbound hosts the stack calls (scripts/src/doctor/outbound.ts)
TS_VARS="$TS_VARS ACME_CA ACME_EMAIL LOGTO_PWNED_PASSWORD_CHECK BACKUP_OFFSITE_REPOSITORY IMAGE_REGISTRY NPM_REGISTRY ACME_DNS_PROVIDER GOPROXY DOCTOR_OUTBOUND_URLS"
run_ts_checks() {
  for v in $TS_VARS; do
    val=$(env_get "$v")
    eval "$v=\$val"
    export "${v?}"
  done
  DOCTOR_STACK=$stack
  export DOCTOR_STACK
  # A private ACME CA (ACME_CA_ROOT, relative to the stack's directory): the checks trust its root
  # as the app does, so its certificates count as trusted.
  acme_root=$(env_get ACME_CA_ROOT)
  case $acme_root in '' | /*) ;; *) acme_root=$STACK_DIR/${acme_root#./} ;; esac
  # The docker run arguments that hand it over (positional parameters: a path may hold spaces).
  set --
  if [ -n "$acme_root" ] && [ "$(env_get TLS_MODE)" = acme ] && [ -r "$acme_root" ]; then
    NODE_EXTRA_CA_CERTS=$acme_root
    export NODE_EXTRA_CA_CERTS
    set -- -v "$acme_root:/run/acme-ca/root.pem:ro" -e NODE_EXTRA_CA_CERTS=/run/acme-ca/root.pem
  fi
  out=$(mktemp)
  if [ -n "${DOCTOR_TS_CMD:-}" ]; then
    $DOCTOR_TS_CMD ${TS_ONLY:+--only "$TS_ONLY"} --no-summary >"$out" 2>&1
  elif [ "$docker_ok" = 1 ]; then
    printf 'doctor: building the checks image (cached after the first run) ...\n' >&2
    # context = the repository root, as for every image of the stack (the lockfile lives there)
    # from the registries .env names, as Compose builds the stack's images (compose.yaml x-build-args)
    if ! docker build -q -t "$DOCTOR_IMAGE" --build-arg "IMAGE_REGISTRY=$(env_get IMAGE_REGISTRY)" --build-arg "NPM_REGISTRY=$(env_get NPM_REGISTRY)" -f "$STACK_DIR/scripts/Dockerfile" "$STACK_DIR" >/dev/null 2>"$out"; then
      report FAIL checks "could not build the doctor image from scripts/Dockerfile" "$(tail -n 1 "$out")"
      rm -f "$out"
      return
    fi
    network=bridge
    if [ -n "$caddy_id" ]; then
      # the stack's network: there the three public names are aliases of Caddy
      network=$(docker inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$caddy_id" | awk '{ print $1 }')
    fi
    # -e NAME without a value: Docker copies it from this environment, so secrets stay off the command line
    env_flags=
    for v in $TS_VARS DOCTOR_STACK; do env_flags="$env_flags -e $v"; done
    # shellcheck disable=SC2086
    docker run --rm --network "$network" $env_flags "$@" "$DOCTOR_IMAGE" ${TS_ONLY:+--only "$TS_ONLY"} --no-summary >"$out" 2>&1
  elif command -v npm >/dev/null 2>&1 && [ -d "$SCRIPTS_DIR/../node_modules/zod" ]; then
    # a development machine without a Docker daemon: run the TypeScript checks with the local Node
    (cd "$SCRIPTS_DIR/.." && npm run --silent doctor -- ${TS_ONLY:+--only "$TS_ONLY"} --no-summary) >"$out" 2>&1
  else
    report SKIP checks "WeChat, Logto and certificate checks need Docker (or Node: npm run doctor)"
    rm -f "$out"
    return
  fi
  status=$?
  cat "$out"
  for s in OK WARN FAIL SKIP; do
    c=$(grep -c "^$s " "$out")
    case $s in OK) n_ok=$((n_ok + c)) ;; WARN) n_warn=$((n_warn + c)) ;; FAIL) n_fail=$((n_fail + c)) ;; SKIP) n_skip=$((n_skip + c)) ;; esac
  done
  if [ "$status" -ne 0 ] && ! grep -q '^FAIL ' "$out"; then
    report FAIL checks "the network checks stopped with exit code $status (output above)"
  fi
  rm -f "$out"
}

# ---- Status: each service, versions, the last backup (make status) --------------------------------
# check_services: every service of the project (compose.yaml and the overlays in COMPOSE_FILE) as
# docker reports it: healthy (or running, without a healthcheck), a one-shot (restart "no") exited 0
check_services() {
  if [ -z "$($COMPOSE ps -a -q 2>/dev/null)" ]; then
    report FAIL services "the stack is not running (no containers)" "make up (or make up-sandbox)"
    return
  fi
  for svc in $($COMPOSE config --services 2>/dev/null | sort); do
    line=$($COMPOSE ps -a --format '{{.State}} {{.Health}} {{.ExitCode}}' "$svc" 2>/dev/null | head -n 1)
    set -- $line
    state=${1:-} health=${2:-} code=${3:-}
    # no healthcheck: the Health column is empty and the exit code moves up
    case $health in '' | [0-9]*) code=$health; health= ;; esac
    oneshot=
    [ "$(service_key "$svc" restart)" = no ] && oneshot=yes
    case $state:$health in
      running:healthy) report OK "service $svc" "healthy" ;;
      running:) report OK "service $svc" "running (no healthcheck)" ;;
      running:starting) report WARN "service $svc" "starting (healthcheck not passed yet)" "wait, then run make status again; docker compose logs --tail=100 $svc" ;;
      running:unhealthy) report FAIL "service $svc" "unhealthy" "docker compose logs --tail=100 $svc" ;;
      exited:*)
        if [ -n "$oneshot" ] && [ "$code" = 0 ]; then
          report OK "service $svc" "one-shot step, finished (exit 0)"
        else
          report FAIL "service $svc" "exited (exit code ${code:-?})" "docker compose logs --tail=100 $svc, fix, then make up"
        fi ;;
      :) report FAIL "service $svc" "has no container" "make up" ;;
      *) report FAIL "service $svc" "$state${health:+ ($health)}" "docker compose logs --tail=100 $svc" ;;
    esac
  done
}

# check_versions: what Logto runs against what .env pins, and this checkout's version
check_versions() {
  pinned=$(env_get LOGTO_VERSION)
  want=$(logto_image)
  id=$($COMPOSE ps -q logto 2>/dev/null | head -n 1)
  running=
  [ -n "$id" ] && running=$(docker inspect --format '{{.Config.Image}}' "$id" 2>/dev/null)
  if [ -z "$running" ]; then
    report SKIP "version logto" "LOGTO_VERSION=${pinned:-?} in .env (${want:-?}); no Logto container"
  elif [ -n "$want" ] && [ "$running" != "$want" ]; then
    report WARN "version logto" "Logto runs $running, but .env names $want (LOGTO_VERSION=${pinned:-?})" \
      "a version change goes through make upgrade LOGTO_VERSION=x.y.z (backup, alterations, rollback); to undo an edit of .env, put the old value back"
  else
    report OK "version logto" "Logto ${pinned:-?} ($running)"
  fi
  ver=$(git -C "$STACK_DIR" describe --tags --always --dirty 2>/dev/null) || ver=
  report OK "version stack" "${ver:-unknown (not a git checkout)}"
}

# check_backup: the newest backups/<timestamp>*.dump, its age and whether pg_restore can read it;
# then what the backup service's last scheduled run left in backups/last-run (backup/job.sh)
check_backup() {
  max_age=$(env_get BACKUP_MAX_AGE_HOURS 26)
  case $max_age in '' | *[!0-9]* | 0*) max_age=26 ;; esac
  newest=
  if [ -d "$BACKUP_DIR" ]; then
    newest=$(ls -1 "$BACKUP_DIR" | grep -E '^[0-9]{8}T[0-9]{6}Z[A-Za-z0-9._-]*\.dump$' | sort | tail -n 1)
  fi
  if [ -z "$newest" ]; then
    report WARN backup "no backup in $BACKUP_DIR" "make backup; the backup service makes one at BACKUP_SCHEDULE (docker compose logs backup)"
  else
    file="$BACKUP_DIR/$newest"
    age_h=$(( ($(date +%s) - $(stat -c %Y "$file")) / 3600 ))
    if ! compose_running postgres; then
      verified="not verified (postgres is not running)"
    elif entries=$($PG_RESTORE --list <"$file" 2>/dev/null | grep -c '^[0-9]') && [ "$entries" -gt 0 ]; then
      verified="pg_restore --list reads $entries entries"
    else
      verified=
      report FAIL backup "the last backup $newest is not a readable archive (pg_restore --list)" "make backup now; check the disk (df -h) and backups/"
    fi
    if [ -z "$verified" ]; then
      :
    elif [ "$age_h" -ge "$max_age" ]; then
      report WARN backup "the last backup $newest is $age_h h old (over BACKUP_MAX_AGE_HOURS=$max_age); $verified" "make backup; is the backup service running and BACKUP_SCHEDULE right? (docker compose logs backup)"
    else
      report OK backup "the last backup $newest is $age_h h old; $verified"
    fi
  fi
  last="$BACKUP_DIR/last-run"
  [ -f "$last" ] || return 0
  field() { sed -n "s/^$1=//p" "$last" | tail -n 1; }
  when=$(field finished)
  case $(field local) in
    ok) report OK "backup run" "the scheduled backup of $when: $(field dump), $(field entries) archive entries (pg_restore --list)" ;;
    *) report FAIL "backup run" "the scheduled backup of $when failed: $(field error)" "docker compose logs backup; fix, then docker compose exec backup sh backup/job.sh run" ;;
  esac
  case $(field offsite) in
    ok) report OK "backup offsite" "$(field dump) copied off-site (restic snapshot $(field snapshot))" ;;
    off) report SKIP "backup offsite" "no off-site copy: BACKUP_OFFSITE_REPOSITORY is empty (the backups stay on this disk)" ;;
    failed)
      error=$(field error)
      report WARN "backup offsite" "the off-site copy of $(field dump) failed (the local backup is kept): ${error%%. Fix: *}" "${error#*. Fix: }" ;;
    *) ;;
  esac
}

if [ "$mode" = status ]; then
  check_docker
  if [ "$docker_ok" = 1 ]; then check_stack; fi
  check_services
  check_versions
  check_backup
  check_disk
  TS_ONLY=logto,tls
  run_ts_checks
  printf 'status: %s OK, %s WARN, %s FAIL, %s SKIP\n' "$n_ok" "$n_warn" "$n_fail" "$n_skip"
  if [ $((n_warn + n_fail)) -gt 0 ]; then
    say "status: needs attention (the WARN and FAIL lines above)"
    exit 1
  fi
  exit 0
fi

check_env
check_docker
if [ "$docker_ok" = 1 ]; then check_stack; fi
check_ports
check_dns
check_disk
run_ts_checks

printf 'doctor: %s OK, %s WARN, %s FAIL, %s SKIP\n' "$n_ok" "$n_warn" "$n_fail" "$n_skip"
[ "$n_fail" -eq 0 ]
