// A throw-away PostgreSQL 15 cluster (Debian's binaries) on 127.0.0.1 and a free port.
//
// initdb into a temporary directory, then `postgres` in the foreground as the leader of its own
// process group (pg_ctl would detach it into a new session, out of our reach). As root it runs
// as the `postgres` OS user, since PostgreSQL refuses to run as root. Trust authentication on
// loopback only: any password in a DSN is accepted.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, chownSync } from "node:fs";
import { join } from "node:path";
import pg from "pg";
import { freePort } from "./ports.js";
import { assertPrerequisites, PG_BIN } from "./prerequisites.js";
import { makeTempDir, pollUntil, removeTempDir, runOrThrow, startProcess, type ServiceProcess } from "./processes.js";

const SUPERUSER = "postgres";

export interface Postgres {
  /** DSN of the superuser on database `postgres`. */
  adminUrl: string;
  host: string;
  port: number;
  /** Create a database (random name by default) and return its DSN. */
  createDatabase(name?: string): Promise<string>;
  /** Drop a database, closing its connections first. */
  dropDatabase(name: string): Promise<void>;
  /** DSN of a database (no check that it exists). */
  urlFor(database: string): string;
  /** Run SQL as the superuser (on `database`, default `postgres`). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[], database?: string): Promise<pg.QueryResult<R>>;
  logTail(lines?: number): string;
  process: ServiceProcess;
  stop(): Promise<void>;
}

function runAsUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync("id", ["-u", SUPERUSER]).toString().trim());
  const gid = Number(execFileSync("id", ["-g", SUPERUSER]).toString().trim());
  return { uid, gid };
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export async function startPostgres(o: { timeoutMs?: number; logDir?: string } = {}): Promise<Postgres> {
  assertPrerequisites({ only: ["postgres"] });
  const owner = runAsUser();
  const dir = makeTempDir("pg", owner);
  const dataDir = join(dir, "data");
  const socketDir = join(dir, "sock");
  for (const d of [dataDir, socketDir]) {
    mkdirSync(d, { mode: 0o700 });
    if (owner) chownSync(d, owner.uid, owner.gid);
  }
  const logFile = join(o.logDir ?? dir, "postgres.log");
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", LC_ALL: "C.UTF-8" };

  await runOrThrow({
    name: "postgres (initdb)",
    command: join(PG_BIN, "initdb"),
    args: ["-D", dataDir, "-U", SUPERUSER, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"],
    env,
    cwd: dir,
    ...owner,
    timeoutMs: 60_000,
  });

  const host = "127.0.0.1";
  const port = await freePort(host);
  const server = startProcess({
    name: "postgres",
    command: join(PG_BIN, "postgres"),
    args: [
      "-D", dataDir,
      "-p", String(port),
      "-c", `listen_addresses=${host}`,
      "-c", `unix_socket_directories=${socketDir}`,
      // Durability is worthless for a throw-away cluster; speed is not.
      "-c", "fsync=off",
      "-c", "synchronous_commit=off",
      "-c", "full_page_writes=off",
      "-c", "max_connections=200",
    ],
    env,
    cwd: dir,
    ...owner,
    logFile,
    // SIGINT = fast shutdown: roll back open transactions, disconnect clients, exit.
    stopSignal: "SIGINT",
    stopLeaderOnly: true,
  });

  const urlFor = (database: string) => `postgres://${SUPERUSER}:postgres@${host}:${port}/${encodeURIComponent(database)}`;
  const adminUrl = urlFor("postgres");

  const query = async <R extends pg.QueryResultRow>(sql: string, params?: unknown[], database = "postgres") => {
    const client = new pg.Client({ connectionString: urlFor(database) });
    await client.connect();
    try {
      return await client.query<R>(sql, params);
    } finally {
      await client.end();
    }
  };

  // Ready when a query succeeds (an open port is not enough: "the database system is starting up").
  try {
    await pollUntil(() => query("select 1"), {
      service: "postgres",
      waitingFor: `a query on ${host}:${port}`,
      timeoutMs: o.timeoutMs ?? 30_000,
      intervalMs: 100,
      process: server,
    });
  } catch (error) {
    await server.stop();
    removeTempDir(dir);
    throw error;
  }

  return {
    adminUrl,
    host,
    port,
    urlFor,
    query,
    async createDatabase(name = `db_${randomBytes(6).toString("hex")}`) {
      await query(`create database ${quoteIdent(name)}`);
      return urlFor(name);
    },
    async dropDatabase(name) {
      await query(`drop database if exists ${quoteIdent(name)} with (force)`);
    },
    logTail: (n) => server.logTail(n),
    process: server,
    async stop() {
      await server.stop(15_000);
      removeTempDir(dir);
    },
  };
}
