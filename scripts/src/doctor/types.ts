// What every doctor check returns, and the config the checks read (zod-validated, from env).
import { z } from "zod";
import {
  defaultDomains,
  type DomainVariable,
  hostNameMessage,
  hostNamePattern,
  defaultPwnedCheck,
  pwnedCheckMessage,
  pwnedCheckValues,
  tlsModes,
  wechatAppIdMessage,
  wechatAppIdPattern,
  wechatAppSecretMessage,
  wechatAppSecretPattern,
  wechatOaAppIdMessage,
  wechatOaAppIdPattern,
  wechatOaAppSecretMessage,
} from "../../../seed/src/env-rules.ts";

export type Status = "OK" | "WARN" | "FAIL" | "SKIP";

export type CheckResult = {
  /** Short name shown in the report, e.g. "wechat", "tls auth.example.com". */
  name: string;
  status: Status;
  message: string;
  /** One line telling the operator what to do; shown under WARN and FAIL. */
  fix?: string;
};

/** Empty strings in .env mean "unset" (Compose passes `VAR=` through as ""). */
const optionalString = z.preprocess((v) => (v === "" ? undefined : v), z.string().optional());
/** The rules of .env (seed/src/env-rules.ts), as make check-env, the seed and the app apply them. */
const host = (name: DomainVariable) =>
  z.preprocess((v) => (v === "" || v === undefined ? defaultDomains[name] : v), z.string().regex(hostNamePattern, hostNameMessage));
const matching = (pattern: RegExp, message: string) =>
  z.preprocess((v) => (v === "" ? undefined : v), z.string().regex(pattern, message).optional());
const url = z.preprocess((v) => (v === "" ? undefined : v), z.url().optional());

export const doctorEnvGuard = z.object({
  LOGTO_DOMAIN: host("LOGTO_DOMAIN"),
  APP_DOMAIN: host("APP_DOMAIN"),
  ADMIN_DOMAIN: host("ADMIN_DOMAIN"),
  TLS_MODE: z.preprocess((v) => (v === "" ? undefined : v), z.enum(tlsModes).default("internal")),
  /** Public origins; default https://<domain>. Tests point them at the harness's Caddy. */
  LOGTO_URL: url,
  APP_URL: url,
  ADMIN_URL: url,
  WECHAT_APP_ID: matching(wechatAppIdPattern, wechatAppIdMessage),
  WECHAT_APP_SECRET: matching(wechatAppSecretPattern, wechatAppSecretMessage),
  /** The Official Account (sign-in inside WeChat's browser), optional. */
  WECHAT_OA_APP_ID: matching(wechatOaAppIdPattern, wechatOaAppIdMessage),
  WECHAT_OA_APP_SECRET: matching(wechatAppSecretPattern, wechatOaAppSecretMessage),
  WECHAT_API_BASE: z.preprocess(
    (v) => (v === "" || v === undefined ? "https://api.weixin.qq.com" : v),
    z.url(),
  ),
  /** The settings that decide which outbound hosts the stack calls (outbound.ts). */
  ACME_CA: url,
  ACME_EMAIL: optionalString,
  LOGTO_PWNED_PASSWORD_CHECK: z.preprocess((v) => (v === "" ? undefined : v), z.enum(pwnedCheckValues, { error: pwnedCheckMessage }).default(defaultPwnedCheck)),
  BACKUP_OFFSITE_REPOSITORY: optionalString,
  IMAGE_REGISTRY: optionalString,
  NPM_REGISTRY: url,
  ACME_DNS_PROVIDER: optionalString,
  GOPROXY: optionalString,
  /**
   * "host=url ...": the doctor probes url instead of that outbound host's own (tests, with local
   * servers in place of hosts that have no setting of their own).
   */
  DOCTOR_OUTBOUND_URLS: z.preprocess(
    (v) => (v === "" || v === undefined ? "" : v),
    z
      .string()
      .transform((v) => v.split(/\s+/).filter(Boolean))
      .pipe(z.array(z.string().regex(/^[a-z0-9.-]+=https?:\/\/\S+$/, "host=http(s)://... pairs, space-separated"))),
  ),
  /** "down": make doctor saw no running stack, so the checks that need it are skipped. */
  DOCTOR_STACK: z.preprocess((v) => (v === "" ? undefined : v), z.enum(["up", "down", "unknown"]).default("unknown")),
  DOCTOR_TIMEOUT_MS: z.preprocess(
    (v) => (v === "" || v === undefined ? 8000 : v),
    z.coerce.number().int().positive(),
  ),
});

export type DoctorEnv = z.infer<typeof doctorEnvGuard>;

export type DoctorConfig = {
  logtoDomain: string;
  appDomain: string;
  adminDomain: string;
  tlsMode: "internal" | "acme";
  logtoUrl: string;
  appUrl: string;
  adminUrl: string;
  /** The website app, and `oa`, the Official Account: each checked the same way. */
  wechat: { appId?: string; appSecret?: string; oa: { appId?: string; appSecret?: string }; apiBase: string };
  stack: "up" | "down" | "unknown";
  timeoutMs: number;
  pwnedPasswordCheck: boolean;
  acme: { ca?: string; email?: string };
  offsiteRepository?: string;
  imageRegistry?: string;
  npmRegistry?: string;
  /** ACME_DNS_PROVIDER (DNS-01) and GOPROXY, the Go module proxy of its Caddy build. */
  dnsProvider?: string;
  goProxy?: string;
  /** DOCTOR_OUTBOUND_URLS: probe URL by host name. */
  outboundUrls: Record<string, string>;
};

/** WeChat's answer to the token endpoint: errors are HTTP 200 with errcode/errmsg. */
export const wechatTokenResponseGuard = z.object({
  errcode: z.number().int().optional(),
  errmsg: z.string().optional(),
  access_token: z.string().optional(),
});

export const oidcDiscoveryGuard = z.object({ issuer: z.string() });
