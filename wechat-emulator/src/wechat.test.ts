import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { codeTtlMs } from "./constant.js";
import { startTestEmulator, type TestEmulator } from "./test-utils.js";
import { defaultApp, testUsers } from "./users.js";

let t: TestEmulator;

beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(async () => {
  await t.stop();
});
beforeEach(() => {
  t.emulator.state.reset();
});

/** WeChat's error shape: exactly errcode + errmsg, errmsg with a request id suffix. */
const expectError = (json: Record<string, unknown>, errcode: number, errmsg: string) => {
  expect(Object.keys(json).sort()).toEqual(["errcode", "errmsg"]);
  expect(json.errcode).toBe(errcode);
  expect(json.errmsg).toMatch(new RegExp(`^${errmsg}, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`));
};

describe("GET /connect/qrconnect (open.weixin.qq.com)", () => {
  it("shows the QR page with the app name, a confirm button per test user and a deny button", async () => {
    const page = await t.openQrPage();
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(page.body).toContain('data-testid="qrcode"');
    expect(page.body).toContain(defaultApp.name);
    expect(page.body).toContain('data-testid="confirm-alice"');
    expect(page.body).toContain("确认登录 / Confirm as Alice 爱丽丝");
    expect(page.body).toContain('data-testid="confirm-bob"');
    expect(page.body).toContain('data-testid="deny"');
    expect(t.emulator.state.calls.qrconnect).toBe(1);
  });

  it("confirming redirects to redirect_uri with code and state", async () => {
    const { reply } = await t.pressButton({ user: "alice" }, { redirect_uri: "https://auth.stack.test:8443/callback/wechat?x=1" });
    expect(reply.status).toBe(302);
    const location = new URL(String(reply.headers.location));
    expect(`${location.origin}${location.pathname}`).toBe("https://auth.stack.test:8443/callback/wechat");
    expect(location.searchParams.get("x")).toBe("1");
    expect(location.searchParams.get("state")).toBe("state-123");
    expect(location.searchParams.get("code")).toMatch(/^[0-9A-Za-z]{32}$/);
  });

  it("a QR session answers once: a second confirm shows the expired page", async () => {
    const { uuid } = await t.pressButton({ user: "alice" });
    const again = await t.send("POST", "/connect/qrconnect/confirm", {
      host: "open.weixin.qq.com",
      body: `uuid=${uuid}&user=alice`,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(again.status).toBe(200);
    expect(again.headers.location).toBeUndefined();
    expect(again.body).toContain("二维码已失效");
  });

  it("deny shows the cancelled page and does not redirect (current WeChat)", async () => {
    const { reply } = await t.pressButton({ deny: true });
    expect(reply.status).toBe(200);
    expect(reply.headers.location).toBeUndefined();
    expect(reply.body).toContain('data-testid="wechat-denied"');
  });

  it("deny redirects with state and no code when the app has denyRedirects (older WeChat)", async () => {
    const other = await startTestEmulator({
      config: { apps: [{ ...defaultApp, callbackDomain: "auth.stack.test", denyRedirects: true }], users: [testUsers.alice] },
    });
    try {
      const { reply } = await other.pressButton({ deny: true });
      expect(reply.status).toBe(302);
      const location = new URL(String(reply.headers.location));
      expect(location.searchParams.get("state")).toBe("state-123");
      expect(location.searchParams.has("code")).toBe(false);
    } finally {
      await other.stop();
    }
  });

  const errorPageCases: Array<[string, Record<string, string | undefined>, string]> = [
    ["unknown appid", { appid: "wx-unknown" }, "AppID 参数错误"],
    ["missing appid", { appid: undefined }, "AppID 参数错误"],
    ["redirect_uri host not the callback domain", { redirect_uri: "https://evil.test/callback/wechat" }, "redirect_uri 参数错误"],
    ["redirect_uri on a sub-domain of the callback domain", { redirect_uri: "https://x.auth.stack.test/callback/wechat" }, "redirect_uri 参数错误"],
    ["redirect_uri not a URL", { redirect_uri: "auth.stack.test/callback" }, "redirect_uri 参数错误"],
    ["missing redirect_uri", { redirect_uri: undefined }, "redirect_uri 参数错误"],
    ["response_type not code", { response_type: "token" }, "response_type 参数错误"],
    ["scope snsapi_userinfo (Official Account scope)", { scope: "snsapi_userinfo" }, "Scope 参数错误或没有 Scope 权限"],
    ["missing scope", { scope: undefined }, "Scope 参数错误或没有 Scope 权限"],
  ];
  for (const [name, overrides, detail] of errorPageCases) {
    it(`${name}: WeChat's error page, no redirect, no QR session`, async () => {
      const page = await t.openQrPage(overrides);
      expect(page.status).toBe(200);
      expect(page.headers.location).toBeUndefined();
      expect(page.body).toContain('data-testid="wechat-error"');
      expect(page.body).toContain(detail);
      expect(page.body).not.toContain('name="uuid"');
    });
  }

  it("an expired QR session shows the expired page", async () => {
    const page = await t.openQrPage();
    const uuid = /name="uuid" value="([^"]+)"/.exec(page.body)?.[1] ?? "";
    t.clock.advance(5 * 60 * 1000 + 1);
    const reply = await t.send("POST", "/connect/qrconnect/confirm", {
      host: "open.weixin.qq.com",
      body: `uuid=${uuid}&user=alice`,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    });
    expect(reply.headers.location).toBeUndefined();
    expect(reply.body).toContain("二维码已失效");
  });
});

