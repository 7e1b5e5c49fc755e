import { z } from "zod";

import { appTypes, defaultOpenPlatformAccount, endpointNames } from "./constant.js";

/** A test user as the config file gives it; missing profile fields get defaults (users.ts). */
export const testUserGuard = z.object({
  /** Short name used in data-testid="confirm-<key>". */
  key: z.string().regex(/^[\w-]+$/, "letters, digits, _ and - only"),
  /** Openid for website apps; an app may have its own (`openids`), else `<openid>-<appid>` (WeChat: one per app). */
  openid: z.string().min(1),
  openids: z.record(z.string(), z.string().min(1)).optional(),
  /**
   * Unionid under the Open Platform account `default`; under another account `<unionid>.<account>`;
   * none from an app bound to no account. Absent: the user never has one.
   */
  unionid: z.string().min(1).optional(),
  nickname: z.string(),
  headimgurl: z.string(),
  sex: z.number().int(),
  province: z.string(),
  city: z.string(),
  country: z.string(),
});
export type TestUser = z.infer<typeof testUserGuard>;

export const appGuard = z.object({
  appid: z.string().min(1),
  secret: z.string().min(1),
  /** WeChat's "authorization callback domain": a bare host (a port may follow, as `host:port`). */
  callbackDomain: z
    .string()
    .min(1)
    .refine((value) => !value.includes("/"), "a bare host, no scheme and no path"),
  name: z.string().min(1),
  /** `website` (网站应用, the QR page) or `officialAccount` (公众号, web authorization inside WeChat). */
  type: z.enum(appTypes).default("website"),
  /** The Open Platform account the app is bound to (one unionid per user across its apps); null: unbound. */
  openPlatformAccount: z.string().min(1).nullable().default(defaultOpenPlatformAccount),
  /**
   * Old WeChat docs: a denied login redirects to `redirect_uri?state=STATE` (no code).
   * Current docs: no redirect. Default false = current behaviour.
   */
  denyRedirects: z.boolean().default(false),
});
export type App = z.infer<typeof appGuard>;

/** The JSON file named by WECHAT_EMULATOR_CONFIG. */
export const configFileGuard = z.object({
  apps: z.array(appGuard.partial({ name: true, type: true, openPlatformAccount: true })).min(1).optional(),
  users: z
    .array(testUserGuard.partial({ nickname: true, headimgurl: true, sex: true, province: true, city: true, country: true }))
    .min(1)
    .optional(),
});
export type ConfigFile = z.infer<typeof configFileGuard>;

export type EmulatorConfig = { apps: App[]; users: TestUser[] };

/** Query parameters: every field optional, so a missing one maps to WeChat's own 41xxx errcode. */
const param = z.string().optional();

export const qrconnectQueryGuard = z.object({
  appid: param,
  redirect_uri: param,
  response_type: param,
  scope: param,
  state: param,
  lang: param,
});

/** GET /connect/oauth2/authorize: the Official Account's web authorization. */
export const oauth2AuthorizeQueryGuard = qrconnectQueryGuard.omit({ lang: true });

/** POST /connect/qrconnect/confirm (and the OA consent page's): the clicked button sends `user=<key>` or `deny=1`. */
export const confirmFormGuard = z.object({
  uuid: z.string().min(1),
  user: z.string().min(1).optional(),
  deny: z.string().optional(),
});

export const accessTokenQueryGuard = z.object({ appid: param, secret: param, code: param, grant_type: param });
export const refreshTokenQueryGuard = z.object({ appid: param, grant_type: param, refresh_token: param });
export const userInfoQueryGuard = z.object({ access_token: param, openid: param, lang: param });
export const authQueryGuard = z.object({ access_token: param, openid: param });

/** Control API: POST /faults. */
export const faultGuard = z
  .object({
    endpoint: z.enum(endpointNames),
    errcode: z.number().int().optional(),
    httpStatus: z.number().int().min(100).max(599).optional(),
    delayMs: z.number().int().min(0).max(120_000).optional(),
    times: z.number().int().min(1).default(1),
  })
  .refine(
    (fault) => fault.errcode !== undefined || fault.httpStatus !== undefined || fault.delayMs !== undefined,
    "give at least one of errcode, httpStatus, delayMs"
  );
export type Fault = z.infer<typeof faultGuard>;

/** Control API: POST /clock (moves the emulator's clock forward, e.g. to expire codes). */
export const clockGuard = z.object({ advanceMs: z.number().int().min(0) });
