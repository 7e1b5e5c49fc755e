import { X509Certificate } from "node:crypto";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, describe, expect, it } from "vitest";

import { ensureCertificate, generateCertificate } from "./certs.js";
import { defaultConfig, readEnv, resolveConfig } from "./config.js";
import { defaultApp, testUsers } from "./users.js";

const dirs: string[] = [];
const tempDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), "wechat-emulator-config-"));
  dirs.push(dir);
  return dir;
};
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("configuration", () => {
  it("the built-in config is the stack's website app, its Official Account (one Open Platform account) and the exported test users", () => {
    expect(defaultConfig()).toEqual({
      apps: [
        {
          appid: "wx0000000000000001",
          secret: "emulator-secret-0000000000000001",
          callbackDomain: "auth.localhost",
          name: "WeChat Logto Stack (emulator)",
          type: "website",
          openPlatformAccount: "default",
          denyRedirects: false,
        },
        {
          appid: "wx0000000000000002",
          secret: "emulator-oa-secret-0000000000000002",
          callbackDomain: "auth.localhost",
          name: "WeChat Logto Stack OA (emulator)",
          type: "officialAccount",
          openPlatformAccount: "default",
          denyRedirects: false,
        },
      ],
      users: [testUsers.alice, testUsers.bob],
    });
    expect(defaultConfig("auth.example.com").apps.map((app) => app.callbackDomain)).toEqual(["auth.example.com", "auth.example.com"]);
  });

  it("a config file's users get default profiles; apps default their name, type website, bound to the default account", () => {
    const config = resolveConfig({
      apps: [
        { appid: "wxA", secret: "s", callbackDomain: "auth.stack.test" },
        { appid: "wxB", secret: "s", callbackDomain: "auth.stack.test", type: "officialAccount", openPlatformAccount: null },
      ],
      users: [{ key: "carol", openid: "o-carol" }],
    });
    expect(config.apps).toEqual([
      { appid: "wxA", secret: "s", callbackDomain: "auth.stack.test", name: "App wxA", type: "website", openPlatformAccount: "default", denyRedirects: false },
      { appid: "wxB", secret: "s", callbackDomain: "auth.stack.test", name: "App wxB", type: "officialAccount", openPlatformAccount: null, denyRedirects: false },
    ]);
    expect(config.users[0]).toMatchObject({ key: "carol", openid: "o-carol", nickname: "carol", sex: 0 });
    expect(config.users[0]?.headimgurl).toMatch(/^https:\/\/thirdwx\.qlogo\.cn\//);
  });

  it("a config file without apps keeps the default app", () => {
    expect(resolveConfig({ users: [{ key: "x", openid: "o-x" }] }).apps[0]?.appid).toBe(defaultApp.appid);
  });

  it("refuses a callback domain with a scheme or path", () => {
    expect(() => resolveConfig({ apps: [{ appid: "a", secret: "s", callbackDomain: "https://auth.test/" }] })).toThrow(/bare host/);
  });

  it("env: defaults, empty strings count as unset, bad ports are refused", () => {
    const env = readEnv({ WECHAT_EMULATOR_PORT: "", WECHAT_EMULATOR_CONTROL_PORT: "9000" });
    expect(env).toMatchObject({
      WECHAT_EMULATOR_HOST: "0.0.0.0",
      WECHAT_EMULATOR_PORT: 443,
      WECHAT_EMULATOR_CONTROL_HOST: "127.0.0.1",
      WECHAT_EMULATOR_CONTROL_PORT: 9000,
    });
    expect(() => readEnv({ WECHAT_EMULATOR_PORT: "https" })).toThrow(/WECHAT_EMULATOR_PORT/);
  });
});

describe("certificates", () => {
  it("the generated leaf covers both WeChat hosts and loopback and is signed by the CA", () => {
    const { caCert, cert } = generateCertificate();
    const ca = new X509Certificate(caCert);
    const leaf = new X509Certificate(cert);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkIssued(ca)).toBe(true);
    for (const host of ["open.weixin.qq.com", "api.weixin.qq.com", "localhost"]) expect(leaf.checkHost(host)).toBe(host);
    expect(leaf.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(leaf.checkHost("weixin.qq.com")).toBeUndefined();
  });

  it("writes CA, key (0600) and certificate when both files are missing, reuses them after", async () => {
    const dir = await tempDir();
    const files = { certFile: join(dir, "a", "emulator.crt"), keyFile: join(dir, "a", "emulator.key"), caFile: join(dir, "ca", "ca.crt") };
    const first = await ensureCertificate(files, () => {});
    expect(first.generated).toBe(true);
    expect((await stat(files.keyFile)).mode & 0o777).toBe(0o600);
    expect(new X509Certificate(await readFile(files.caFile)).ca).toBe(true);
    const second = await ensureCertificate(files, () => {});
    expect(second).toEqual({ cert: first.cert, key: first.key, generated: false });
  });

  it("the certificate file holds the chain (leaf, CA); a lost CA file is written again from it", async () => {
    const dir = await tempDir();
    const files = { certFile: join(dir, "emulator.crt"), keyFile: join(dir, "emulator.key"), caFile: join(dir, "ca", "ca.crt") };
    await ensureCertificate(files, () => {});
    const ca = await readFile(files.caFile, "utf8");
    const chain = await readFile(files.certFile, "utf8");
    expect(chain.endsWith(ca)).toBe(true);
    expect(new X509Certificate(chain).checkHost("api.weixin.qq.com")).toBe("api.weixin.qq.com");
    await rm(files.caFile);
    const again = await ensureCertificate(files, () => {});
    expect(again.generated).toBe(false);
    expect(await readFile(files.caFile, "utf8")).toBe(ca);
  });

  it("refuses when only one of certificate and key exists", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "emulator.crt"), "x");
    await expect(
      ensureCertificate({ certFile: join(dir, "emulator.crt"), keyFile: join(dir, "emulator.key"), caFile: join(dir, "ca.crt") }, () => {})
    ).rejects.toThrow(/Only one of/);
  });
});