describe("GET /sns/oauth2/access_token", () => {
  it("exchanges a code: WeChat's fields, text/plain, escaped slashes", async () => {
    const code = await t.authorize("alice");
    const reply = await t.exchange(code);
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("text/plain");
    expect(reply.json).toEqual({
      access_token: expect.any(String),
      expires_in: 7200,
      refresh_token: expect.any(String),
      openid: "o-alice",
      scope: "snsapi_login",
      unionid: "u-alice",
    });
    expect(reply.json).not.toHaveProperty("token_type");
  });

  it("a user without unionid gets no unionid field", async () => {
    const reply = await t.exchange(await t.authorize("bob"));
    expect(reply.json.openid).toBe("o-bob");
    expect(reply.json).not.toHaveProperty("unionid");
  });

  it("41002 when appid is missing", async () => {
    const reply = await t.api("/sns/oauth2/access_token", { secret: defaultApp.secret, code: "x", grant_type: "authorization_code" });
    expect(reply.status).toBe(200);
    expectError(reply.json, 41002, "appid missing");
  });

  it("41004 when secret is missing", async () => {
    const reply = await t.api("/sns/oauth2/access_token", { appid: defaultApp.appid, code: "x", grant_type: "authorization_code" });
    expectError(reply.json, 41004, "appsecret missing");
  });

  it("40013 for an unknown appid", async () => {
    expectError((await t.exchange("x", { appid: "wx-unknown" })).json, 40013, "invalid appid");
  });

  it("40125 for a wrong secret", async () => {
    expectError((await t.exchange(await t.authorize(), { secret: "wrong" })).json, 40125, "invalid appsecret");
  });

  it("41008 when code is missing", async () => {
    const reply = await t.api("/sns/oauth2/access_token", {
      appid: defaultApp.appid,
      secret: defaultApp.secret,
      grant_type: "authorization_code",
    });
    expectError(reply.json, 41008, "missing code");
  });

  it("40002 for a wrong grant_type", async () => {
    expectError((await t.exchange(await t.authorize(), { grant_type: "client_credentials" })).json, 40002, "invalid grant_type");
  });

  it("40029 for an unknown code (also the preflight answer with right credentials)", async () => {
    expectError((await t.exchange("made-up-code")).json, 40029, "invalid code");
  });

  it("40163 for a code used once already", async () => {
    const code = await t.authorize();
    expect((await t.exchange(code)).json.access_token).toEqual(expect.any(String));
    expectError((await t.exchange(code)).json, 40163, "code been used");
  });

  it("42003 for a code older than 10 minutes", async () => {
    const code = await t.authorize();
    t.clock.advance(codeTtlMs);
    expectError((await t.exchange(code)).json, 42003, "code expired");
  });

  it("a code just under 10 minutes old still works", async () => {
    const code = await t.authorize();
    t.clock.advance(codeTtlMs - 1000);
    expect((await t.exchange(code)).json.openid).toBe("o-alice");
  });

  it("43001 for POST", async () => {
    const reply = await t.send("POST", `/sns/oauth2/access_token?appid=${defaultApp.appid}`);
    expectError(JSON.parse(reply.body) as Record<string, unknown>, 43001, "require GET method");
  });
});

describe("GET /sns/userinfo", () => {
  const tokenFor = async (user = "alice") => (await t.exchange(await t.authorize(user))).json;

  it("returns the profile, escaped slashes on the wire, empty location fields", async () => {
    const token = await tokenFor("alice");
    const reply = await t.api("/sns/userinfo", { access_token: String(token.access_token), openid: "o-alice" });
    expect(reply.headers["content-type"]).toBe("text/plain");
    expect(reply.body).toContain("https:\\/\\/thirdwx.qlogo.cn\\/mmopen\\/vi_32\\/emulator-alice\\/132");
    expect(reply.json).toEqual({
      openid: "o-alice",
      nickname: "Alice 爱丽丝",
      sex: 0,
      province: "",
      city: "",
      country: "",
      headimgurl: testUsers.alice.headimgurl,
      privilege: [],
      unionid: "u-alice",
    });
  });

  it("answers without openid, for the token's user", async () => {
    const token = await tokenFor("bob");
    const reply = await t.api("/sns/userinfo", { access_token: String(token.access_token) });
    expect(reply.json.openid).toBe("o-bob");
    expect(reply.json).not.toHaveProperty("unionid");
  });

  it("41001 when access_token is missing", async () => {
    expectError((await t.api("/sns/userinfo", { openid: "o-alice" })).json, 41001, "access_token missing");
  });

  it("40014 for an unknown access_token", async () => {
    expectError((await t.api("/sns/userinfo", { access_token: "nope", openid: "o-alice" })).json, 40014, "invalid access_token");
  });

  it("42001 for an access_token older than 7200 s", async () => {
    const token = await tokenFor();
    t.clock.advance(7200 * 1000);
    const reply = await t.api("/sns/userinfo", { access_token: String(token.access_token), openid: "o-alice" });
    expectError(reply.json, 42001, "access_token expired");
  });

  it("40003 for another user's openid", async () => {
    const token = await tokenFor("alice");
    expectError((await t.api("/sns/userinfo", { access_token: String(token.access_token), openid: "o-bob" })).json, 40003, "invalid openid");
  });
});

