// A Logto for the stack: the real one when the environment names one, else the project's stand-in.
//
//   LOGTO_ENDPOINT + LOGTO_ADMIN_ENDPOINT + LOGTO_DB_URL  a running Logto: used as is, never stopped.
//                                                          (Its own ENDPOINT must be the harness's public
//                                                          URL: start it with ENDPOINT=https://auth.stack.test:$HARNESS_HTTPS_PORT.)
//   LOGTO_DIR                                              a Logto installation (like /etc/logto in the image):
//                                                          `npm run cli -- db seed --swe`, then LOGTO_START_COMMAND
//                                                          (compose.yaml's start: node without npm), Node 22 first on PATH.
//   neither                                                tests/logto-standin on Node 22, its database made by
//                                                          `logto db seed --swe` from the npm package @logto/cli.
// Both started kinds get connectors/wechat installed into core's connectors/ (connectors.ts), as the
// stack's Logto image has it, and the Logto image's environment: DB_URL, ENDPOINT, ADMIN_ENDPOINT, PORT,
// ADMIN_PORT, TRUST_PROXY_HEADER=1; ready when GET /api/status answers 204.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { installWechatConnector } from "./connectors.js";
import { baseEnv, node22 } from "./node22.js";
import { testsDir } from "./paths.js";
import { freePort } from "./ports.js";
import { quoteIdent, type Postgres } from "./postgres.js";
import { runOrThrow, startProcess, waitForUrl, type ServiceProcess } from "./processes.js";

const require = createRequire(import.meta.url);

export type LogtoKind = "real" | "standin";

/**
 * How compose.yaml's logto entrypoint starts the server after seed and alteration deploy, run from
 * the installation's root (/etc/logto in the image): what Logto's `npm start` ends in
 * (`cd packages/core && npm start` -> `NODE_ENV=production node .`) without the two npm processes.
 * tests/static/compose.test.ts checks that the entrypoint ends with it.
 */
export const LOGTO_START_COMMAND = "cd packages/core && NODE_ENV=production exec node .";

export interface StartLogtoOptions {
  /** DSN of Logto's database (created by `db seed` when missing). */
  dbUrl: string;
  /** Public URL of the default tenant (the OIDC issuer is `${endpoint}/oidc`). */
  endpoint: string;
  /** Public URL of the admin console (another origin). */
  adminEndpoint: string;
  /** Extra environment (NODE_OPTIONS for the DNS preload, NODE_EXTRA_CA_CERTS, HARNESS_HOSTS, ...). */
  env?: Record<string, string>;
  /** Directory for logto.log (default: none). */
  logDir?: string;
  /** Readiness deadline (default 90 s). */
  timeoutMs?: number;
  /** Listener ports (default: free ones). */
  port?: number;
  adminPort?: number;
}

export interface Logto {
  kind: LogtoKind;
  /** Whether the harness started it (an external Logto is neither seeded nor stopped). */
  managed: boolean;
  /** Where Caddy and the seed reach the default tenant, e.g. http://127.0.0.1:41234. */
  internalUrl: string;
  /** Where Caddy reaches the admin listener. */
  adminInternalUrl: string;
  dbUrl: string;
  /** Milliseconds from spawn to /api/status 204 (db seed excluded). */
  startMs: number;
  /** Milliseconds `logto db seed --swe` took. */
  dbSeedMs: number;
  stop(): Promise<void>;
  logTail(lines?: number): string;
}

/** Which Logto the environment asks for. */
export function logtoModeFromEnv(env: NodeJS.ProcessEnv = process.env): { kind: "external" } | { kind: "dir"; dir: string } | { kind: "standin" } {
  if (env.LOGTO_ENDPOINT && env.LOGTO_ADMIN_ENDPOINT && env.LOGTO_DB_URL) return { kind: "external" };
  if (env.LOGTO_DIR) return { kind: "dir", dir: env.LOGTO_DIR };
  return { kind: "standin" };
}

/** The stand-in's entry point (LOGTO_STANDIN_ENTRY overrides). */
export function standinEntry(): string {
  return process.env.LOGTO_STANDIN_ENTRY ?? join(testsDir, "logto-standin", "src", "index.ts");
}

/** host:port of the external Logto's listeners (Caddy's upstreams), or undefined when the harness starts Logto. */
export function externalLogtoUpstreams(env: NodeJS.ProcessEnv = process.env): { logto: string; admin: string } | undefined {
  if (logtoModeFromEnv(env).kind !== "external") return undefined;
  return { logto: new URL(env.LOGTO_ENDPOINT!).host, admin: new URL(env.LOGTO_ADMIN_ENDPOINT!).host };
}

function logtoCliBin(): string {
  return join(dirname(require.resolve("@logto/cli/package.json")), "bin", "logto.js");
}

