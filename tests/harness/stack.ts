// The whole stack on loopback, wired as Compose wires it:
//   browser -> Caddy (127.0.0.1:<https>) -> app / Logto / Logto admin
//   app -> Caddy -> Logto (the issuer's public URL, through the DNS preload and Caddy's root)
//   Logto -> WeChat emulator (open/api.weixin.qq.com -> 127.0.0.2:443, emulator CA)
//   seed -> Logto's internal URL and database, writing the app's credentials file
// Start order: PostgreSQL, emulator, Caddy (its CA is needed by the others), Logto, seed, app.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startApp, ensureAppBuild, type App } from "./app.js";
import { startCaddy, type Caddy } from "./caddy.js";
import { startEmulator, WECHAT_HOSTS, type Emulator } from "./emulator.js";
import { externalLogtoUpstreams, startLogto, type Logto, type LogtoKind } from "./logto.js";
import { artifactsDir, harnessDir } from "./paths.js";
import { freePort } from "./ports.js";
import { startPostgres, type Postgres } from "./postgres.js";
import { ServiceError } from "./processes.js";
import { runSeed, type SeedResult } from "./seed.js";

export const DOMAINS = { logto: "auth.stack.test", app: "app.stack.test", admin: "admin.stack.test" } as const;
export const WECHAT_APP = { appId: "wx0000000000000001", appSecret: "emulator-secret-0000000000000001" } as const;
/** The emulator's Official Account (wechat-emulator/src/users.ts, defaultOaApp): sign-in inside WeChat. */
export const WECHAT_OA_APP = { appId: "wx0000000000000002", appSecret: "emulator-oa-secret-0000000000000002" } as const;
export const DNS_PRELOAD = join(harnessDir, "dns-preload.cjs");

/** Everything a test needs to reach the stack; plain JSON, so vitest's provide/inject can carry it. */
export interface StackInfo {
  /** "harness": started by startStack; "external": described by a file (HARNESS_STACK), e.g. Compose. */
  origin: "harness" | "external";
  logtoKind: LogtoKind;
  httpsPort: number;
  domains: { logto: string; app: string; admin: string };
  /** Public URLs as the browser sees them (through Caddy). */
  urls: { app: string; logto: string; admin: string; issuer: string };
  /** Host name -> address, for Chromium's --host-resolver-rules and Node's dns-preload. */
  hosts: Record<string, string>;
  /** PEM files to trust: Caddy's root and (when running) the emulator's CA. */
  caFiles: string[];
  /** All of caFiles in one file (NODE_EXTRA_CA_CERTS). */
  caBundle: string;
  logto: { internalUrl: string; adminInternalUrl: string; dbUrl: string };
  postgres: { adminUrl: string; logtoDatabase: string } | null;
  emulator: { controlUrl: string; ip: string } | null;
  app: { internalUrl: string } | null;
  wechat: { appId: string; appSecret: string };
  admin: { username: string; password: string };
  credentialsFile: string;
  /** The env the seed ran with: runSeed(stack.seedEnv) runs it again the same way. */
  seedEnv: Record<string, string>;
  /** The env the app ran with (secrets included: test-only values). */
  appEnv: Record<string, string>;
  /** Env for any Node process that must resolve the stack's names and trust its CAs. */
  nodeEnv: Record<string, string>;
  runDir: string;
  logDir: string;
  /** Milliseconds each service took to become ready. */
  timings: Record<string, number>;
}

export interface Stack extends StackInfo {
  services: { postgres: Postgres; emulator: Emulator | null; caddy: Caddy; logto: Logto; app: App | null };
  firstSeed: SeedResult | null;
  /** Last log lines of one service. */
  logTail(service: "postgres" | "emulator" | "caddy" | "logto" | "app", lines?: number): string;
  /** Stop everything (reverse order); safe to call twice. */
  stop(): Promise<void>;
}

export interface StartStackOptions {
  /** Start the WeChat emulator and configure WeChat (default true). */
  wechat?: boolean;
  /** Run the seed once Logto is up (default true). */
  seed?: boolean;
  /** Build (if stale) and start the app (default true). */
  app?: boolean;
  /** SIGN_IN_METHODS for the seed (default: the seed's default). */
  signInMethods?: string;
  /** Fixed HTTPS port for Caddy (default HARNESS_HTTPS_PORT or a free one). */
  httpsPort?: number;
  /** Extra env for the seed / the app. */
  seedEnv?: Record<string, string>;
  appEnv?: Record<string, string>;
  /** Progress lines (default: console.log with a [harness] prefix; pass () => {} for silence). */
  log?: (line: string) => void;
}

