#!/bin/sh
# Check .env before anything starts (`make up` runs it; `make check-env` alone). One line per problem,
# each naming the variable and the fix; warnings do not fail. A fix ends with a value that passes,
# never with a full stop glued to it (it would be pasted with it). The rules on the values the seed,
# the app or the doctor also read are theirs (seed/src/env-rules.ts, the one definition; the host has
# no Node); tests/static/config-agreement.test.ts gives all the same values and expects the same
# verdict: `make up` starts nothing the seed or the app would refuse.
# In the sandbox (COMPOSE_FILE names compose.sandbox.yaml, as `make up-sandbox` sets it) WeChat is
# the emulator's app, whatever .env says.
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

case ":${COMPOSE_FILE:-}:" in
*:compose.sandbox.yaml:*) sandbox=yes ;;
*) sandbox= ;;
esac
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
# The optional secrets too must be assigned (maybe empty): Compose refuses to create the file of a
# secret whose variable is missing ("environment variable ... is not set", compose.yaml `secrets:`).
for name in WECHAT_APP_SECRET WECHAT_OA_APP_SECRET AUTH_LOGTO_SECRET BACKUP_OFFSITE_SECRET BACKUP_OFFSITE_PASSWORD; do
	if ! env_value "$ENV_FILE" "$name" >/dev/null; then
		error "$name is missing from $ENV_FILE (Compose hands it to the services as a file, even empty). Fix: add the line $name="
	fi
