#!/bin/sh
# Check .env before anything starts (`make up` runs it; `make check-env` alone). One line per problem,
# each naming the variable and the fix; warnings do not fail.
#
# Usage: scripts/env/validate.sh [ENV_FILE]     (default: .env at the repository root)
# Exit: 0 valid (maybe with warnings), 2 invalid, 1 ENV_FILE unreadable.
set -eu
. "$(dirname "$0")/lib.sh"

ROOT=$(stack_dir)
ENV_FILE=${1:-$ROOT/.env}
EXAMPLE=$ROOT/.env.example

if [ ! -r "$ENV_FILE" ]; then
	echo "error: cannot read $ENV_FILE. Fix: run \`make up\` (creates it) or \`cp .env.example .env && make secrets\`." >&2
	exit 1
fi

errors=0
warnings=0
error() { errors=$((errors + 1)); printf 'ERROR %s\n' "$*" >&2; }
warn() { warnings=$((warnings + 1)); printf 'WARN  %s\n' "$*" >&2; }
get() { env_value "$ENV_FILE" "$1" || true; }
# matches VALUE EXTENDED-REGEX: the whole value matches.
matches() { printf '%s\n' "$1" | grep -Eq "^($2)\$"; }

# ---- every value: Compose expands `$` in .env values (unless single-quoted) -----------------------
for name in $(env_names "$ENV_FILE"); do
	raw=$(awk -v name="$name" '{ l = $0; sub(/^[ \t]+/, "", l); sub(/^export[ \t]+/, "", l) }
		index(l, name "=") == 1 { v = substr(l, length(name) + 2) } END { print v }' "$ENV_FILE")
	# `$$` is Compose's escape for a literal `$`; single-quoted values are taken literally.
	case $raw in
	\'*) ;;
	*)
		case $(printf '%s\n' "$raw" | sed 's/\$\$//g') in
		*\$*) error "$name contains \`\$\`, which Compose expands. Fix: write \$\$ for a literal \$, or choose a value without it." ;;
		esac
		;;
	esac
done

# ---- secrets ----------------------------------------------------------------------------------
check_secret() { # NAME MIN-LENGTH
	v=$(get "$1")
	if [ -z "$v" ]; then
		error "$1 is empty. Fix: run \`make secrets\` (fills empty secrets, keeps the others) or set $1 in $ENV_FILE."
	elif [ "${#v}" -lt "$2" ]; then
		error "$1 is too short (${#v} characters, at least $2). Fix: empty it and run \`make secrets\`, or set a longer value."
	fi
}
check_secret POSTGRES_PASSWORD 16
check_secret AUTH_SECRET 32
check_secret LOGTO_ADMIN_PASSWORD 8
pg=$(get POSTGRES_PASSWORD)
if [ -n "$pg" ] && ! matches "$pg" '[A-Za-z0-9._~-]+'; then
	error "POSTGRES_PASSWORD has characters other than letters, digits and . _ ~ - (it goes into Logto's DB_URL). Fix: empty it and run \`make secrets\`."
