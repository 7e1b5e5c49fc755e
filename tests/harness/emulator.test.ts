import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorControl, startEmulator, type Emulator } from "./emulator.js";
import { runFixture } from "./fixtures/run-fixture.js";
import { node22 } from "./node22.js";
import { isListening } from "./ports.js";
import { groupMembers, ServiceError } from "./processes.js";

const hosts = (ip: string) => `open.weixin.qq.com=${ip},api.weixin.qq.com=${ip}`;

describe("startEmulator", () => {
  let emulator: Emulator;
  beforeAll(async () => {
    emulator = await startEmulator({ callbackDomain: "auth.stack.test:8443" });
    console.log(`wechat-emulator ready in ${emulator.startMs} ms`);
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("serves WeChat's hosts on a loopback address, port 443, to a Node process with the preload and its CA", async () => {
    expect(emulator.ip).toMatch(/^127\.0\.0\.\d+$/);
    expect(emulator.port).toBe(443);
    const token = "https://api.weixin.qq.com/sns/oauth2/access_token?appid=wx0000000000000001&secret=wrong&code=nope&grant_type=authorization_code";
    const qr = `https://open.weixin.qq.com/connect/qrconnect?appid=wx0000000000000001&redirect_uri=${encodeURIComponent("https://auth.stack.test:8443/callback/wechat")}&response_type=code&scope=snsapi_login&state=s1`;
    const r = await runFixture(node22, { HARNESS_HOSTS: hosts(emulator.ip), CHECK_NAME: "api.weixin.qq.com", NODE_EXTRA_CA_CERTS: emulator.caFile }, [token, qr]);
    expect(r.fetch[token].status).toBe(200);
    expect(JSON.parse(r.fetch[token].body)).toHaveProperty("errcode");
    expect(r.fetch[qr].status).toBe(200);
    expect(r.fetch[qr].body).toContain('data-testid="confirm-alice"');
  });

  it("exposes its control API (faults, call counts, reset)", async () => {
    const control = emulatorControl(emulator.controlUrl);
    await control.reset();
    await control.addFault({ endpoint: "userinfo", httpStatus: 500, times: 1 });
    const url = "https://api.weixin.qq.com/sns/userinfo?access_token=x&openid=y";
    const r = await runFixture(node22, { HARNESS_HOSTS: hosts(emulator.ip), CHECK_NAME: "api.weixin.qq.com", NODE_EXTRA_CA_CERTS: emulator.caFile }, [url]);
    expect(r.fetch[url].status).toBe(500);
    expect((await control.calls()).userinfo).toBe(2);
    await control.reset();
    expect((await control.calls()).userinfo ?? 0).toBe(0);
  });

  it("refuses a second one on the same address, naming the service; without an address it takes the next free one", async () => {
    await expect(startEmulator({ ip: emulator.ip })).rejects.toThrow(ServiceError);
    await expect(startEmulator({ ip: emulator.ip })).rejects.toThrow(new RegExp(`wechat-emulator: ${emulator.ip.replaceAll(".", "\\.")}:443 is already taken`));
    const second = await startEmulator();
    try {
      expect(second.ip).not.toBe(emulator.ip);
      expect(await isListening(second.ip, 443)).toBe(true);
    } finally {
      await second.stop();
    }
  });

  it("stops completely and frees its address", async () => {
    const { pid } = emulator.process;
    await emulator.stop();
    expect(groupMembers(pid)).toEqual([]);
    expect(await isListening(emulator.ip, 443)).toBe(false);
  });
});
