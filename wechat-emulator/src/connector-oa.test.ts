/**
 * End to end against this repository's connector (connectors/wechat, its built lib/), run as
 * connector.test.ts runs @logto/connector-wechat-web (connector-runner.ts).
 * Inside WeChat's browser: the Official Account's consent, the code exchanged with the OA's
 * credentials; on a computer: the QR page; the same unionid, so the same Logto user id.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { connectorRunner, startEmulatorOn443 } from "./connector-runner.js";
import type { TestEmulator } from "./test-utils.js";
import { defaultApp, defaultOaApp, testUsers } from "./users.js";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));
const redirectUri = "https://auth.stack.test/callback/wechat";
const config = { appId: defaultApp.appid, appSecret: defaultApp.secret, oaAppId: defaultOaApp.appid, oaAppSecret: defaultOaApp.secret };
const wechatUa =
  "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin";
const desktopUa = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

let emulator: { t: TestEmulator; ip: string };
let t: TestEmulator;
const connector = connectorRunner("@wechat-logto-stack/connector-wechat", () => emulator, config);

/** The browser's part: open the URI with `userAgent`, press allow (OA) or confirm (QR) as `user`. */
const callbackFrom = async (uri: string, user: string, userAgent: string): Promise<URL> => {
  const url = new URL(uri);
  const page = await t.send("GET", `${url.pathname}${url.search}`, { host: url.hostname, headers: { "User-Agent": userAgent } });
  const uuid = /name="uuid" value="([^"]+)"/.exec(page.body)?.[1];
  if (!uuid) throw new Error(`no session on the page: ${page.body.slice(0, 300)}`);
  const confirmPath = url.pathname === "/connect/oauth2/authorize" ? "/connect/oauth2/authorize/confirm" : "/connect/qrconnect/confirm";
  const reply = await t.send("POST", confirmPath, {
    host: url.hostname,
    body: new URLSearchParams({ uuid, user }).toString(),
    headers: { "Content-Type": "application/x-www-form-urlencoded", "User-Agent": userAgent },
  });
  if (reply.status !== 302) throw new Error(`no redirect: ${reply.status} ${reply.body.slice(0, 300)}`);
  return new URL(String(reply.headers.location));
};

const signIn = async (user: string, userAgent: string) => {
  const start = await connector("authorization-uri", { state: "Xy9_-aB3cDe", redirectUri, userAgent });
  if (!start.ok) throw new Error(JSON.stringify(start.error));
  const callback = await callbackFrom(start.result.uri, user, userAgent);
  expect(callback.searchParams.get("state")).toBe("Xy9_-aB3cDe");
  return { ...start.result, code: callback.searchParams.get("code") ?? "" };
};

beforeAll(async () => {
  // The connector as Logto loads it: its built lib/.
  await promisify(execFile)("npm", ["--workspace", "connectors/wechat", "run", "build"], { cwd: repoRoot, timeout: 180_000 });
  emulator = await startEmulatorOn443("127.45");
  t = emulator.t;
}, 240_000);
afterAll(async () => {
  await t?.stop();
});
beforeEach(async () => {
  await t.control("POST", "/reset");
});

describe("connectors/wechat against the emulator", () => {
  it("inside WeChat: the OA's consent, the OA's credentials; on a computer: the QR page; the same user id (unionid)", async () => {
    const inWechat = await signIn("alice", wechatUa);
    expect(inWechat.uri).toMatch(/^https:\/\/open\.weixin\.qq\.com\/connect\/oauth2\/authorize\?appid=wx0000000000000002&.*#wechat_redirect$/);
    expect(inWechat.session).toEqual({ wechatApp: "officialAccount" });
    const oaUser = await connector("user-info", { code: inWechat.code, session: inWechat.session });
    expect(oaUser).toEqual({ ok: true, result: { id: "u-alice", name: testUsers.alice.nickname, avatar: testUsers.alice.headimgurl } });

    const onComputer = await signIn("alice", desktopUa);
    expect(onComputer.uri).toMatch(/^https:\/\/open\.weixin\.qq\.com\/connect\/qrconnect\?appid=wx0000000000000001&/);
    const qrUser = await connector("user-info", { code: onComputer.code, session: onComputer.session });
    expect(qrUser).toEqual(oaUser);

    const requests = (await t.control("GET", "/requests")).json as Array<{ endpoint: string; query: Record<string, string> }>;
    expect(requests.filter(({ endpoint }) => endpoint === "access_token").map(({ query }) => query.appid)).toEqual([defaultOaApp.appid, defaultApp.appid]);
  });

  it("a user without unionid: the openid of the app they came through (another Logto user per app)", async () => {
    const inWechat = await signIn("bob", wechatUa);
    expect(await connector("user-info", { code: inWechat.code, session: inWechat.session })).toMatchObject({
      ok: true,
      result: { id: `o-bob-${defaultOaApp.appid}` },
    });
  });

  it("an OA code exchanged as if from the website app (a session that lies): social_auth_code_invalid (40029)", async () => {
    const inWechat = await signIn("alice", wechatUa);
    expect(await connector("user-info", { code: inWechat.code, session: { wechatApp: "website" } })).toMatchObject({
      ok: false,
      error: { code: "social_auth_code_invalid" },
    });
  });

  it.each([
    [40163, "social_auth_code_invalid"],
    [42003, "social_auth_code_invalid"],
    [-1, "general"],
    [40125, "general"],
  ])("OA exchange errcode %i: %s", async (errcode, code) => {
    const inWechat = await signIn("alice", wechatUa);
    await t.control("POST", "/faults", { endpoint: "access_token", errcode });
    expect(await connector("user-info", { code: inWechat.code, session: inWechat.session })).toMatchObject({ ok: false, error: { code } });
  });

  it("OA user info errcode 40001: social_invalid_access_token", async () => {
    const inWechat = await signIn("alice", wechatUa);
    await t.control("POST", "/faults", { endpoint: "userinfo", errcode: 40001 });
    expect(await connector("user-info", { code: inWechat.code, session: inWechat.session })).toMatchObject({
      ok: false,
      error: { code: "social_invalid_access_token" },
    });
  });
});
