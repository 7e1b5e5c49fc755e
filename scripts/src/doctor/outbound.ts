// Every outbound call the stack makes, in one list: the README's table "Outbound calls" is made
// from it (scripts/src/doctor/outbound.test.ts keeps the two equal) and `make doctor` probes from
// the server each host the server itself calls (checks/outbound.ts). Read off the stack's code and
// Logto 1.42.0's (file paths name logto-io/logto).
import type { DoctorConfig } from "./types.ts";

/** Who opens the connection: the server at run time, the server while building or pulling images, or a browser. */
export type Caller = "server" | "build" | "browser";

/** Where the doctor sends its GET, or why this host is not called with this .env. */
export type Probe = { url: string } | { unused: string };

export type OutboundCall = {
  /** Its name in `make doctor`'s report: `outbound <id>`. */
  id: string;
  /** The host as the README names it; a setting's name in parentheses when the operator chooses it. */
  host: string;
  from: Caller;
  /** Which part of the stack calls it, and what for. */
  what: string;
  /** What stops working when the host cannot be reached. */
  breaks: string;
  /** How to turn the call off, or where to point it instead; "" when it cannot be turned off. */
  turnOff: string;
  /** Only for `server` and `build`: the browser's calls cannot be seen from the server. */
  probe?: (cfg: DoctorConfig) => Probe;
};

const letsEncrypt = "https://acme-v02.api.letsencrypt.org/directory";
const zeroSsl = "https://acme.zerossl.com/v2/DV90";

/** The origin of a restic repository (`s3:https://…`, `rest:https://…`), without its credentials. */
export const offsiteOrigin = (repository: string): string | undefined => {
  const url = repository.replace(/^(s3|rest):/, "");
  return URL.canParse(url) ? new URL(url).origin : undefined;
};

/** The API each DNS-01 provider's Caddy module calls (libdns/alidns, libdns/tencentcloud, libdns/cloudflare). */
const dnsProviderApis: Record<string, string> = {
  alidns: "https://alidns.aliyuncs.com/",
  tencentcloud: "https://dnspod.tencentcloudapi.com/",
  cloudflare: "https://api.cloudflare.com/client/v4/",
};