fi
case $(get AUTH_SECRET) in
*[[:space:]\"\']*) error "AUTH_SECRET contains spaces or quotes. Fix: empty it and run \`make secrets\`." ;;
esac

# ---- domains ----------------------------------------------------------------------------------
HOST_RE='[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*'
check_domain() { # NAME EXAMPLE
	v=$(get "$1")
	if [ -z "$v" ]; then
		error "$1 is empty. Fix: set $1=<host name> in $ENV_FILE, e.g. $1=$2."
		return
	fi
	hint=$(printf '%s\n' "$v" | sed -e 's#^[A-Za-z][A-Za-z0-9+.-]*://##' -e 's#/.*$##' -e 's#:[0-9]*$##' | tr 'A-Z' 'a-z')
	case $v in
	*://*) error "$1=$v has a scheme. Fix: a host name only: $1=$hint." ;;
	*/*) error "$1=$v has a path. Fix: a host name only: $1=$hint." ;;
	*:*) error "$1=$v has a port. Fix: $1=$hint (Caddy serves 443; WeChat only calls 443)." ;;
	*[A-Z]*) error "$1=$v has upper-case letters (the OIDC issuer is compared exactly). Fix: $1=$hint." ;;
	*)
		if ! matches "$v" "$HOST_RE"; then
			error "$1=$v is not a valid host name (letters, digits, hyphens, dot-separated labels). Fix: e.g. $1=$2."
		fi
		;;
	esac
}
check_domain LOGTO_DOMAIN auth.example.com
check_domain APP_DOMAIN app.example.com
check_domain ADMIN_DOMAIN admin.example.com
logto=$(get LOGTO_DOMAIN)
app=$(get APP_DOMAIN)
admin=$(get ADMIN_DOMAIN)
if [ -n "$logto" ] && [ "$app" = "$logto" ]; then
	error "APP_DOMAIN equals LOGTO_DOMAIN ($logto). Fix: give the app its own host name, e.g. APP_DOMAIN=app.${logto#*.}."
fi
if [ -n "$logto" ] && [ "$admin" = "$logto" ]; then
	error "ADMIN_DOMAIN equals LOGTO_DOMAIN ($logto): Logto refuses one origin for both. Fix: e.g. ADMIN_DOMAIN=admin.${logto#*.}."
fi
if [ -n "$app" ] && [ "$admin" = "$app" ]; then
	error "ADMIN_DOMAIN equals APP_DOMAIN ($app). Fix: give the console its own host name, e.g. ADMIN_DOMAIN=admin.${app#*.}."
fi

# ---- TLS --------------------------------------------------------------------------------------
tls=$(get TLS_MODE)
case ${tls:-internal} in
internal)
	case $logto in
	'' | localhost | *.localhost | *.test | *.internal | *.local) ;;
	*) warn "TLS_MODE=internal with LOGTO_DOMAIN=$logto: browsers will warn and real WeChat refuses the callback. Fix for a public server: TLS_MODE=acme." ;;
	esac
	;;
acme)
	for n in LOGTO_DOMAIN APP_DOMAIN ADMIN_DOMAIN; do
		case $(get "$n") in
		localhost | *.localhost | *.test | *.internal | *.local)
			error "TLS_MODE=acme but $n=$(get "$n") is not a public name: no ACME CA issues certificates for it. Fix: a public DNS name for $n, or TLS_MODE=internal." ;;
		esac
	done
	;;
*) error "TLS_MODE=$tls is not valid. Fix: TLS_MODE=internal (Caddy's own CA, local) or TLS_MODE=acme (public certificates)." ;;
esac
email=$(get ACME_EMAIL)
if [ -n "$email" ]; then
	if ! matches "$email" "[A-Za-z0-9._%+-]+@$HOST_RE\.[a-z]{2,}"; then
		error "ACME_EMAIL=$email is not a valid e-mail address. Fix: ACME_EMAIL=you@your-domain, or leave it empty."
	else
		case ${email#*@} in
		example.com | example.org | example.net | *.example.com | *.example.org | *.example.net | localhost | *.localhost)
			error "ACME_EMAIL=$email: Let's Encrypt refuses addresses at ${email#*@}. Fix: a real address, or leave ACME_EMAIL empty." ;;
		esac
	fi
fi

# ---- console allowlist -------------------------------------------------------------------------
# Caddy's remote_ip matcher parses each range with Go's netip (ParsePrefix with a "/", else ParseAddr)
# and refuses to start on a bad one, after `make up` has begun. The same rules here, taken from the
# strictest Caddy we run: no leading zeros, no sign in a prefix length, no IPv6 zone (newer Go refuses
# zones in prefixes; a client address has none). `private_ranges` is Caddy's own shorthand.
# allow_problems VALUE: one line "<range><TAB><problem>. Fix: <fix>" per bad range (awk splits VALUE:
# no shell globbing).
allow_problems() {
	ALLOW=$1 awk '
		function dec(s, max) { return s ~ /^(0|[1-9][0-9]*)$/ && length(s) <= 3 && s + 0 <= max }
		function v4(s,   p, n, i) {
			n = split(s, p, ".")
			if (n != 4) return 0
			for (i = 1; i <= 4; i++) if (!dec(p[i], 255)) return 0
			return 1
		}
		# The number of 16-bit groups of a colon-separated list (an IPv4 tail counts 2), -1 if invalid.
		function groups(s, v4tail,   p, n, i) {
			if (s == "") return 0
			n = split(s, p, ":")
			for (i = 1; i < n; i++) if (p[i] !~ /^[0-9A-Fa-f]+$/ || length(p[i]) > 4) return -1
			if (v4tail && index(p[n], ".")) return v4(p[n]) ? n + 1 : -1
			return (p[n] ~ /^[0-9A-Fa-f]+$/ && length(p[n]) <= 4) ? n : -1
		}
		function v6(s,   at, h, t) {
			if (!index(s, ":")) return 0
			at = index(s, "::")
			if (!at) return groups(s, 1) == 8
			if (index(substr(s, at + 2), "::")) return 0
			h = groups(substr(s, 1, at - 1), 0)
			t = groups(substr(s, at + 2), 1)
			return h >= 0 && t >= 0 && h + t <= 7 # "::" stands for at least one group of zeros
		}
		function problem(r,   i, slash, addr, bits, max) {
			if (r == "private_ranges") return ""
			if (r == "forwarded") return "it makes Caddy trust X-Forwarded-For, which any client can set. Fix: remove it (Caddy is the edge: it sees the real address)"
			if (index(r, "%")) return "an IPv6 zone (%...) is not matched by Caddy. Fix: the address without it"
			for (i = length(r); i > 0 && !slash; i--) if (substr(r, i, 1) == "/") slash = i
			addr = slash ? substr(r, 1, slash - 1) : r
			bits = slash ? substr(r, slash + 1) : ""
			if (v4(addr)) max = 32
			else if (v6(addr)) max = 128
			else return "not an IP address or CIDR range. Fix: e.g. ADMIN_ALLOW_FROM=203.0.113.7/32 2001:db8::/48"
			if (slash && !dec(bits, max)) return "the prefix length must be a number from 0 to " max ". Fix: e.g. " addr "/" max
			return ""
		}
		BEGIN {
			n = split(ENVIRON["ALLOW"], ranges, /[ \t]+/)
			for (i = 1; i <= n; i++) if (ranges[i] != "" && (p = problem(ranges[i])) != "") printf "%s\t%s\n", ranges[i], p
		}
	'
}
allow=$(get ADMIN_ALLOW_FROM)
case $allow in
*,*) error "ADMIN_ALLOW_FROM=$allow uses commas. Fix: separate the ranges with spaces, e.g. ADMIN_ALLOW_FROM=203.0.113.7/32 10.0.0.0/8." ;;
*[![:space:]]*)
	problems=$(allow_problems "$allow")
	tab=$(printf '\t')
	while IFS=$tab read -r range problem; do
		[ -z "$range" ] || error "ADMIN_ALLOW_FROM has \"$range\": $problem."
	done <<EOF
$problems
EOF
	;;
?*) error "ADMIN_ALLOW_FROM holds only spaces: Compose passes them, and Caddy then lets nobody reach the console. Fix: empty it (everyone) or list ranges, e.g. ADMIN_ALLOW_FROM=203.0.113.7/32." ;;
esac
# The console on a public server is reachable from anywhere unless ADMIN_ALLOW_FROM narrows it.
if [ "${tls:-internal}" = acme ]; then
	everyone=$(printf '%s\n' "$allow" | tr -s ' \t' '\n\n' | grep -E '/0$' | head -n 1 || true)
	if [ -z "$allow" ]; then
		everyone="is empty (everyone)"
	elif [ -n "$everyone" ]; then
		everyone="has $everyone (everyone)"
	fi
	if [ -n "$everyone" ]; then
		warn "TLS_MODE=acme and ADMIN_ALLOW_FROM $everyone: Logto's admin console https://${admin:-ADMIN_DOMAIN}/console is open to the whole internet. Fix: allow only the addresses you administer from, e.g. ADMIN_ALLOW_FROM=203.0.113.7/32 2001:db8::/48."
	fi
fi

# ---- Logto --------------------------------------------------------------------------------------
version=$(get LOGTO_VERSION)
if [ -n "$version" ] && ! matches "$version" '[0-9]+\.[0-9]+\.[0-9]+'; then
	error "LOGTO_VERSION=$version is not an exact version. Fix: an image tag like LOGTO_VERSION=1.42.0 (not latest or 1.42)."
fi
user=$(get LOGTO_ADMIN_USERNAME)
if [ -n "$user" ] && ! matches "$user" '[A-Za-z_][A-Za-z0-9_]*'; then
	error "LOGTO_ADMIN_USERNAME=$user is not a Logto username. Fix: letters, digits and _, not starting with a digit, e.g. LOGTO_ADMIN_USERNAME=admin."
fi
methods=$(get SIGN_IN_METHODS)
if [ -n "$methods" ]; then
	for m in $(printf '%s\n' "$methods" | tr ',' ' '); do
		case $m in
		wechat | password) ;;
		*) error "SIGN_IN_METHODS has \"$m\". Fix: a comma-separated list of wechat and password, e.g. SIGN_IN_METHODS=wechat,password." ;;
		esac
	done
fi

# ---- WeChat -------------------------------------------------------------------------------------
wx_id=$(get WECHAT_APP_ID)
wx_secret=$(get WECHAT_APP_SECRET)
if [ -n "$wx_id" ] && ! matches "$wx_id" 'wx[0-9a-f]{16}'; then
	error "WECHAT_APP_ID=$wx_id is not a WeChat AppID. Fix: copy it from the WeChat Open Platform (wx followed by 16 hex digits)."
fi
if [ -n "$wx_id" ] && [ -z "$wx_secret" ]; then
	error "WECHAT_APP_SECRET is empty while WECHAT_APP_ID is set. Fix: copy the AppSecret from the WeChat Open Platform into WECHAT_APP_SECRET."
fi
if [ -z "$wx_id" ] && [ -n "$wx_secret" ]; then
	error "WECHAT_APP_ID is empty while WECHAT_APP_SECRET is set. Fix: set WECHAT_APP_ID (wx...) too, or empty both."
fi
scope=$(get WECHAT_SCOPE)
if [ -n "$scope" ] && [ "$scope" != snsapi_login ]; then
	error "WECHAT_SCOPE=$scope: website applications only support snsapi_login. Fix: WECHAT_SCOPE=snsapi_login."
fi

# ---- App --------------------------------------------------------------------------------------
if [ -n "$(get AUTH_LOGTO_ID)" ] && [ -z "$(get AUTH_LOGTO_SECRET)" ]; then
	error "AUTH_LOGTO_SECRET is empty while AUTH_LOGTO_ID is set. Fix: set both, or empty both to use the seed's client."
fi
if [ -z "$(get AUTH_LOGTO_ID)" ] && [ -n "$(get AUTH_LOGTO_SECRET)" ]; then
	error "AUTH_LOGTO_ID is empty while AUTH_LOGTO_SECRET is set. Fix: set both, or empty both to use the seed's client."
fi
retention=$(get BACKUP_RETENTION)
if [ -n "$retention" ] && ! matches "$retention" '[1-9][0-9]*'; then
	error "BACKUP_RETENTION=$retention is not a positive integer. Fix: e.g. BACKUP_RETENTION=7."
fi

# ---- names: typos, and shell variables that would override .env in Compose ----------------------
if [ -f "$EXAMPLE" ]; then
	known=$(env_names "$EXAMPLE")
	for name in $(env_names "$ENV_FILE"); do
		if ! printf '%s\n' "$known" | grep -qx "$name"; then
			warn "$name is not a variable of .env.example (a typo?); the stack ignores it."
		fi
	done
	for name in $known; do
		if shell_value=$(printenv "$name") && [ "$shell_value" != "$(get "$name")" ]; then
			warn "$name is set in your shell and overrides $ENV_FILE for Compose. Fix: unset $name."
		fi
	done
fi

if [ "$errors" -gt 0 ]; then
	echo "$ENV_FILE: $errors error(s), $warnings warning(s). Nothing was started; fix the lines above and run again." >&2
	exit 2
fi
echo "$ENV_FILE: valid ($warnings warning(s))."
