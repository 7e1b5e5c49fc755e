// The whole stack minus the app (its build and browser path are covered by e2e/smoke.test.ts):
// wiring through Caddy and the DNS preload, the seed's first run, the Management API helper, and a
// stop that leaves nothing behind.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorControl } from "./emulator.js";
import { runFixture } from "./fixtures/run-fixture.js";
import { managementApi } from "./management.js";
import { node22 } from "./node22.js";
import { isListening } from "./ports.js";
import { groupMembers } from "./processes.js";
import { runSeed } from "./seed.js";
import { startStack, type Stack } from "./stack.js";

describe("startStack (without the app)", () => {
  let stack: Stack;
  beforeAll(async () => {
    const started = Date.now();
    stack = await startStack({ app: false, log: () => {} });
    console.log(`stack (no app) up in ${Date.now() - started} ms, ${stack.logtoKind} Logto: ${JSON.stringify(stack.timings)}`);
  }, 300_000);
  afterAll(async () => {
    await stack?.stop();
  });

  it("serves Logto's discovery through Caddy to a Node process with the stack's nodeEnv, with the public issuer", async () => {
    const url = `${stack.urls.issuer}/.well-known/openid-configuration`;
    const r = await runFixture(node22, { ...stack.nodeEnv, CHECK_NAME: stack.domains.logto }, [url]);
    // nodeEnv: the DNS preload, HARNESS_HOSTS and the CA bundle (Caddy root + emulator CA).
    expect(r.fetch[url].status).toBe(200);
    const discovery = JSON.parse(r.fetch[url].body) as { issuer: string; id_token_signing_alg_values_supported: string[] };
    expect(discovery.issuer).toBe(stack.urls.issuer);
    expect(discovery.id_token_signing_alg_values_supported).toContain("ES384");
  });

  it("lets Logto's side reach the WeChat emulator by its real host names", async () => {
    const url = "https://api.weixin.qq.com/sns/oauth2/access_token?appid=wx0000000000000001&secret=x&code=y&grant_type=authorization_code";
    const r = await runFixture(node22, { ...stack.nodeEnv, CHECK_NAME: "api.weixin.qq.com" }, [url]);
    expect(r.callback).toEqual({ address: stack.emulator!.ip, family: 4 });
    expect(JSON.parse(r.fetch[url].body)).toHaveProperty("errcode");
    expect((await emulatorControl(stack.emulator!.controlUrl).calls()).access_token).toBeGreaterThanOrEqual(1);
  });

  it("ran the seed, which wrote the app's credentials file (0600)", () => {
    expect(stack.firstSeed?.code).toBe(0);
    expect(existsSync(stack.credentialsFile)).toBe(true);
    expect(statSync(stack.credentialsFile).mode & 0o777).toBe(0o600);
    const creds = JSON.parse(readFileSync(stack.credentialsFile, "utf8")) as { clientId: string; clientSecret: string };
    expect(creds.clientId).toBeTruthy();
    expect(creds.clientSecret).toBeTruthy();
  });

  it("managementApi: a token from the harness's SQL-made M2M app, then typed calls", async () => {
    const api = await managementApi(stack);
    const apps = await api.applications.list({ types: "Traditional" });
    const creds = JSON.parse(readFileSync(stack.credentialsFile, "utf8")) as { clientId: string };
    const seeded = apps.find((a) => a.id === creds.clientId);
    expect(seeded?.customData).toMatchObject({ managedBy: "wechat-logto-stack" });
    expect(seeded?.oidcClientMetadata.redirectUris).toContain(`${stack.urls.app}/api/auth/callback/logto`);
    const wechat = await api.connectors.list({ target: "wechat" });
    expect(wechat).toHaveLength(1);
    // A second client gets the same M2M app (rows are reused, not duplicated).
    const again = await managementApi(stack);
    expect(await again.accessToken()).toBeTruthy();
  });

  it("the seed run again with the stack's env changes nothing and exits 0", async () => {
    const second = await runSeed(stack.seedEnv);
    expect(second.code).toBe(0);
  });

  it("stop() leaves no process and no listener behind", async () => {
    const { postgres, emulator, caddy, logto } = stack.services;
    const pids = [postgres.process.pid, emulator!.process.pid, caddy.process.pid];
    await stack.stop();
    for (const pid of pids) expect(groupMembers(pid)).toEqual([]);
    expect(await isListening("127.0.0.1", stack.httpsPort)).toBe(false);
    expect(await isListening(stack.emulator!.ip, 443)).toBe(false);
    expect(await isListening("127.0.0.1", postgres.port)).toBe(false);
    expect(await isListening("127.0.0.1", Number(new URL(logto.internalUrl).port))).toBe(false);
    const left = (() => {
      try {
        return execFileSync("pgrep", ["-af", stack.runDir]).toString();
      } catch {
        return "";
      }
    })();
    expect(left).toBe("");
  });
});
