import { defaultOpenPlatformAccount } from "./constant.js";
import type { App, TestUser } from "./types.js";

/**
 * The test users the QR page offers. Specs import this table:
 *   import { testUsers } from "wechat-emulator/src/users.js"
 * Logto's connector maps a user to `{ id: unionid ?? openid, name: nickname, avatar: headimgurl }`.
 */
export const testUsers = {
  /** Bound to an Open Platform account: has a unionid, so Logto's id is `u-alice`. */
  alice: {
    key: "alice",
    openid: "o-alice",
    unionid: "u-alice",
    nickname: "Alice 爱丽丝",
    headimgurl: "https://thirdwx.qlogo.cn/mmopen/vi_32/emulator-alice/132",
    sex: 0,
    province: "",
    city: "",
    country: "",
  },
  /** No unionid: Logto's id falls back to the openid `o-bob`. */
  bob: {
    key: "bob",
    openid: "o-bob",
    nickname: "Bob",
    headimgurl: "https://thirdwx.qlogo.cn/mmopen/vi_32/emulator-bob/132",
    sex: 0,
    province: "",
    city: "",
    country: "",
  },
} as const satisfies Record<string, TestUser>;

export type TestUserKey = keyof typeof testUsers;

/** Profile fields a config file may leave out get these (WeChat returns empty strings since 2021-10-20). */
export const defaultProfile = (key: string): Omit<TestUser, "key" | "openid" | "unionid"> => ({
  nickname: key,
  headimgurl: `https://thirdwx.qlogo.cn/mmopen/vi_32/emulator-${encodeURIComponent(key)}/132`,
  sex: 0,
  province: "",
  city: "",
  country: "",
});

/** The website app the stack's defaults expect (seed and emulator agree on it). */
export const defaultApp = {
  appid: "wx0000000000000001",
  secret: "emulator-secret-0000000000000001",
  callbackDomain: "auth.localhost",
  name: "WeChat Logto Stack (emulator)",
  type: "website",
  openPlatformAccount: defaultOpenPlatformAccount,
  denyRedirects: false,
} as const satisfies App;

/**
 * The Official Account, bound to the same Open Platform account as the website app: a user has
 * another openid here but the same unionid. Its callback domain is the OA's web authorization
 * domain (网页授权域名), Logto's host as for the website app.
 */
export const defaultOaApp = {
  appid: "wx0000000000000002",
  secret: "emulator-oa-secret-0000000000000002",
  callbackDomain: "auth.localhost",
  name: "WeChat Logto Stack OA (emulator)",
  type: "officialAccount",
  openPlatformAccount: defaultOpenPlatformAccount,
  denyRedirects: false,
} as const satisfies App;

/** WeChat gives each app its own openid for a user. */
export const openidFor = (user: TestUser, app: App): string =>
  user.openids?.[app.appid] ?? (app.type === "website" ? user.openid : `${user.openid}-${app.appid}`);

/** One unionid per user and Open Platform account; none from an app bound to no account. */
export const unionidFor = (user: TestUser, app: App): string | undefined => {
  if (!user.unionid || app.openPlatformAccount === null) return undefined;
  return app.openPlatformAccount === defaultOpenPlatformAccount ? user.unionid : `${user.unionid}.${app.openPlatformAccount}`;
};