export async function startLogto(o: StartLogtoOptions): Promise<Logto> {
  const mode = logtoModeFromEnv();
  if (mode.kind === "external") {
    const internalUrl = process.env.LOGTO_ENDPOINT!.replace(/\/$/, "");
    const adminInternalUrl = process.env.LOGTO_ADMIN_ENDPOINT!.replace(/\/$/, "");
    const startMs = await waitForUrl(`${internalUrl}/api/status`, { service: "logto (external)", ok: (s) => s === 204, timeoutMs: 10_000 });
    return {
      kind: "real",
      managed: false,
      internalUrl,
      adminInternalUrl,
      dbUrl: process.env.LOGTO_DB_URL!,
      startMs,
      dbSeedMs: 0,
      stop: async () => {},
      logTail: () => "(external Logto: its log is not ours)",
    };
  }

  const port = o.port ?? (await freePort());
  const adminPort = o.adminPort ?? (await freePort());
  const env = baseEnv({
    ...o.env,
    DB_URL: o.dbUrl,
    ENDPOINT: o.endpoint,
    ADMIN_ENDPOINT: o.adminEndpoint,
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    TRUST_PROXY_HEADER: "1",
  });
  const logFile = o.logDir ? join(o.logDir, "logto.log") : undefined;
  const name = mode.kind === "dir" ? "logto" : "logto-standin";

  let seedCommand: { command: string; args: string[]; cwd: string };
  let start: { command: string; args: string[]; cwd: string };
  /** Logto core's package directory, whose connectors/ it loads. */
  let coreDir: string;
  if (mode.kind === "dir") {
    if (!existsSync(join(mode.dir, "package.json"))) throw new Error(`LOGTO_DIR=${mode.dir} is not a Logto installation (no package.json)`);
    seedCommand = { command: "npm", args: ["run", "--silent", "cli", "--", "db", "seed", "--swe"], cwd: mode.dir };
    start = { command: "sh", args: ["-c", LOGTO_START_COMMAND], cwd: mode.dir };
    coreDir = join(mode.dir, "packages", "core");
  } else {
    const entry = standinEntry();
    if (!existsSync(entry)) throw new Error(`Logto stand-in not found at ${entry} (set LOGTO_DIR or LOGTO_ENDPOINT/LOGTO_ADMIN_ENDPOINT/LOGTO_DB_URL for a real Logto)`);
    seedCommand = { command: node22, args: [logtoCliBin(), "db", "seed", "--swe"], cwd: testsDir };
    start = { command: node22, args: [entry], cwd: dirname(dirname(entry)) };
    coreDir = dirname(dirname(entry));
  }
  // The stack's WeChat connector, installed as the stack's Logto image has it.
  await installWechatConnector(coreDir, { logDir: o.logDir });

  const seeded = await runOrThrow({ name: `${name} (db seed)`, ...seedCommand, env, logFile, timeoutMs: 180_000 });

  const started = Date.now();
  const child: ServiceProcess = startProcess({ name, ...start, env, logFile });
  try {
    await waitForUrl(`http://127.0.0.1:${port}/api/status`, { process: child, ok: (s) => s === 204, timeoutMs: o.timeoutMs ?? 90_000 });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    kind: mode.kind === "dir" ? "real" : "standin",
    managed: true,
    internalUrl: `http://127.0.0.1:${port}`,
    adminInternalUrl: `http://127.0.0.1:${adminPort}`,
    dbUrl: o.dbUrl,
    startMs: Date.now() - started,
    dbSeedMs: seeded.durationMs,
    stop: () => child.stop(15_000),
    logTail: (n) => child.logTail(n),
  };
}

/**
 * Empty Logto's database for a fresh `db seed`: drop it (closing connections), drop the per-tenant
 * roles `db seed` made for it (`logto_tenant_<db>` and `logto_tenant_<db>_<tenant>`; left in place
 * they make the next seed fail with "role already exists"), create it again. Returns its DSN.
 * Stop Logto first: it would reconnect to the new, empty database.
 */
export async function resetLogtoDatabase(pg: Postgres, dbName: string): Promise<string> {
  await pg.dropDatabase(dbName);
  const roles = await pg.query<{ rolname: string }>(
    "select rolname from pg_roles where rolname = $1 or starts_with(rolname, $2) order by length(rolname) desc",
    [`logto_tenant_${dbName}`, `logto_tenant_${dbName}_`],
  );
  for (const { rolname } of roles.rows) await pg.query(`drop role if exists ${quoteIdent(rolname)}`);
  await pg.query(`create database ${quoteIdent(dbName)} with encoding = 'UTF8'`);
  return pg.urlFor(dbName);
}
