// The WeChat emulator (wechat-emulator/) as the stack runs it: `npm --workspace wechat-emulator start`
// on Node 22, HTTPS on 127.0.0.2:443 (Logto's WeChat connector calls https://api.weixin.qq.com on
// 443: the port cannot move, only the address), control API on a free loopback port. Its CA is
// generated into a temp dir at first start.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv } from "./node22.js";
import { repoRoot } from "./paths.js";
import { freePort, isListening } from "./ports.js";
import { httpRequest, makeTempDir, readyOrCleanUp, ServiceError, startProcess, waitForUrl, type ServiceProcess } from "./processes.js";

export const WECHAT_HOSTS = ["open.weixin.qq.com", "api.weixin.qq.com"] as const;

export interface StartEmulatorOptions {
  /**
   * Loopback address for the HTTPS listener. Default: the first of 127.0.0.2, 127.0.0.3, ... with
   * nothing on the port, so several stacks (an e2e run beside the harness's own tests, or two
   * engineers' runs on one machine) each get their own "api.weixin.qq.com:443".
   */
  ip?: string;
  /** HTTPS port (default 443; anything else is for the emulator's own tests only). */
  port?: number;
  /** WeChat's "authorization callback domain" of the default app (e.g. auth.stack.test:8443). */
  callbackDomain?: string;
  /** A config object, written to a file and passed as WECHAT_EMULATOR_CONFIG. */
  config?: unknown;
  env?: Record<string, string>;
  logDir?: string;
  timeoutMs?: number;
}

export type EmulatorEndpoint = "qrconnect" | "access_token" | "userinfo" | "refresh_token" | "auth";
export interface EmulatorFault {
  endpoint: EmulatorEndpoint;
  errcode?: number;
  httpStatus?: number;
  delayMs?: number;
  times?: number;
}

export interface Emulator {
  ip: string;
  port: number;
  /** PEM file of the emulator's CA (for NODE_EXTRA_CA_CERTS and Chromium). */
  caFile: string;
  /** Plain-HTTP control API, e.g. http://127.0.0.1:40123. */
  controlUrl: string;
  startMs: number;
  process: ServiceProcess;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

const CANDIDATE_IPS = Array.from({ length: 40 }, (_, i) => `127.0.0.${i + 2}`);

export async function startEmulator(o: StartEmulatorOptions = {}): Promise<Emulator> {
  if (o.ip) return startEmulatorOn(o.ip, o);
  const port = o.port ?? 443;
  let lastError: unknown;
  for (const ip of CANDIDATE_IPS) {
    if (await isListening(ip, port, 300)) continue;
    try {
      return await startEmulatorOn(ip, o);
    } catch (error) {
      // Someone took this address between the check and the bind: try the next one.
      if (error instanceof ServiceError && /EADDRINUSE|address is taken/.test(error.message)) {
        lastError = error;
        continue;
      }
      throw error;
    }
  }
  throw lastError ?? new ServiceError("wechat-emulator", `no free loopback address with port ${port} among ${CANDIDATE_IPS[0]}..${CANDIDATE_IPS.at(-1)}`, "");
}

async function startEmulatorOn(ip: string, o: StartEmulatorOptions): Promise<Emulator> {
  const port = o.port ?? 443;
  if (await isListening(ip, port)) {
    throw new ServiceError("wechat-emulator", `${ip}:${port} is already taken by another process (a leftover emulator or a Caddy bound to 0.0.0.0?)`, "");
  }
  const dir = makeTempDir("emulator");
  const controlPort = await freePort();
  const caFile = join(dir, "ca.crt");
  const env: Record<string, string> = {
    ...o.env,
    WECHAT_EMULATOR_HOST: ip,
    WECHAT_EMULATOR_PORT: String(port),
    WECHAT_EMULATOR_CERT_FILE: join(dir, "emulator.crt"),
    WECHAT_EMULATOR_KEY_FILE: join(dir, "emulator.key"),
    WECHAT_EMULATOR_CA_FILE: caFile,
    WECHAT_EMULATOR_CONTROL_HOST: "127.0.0.1",
    WECHAT_EMULATOR_CONTROL_PORT: String(controlPort),
  };
  if (o.callbackDomain) env.WECHAT_EMULATOR_CALLBACK_DOMAIN = o.callbackDomain;
  if (o.config !== undefined) {
    const configFile = join(dir, "config.json");
    writeFileSync(configFile, JSON.stringify(o.config, null, 2));
    env.WECHAT_EMULATOR_CONFIG = configFile;
  }
  const started = Date.now();
  const child: ServiceProcess = startProcess({
    name: "wechat-emulator",
    command: "npm",
    args: ["--silent", "--workspace", "wechat-emulator", "start"],
    cwd: repoRoot,
    env: baseEnv(env),
    logFile: o.logDir ? join(o.logDir, "wechat-emulator.log") : undefined,
  });
  const controlUrl = `http://127.0.0.1:${controlPort}`;
  const stop = await readyOrCleanUp(child, dir, async () => {
    await waitForUrl(`${controlUrl}/healthz`, { process: child, timeoutMs: o.timeoutMs ?? 60_000 });
    if (!existsSync(caFile)) throw new ServiceError("wechat-emulator", `healthy, but wrote no CA to ${caFile}`, child.logTail());
    if (!(await isListening(ip, port))) throw new ServiceError("wechat-emulator", `healthy, but nothing listens on ${ip}:${port}`, child.logTail());
  });
  return {
    ip,
    port,
    caFile,
    controlUrl,
    startMs: Date.now() - started,
    process: child,
    logTail: (n) => child.logTail(n),
    stop,
  };
}

/** The emulator's control API (wechat-emulator/README.md, "Control API"): faults, call counts, reset. */
export function emulatorControl(controlUrl: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await httpRequest(`${controlUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (res.status >= 300) throw new Error(`emulator control ${method} ${path}: HTTP ${res.status} ${res.body}`);
    return res.body ? (JSON.parse(res.body) as unknown) : undefined;
  };
  return {
    addFault: (fault: EmulatorFault) => call("POST", "/faults", fault),
    clearFaults: () => call("DELETE", "/faults"),
    calls: async () => (await call("GET", "/calls")) as Partial<Record<EmulatorEndpoint, number>>,
    reset: () => call("POST", "/reset"),
  };
}