done
check_secret POSTGRES_PASSWORD 16
check_secret AUTH_SECRET 32 # authSecretMinLength in seed/src/env-rules.ts (a test holds the two equal)
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
		error "$1 is empty. Fix: set a host name in $ENV_FILE, e.g. $1=$2"
		return 1
	fi
	hint=$(printf '%s\n' "$v" | sed -e 's#^[A-Za-z][A-Za-z0-9+.-]*://##' -e 's#/.*$##' -e 's#:[0-9]*$##' | tr 'A-Z' 'a-z')
	case $v in
	*://*) error "$1=$v has a scheme. Fix: the host name only, $1=$hint" ;;
	*/*) error "$1=$v has a path. Fix: the host name only, $1=$hint" ;;
	*:*) error "$1=$v has a port (Caddy serves 443; WeChat only calls 443). Fix: $1=$hint" ;;
	*[A-Z]*) error "$1=$v has upper-case letters (the OIDC issuer is compared exactly). Fix: $1=$hint" ;;
	*)
		if ! matches "$v" "$HOST_RE" || [ "${#v}" -gt 253 ] || printf '%s\n' "$v" | tr '.' '\n' | grep -Eq '^.{64,}$'; then
			error "$1=$v is not a valid host name (lower-case letters, digits, hyphens; dot-separated labels of at most 63 characters). Fix: e.g. $1=$2"
		else
			return 0
		fi
		;;
	esac
	return 1
}
logto_ok=; app_ok=; admin_ok=
check_domain LOGTO_DOMAIN auth.example.com && logto_ok=yes
check_domain APP_DOMAIN app.example.com && app_ok=yes
check_domain ADMIN_DOMAIN admin.example.com && admin_ok=yes
logto=$(get LOGTO_DOMAIN)
app=$(get APP_DOMAIN)
admin=$(get ADMIN_DOMAIN)
# example_value NAME: .env.example's value of NAME (what a user who changed nothing has).
example_value() { [ -f "$EXAMPLE" ] && env_value "$EXAMPLE" "$1" || true; }
# free_name PREFIX DOMAIN: PREFIX.<DOMAIN's parent> unless that is one of the three domains, then
# PREFIX2..., so that the suggested value passes.
free_name() {
	_parent=${2#*.}
	[ "$_parent" = "$2" ] && _parent=$2
	_candidate=$1.$_parent
	_n=2
	while [ "$_candidate" = "$logto" ] || [ "$_candidate" = "$app" ] || [ "$_candidate" = "$admin" ]; do
		_candidate=$1$_n.$_parent
		_n=$((_n + 1))
	done
	printf '%s\n' "$_candidate"
}
# clash A B PREFIX-OF-A PREFIX-OF-B WHY: A and B hold one host name. The message blames the one the
# user changed (the one that differs from .env.example; A when both or neither do).
clash() {
	if [ "$(get "$1")" = "$(example_value "$1")" ] && [ "$(get "$2")" != "$(example_value "$2")" ]; then
		error "$2 equals $1 ($(get "$2"))$5. Fix: give $(role "$2") its own host name, e.g. $2=$(free_name "$4" "$(get "$2")")"
	else
		error "$1 equals $2 ($(get "$1"))$5. Fix: give $(role "$1") its own host name, e.g. $1=$(free_name "$3" "$(get "$1")")"
	fi
}
role() { case $1 in APP_DOMAIN) echo "the app" ;; ADMIN_DOMAIN) echo "the console" ;; *) echo "Logto" ;; esac; }
if [ -n "$logto" ] && [ "$app" = "$logto" ]; then
	clash APP_DOMAIN LOGTO_DOMAIN app auth ""
fi
if [ -n "$logto" ] && [ "$admin" = "$logto" ]; then
	clash ADMIN_DOMAIN LOGTO_DOMAIN admin auth ": Logto refuses one origin for both"
fi
if [ -n "$app" ] && [ "$admin" = "$app" ]; then
	clash ADMIN_DOMAIN APP_DOMAIN admin app ""
fi

# ---- TLS --------------------------------------------------------------------------------------
tls=$(get TLS_MODE)
case ${tls:-internal} in
internal)
	# An invalid LOGTO_DOMAIN has its own error: no warning about a name that will change.
	case ${logto_ok:+$logto} in
	'' | localhost | *.localhost | *.test | *.internal | *.local) ;;
	*) warn "TLS_MODE=internal with LOGTO_DOMAIN=$logto: browsers will warn and real WeChat refuses the callback. Fix for a public server: TLS_MODE=acme" ;;
	esac
	;;
acme)
	for n in LOGTO_DOMAIN APP_DOMAIN ADMIN_DOMAIN; do
		case $(get "$n") in
		localhost | *.localhost | *.test | *.internal | *.local)
			error "TLS_MODE=acme but $n=$(get "$n") is not a public name: no ACME CA issues certificates for it. Fix: a public DNS name for $n, or TLS_MODE=internal" ;;
		esac
	done
	;;
*) error "TLS_MODE=$tls is not valid: internal (Caddy's own CA, local) or acme (public certificates). Fix: e.g. TLS_MODE=internal" ;;
esac
email=$(get ACME_EMAIL)
if [ -n "$email" ]; then
	if ! matches "$email" "[A-Za-z0-9._%+-]+@$HOST_RE\.[a-z]{2,}"; then
		error "ACME_EMAIL=$email is not a valid e-mail address. Fix: your address, or leave it empty, e.g. ACME_EMAIL=ops@your-domain.cn"
	else
		case ${email#*@} in
		example.com | example.org | example.net | *.example.com | *.example.org | *.example.net | localhost | *.localhost)
			error "ACME_EMAIL=$email: Let's Encrypt refuses addresses at ${email#*@}. Fix: a real address, or leave ACME_EMAIL empty." ;;
		esac
	fi
fi

# A private or alternative ACME CA: its directory URL goes into a Caddyfile line (acme_ca <URL>),
# its root file is mounted into Caddy and published world-readable to the app (compose.yaml).
acme_ca=$(get ACME_CA)
acme_ca_root=$(get ACME_CA_ROOT)
if [ -n "$acme_ca" ]; then
	case $acme_ca in
	http://*) ca_hint=https://${acme_ca#http://} ;;
	*) ca_hint=https://acme-v02.api.letsencrypt.org/directory ;;
	esac
	if ! matches "$acme_ca" 'https://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^[:space:]{}"]*)?'; then
		error "ACME_CA=$acme_ca is not the https:// URL of an ACME directory (ACME is served over HTTPS only). Fix: your CA's directory URL, e.g. ACME_CA=$ca_hint"
	elif [ "${tls:-internal}" != acme ]; then
		warn "ACME_CA is set but TLS_MODE=${tls:-internal}: Caddy uses its own CA and never asks $acme_ca. Fix: TLS_MODE=acme, or empty ACME_CA"
	fi
fi
if [ -n "$acme_ca_root" ]; then
	case $acme_ca_root in
	/*) root_file=$acme_ca_root ;;
	*) root_file=$ROOT/${acme_ca_root#./} ;;
	esac
	if [ -z "$acme_ca" ]; then
		error "ACME_CA_ROOT is set but ACME_CA is empty: Caddy would ask Let's Encrypt, to whom this root means nothing. Fix: set ACME_CA to your CA's directory URL (e.g. ACME_CA=https://ca.example.net/acme/acme/directory), or empty ACME_CA_ROOT"
	fi
	if [ ! -f "$root_file" ] || [ ! -r "$root_file" ]; then
		error "ACME_CA_ROOT=$acme_ca_root: no readable file $root_file (a relative path is taken from $ROOT). Fix: the path of your CA's root certificate in PEM, e.g. ACME_CA_ROOT=./acme-ca-root.pem, or empty ACME_CA_ROOT"
	elif grep -Eq -- '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----' "$root_file"; then
		error "ACME_CA_ROOT=$acme_ca_root holds a private key, and the file is published readable by every container user. Fix: a file with the CA's certificate(s) only"
	elif ! grep -q -- '-----BEGIN CERTIFICATE-----' "$root_file"; then
		error "ACME_CA_ROOT=$acme_ca_root holds no PEM certificate (no -----BEGIN CERTIFICATE----- in $root_file). Fix: your CA's root certificate in PEM (openssl x509 -in root.der -inform der -out acme-ca-root.pem), or empty ACME_CA_ROOT"
	fi
fi

# ---- DNS-01 (ACME_DNS_PROVIDER): certificates while ports 80/443 are closed ----------------------
# The provider's API key reaches Caddy through compose.dns.yaml (a Caddy build with the DNS modules,
# the key id in its environment, the secret as a file). The rules on the secret are the modules' own
# where they have one (caddy-dns/cloudflare refuses a malformed token when Caddy starts).
dns=$(get ACME_DNS_PROVIDER)
dns_key_id=$(get ACME_DNS_KEY_ID)
dns_secret=$(get ACME_DNS_SECRET)
# Compose reads COMPOSE_FILE from the shell first, then from .env.
if [ -n "${COMPOSE_FILE+set}" ]; then compose_files=$COMPOSE_FILE; else compose_files=$(get COMPOSE_FILE); fi
case ":$compose_files:" in
*:compose.dns.yaml:*) dns_overlay=yes ;;
*) dns_overlay= ;;
esac
case $dns in
'')
	[ -z "$dns_overlay" ] || error "COMPOSE_FILE names compose.dns.yaml but ACME_DNS_PROVIDER is empty. Fix: ACME_DNS_PROVIDER=alidns (or tencentcloud, cloudflare) with its key in ACME_DNS_KEY_ID and ACME_DNS_SECRET, or drop compose.dns.yaml from COMPOSE_FILE"
	;;
alidns | tencentcloud | cloudflare)
	case $dns in
	alidns) key_id_is="the AccessKey ID of a RAM user allowed to change the domain's records in Alibaba Cloud DNS" secret_is="that AccessKey's Secret" ;;
	tencentcloud) key_id_is="the SecretId of a CAM sub-user's API key allowed to change the domain's records in DNSPod" secret_is="that key's SecretKey" ;;
	cloudflare) key_id_is= secret_is="a Cloudflare API token with Zone:Read and DNS:Edit on the domain's zone" ;;
	esac
	if [ "${tls:-internal}" != acme ]; then
		warn "ACME_DNS_PROVIDER=$dns but TLS_MODE=${tls:-internal}: Caddy uses its own CA and never asks for a certificate. Fix: TLS_MODE=acme, or empty ACME_DNS_PROVIDER"
	fi
	if [ -n "$key_id_is" ] && [ -z "$dns_key_id" ]; then
		error "ACME_DNS_KEY_ID is empty while ACME_DNS_PROVIDER=$dns. Fix: set ACME_DNS_KEY_ID to $key_id_is (README, Certificates with DNS-01)"
	elif [ -z "$key_id_is" ] && [ -n "$dns_key_id" ]; then
		error "ACME_DNS_KEY_ID is set but ACME_DNS_PROVIDER=cloudflare takes one API token, in ACME_DNS_SECRET. Fix: ACME_DNS_KEY_ID="
	elif ! matches "$dns_key_id" '[A-Za-z0-9_.-]*'; then
		error "ACME_DNS_KEY_ID is not a key id (letters, digits, . _ - only). Fix: copy $key_id_is again, without spaces or quotes"
	fi
	if [ -z "$dns_secret" ]; then
		error "ACME_DNS_SECRET is empty or missing while ACME_DNS_PROVIDER=$dns. Fix: set ACME_DNS_SECRET to $secret_is (README, Certificates with DNS-01)"
	elif [ "$dns" = cloudflare ] && ! matches "$dns_secret" '[A-Za-z0-9_-]{35,50}|cf(ut|at)_[A-Za-z0-9_-]{32,256}'; then
		error "ACME_DNS_SECRET is not a Cloudflare API token (35 to 50 letters, digits, - or _, or cfut_/cfat_ and 32 or more of them); Caddy's cloudflare module would refuse to start. Fix: copy the token's value again (shown once when it is created), not its 32-character id"
	elif ! matches "$dns_secret" '[^[:space:]"'"'"']{1,256}'; then
		error "ACME_DNS_SECRET has spaces or quotes (or is longer than 256). Fix: copy $secret_is again"
	fi
	if [ -z "$dns_overlay" ]; then
		error "ACME_DNS_PROVIDER=$dns needs the Caddy build with the DNS modules, which compose.dns.yaml adds, but COMPOSE_FILE does not name it. Fix: COMPOSE_FILE=${compose_files:-compose.yaml}:compose.dns.yaml"
	fi
	;;
*) error "ACME_DNS_PROVIDER=$dns is not a DNS provider of the stack's Caddy build. Fix: ACME_DNS_PROVIDER=alidns (Alibaba Cloud DNS), tencentcloud (Tencent Cloud DNSPod) or cloudflare, or empty (HTTP-01 on ports 80/443)" ;;
esac
goproxy=$(get GOPROXY)
if [ -n "$goproxy" ]; then
	set -f # split the list on , and | only, no globbing
	for proxy in $(printf '%s\n' "$goproxy" | tr ',|' '  '); do
		if ! matches "$proxy" 'https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^[:space:]"'"'"']*)?|direct|off'; then
			error "GOPROXY has \"$proxy\", which is not a Go module proxy URL (https://...), direct or off. Fix: e.g. GOPROXY=https://goproxy.cn,direct"
		fi
	done
	set +f
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
			if (slash && !dec(bits, max)) return "the prefix length must be a number from 0 to " max ". Fix: e.g. ADMIN_ALLOW_FROM=" addr "/" max
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
*,*) error "ADMIN_ALLOW_FROM=$allow uses commas. Fix: separate the ranges with spaces, e.g. ADMIN_ALLOW_FROM=$(printf '%s\n' "$allow" | tr -s ', ' '  ' | sed 's/^ //; s/ $//')" ;;
*[![:space:]]*)
	problems=$(allow_problems "$allow")
	tab=$(printf '\t')
	while IFS=$tab read -r range problem; do
		[ -z "$range" ] || error "ADMIN_ALLOW_FROM has \"$range\": $problem"
	done <<EOF
$problems
EOF
	;;
?*) error "ADMIN_ALLOW_FROM holds only spaces: Compose passes them, and Caddy then lets nobody reach the console. Fix: empty it (everyone) or list ranges, e.g. ADMIN_ALLOW_FROM=203.0.113.7/32" ;;
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
		warn "TLS_MODE=acme and ADMIN_ALLOW_FROM $everyone: Logto's admin console https://${admin:-ADMIN_DOMAIN}/console is open to the whole internet. Fix: allow only the addresses you administer from, e.g. ADMIN_ALLOW_FROM=203.0.113.7/32 2001:db8::/48"
	fi
fi

# ---- Logto --------------------------------------------------------------------------------------
version=$(get LOGTO_VERSION)
if [ -z "$version" ]; then
	# No default (compose.yaml requires it): Logto must stay the release that last altered the
	# database. The newest pre-upgrade backup (scripts/upgrade.sh names it) says where make upgrade went.
	upgraded=$(ls -1 "${BACKUP_DIR:-$ROOT/backups}" 2>/dev/null | sed -n 's/^[0-9]\{8\}T[0-9]\{6\}Z-before-logto-\([0-9]*\.[0-9]*\.[0-9]*\)\.dump$/\1/p' | tail -n 1)
	if [ -n "$upgraded" ]; then
		error "LOGTO_VERSION is not set (no default: an older Logto than the one that last altered the database does not run on it; backups/ has the backup make upgrade took before moving to $upgraded). Fix: unless you rolled that upgrade back, LOGTO_VERSION=$upgraded"
	else
		error "LOGTO_VERSION is not set (no default: an older Logto than the one that last altered the database does not run on it; backups/ shows no make upgrade). Fix: the version this stack ran last (docker ps -a lists its image wechat-logto-stack/logto:<version>); never upgraded, the one of .env.example: LOGTO_VERSION=$(example_value LOGTO_VERSION)"
	fi
elif ! matches "$version" '[0-9]+\.[0-9]+\.[0-9]+'; then
	error "LOGTO_VERSION=$version is not an exact version (not latest or 1.42). Fix: an image tag like LOGTO_VERSION=1.42.0"
fi
user=$(get LOGTO_ADMIN_USERNAME)
if [ -n "$user" ] && { ! matches "$user" '[A-Za-z_][A-Za-z0-9_]*' || [ "${#user}" -gt 128 ]; }; then
	error "LOGTO_ADMIN_USERNAME=$user is not a Logto username (letters, digits and _, not starting with a digit, at most 128). Fix: e.g. LOGTO_ADMIN_USERNAME=admin"
fi
admin_password=$(get LOGTO_ADMIN_PASSWORD)
if [ "${#admin_password}" -gt 256 ]; then
	error "LOGTO_ADMIN_PASSWORD is too long (${#admin_password} characters, at most 256). Fix: empty it and run \`make secrets\`, or set a shorter value"
fi
# As the seed reads it: comma-separated, each item trimmed and lower-cased, none twice.
methods=$(get SIGN_IN_METHODS | tr 'A-Z' 'a-z')
# The example of a fix: what passes with this .env (wechat needs WeChat configured).
if [ -n "$(get WECHAT_APP_ID)$sandbox" ]; then passing_methods=wechat,password; else passing_methods=password; fi
wants_wechat=
if [ -n "$(printf '%s' "$methods" | tr -d ' \t')" ]; then
	seen=,
	old_ifs=$IFS
	IFS=,
	set -f
	# The extra comma: "wechat," then has its empty last item, as the seed's split gives it.
	list=$methods,
	for m in $list; do
		IFS=$old_ifs
		m=$(printf '%s\n' "$m" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//')
		case $m in
		wechat | password)
			case $seen in
			*,"$m",*) error "SIGN_IN_METHODS lists $m twice. Fix: each once, e.g. SIGN_IN_METHODS=$passing_methods" ;;
			esac
			seen=$seen$m,
			[ "$m" = wechat ] && wants_wechat=yes
			;;
		'') error "SIGN_IN_METHODS has an empty item (a comma too many). Fix: e.g. SIGN_IN_METHODS=$passing_methods" ;;
		*) error "SIGN_IN_METHODS has \"$m\" (a comma-separated list of wechat and password). Fix: e.g. SIGN_IN_METHODS=$passing_methods" ;;
		esac
	done
	IFS=$old_ifs
	set +f
fi

case $(get LOGTO_PWNED_PASSWORD_CHECK) in
'' | true | false) ;;
*) error "LOGTO_PWNED_PASSWORD_CHECK=$(get LOGTO_PWNED_PASSWORD_CHECK) is not true or false. Fix: LOGTO_PWNED_PASSWORD_CHECK=false where api.pwnedpasswords.com cannot be reached (mainland China), else true or empty" ;;
esac

# ---- WeChat -------------------------------------------------------------------------------------
wx_id=$(get WECHAT_APP_ID)
wx_secret=$(get WECHAT_APP_SECRET)
if [ -n "$wx_id" ] && ! matches "$wx_id" 'wx[0-9a-f]{16}'; then
	error "WECHAT_APP_ID=$wx_id is not a WeChat AppID (wx followed by 16 hex digits). Fix: copy it from the WeChat Open Platform, e.g. WECHAT_APP_ID=wx0123456789abcdef"
elif [ "$wx_id" = wx0000000000000001 ] && [ -z "$sandbox" ]; then
	error "WECHAT_APP_ID=$wx_id is the WeChat emulator's test app, which works only in the sandbox (\`make up-sandbox\`). Fix: your website app's AppID and AppSecret, or empty both"
fi
if [ -n "$wx_secret" ] && ! matches "$wx_secret" '[^[:space:]]{1,128}'; then
	error "WECHAT_APP_SECRET is not an AppSecret (no spaces, at most 128 characters). Fix: copy it from the WeChat Open Platform"
fi
if [ -n "$wants_wechat" ] && [ -z "$wx_id" ] && [ -z "$sandbox" ]; then
	error "SIGN_IN_METHODS includes wechat but WECHAT_APP_ID and WECHAT_APP_SECRET are empty: nobody could sign in. Fix: set both, or SIGN_IN_METHODS=password"
fi
if [ -n "$wx_id" ] && [ -z "$wx_secret" ]; then
	error "WECHAT_APP_SECRET is empty while WECHAT_APP_ID is set. Fix: copy the AppSecret from the WeChat Open Platform into WECHAT_APP_SECRET."
fi
if [ -z "$wx_id" ] && [ -n "$wx_secret" ]; then
	error "WECHAT_APP_ID is empty while WECHAT_APP_SECRET is set. Fix: set WECHAT_APP_ID (wx...) too, or empty both."
fi
scope=$(get WECHAT_SCOPE)
if [ -n "$scope" ] && [ "$scope" != snsapi_login ]; then
	error "WECHAT_SCOPE=$scope: website applications only support snsapi_login. Fix: WECHAT_SCOPE=snsapi_login"
fi
# The Official Account (sign-in inside WeChat's browser). In the sandbox the seed gets the emulator's
# website app and Official Account instead of these, as for WECHAT_APP_ID.
oa_id=$(get WECHAT_OA_APP_ID)
oa_secret=$(get WECHAT_OA_APP_SECRET)
if [ -n "$oa_id" ] && ! matches "$oa_id" 'wx[0-9A-Za-z]{16}'; then
	error "WECHAT_OA_APP_ID=$oa_id is not an Official Account AppID (wx followed by 16 letters or digits). Fix: copy it from the Official Accounts Platform (设置与开发 > 基本配置), e.g. WECHAT_OA_APP_ID=wx0123456789abcdef"
elif [ "$oa_id" = wx0000000000000002 ] && [ -z "$sandbox" ]; then
	error "WECHAT_OA_APP_ID=$oa_id is the WeChat emulator's test Official Account, which works only in the sandbox (\`make up-sandbox\`). Fix: your Official Account's AppID and AppSecret, or empty both"
fi
if [ -n "$oa_secret" ] && ! matches "$oa_secret" '[^[:space:]]{1,128}'; then
	error "WECHAT_OA_APP_SECRET is not an AppSecret (no spaces, at most 128 characters). Fix: copy it from the Official Accounts Platform (设置与开发 > 基本配置)"
fi
if [ -n "$oa_id" ] && [ -z "$oa_secret" ]; then
	error "WECHAT_OA_APP_SECRET is empty while WECHAT_OA_APP_ID is set. Fix: copy the Official Account's AppSecret into WECHAT_OA_APP_SECRET, or empty both."
fi
if [ -z "$oa_id" ] && [ -n "$oa_secret" ]; then
	error "WECHAT_OA_APP_ID is empty while WECHAT_OA_APP_SECRET is set. Fix: set WECHAT_OA_APP_ID (wx...) too, or empty both."
fi
if [ -n "$oa_id" ] && [ -z "$wx_id" ] && [ -z "$sandbox" ]; then
	error "WECHAT_OA_APP_ID is set but WECHAT_APP_ID and WECHAT_APP_SECRET are empty: the Official Account only adds sign-in inside WeChat to the website app. Fix: set those too, or empty WECHAT_OA_APP_ID and WECHAT_OA_APP_SECRET."
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
	error "BACKUP_RETENTION=$retention is not a positive integer. Fix: e.g. BACKUP_RETENTION=7"
fi

# ---- Backups (the backup service, backup/) -------------------------------------------------------
# The schedule's rule is the service's own (backup/schedule.sh, also run by its entrypoint).
. "$(dirname "$0")/../../backup/schedule.sh"
schedule=$(get BACKUP_SCHEDULE)
if [ -n "$schedule" ] && problem=$(schedule_problem "$schedule") && [ -n "$problem" ]; then
	error "BACKUP_SCHEDULE=$schedule $problem. Fix: a cron expression in UTC, e.g. BACKUP_SCHEDULE=0 3 * * * (daily at 03:00), or BACKUP_SCHEDULE=off"
fi
max_age=$(get BACKUP_MAX_AGE_HOURS)
if [ -n "$max_age" ] && ! matches "$max_age" '[1-9][0-9]*'; then
	error "BACKUP_MAX_AGE_HOURS=$max_age is not a positive integer (hours). Fix: the schedule's longest gap plus a margin, e.g. BACKUP_MAX_AGE_HOURS=26"
fi
repo=$(get BACKUP_OFFSITE_REPOSITORY)
key_id=$(get BACKUP_OFFSITE_KEY_ID)
offsite_secret=$(get BACKUP_OFFSITE_SECRET)
offsite_password=$(get BACKUP_OFFSITE_PASSWORD)
case $repo in
'') ;;
*://*:*@* | *://*@*) error "BACKUP_OFFSITE_REPOSITORY has credentials in its URL (docker inspect would show them). Fix: the URL without user:password@, and the credentials in BACKUP_OFFSITE_KEY_ID and BACKUP_OFFSITE_SECRET" ;;
s3:?*/?*)
	[ -n "$key_id" ] || error "BACKUP_OFFSITE_KEY_ID is empty while BACKUP_OFFSITE_REPOSITORY is an S3 bucket. Fix: the access key id of a key that may write to the bucket"
	[ -n "$offsite_secret" ] || error "BACKUP_OFFSITE_SECRET is empty while BACKUP_OFFSITE_REPOSITORY is an S3 bucket. Fix: the secret access key of BACKUP_OFFSITE_KEY_ID"
	;;
