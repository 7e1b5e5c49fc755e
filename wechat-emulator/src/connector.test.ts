/** End to end against the real @logto/connector-wechat-web 1.6.5 from npm (connector-runner.ts). */
import { execFile } from "node:child_process";
import { promisify } from "node:util";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { connectorRunner, nodeBinary, startEmulatorOn443 } from "./connector-runner.js";
import type { TestEmulator } from "./test-utils.js";
import { defaultApp, testUsers } from "./users.js";

const redirectUri = "https://auth.stack.test/callback/wechat";
const config = { appId: defaultApp.appid, appSecret: defaultApp.secret };

let emulator: { t: TestEmulator; ip: string };
let t: TestEmulator;
const connector = connectorRunner("@logto/connector-wechat-web", () => emulator, config);

const authorizationUri = async (state: string): Promise<string> => {
  const reply = await connector("authorization-uri", { state, redirectUri });
  if (!reply.ok) throw new Error(`getAuthorizationUri failed: ${JSON.stringify(reply.error)}`);
  return reply.result.uri;
};

/** getAuthorizationUri -> the browser confirms as `user` on the QR page -> the code from the callback. */
const signInCode = async (user: string): Promise<string> => {
  const uri = await authorizationUri(`state-${user}`);
  const callback = await t.confirmAt(uri, user);
  expect(`${callback.origin}${callback.pathname}`).toBe(redirectUri);
  expect(callback.searchParams.get("state")).toBe(`state-${user}`);
  return callback.searchParams.get("code") ?? "";
};

beforeAll(async () => {
  emulator = await startEmulatorOn443("127.44");
  t = emulator.t;
});
afterAll(async () => {
  await t?.stop();
});
beforeEach(async () => {
  await t.control("POST", "/reset");
});

describe("@logto/connector-wechat-web 1.6.5 against the emulator", () => {
  it(`runs the driver on Node 22 (${nodeBinary})`, async () => {
    const { stdout } = await promisify(execFile)(nodeBinary, ["--version"]);
    expect(stdout.trim()).toMatch(/^v22\./);
  });

  it("getAuthorizationUri is accepted by the QR page (appid, redirect_uri, response_type, scope, state)", async () => {
    const uri = new URL(await authorizationUri("s-1"));
    expect(`${uri.origin}${uri.pathname}`).toBe("https://open.weixin.qq.com/connect/qrconnect");
    const page = await t.send("GET", `${uri.pathname}${uri.search}`, { host: uri.hostname });
    expect(page.body).toContain('data-testid="confirm-alice"');
    expect(page.body).not.toContain('data-testid="wechat-error"');
  });

  it("alice: authorization URI -> confirm -> getUserInfo gives unionid, nickname, avatar", async () => {
    const code = await signInCode("alice");
    const reply = await connector("user-info", { code });
    expect(reply).toEqual({
      ok: true,
      result: { id: testUsers.alice.unionid, name: testUsers.alice.nickname, avatar: testUsers.alice.headimgurl },
    });
    expect((await t.control("GET", "/calls")).json).toMatchObject({ qrconnect: 1, access_token: 1, userinfo: 1 });
  });

  it("bob (no unionid): getUserInfo falls back to the openid", async () => {
    const reply = await connector("user-info", { code: await signInCode("bob") });
    expect(reply).toEqual({ ok: true, result: { id: "o-bob", name: "Bob", avatar: testUsers.bob.headimgurl } });
  });

  it("a code used twice: the connector reports social_auth_code_invalid (40163)", async () => {
    const code = await signInCode("alice");
    expect((await connector("user-info", { code })).ok).toBe(true);
    const again = await connector("user-info", { code });
    expect(again).toMatchObject({ ok: false, error: { code: "social_auth_code_invalid" } });
    expect(JSON.stringify(again)).toContain("code been used");
  });

  it("injected 40029 on the token call: social_auth_code_invalid, user info never asked", async () => {
    const code = await signInCode("alice");
    await t.control("POST", "/faults", { endpoint: "access_token", errcode: 40029 });
    const reply = await connector("user-info", { code });
    expect(reply).toMatchObject({ ok: false, error: { code: "social_auth_code_invalid" } });
    expect(JSON.stringify(reply)).toContain("invalid code, rid: ");
    expect((await t.control("GET", "/calls")).json).toMatchObject({ access_token: 1, userinfo: 0 });
  });

  it("injected 40001 on user info: social_invalid_access_token", async () => {
    const code = await signInCode("alice");
    await t.control("POST", "/faults", { endpoint: "userinfo", errcode: 40001 });
    expect(await connector("user-info", { code })).toMatchObject({ ok: false, error: { code: "social_invalid_access_token" } });
  });

  it("injected -1 on the token call: a general connector error carrying WeChat's errmsg", async () => {
    const code = await signInCode("alice");
    await t.control("POST", "/faults", { endpoint: "access_token", errcode: -1 });
    const reply = await connector("user-info", { code });
    expect(reply).toMatchObject({ ok: false, error: { code: "general" } });
    expect(JSON.stringify(reply)).toContain("system error, rid: ");
  });

  it("HTTP 500 on user info (every retry): a general connector error", async () => {
    const code = await signInCode("alice");
    await t.control("POST", "/faults", { endpoint: "userinfo", httpStatus: 500, times: 3 });
    const reply = await connector("user-info", { code });
    expect(reply).toMatchObject({ ok: false, error: { code: "general" } });
    expect((await t.control("GET", "/calls")).json).toMatchObject({ userinfo: 3 }); // got retried twice
  });

  // got times out at 5 s and retries about 1 s later (backoff). The delayed call still consumes the
  // code at 5.5 s, so the retry meets 40163. (A delay past ~6 s would let the retry win the race.)
  it(
    "a token call slower than the connector's 5 s timeout fails: the retry meets a used code (40163)",
    async () => {
      const code = await signInCode("alice");
      await t.control("POST", "/faults", { endpoint: "access_token", delayMs: 5500 });
      const reply = await connector("user-info", { code });
      expect(reply).toMatchObject({ ok: false, error: { code: "social_auth_code_invalid" } });
      expect(JSON.stringify(reply)).toContain("code been used");
      expect((await t.control("GET", "/calls")).json).toMatchObject({ access_token: 2, userinfo: 0 });
    },
    30_000
  );
});