describe("GET /sns/oauth2/refresh_token", () => {
  const refresh = (params: Record<string, string>) =>
    t.api("/sns/oauth2/refresh_token", { appid: defaultApp.appid, grant_type: "refresh_token", ...params });

  it("keeps a live access_token and renews its lifetime", async () => {
    const token = (await t.exchange(await t.authorize())).json;
    t.clock.advance(3600 * 1000);
    const reply = await refresh({ refresh_token: String(token.refresh_token) });
    expect(reply.json).toEqual({
      access_token: token.access_token,
      expires_in: 7200,
      refresh_token: token.refresh_token,
      openid: "o-alice",
      scope: "snsapi_login",
    });
    t.clock.advance(7000 * 1000); // past the first lifetime, within the renewed one
    const info = await t.api("/sns/userinfo", { access_token: String(token.access_token), openid: "o-alice" });
    expect(info.json.openid).toBe("o-alice");
  });

  it("replaces an expired access_token with a new one", async () => {
    const token = (await t.exchange(await t.authorize())).json;
    t.clock.advance(7200 * 1000);
    const reply = await refresh({ refresh_token: String(token.refresh_token) });
    expect(reply.json.access_token).not.toBe(token.access_token);
    const info = await t.api("/sns/userinfo", { access_token: String(reply.json.access_token) });
    expect(info.json.openid).toBe("o-alice");
  });

  it("41002 when appid is missing", async () => {
    const reply = await t.api("/sns/oauth2/refresh_token", { grant_type: "refresh_token", refresh_token: "x" });
    expectError(reply.json, 41002, "appid missing");
  });

  it("40013 for an unknown appid", async () => {
    expectError((await refresh({ appid: "wx-unknown", refresh_token: "x" })).json, 40013, "invalid appid");
  });

  it("40002 for a wrong grant_type", async () => {
    expectError((await refresh({ grant_type: "authorization_code", refresh_token: "x" })).json, 40002, "invalid grant_type");
  });

  it("41003 when refresh_token is missing", async () => {
    expectError((await refresh({})).json, 41003, "refresh_token missing");
  });

  it("40030 for an unknown refresh_token", async () => {
    expectError((await refresh({ refresh_token: "nope" })).json, 40030, "invalid refresh_token");
  });

  it("42002 for a refresh_token older than 30 days", async () => {
    const token = (await t.exchange(await t.authorize())).json;
    t.clock.advance(30 * 24 * 3600 * 1000);
    expectError((await refresh({ refresh_token: String(token.refresh_token) })).json, 42002, "refresh_token expired");
  });
});

describe("GET /sns/auth", () => {
  it("answers errcode 0 ok for a live token and its openid", async () => {
    const token = (await t.exchange(await t.authorize())).json;
    const reply = await t.api("/sns/auth", { access_token: String(token.access_token), openid: "o-alice" });
    expect(reply.json).toEqual({ errcode: 0, errmsg: "ok" });
  });

  it("41001 when access_token is missing", async () => {
    expectError((await t.api("/sns/auth", { openid: "o-alice" })).json, 41001, "access_token missing");
  });

  it("41009 when openid is missing", async () => {
    expectError((await t.api("/sns/auth", { access_token: "x" })).json, 41009, "missing openid");
  });

  it("40014 for an unknown token", async () => {
    expectError((await t.api("/sns/auth", { access_token: "nope", openid: "o-alice" })).json, 40014, "invalid access_token");
  });

  it("42001 for an expired token", async () => {
    const token = (await t.exchange(await t.authorize())).json;
    t.clock.advance(7200 * 1000);
    expectError((await t.api("/sns/auth", { access_token: String(token.access_token), openid: "o-alice" })).json, 42001, "access_token expired");
  });

  it("40003 for another openid", async () => {
    const token = (await t.exchange(await t.authorize())).json;
    expectError((await t.api("/sns/auth", { access_token: String(token.access_token), openid: "o-bob" })).json, 40003, "invalid openid");
  });
});

it("unknown paths answer 404", async () => {
  expect((await t.send("GET", "/sns/nothing")).status).toBe(404);
});