rest:http://?* | rest:https://?*)
	if [ -n "$key_id" ] && [ -z "$offsite_secret" ]; then
		error "BACKUP_OFFSITE_SECRET is empty while BACKUP_OFFSITE_KEY_ID is set. Fix: the REST server's password for that user, or empty both"
	elif [ -z "$key_id" ] && [ -n "$offsite_secret" ]; then
		error "BACKUP_OFFSITE_KEY_ID is empty while BACKUP_OFFSITE_SECRET is set. Fix: the REST server's user, or empty both"
	fi
	;;
*) error "BACKUP_OFFSITE_REPOSITORY=$repo is not a restic repository this stack copies to. Fix: s3:https://<endpoint>/<bucket>/<path> (OSS, COS, S3, MinIO) or rest:https://<host>:<port>/<path> (a restic REST server), or empty" ;;
esac
if [ -n "$repo" ]; then
	if [ -z "$offsite_password" ]; then
		error "BACKUP_OFFSITE_PASSWORD is empty while BACKUP_OFFSITE_REPOSITORY is set (it encrypts the off-site copy). Fix: set 16+ random characters, e.g. from \`head -c 18 /dev/urandom | base64\`, and keep a copy off this machine"
	elif [ "${#offsite_password}" -lt 16 ]; then
		error "BACKUP_OFFSITE_PASSWORD is too short (${#offsite_password} characters, at least 16). Fix: a longer random password (keep a copy off this machine; an existing repository keeps its old one)"
	fi
