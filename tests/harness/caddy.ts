// Debian's Caddy running the project's own caddy/Caddyfile in internal-TLS mode, bound to one
// loopback address (127.0.0.1: the emulator needs 127.0.0.2:443) on free ports. The Caddyfile reads
// everything from env (see its header); storage follows XDG_DATA_HOME, here a temp dir per run.
import { copyFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { baseEnv } from "./node22.js";
import { repoRoot } from "./paths.js";
import { freePort } from "./ports.js";
import { assertPrerequisites, CADDY_BIN } from "./prerequisites.js";
import { httpRequest, makeTempDir, pollUntil, readyOrCleanUp, startProcess, type ServiceProcess } from "./processes.js";

export interface StartCaddyOptions {
  logtoDomain: string;
  appDomain: string;
  adminDomain: string;
  /** host:port of each upstream, e.g. 127.0.0.1:41234. */
  logtoUpstream: string;
  adminUpstream: string;
  appUpstream: string;
  /** Fixed HTTPS port (default: HARNESS_HTTPS_PORT or a free one). */
  httpsPort?: number;
  bind?: string;
  caddyfile?: string;
  env?: Record<string, string>;
  logDir?: string;
  timeoutMs?: number;
}

export interface Caddy {
  bind: string;
  httpsPort: number;
  httpPort: number;
  /** Caddy's local root (PEM), copied out of its storage (where only root can read it). */
  caFile: string;
  adminUrl: string;
  startMs: number;
  process: ServiceProcess;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export async function startCaddy(o: StartCaddyOptions): Promise<Caddy> {
  assertPrerequisites({ only: ["caddy"] });
  const bind = o.bind ?? "127.0.0.1";
  const dir = makeTempDir("caddy");
  const httpsPort = o.httpsPort ?? (process.env.HARNESS_HTTPS_PORT ? Number(process.env.HARNESS_HTTPS_PORT) : await freePort(bind));
  const httpPort = await freePort(bind);
  const adminPort = await freePort();
  const caddyfile = o.caddyfile ?? join(repoRoot, "caddy", "Caddyfile");
  if (!existsSync(caddyfile)) throw new Error(`Caddyfile not found at ${caddyfile}`);
  const env = baseEnv({
    ...o.env,
    XDG_DATA_HOME: join(dir, "data"),
    XDG_CONFIG_HOME: join(dir, "config"),
    HOME: dir,
    LOGTO_DOMAIN: o.logtoDomain,
    APP_DOMAIN: o.appDomain,
    ADMIN_DOMAIN: o.adminDomain,
    LOGTO_UPSTREAM: o.logtoUpstream,
    ADMIN_UPSTREAM: o.adminUpstream,
    APP_UPSTREAM: o.appUpstream,
    TLS_MODE: "internal",
    CADDY_BIND: bind,
    CADDY_HTTP_PORT: String(httpPort),
    CADDY_HTTPS_PORT: String(httpsPort),
    CADDY_ADMIN: `127.0.0.1:${adminPort}`,
  });
  const started = Date.now();
  const child: ServiceProcess = startProcess({
    name: "caddy",
    command: CADDY_BIN,
    args: ["run", "--config", caddyfile, "--adapter", "caddyfile"],
    cwd: dir,
    env,
    logFile: o.logDir ? join(o.logDir, "caddy.log") : undefined,
  });
  const rootFile = join(dir, "data", "caddy", "pki", "authorities", "local", "root.crt");
  const caFile = join(dir, "caddy-root.crt");
  const stop = await readyOrCleanUp(child, dir, async () => {
    // Ready when the root exists and a TLS handshake verifies against it for each of the three
    // hosts (any HTTP status: the upstreams may not be up yet). Caddy issues each host's
    // certificate on its own after it starts; until then that host's handshake fails.
    const hosts = [o.logtoDomain, o.appDomain, o.adminDomain];
    await pollUntil(
      async () => {
        if (!existsSync(rootFile)) throw new Error("root certificate not written yet");
        const ca = readFileSync(rootFile, "utf8");
        for (const host of hosts) await httpRequest(`https://${host}:${httpsPort}/`, { ca, hosts: { [host]: bind }, timeoutMs: 3000 });
      },
      { service: "caddy", waitingFor: `a verified TLS handshake for ${hosts.join(", ")} on ${bind}:${httpsPort}`, timeoutMs: o.timeoutMs ?? 30_000, process: child },
    );
    copyFileSync(rootFile, caFile);
  });
  return {
    bind,
    httpsPort,
    httpPort,
    caFile,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    startMs: Date.now() - started,
    process: child,
    logTail: (n) => child.logTail(n),
    stop,
  };
}
