import { doctorEnvGuard, type DoctorConfig } from "./types.ts";

export class ConfigError extends Error {}

const origin = (u: string) => u.replace(/\/+$/, "");

/** Reads the doctor's configuration from env once; lists every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv): DoctorConfig {
  const parsed = doctorEnvGuard.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n  ${lines.join("\n  ")}`);
  }
  const e = parsed.data;
  return {
    logtoDomain: e.LOGTO_DOMAIN,
    appDomain: e.APP_DOMAIN,
    adminDomain: e.ADMIN_DOMAIN,
    tlsMode: e.TLS_MODE,
    logtoUrl: origin(e.LOGTO_URL ?? `https://${e.LOGTO_DOMAIN}`),
    appUrl: origin(e.APP_URL ?? `https://${e.APP_DOMAIN}`),
    adminUrl: origin(e.ADMIN_URL ?? `https://${e.ADMIN_DOMAIN}`),
    wechat: {
      ...(e.WECHAT_APP_ID ? { appId: e.WECHAT_APP_ID } : {}),
      ...(e.WECHAT_APP_SECRET ? { appSecret: e.WECHAT_APP_SECRET } : {}),
      oa: {
        ...(e.WECHAT_OA_APP_ID ? { appId: e.WECHAT_OA_APP_ID } : {}),
        ...(e.WECHAT_OA_APP_SECRET ? { appSecret: e.WECHAT_OA_APP_SECRET } : {}),
      },
      apiBase: origin(e.WECHAT_API_BASE),
    },
    stack: e.DOCTOR_STACK,
    timeoutMs: e.DOCTOR_TIMEOUT_MS,
    pwnedPasswordCheck: e.LOGTO_PWNED_PASSWORD_CHECK === "true",
    acme: { ...(e.ACME_CA ? { ca: e.ACME_CA } : {}), ...(e.ACME_EMAIL ? { email: e.ACME_EMAIL } : {}) },
    ...(e.BACKUP_OFFSITE_REPOSITORY ? { offsiteRepository: e.BACKUP_OFFSITE_REPOSITORY } : {}),
    ...(e.IMAGE_REGISTRY ? { imageRegistry: e.IMAGE_REGISTRY.replace(/\/+$/, "") } : {}),
    ...(e.NPM_REGISTRY ? { npmRegistry: e.NPM_REGISTRY } : {}),
    ...(e.ACME_DNS_PROVIDER ? { dnsProvider: e.ACME_DNS_PROVIDER } : {}),
    ...(e.GOPROXY ? { goProxy: e.GOPROXY } : {}),
    outboundUrls: Object.fromEntries(e.DOCTOR_OUTBOUND_URLS.map((pair) => [pair.slice(0, pair.indexOf("=")), pair.slice(pair.indexOf("=") + 1)])),
  };
}