fi
for option in $(get BACKUP_OFFSITE_OPTIONS); do
	if ! matches "$option" '[a-z0-9][a-z0-9.-]*=[^[:space:]]+'; then
		error "BACKUP_OFFSITE_OPTIONS has \"$option\" (space-separated restic options key=value). Fix: e.g. BACKUP_OFFSITE_OPTIONS=s3.bucket-lookup=dns"
	fi
done

# ---- where images and packages come from --------------------------------------------------------
# IMAGE_REGISTRY goes in front of Docker Hub's paths (compose.yaml, the Dockerfiles' FROM): Docker
# reads a first part without a dot, a port or "localhost" as a Docker Hub account, not a registry.
registry=$(get IMAGE_REGISTRY)
if [ -n "$registry" ]; then
	hint=$(printf '%s\n' "$registry" | sed -e 's#^[A-Za-z][A-Za-z0-9+.-]*://##' -e 's#/*$##' | tr 'A-Z' 'a-z')
	registry_host=${hint%%/*}
	case $registry in
	*://*) error "IMAGE_REGISTRY=$registry has a scheme; Docker takes a registry's host (and port) only, and speaks HTTPS to it (plain HTTP only to a registry the daemon lists in insecure-registries, or on 127.0.0.1). Fix: IMAGE_REGISTRY=$hint" ;;
	*/) error "IMAGE_REGISTRY=$registry ends with /; the stack adds /library/postgres and the like itself. Fix: IMAGE_REGISTRY=$hint" ;;
	*[A-Z]*) error "IMAGE_REGISTRY=$registry has upper-case letters, which image references refuse. Fix: IMAGE_REGISTRY=$hint" ;;
	*)
		if ! matches "$registry" '[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]{1,5})?(/[a-z0-9]+([._-][a-z0-9]+)*)*'; then
			error "IMAGE_REGISTRY=$registry is not a registry host (letters, digits, dots and hyphens, maybe :port and a /path). Fix: e.g. IMAGE_REGISTRY=registry.example.cn:5000"
		else
			case $registry_host in
			*.* | *:* | localhost) ;;
			*) error "IMAGE_REGISTRY=$registry: Docker reads \"$registry_host\" as a Docker Hub account (docker.io/$registry_host/library/postgres), not as a registry; a registry's host has a dot or a port. Fix: its full host name, e.g. IMAGE_REGISTRY=$registry_host.example.cn or IMAGE_REGISTRY=$registry_host:5000" ;;
			esac
		fi
		;;
	esac