export async function startStack(o: StartStackOptions = {}): Promise<Stack> {
  const log = o.log ?? ((line: string) => console.log(`[harness] ${line}`));
  const wechat = o.wechat ?? true;
  const runId = `${new Date().toISOString().replace(/[:.]/g, "-")}-${randomBytes(2).toString("hex")}`;
  const runsDir = join(artifactsDir, "runs");
  pruneOldRuns(runsDir, 5);
  const runDir = join(runsDir, runId);
  const logDir = join(runDir, "logs");
  mkdirSync(logDir, { recursive: true });
  writeFileSync(join(runDir, "owner.pid"), String(process.pid));
  const timings: Record<string, number> = {};
  const stoppers: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch((e: unknown) => log(`stop failed: ${(e as Error).message}`));
  };
  const timed = async <T>(name: string, start: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    const value = await start();
    timings[name] = Date.now() - t;
    log(`${name} ready in ${timings[name]} ms`);
    return value;
  };

  try {
    const httpsPort = o.httpsPort ?? (process.env.HARNESS_HTTPS_PORT ? Number(process.env.HARNESS_HTTPS_PORT) : await freePort());
    const urls = {
      app: `https://${DOMAINS.app}:${httpsPort}`,
      logto: `https://${DOMAINS.logto}:${httpsPort}`,
      admin: `https://${DOMAINS.admin}:${httpsPort}`,
      issuer: `https://${DOMAINS.logto}:${httpsPort}/oidc`,
    };
    const hosts: Record<string, string> = { [DOMAINS.logto]: "127.0.0.1", [DOMAINS.app]: "127.0.0.1", [DOMAINS.admin]: "127.0.0.1" };

    // The app's build can take minutes: do it first, before anything is waiting on it.
    if (o.app ?? true) {
      const build = await timed("app build check", () => ensureAppBuild({ logDir }));
      if (build.built) log(`app built (${build.reason})`);
    }

    const postgres = await timed("postgres", () => startPostgres({ logDir }));
    stoppers.push(() => postgres.stop());
    const logtoDatabase = "logto";

    let emulator: Emulator | null = null;
    if (wechat) {
      emulator = await timed("wechat-emulator", () => startEmulator({ callbackDomain: `${DOMAINS.logto}:${httpsPort}`, logDir }));
      const e = emulator;
      stoppers.push(() => e.stop());
      // 127.0.0.2 unless another stack holds it (see startEmulator).
      for (const h of WECHAT_HOSTS) hosts[h] = e.ip;
    }

    const [logtoPort, adminPort, appPort] = [await freePort(), await freePort(), await freePort()];
    const external = externalLogtoUpstreams();
    // Compose's stack-state volume: the seed's console-ready marker, without which Caddy answers
    // 503 on the console (caddy/snippets/console-guard).
    const consoleReadyFile = join(runDir, "stack-state", "console-ready");
    const caddy = await timed("caddy", () =>
      startCaddy({
        logtoDomain: DOMAINS.logto,
        appDomain: DOMAINS.app,
        adminDomain: DOMAINS.admin,
        logtoUpstream: external?.logto ?? `127.0.0.1:${logtoPort}`,
        adminUpstream: external?.admin ?? `127.0.0.1:${adminPort}`,
        appUpstream: `127.0.0.1:${appPort}`,
        httpsPort,
        logDir,
        env: { CONSOLE_READY_FILE: consoleReadyFile },
      }),
    );
    stoppers.push(() => caddy.stop());

    const caFiles = [join(runDir, "caddy-root.crt")];
    writeFileSync(caFiles[0]!, readFileSync(caddy.caFile));
    if (emulator) {
      caFiles.push(join(runDir, "wechat-emulator-ca.crt"));
      writeFileSync(caFiles[1]!, readFileSync(emulator.caFile));
    }
    const caBundle = join(runDir, "ca-bundle.pem");
    writeFileSync(caBundle, caFiles.map((f) => readFileSync(f, "utf8").trim()).join("\n") + "\n");
    const nodeEnv = {
      NODE_OPTIONS: `--require ${DNS_PRELOAD}`,
      HARNESS_HOSTS: Object.entries(hosts).map(([h, ip]) => `${h}=${ip}`).join(","),
      NODE_EXTRA_CA_CERTS: caBundle,
    };

    const logto = await timed("logto", () =>
      startLogto({
        dbUrl: postgres.urlFor(logtoDatabase),
        endpoint: urls.logto,
        adminEndpoint: urls.admin,
        env: nodeEnv,
        port: logtoPort,
        adminPort,
        logDir,
      }),
    );
    stoppers.push(() => logto.stop());
    if (logto.dbSeedMs) timings["logto db seed"] = logto.dbSeedMs;
    if (!logto.managed) log(`using the external Logto at ${logto.internalUrl}: its ENDPOINT must be ${urls.logto}`);

    const credentialsDir = join(runDir, "app-credentials");
    mkdirSync(credentialsDir, { recursive: true, mode: 0o700 });
    const credentialsFile = join(credentialsDir, "logto-client.json");
    const admin = { username: "admin", password: `harness-${randomBytes(9).toString("base64url")}` };
    const seedEnv: Record<string, string> = {
      ...nodeEnv,
      LOGTO_INTERNAL_URL: logto.internalUrl,
      LOGTO_DB_URL: logto.dbUrl,
      // The public URLs, as compose.yaml hands them to the seed (x-public-urls).
      LOGTO_URL: urls.logto,
      APP_URL: urls.app,
      ADMIN_URL: urls.admin,
      LOGTO_ADMIN_USERNAME: admin.username,
      LOGTO_ADMIN_PASSWORD: admin.password,
      APP_CREDENTIALS_FILE: credentialsFile,
      CONSOLE_READY_FILE: consoleReadyFile,
      SEED_TIMEOUT_SECONDS: "60",
      // The harness's emulator is the sandbox (compose.sandbox.yaml sets the same for Compose).
      ...(wechat
        ? {
            WECHAT_SANDBOX: "true",
            WECHAT_APP_ID: WECHAT_APP.appId,
            WECHAT_APP_SECRET: WECHAT_APP.appSecret,
            WECHAT_SCOPE: "snsapi_login",
            WECHAT_OA_APP_ID: WECHAT_OA_APP.appId,
            WECHAT_OA_APP_SECRET: WECHAT_OA_APP.appSecret,
          }
        : {}),
      ...(o.signInMethods ? { SIGN_IN_METHODS: o.signInMethods } : {}),
      ...o.seedEnv,
    };
    let firstSeed: SeedResult | null = null;
    if (o.seed ?? true) {
      firstSeed = await timed("seed", () => runSeed(seedEnv, [], { logDir }));
      if (firstSeed.code !== 0) {
        const tail = `${firstSeed.stdout}\n${firstSeed.stderr}`.trim().split("\n").slice(-40).join("\n");
        throw new ServiceError("seed", `exited with ${firstSeed.code}`, tail);
      }
    }

    const appEnv: Record<string, string> = {
      ...nodeEnv,
      AUTH_URL: urls.app,
      AUTH_SECRET: randomBytes(32).toString("base64url"),
      AUTH_LOGTO_ISSUER: urls.issuer,
      APP_CREDENTIALS_FILE: credentialsFile,
      WECHAT_ENABLED: wechat ? "true" : "false",
      ...o.appEnv,
    };
    let app: App | null = null;
    if (o.app ?? true) {
      app = await timed("app", () => startApp({ env: appEnv, port: appPort, logDir, skipBuild: true }));
      const a = app;
      stoppers.push(() => a.stop());
    }

    const services = { postgres, emulator, caddy, logto, app };
    const stack: Stack = {
      origin: "harness",
      logtoKind: logto.kind,
      httpsPort,
      domains: { ...DOMAINS },
      urls,
      hosts,
      caFiles,
      caBundle,
      logto: { internalUrl: logto.internalUrl, adminInternalUrl: logto.adminInternalUrl, dbUrl: logto.dbUrl },
      postgres: { adminUrl: postgres.adminUrl, logtoDatabase },
      emulator: emulator ? { controlUrl: emulator.controlUrl, ip: emulator.ip } : null,
      app: app ? { internalUrl: app.url } : null,
      wechat: { ...WECHAT_APP },
      admin,
      credentialsFile,
      seedEnv,
      appEnv,
      nodeEnv,
      runDir,
      logDir,
      timings,
      services,
      firstSeed,
      logTail(service, lines) {
        const s = services[service];
        return s ? s.logTail(lines) : `(${service} not started)`;
      },
      async stop() {
        await stopAll();
        if (!process.env.HARNESS_KEEP_TMP) rmSync(join(runDir, "app-credentials"), { recursive: true, force: true });
      },
    };
    return stack;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The serializable part of a Stack (what globalSetup provides to the e2e workers). */
export function stackInfo(stack: Stack): StackInfo {
  const { services: _s, firstSeed: _f, logTail: _l, stop: _stop, ...info } = stack;
  return info;
}

/**
 * Keep the logs of the last `keep` runs only. A run whose stack is still up (its `owner.pid` names
 * a live process: a kept stack, another engineer's test run) is never removed: its CA files,
 * credentials file and logs are in use.
 */
function pruneOldRuns(runsDir: string, keep: number): void {
  if (!existsSync(runsDir)) return;
  const runs = readdirSync(runsDir).sort();
  for (const old of runs.slice(0, Math.max(0, runs.length - keep))) {
    if (ownerAlive(join(runsDir, old))) continue;
    rmSync(join(runsDir, old), { recursive: true, force: true });
  }
}

function ownerAlive(runDir: string): boolean {
  try {
    const pid = Number(readFileSync(join(runDir, "owner.pid"), "utf8"));
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but someone else's.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