export const outboundCalls: readonly OutboundCall[] = [
  {
    id: "wechat-api",
    host: "api.weixin.qq.com",
    from: "server",
    what: "Logto's WeChat connector: code for token, then the user's profile, at each WeChat sign-in; `make doctor`'s credential check",
    breaks: "Sign in with WeChat (Logto's sign-in page shows a connector error)",
    turnOff: "needed for WeChat sign-in; off with `WECHAT_APP_ID` and `WECHAT_APP_SECRET` empty",
    probe: (cfg) => (cfg.wechat.appId ? { url: `${cfg.wechat.apiBase}/` } : { unused: "WECHAT_APP_ID is empty: no WeChat sign-in" }),
  },
  {
    id: "pwned-passwords",
    host: "api.pwnedpasswords.com",
    from: "server",
    what: "Logto's password policy: the first 5 hex digits of a new password's SHA-1, whenever a password is set (packages/toolkit/core-kit/src/password-policy.ts)",
    breaks: "setting a password (password sign-up, a password set in the console) fails with a 500",
    turnOff: "`LOGTO_PWNED_PASSWORD_CHECK=false`",
    probe: (cfg) =>
      cfg.pwnedPasswordCheck ? { url: "https://api.pwnedpasswords.com/range/00000" } : { unused: "LOGTO_PWNED_PASSWORD_CHECK=false" },
  },
  {
    id: "acme",
    host: "acme-v02.api.letsencrypt.org (or `ACME_CA`)",
    from: "server",
    what: "Caddy with `TLS_MODE=acme`: certificates and their renewal",
    breaks: "new and renewed certificates (the sites keep the certificates they have until they expire)",
    turnOff: "`TLS_MODE=internal` (no public certificate: real WeChat refuses it), or `ACME_CA` for another CA",
    probe: (cfg) => (cfg.tlsMode === "acme" ? { url: cfg.acme.ca ?? letsEncrypt } : { unused: "TLS_MODE=internal: Caddy's own CA" }),
  },
  {
    id: "acme-zerossl",
    host: "acme.zerossl.com",
    from: "server",
    what: "Caddy with `TLS_MODE=acme`, `ACME_EMAIL` set and `ACME_CA` empty: the CA tried when Let's Encrypt fails",
    breaks: "the fallback CA only",
    turnOff: "`ACME_EMAIL` empty, or `ACME_CA` set",
    probe: (cfg) =>
      cfg.tlsMode === "acme" && cfg.acme.email && !cfg.acme.ca
        ? { url: zeroSsl }
        : { unused: "Caddy has no ZeroSSL fallback with this .env (TLS_MODE, ACME_EMAIL, ACME_CA)" },
  },
  {
    id: "dns-provider",
    host: "alidns.aliyuncs.com, dnspod.tencentcloudapi.com or api.cloudflare.com (`ACME_DNS_PROVIDER`)",
    from: "server",
    what: "Caddy with DNS-01: the TXT record of each certificate order and renewal, through the provider's API",
    breaks: "new and renewed certificates (the sites keep the certificates they have until they expire)",
    turnOff: "`ACME_DNS_PROVIDER` empty (then Caddy needs ports 80/443 open for HTTP-01 or TLS-ALPN-01)",
    probe: (cfg) => {
      if (!cfg.dnsProvider) return { unused: "ACME_DNS_PROVIDER is empty: no DNS-01" };
      const api = dnsProviderApis[cfg.dnsProvider];
      return api ? { url: api } : { unused: `ACME_DNS_PROVIDER=${cfg.dnsProvider} is not a provider the stack knows (make check-env refuses it)` };
    },
  },
  {
    id: "offsite-backup",
    host: "your off-site backup storage (`BACKUP_OFFSITE_REPOSITORY`)",
    from: "server",
    what: "the backup service: restic's encrypted copy after each backup",
    breaks: "the off-site copy (local backups go on)",
    turnOff: "`BACKUP_OFFSITE_REPOSITORY` empty",
    probe: (cfg) => {
      const origin = cfg.offsiteRepository ? offsiteOrigin(cfg.offsiteRepository) : undefined;
      if (!cfg.offsiteRepository) return { unused: "BACKUP_OFFSITE_REPOSITORY is empty" };
      return origin ? { url: `${origin}/` } : { unused: "BACKUP_OFFSITE_REPOSITORY is not an s3:https:// or rest:https:// URL" };
    },
  },
  {
    id: "image-registry",
    host: "registry-1.docker.io (or `IMAGE_REGISTRY`)",
    from: "build",
    what: "Docker: every Docker Hub image `make up` pulls (PostgreSQL, Caddy, Logto), and the Node base of the images `make build` and `make doctor` build",
    breaks: "`make up` on a new version or a fresh host (running containers go on)",
    turnOff: "cannot be off; `IMAGE_REGISTRY` points it at a mirror or your own registry",
    // The registry API sits at the host's root, also for an IMAGE_REGISTRY with a path.
    probe: (cfg) => ({ url: `https://${cfg.imageRegistry?.split("/")[0] ?? "registry-1.docker.io"}/v2/` }),
  },
  {
    id: "project-images",
    host: "ghcr.io (or `IMAGE_REGISTRY`)",
    from: "build",
    what: "Docker: this project's released images `make up` pulls (seed, app, backup, connector-wechat; caddy-dns with DNS-01; the sandbox's emulator), published by .github/workflows/release.yml",
    breaks: "`make up` on a new release or a fresh host (running containers go on)",
    turnOff: "cannot be off; `IMAGE_REGISTRY` (or `APP_IMAGE`, `SEED_IMAGE`, `BACKUP_IMAGE`, `CONNECTOR_IMAGE`, `CADDY_DNS_IMAGE`) points it at your own registry, or `make build` builds them here",
    probe: (cfg) => ({ url: `https://${cfg.imageRegistry?.split("/")[0] ?? "ghcr.io"}/v2/` }),
  },
  {
    id: "npm-registry",
    host: "registry.npmjs.org (or `NPM_REGISTRY`)",
    from: "build",
    what: "`npm ci` in each image built on this server: the doctor's (`make doctor`), all of this project's with `make build`",
    breaks: "building those images on this server",
    turnOff: "`NPM_REGISTRY` points it at a mirror (e.g. `https://registry.npmmirror.com`)",
    probe: (cfg) => ({ url: cfg.npmRegistry ?? "https://registry.npmjs.org/" }),
  },
  {
    id: "go-modules",
    host: "proxy.golang.org (or `GOPROXY`)",
    from: "build",
    what: "`xcaddy build` of Caddy with the DNS providers' modules (caddy/Dockerfile), only by `make build` with `ACME_DNS_PROVIDER` (`make up` pulls the released caddy-dns image)",
    breaks: "building that Caddy image on this server",
    turnOff: "`make up` does not call it; `GOPROXY` points `make build` at a mirror (e.g. `https://goproxy.cn,direct`)",
    probe: (cfg) =>
      cfg.dnsProvider
        ? { url: `${(cfg.goProxy ?? "https://proxy.golang.org").split(",")[0]!.replace(/\/+$/, "")}/` }
        : { unused: "ACME_DNS_PROVIDER is empty: Caddy is the released image, nothing is built with Go" },
  },
  {
    id: "alpine-packages",
    host: "dl-cdn.alpinelinux.org",
    from: "build",
    what: "`apk add restic` while building the backup image (backup/Dockerfile) with `make build`",
    breaks: "building the backup image on this server",
    turnOff: "no setting: `make up` pulls the released backup image; build it where the host answers",
    probe: () => ({ url: "https://dl-cdn.alpinelinux.org/alpine/" }),
  },
  {
    id: "wechat-open",
    host: "open.weixin.qq.com",
    from: "browser",
    what: "the user's browser: WeChat's QR code page, and sign-in inside WeChat (Official Account)",
    breaks: "Sign in with WeChat",
    turnOff: "needed for WeChat sign-in; off with `WECHAT_APP_ID` and `WECHAT_APP_SECRET` empty",
  },
  {
    id: "wechat-avatars",
    host: "thirdwx.qlogo.cn",
    from: "browser",
    what: "the user's browser: WeChat avatars the app shows (`headimgurl`)",
    breaks: "the avatar picture only",
    turnOff: "",
  },
  {
    id: "logto-version",
    host: "numbers.logto.io",
    from: "browser",
    what: "the admin's browser: Logto's console asks for the latest release (packages/console/src/components/Topbar)",
    breaks: "nothing: the console shows no \"new version\" badge",
    turnOff: "",
  },
  {
    id: "jsdelivr",
    host: "cdn.jsdelivr.net",
    from: "browser",
    what: "the admin's browser: the console's code editor (custom JWT claims, actions) loads Monaco from there",
    breaks: "that editor only",
    turnOff: "",
  },
  {
    id: "logto-logo",
    host: "logto.io",
    from: "browser",
    what: "the admin's browser: the logo on the console's sign-in page (the admin tenant's seeded branding)",
    breaks: "the logo only",
    turnOff: "",
  },
];

const fromWords: Record<Caller, string> = { server: "server", build: "server (pull, build)", browser: "browser" };

/** The README's table, row for row (scripts/src/doctor/outbound.test.ts). */
export const outboundTable = (): string =>
  [
    "| Host | From | Who and what for | When it cannot be reached | Turn off / redirect |",
    "|---|---|---|---|---|",
    ...outboundCalls.map(
      (c) => `| ${c.host} | ${fromWords[c.from]} | ${c.what} | ${c.breaks} | ${c.turnOff || "cannot be turned off"} |`,
    ),
  ].join("\n");
