// The Official Account's web authorization (公众号网页授权), unionid per Open Platform account, and
// WeChat's host and redirect_uri rules.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { defaultConfig } from "./config.js";
import { oaCodeTtlMs } from "./constant.js";
import { startTestEmulator, type TestEmulator } from "./test-utils.js";
import { defaultApp, defaultOaApp, testUsers } from "./users.js";

/** WeChat 8 on Android. */
const wechatUa =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220099 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN";
const phoneUa = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";

/** An Official Account bound to no Open Platform account. */
const unboundOa = { ...defaultOaApp, appid: "wx0000000000000003", secret: "unbound-oa-secret", name: "Unbound OA", openPlatformAccount: null };
/** One bound to another Open Platform account. */
const otherAccountOa = { ...defaultOaApp, appid: "wx0000000000000004", secret: "other-oa-secret", name: "Other OA", openPlatformAccount: "other" };

let t: TestEmulator;

beforeAll(async () => {
  const config = defaultConfig("auth.stack.test");
  t = await startTestEmulator({
    config: { ...config, apps: [...config.apps, { ...unboundOa, callbackDomain: "auth.stack.test" }, { ...otherAccountOa, callbackDomain: "auth.stack.test" }] },
  });
});
afterAll(async () => {
  await t.stop();
});
beforeEach(() => {
  t.emulator.state.reset();
});

const authorizeQuery = (overrides: Record<string, string | undefined> = {}) => {
  const params: Record<string, string | undefined> = {
    appid: defaultOaApp.appid,
    redirect_uri: "https://auth.stack.test/callback/wechat",
    response_type: "code",
    scope: "snsapi_userinfo",
    state: "Xy9_-aB3cDe",
    ...overrides,
  };
  return new URLSearchParams(Object.entries(params).filter((entry): entry is [string, string] => entry[1] !== undefined));
};

const openAuthorize = (overrides: Record<string, string | undefined> = {}, userAgent = wechatUa) =>
  t.send("GET", `/connect/oauth2/authorize?${authorizeQuery(overrides).toString()}`, {
    host: "open.weixin.qq.com",
    headers: { "User-Agent": userAgent },
  });

/** Consent as `user` on the OA page; returns the redirect's Location. */
const consent = async (user: string, overrides: Record<string, string | undefined> = {}) => {
  const page = await openAuthorize(overrides);
  const uuid = /name="uuid" value="([^"]+)"/.exec(page.body)?.[1];
  if (!uuid) throw new Error(`no consent session on the page: ${page.body.slice(0, 500)}`);
  const reply = await t.send("POST", "/connect/oauth2/authorize/confirm", {
    host: "open.weixin.qq.com",
    body: new URLSearchParams({ uuid, user }).toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded", "User-Agent": wechatUa },
  });
  expect(reply.status).toBe(302);
  return String(reply.headers.location);
};

const codeOf = (location: string) => {
  const code = new URL(location).searchParams.get("code");
  if (!code) throw new Error(`no code in ${location}`);
  return code;
};

const exchangeAs = (app: { appid: string; secret: string }, code: string) =>
  t.exchange(code, { appid: app.appid, secret: app.secret });

const signInAs = async (app: { appid: string; secret: string }, user: string) => {
  const code =
    app.appid === defaultApp.appid
      ? await t.authorize(user)
      : codeOf(await consent(user, { appid: app.appid }));
  const token = await exchangeAs(app, code);
  const profile = await t.api("/sns/userinfo", { access_token: String(token.json.access_token), openid: String(token.json.openid) });
  return { token: token.json, profile: profile.json };
};