fi
npm_registry=$(get NPM_REGISTRY)
if [ -n "$npm_registry" ] && ! matches "$npm_registry" 'https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^[:space:]"'"'"'$]*)?'; then
	case $npm_registry in
	*://*) npm_hint=https://registry.npmmirror.com ;;
	*) npm_hint=https://$npm_registry ;;
	esac
	error "NPM_REGISTRY=$npm_registry is not the http(s):// URL of an npm registry. Fix: e.g. NPM_REGISTRY=$npm_hint"
fi
# compose_default NAME: the reference the compose files use when NAME is empty, without the registry
# part (the one place the pinned tags are written), e.g. postgres:17.9-alpine3.22.
compose_default() {
	sed -n "s#.*\${$1:-.*}/*\([a-z/-]*[a-z]:[^}]*\)}.*#\1#p" "$ROOT"/compose*.yaml | head -n 1 | sed "s#\${LOGTO_VERSION.*#${version:-x.y.z}#"
}
# An image variable replaces the whole reference: it must name one release, as compose.yaml's do.
for name in POSTGRES_IMAGE LOGTO_IMAGE CADDY_IMAGE SEED_IMAGE APP_IMAGE BACKUP_IMAGE CONNECTOR_IMAGE CADDY_DNS_IMAGE WECHAT_EMULATOR_IMAGE; do
	ref=$(get "$name")
	[ -n "$ref" ] || continue
	pinned=$(compose_default "$name")
	case $pinned in *:?*) ;; *) pinned=image:x.y.z ;; esac
	last=${ref##*/}
	repository=${ref%%@*}
	case $last in *@*) ;; *:*) repository=${ref%:*} ;; esac
	if matches "$ref" '[A-Za-z][A-Za-z0-9+.-]*://.*'; then
		error "$name=$ref has a scheme; an image reference has none. Fix: $name=$(printf '%s\n' "$ref" | sed 's#^[A-Za-z][A-Za-z0-9+.-]*://##')"
	elif ! matches "$repository" '[a-z0-9]([a-z0-9._/:-]*[a-z0-9])?'; then
		error "$name=$ref is not an image reference (a lower-case repository, no spaces, then :tag). Fix: e.g. $name=registry.example.cn/$pinned"
	else
		case $last in
		*@sha256:*) ;;
		*:latest) error "$name=$ref names the tag latest, which moves under a running stack. Fix: an exact release, e.g. $name=${ref%:latest}:${pinned##*:}" ;;
		*:*) ;;
		*) error "$name=$ref has no tag (Docker would take latest, which moves under a running stack). Fix: an exact release, e.g. $name=$ref:${pinned##*:}" ;;
		esac
	fi
done

# ---- names: typos, and shell variables that would override .env in Compose ----------------------
if [ -f "$EXAMPLE" ]; then
	known=$(env_names "$EXAMPLE")
	for name in $(env_names "$ENV_FILE"); do
		# COMPOSE_FILE is Compose's own (compose.dns.yaml is added through it).
		if [ "$name" != COMPOSE_FILE ] && ! printf '%s\n' "$known" | grep -qx "$name"; then
			warn "$name is not a variable of .env.example (a typo?); the stack ignores it."
		fi
	done
	for name in $known; do
		if shell_value=$(printenv "$name") && [ "$shell_value" != "$(get "$name")" ]; then
			warn "$name is set in your shell and overrides $ENV_FILE for Compose. Fix: unset $name"
		fi
	done
fi

if [ "$errors" -gt 0 ]; then
	echo "$ENV_FILE: $errors error(s), $warnings warning(s). Nothing was started; fix the lines above and run again." >&2
	exit 2
fi
echo "$ENV_FILE: valid ($warnings warning(s))."
