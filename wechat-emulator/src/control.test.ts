import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";

import { startTestEmulator, type TestEmulator } from "./test-utils.js";

let t: TestEmulator;

beforeAll(async () => {
  t = await startTestEmulator();
});
afterAll(async () => {
  await t.stop();
});
beforeEach(async () => {
  expect((await t.control("POST", "/reset")).status).toBe(204);
});

describe("control API", () => {
  it("GET /healthz answers ok with the base URL", async () => {
    expect(await t.control("GET", "/healthz")).toEqual({ status: 200, json: { status: "ok", url: t.emulator.url } });
  });

  it("the base URL is logged at start", () => {
    expect(t.lines.some((line) => line.includes(`listening on ${t.emulator.url}`) && line.includes(t.emulator.controlUrl))).toBe(true);
  });

  it("GET /calls counts each endpoint; POST /reset zeroes them", async () => {
    const code = await t.authorize();
    const token = (await t.exchange(code)).json;
    await t.api("/sns/userinfo", { access_token: String(token.access_token) });
    await t.api("/sns/userinfo", { access_token: String(token.access_token) });
    await t.api("/sns/auth", { access_token: String(token.access_token), openid: "o-alice" });
    await t.api("/sns/oauth2/refresh_token", { appid: "x" });
    expect((await t.control("GET", "/calls")).json).toEqual({ qrconnect: 1, oauth2_authorize: 0, access_token: 1, userinfo: 2, refresh_token: 1, auth: 1 });
    await t.control("POST", "/reset");
    expect((await t.control("GET", "/calls")).json).toEqual({ qrconnect: 0, oauth2_authorize: 0, access_token: 0, userinfo: 0, refresh_token: 0, auth: 0 });
  });

  it("POST /reset forgets issued codes", async () => {
    const code = await t.authorize();
    await t.control("POST", "/reset");
    expect((await t.exchange(code)).json.errcode).toBe(40029);
  });

  it("GET /requests lists calls with the secret redacted", async () => {
    await t.exchange("x");
    const requests = (await t.control("GET", "/requests")).json as Array<{ endpoint: string; query: Record<string, string> }>;
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ endpoint: "access_token", query: { code: "x", secret: "***" } });
  });

  it("an errcode fault answers that errcode once, then the endpoint behaves again", async () => {
    expect((await t.control("POST", "/faults", { endpoint: "access_token", errcode: -1 })).status).toBe(201);
    const code = await t.authorize();
    const faulted = await t.exchange(code);
    expect(faulted.status).toBe(200);
    expect(faulted.json.errcode).toBe(-1);
    expect(faulted.json.errmsg).toMatch(/^system error, rid: /);
    // The faulted call did not consume the code.
    expect((await t.exchange(code)).json.openid).toBe("o-alice");
    expect((await t.control("GET", "/calls")).json).toMatchObject({ access_token: 2 });
  });

  it("times: n applies a fault to the next n calls", async () => {
    await t.control("POST", "/faults", { endpoint: "userinfo", errcode: 40001, times: 2 });
    const replies = [];
    for (let i = 0; i < 3; i += 1) replies.push((await t.api("/sns/userinfo", { access_token: "x" })).json.errcode);
    expect(replies).toEqual([40001, 40001, 40014]);
  });

  it("an httpStatus fault answers with that status (HTTP 500), once", async () => {
    await t.control("POST", "/faults", { endpoint: "userinfo", httpStatus: 500 });
    const failed = await t.send("GET", "/sns/userinfo?access_token=x");
    expect(failed.status).toBe(500);
    expect(failed.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(failed.body).toContain("500");
    const next = await t.send("GET", "/sns/userinfo?access_token=x");
    expect(next.status).toBe(200);
    expect(JSON.parse(next.body)).toMatchObject({ errcode: 40014 });
  });

  it("a delay fault answers late, then normally (a code is consumed after the delay)", async () => {
    await t.control("POST", "/faults", { endpoint: "access_token", delayMs: 300 });
    const code = await t.authorize();
    const started = performance.now();
    const reply = await t.exchange(code);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(290);
    expect(reply.json.openid).toBe("o-alice");
    expect((await t.exchange(code)).json.errcode).toBe(40163);
  });

  it("a delay with an errcode waits, then answers the errcode", async () => {
    await t.control("POST", "/faults", { endpoint: "auth", delayMs: 200, errcode: 42001 });
    const started = performance.now();
    const reply = await t.api("/sns/auth", { access_token: "x", openid: "y" });
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(reply.json.errcode).toBe(42001);
    expect(reply.json.errmsg).toMatch(/^access_token expired, rid: /);
  });

  it("a qrconnect errcode fault shows an error page and no redirect", async () => {
    await t.control("POST", "/faults", { endpoint: "qrconnect", errcode: -1 });
    const page = await t.openQrPage();
    expect(page.body).toContain('data-testid="wechat-error"');
    expect(page.body).not.toContain('name="uuid"');
  });

  it("faults queue per endpoint in order; GET and DELETE /faults", async () => {
    await t.control("POST", "/faults", { endpoint: "access_token", errcode: 40029 });
    await t.control("POST", "/faults", { endpoint: "access_token", errcode: 40163 });
    await t.control("POST", "/faults", { endpoint: "userinfo", errcode: 40014 });
    expect(((await t.control("GET", "/faults")).json as unknown[]).length).toBe(3);
    expect((await t.exchange("x")).json.errcode).toBe(40029);
    expect((await t.exchange("x")).json.errcode).toBe(40163);
    expect((await t.control("DELETE", "/faults")).status).toBe(204);
    expect((await t.control("GET", "/faults")).json).toEqual([]);
    expect((await t.api("/sns/userinfo", { access_token: "x" })).json.errcode).toBe(40014); // from the token check, not the fault
  });

  it("an invalid fault is refused with 400", async () => {
    expect((await t.control("POST", "/faults", { endpoint: "nope", errcode: 1 })).status).toBe(400);
    expect((await t.control("POST", "/faults", { endpoint: "userinfo" })).status).toBe(400);
    expect((await t.control("GET", "/faults")).json).toEqual([]);
  });

  it("POST /clock moves time forward: codes expire (42003)", async () => {
    const code = await t.authorize();
    expect((await t.control("POST", "/clock", { advanceMs: 10 * 60 * 1000 })).status).toBe(200);
    expect((await t.exchange(code)).json.errcode).toBe(42003);
  });

  it("unknown control routes answer 404", async () => {
    expect((await t.control("GET", "/nope")).status).toBe(404);
  });
});