describe("GET /connect/oauth2/authorize (open.weixin.qq.com)", () => {
  it("snsapi_userinfo: a consent page with the app name, one allow button per test user and deny", async () => {
    const page = await openAuthorize();
    expect(page.status).toBe(200);
    expect(page.body).toContain('data-testid="oa-consent"');
    expect(page.body).toContain(defaultOaApp.name);
    expect(page.body).toContain('data-testid="allow-alice"');
    expect(page.body).toContain("允许 / Allow as Alice 爱丽丝");
    expect(page.body).toContain('data-testid="allow-bob"');
    expect(page.body).toContain('data-testid="deny"');
    expect(page.body).not.toContain('data-testid="qrcode"');
    expect(t.emulator.state.calls.oauth2_authorize).toBe(1);
  });

  it("allowing redirects to redirect_uri with code and state; the code lives 5 minutes", async () => {
    const location = await consent("alice");
    expect(location).toMatch(/^https:\/\/auth\.stack\.test\/callback\/wechat\?code=[0-9A-Za-z]{32}&state=Xy9_-aB3cDe$/);
    const late = await consent("alice");
    t.clock.advance(oaCodeTtlMs);
    expect((await exchangeAs(defaultOaApp, codeOf(late))).json.errcode).toBe(42003);
    const fresh = await consent("alice");
    t.clock.advance(oaCodeTtlMs - 1000);
    expect((await exchangeAs(defaultOaApp, codeOf(fresh))).json.access_token).toEqual(expect.any(String));
  });

  it("deny shows the cancelled page, no redirect", async () => {
    const page = await openAuthorize();
    const uuid = /name="uuid" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
    const reply = await t.send("POST", "/connect/oauth2/authorize/confirm", {
      host: "open.weixin.qq.com",
      body: `uuid=${uuid}&deny=1`,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(reply.status).toBe(200);
    expect(reply.headers.location).toBeUndefined();
    expect(reply.body).toContain('data-testid="wechat-denied"');
  });

  it("snsapi_base: redirects at once with a code for the phone's user (the first test user); openid only", async () => {
    const reply = await openAuthorize({ scope: "snsapi_base" });
    expect(reply.status).toBe(302);
    const token = await exchangeAs(defaultOaApp, codeOf(String(reply.headers.location)));
    expect(token.json).toMatchObject({ openid: `o-alice-${defaultOaApp.appid}`, scope: "snsapi_base" });
    expect(token.json).not.toHaveProperty("unionid");
    const profile = await t.api("/sns/userinfo", { access_token: String(token.json.access_token), openid: String(token.json.openid) });
    expect(profile.json).toMatchObject({ errcode: 48001 });
  });

  it.each([
    ["a website appid", { appid: defaultApp.appid }, "错误码：10016，不支持微信开放平台的Appid，请使用公众号Appid"],
    ["no appid", { appid: undefined }, "错误码：10012"],
    ["no redirect_uri", { redirect_uri: undefined }, "错误码：10011"],
    ["a redirect_uri outside the web authorization domain", { redirect_uri: "https://evil.example/callback/wechat" }, "错误码：10003"],
    ["a sub-domain of it", { redirect_uri: "https://x.auth.stack.test/callback/wechat" }, "错误码：10003"],
    ["no scope", { scope: undefined }, "错误码：10010"],
    ["the website scope", { scope: "snsapi_login" }, "错误码：10005"],
    ["no state", { state: undefined }, "错误码：10013"],
  ])("%s: WeChat's error page, no redirect", async (_, overrides, text) => {
    const reply = await openAuthorize(overrides);
    expect(reply.status).toBe(200);
    expect(reply.headers.location).toBeUndefined();
    expect(reply.body).toContain('data-testid="wechat-error"');
    expect(reply.body).toContain(text);
  });

  it("outside WeChat's browser: asks to open the link in WeChat", async () => {
    const reply = await openAuthorize({}, phoneUa);
    expect(reply.status).toBe(200);
    expect(reply.headers.location).toBeUndefined();
    expect(reply.body).toContain("请在微信客户端打开链接");
  });

  it("an Official Account appid at the QR page: WeChat's error page", async () => {
    const page = await t.openQrPage({ appid: defaultOaApp.appid });
    expect(page.body).toContain('data-testid="wechat-error"');
    expect(page.body).not.toContain('data-testid="qrcode"');
  });
});

describe("codes are bound to the app that issued them", () => {
  it("an OA code exchanged with the website app's credentials: 40029; then with the OA's, it works", async () => {
    const code = codeOf(await consent("alice"));
    expect((await exchangeAs(defaultApp, code)).json.errcode).toBe(40029);
    expect((await exchangeAs(defaultOaApp, code)).json.access_token).toEqual(expect.any(String));
  });

  it("a website code exchanged with the OA's credentials: 40029", async () => {
    expect((await exchangeAs(defaultOaApp, await t.authorize("alice"))).json.errcode).toBe(40029);
  });

  it("the OA's secret is its own: 40125 with the website app's", async () => {
    const code = codeOf(await consent("alice"));
    expect((await t.exchange(code, { appid: defaultOaApp.appid, secret: defaultApp.secret })).json.errcode).toBe(40125);
  });
});

describe("openid per app, unionid per Open Platform account", () => {
  it("website app and OA bound to one account: another openid, the same unionid (token and profile)", async () => {
    const website = await signInAs(defaultApp, "alice");
    const oa = await signInAs(defaultOaApp, "alice");
    expect(website.token).toMatchObject({ openid: "o-alice", unionid: "u-alice" });
    expect(oa.token).toMatchObject({ openid: `o-alice-${defaultOaApp.appid}`, unionid: "u-alice", scope: "snsapi_userinfo" });
    expect(oa.profile).toMatchObject({ openid: `o-alice-${defaultOaApp.appid}`, unionid: "u-alice", nickname: testUsers.alice.nickname });
  });

  it("an OA bound to no account: no unionid", async () => {
    const { token, profile } = await signInAs(unboundOa, "alice");
    expect(token).not.toHaveProperty("unionid");
    expect(profile).not.toHaveProperty("unionid");
    expect(profile.openid).toBe(`o-alice-${unboundOa.appid}`);
  });

  it("an OA bound to another account: another unionid", async () => {
    const { profile } = await signInAs(otherAccountOa, "alice");
    expect(profile.unionid).toBe("u-alice.other");
  });

  it("a user without unionid has none in any app", async () => {
    expect((await signInAs(defaultOaApp, "bob")).profile).not.toHaveProperty("unionid");
  });

  it("the website app's openid does not pass for the OA's token: 40003", async () => {
    const { token } = await signInAs(defaultOaApp, "alice");
    const profile = await t.api("/sns/userinfo", { access_token: String(token.access_token), openid: "o-alice" });
    expect(profile.json.errcode).toBe(40003);
  });
});

describe("redirect_uri comes back byte for byte, code and state appended", () => {
  it.each([
    ["a query with %20", "https://auth.stack.test/callback/wechat?a=b%20c", "https://auth.stack.test/callback/wechat?a=b%20c&code="],
    ["a query with + and %2B", "https://auth.stack.test/cb?x=1+2&y=%2B", "https://auth.stack.test/cb?x=1+2&y=%2B&code="],
    ["a trailing ?", "https://auth.stack.test/cb?", "https://auth.stack.test/cb?code="],
    ["a fragment", "https://auth.stack.test/cb?a=1#frag", "https://auth.stack.test/cb?a=1&code="],
    ["upper-case percent escapes and a port", "https://auth.stack.test:8443/c%C3%A9?q=%E4%B8%AD", "https://auth.stack.test:8443/c%C3%A9?q=%E4%B8%AD&code="],
  ])("QR page, %s", async (_, redirectUri, prefix) => {
    const config = defaultConfig("auth.stack.test");
    const other = await startTestEmulator({
      config: { ...config, apps: config.apps.map((app) => ({ ...app, callbackDomain: redirectUri.includes(":8443") ? "auth.stack.test:8443" : "auth.stack.test" })) },
    });
    try {
      const { reply } = await other.pressButton({ user: "alice" }, { redirect_uri: redirectUri });
      const location = String(reply.headers.location);
      expect(location.startsWith(prefix)).toBe(true);
      expect(location).toMatch(/code=[0-9A-Za-z]{32}&state=state-123(#frag)?$/);
      if (redirectUri.includes("#")) expect(location.endsWith("#frag")).toBe(true);
    } finally {
      await other.stop();
    }
  });

  it("OA consent, a query with %20", async () => {
    const location = await consent("alice", { redirect_uri: "https://auth.stack.test/callback/wechat?a=b%20c" });
    expect(location).toMatch(/^https:\/\/auth\.stack\.test\/callback\/wechat\?a=b%20c&code=[0-9A-Za-z]{32}&state=Xy9_-aB3cDe$/);
  });
});

describe("hosts: pages only on open.weixin.qq.com, the API only on api.weixin.qq.com", () => {
  it.each([
    ["api.weixin.qq.com", "/connect/qrconnect"],
    ["api.weixin.qq.com", "/connect/oauth2/authorize"],
    ["api.weixin.qq.com", "/connect/qrconnect/confirm"],
    ["open.weixin.qq.com", "/sns/oauth2/access_token"],
    ["open.weixin.qq.com", "/sns/userinfo"],
    ["open.weixin.qq.com", "/sns/oauth2/refresh_token"],
    ["open.weixin.qq.com", "/sns/auth"],
    ["127.0.0.1", "/sns/userinfo"],
    ["127.0.0.1", "/connect/qrconnect"],
  ])("%s%s: 404", async (host, path) => {
    const reply = await t.send("GET", `${path}?appid=${defaultApp.appid}`, { host, headers: { "User-Agent": wechatUa } });
    expect(reply.status).toBe(404);
    expect(t.emulator.state.calls).toMatchObject({ qrconnect: 0, oauth2_authorize: 0, access_token: 0, userinfo: 0 });
  });

  it("the Host header's port does not matter", async () => {
    const reply = await t.send("GET", `/connect/qrconnect?${new URLSearchParams({ appid: defaultApp.appid }).toString()}`, {
      host: "open.weixin.qq.com",
      headers: { Host: "open.weixin.qq.com:443" },
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toContain('data-testid="wechat-error"');
  });
});
