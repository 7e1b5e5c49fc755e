import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isListening } from "./ports.js";
import { groupMembers } from "./processes.js";
import { startPostgres } from "./postgres.js";

function pgrepCount(pattern: string): number {
  try {
    return execFileSync("pgrep", ["-f", pattern]).toString().trim().split("\n").filter(Boolean).length;
  } catch {
    return 0;
  }
}

describe("startPostgres", () => {
  it("starts a throw-away cluster, creates and drops databases, and leaves nothing behind", async () => {
    const started = Date.now();
    const pg = await startPostgres();
    const startMs = Date.now() - started;
    console.log(`postgres ready in ${startMs} ms on port ${pg.port}`);
    try {
      const dataDirPattern = `postgres -D /tmp/harness-pg-.*-p ${pg.port}`;
      expect(pgrepCount(dataDirPattern)).toBe(1);
      const version = await pg.query<{ server_version: string }>("show server_version");
      expect(version.rows[0]?.server_version).toMatch(/^15\./);
      // Not running as root, and listening on loopback only.
      const who = await pg.query<{ u: string }>("select current_user as u");
      expect(who.rows[0]?.u).toBe("postgres");
      const listen = await pg.query<{ listen_addresses: string }>("show listen_addresses");
      expect(listen.rows[0]?.listen_addresses).toBe("127.0.0.1");

      const dsn = await pg.createDatabase("harness_check");
      expect(dsn).toBe(`postgres://postgres:postgres@127.0.0.1:${pg.port}/harness_check`);
      await pg.query("create table t (x int); insert into t values (42)", [], "harness_check");
      // A connection left open does not stop the drop (WITH FORCE).
      const { Client } = (await import("pg")).default;
      const lingering = new Client({ connectionString: dsn });
      await lingering.connect();
      lingering.on("error", () => {});
      await pg.dropDatabase("harness_check");
      const left = await pg.query("select 1 from pg_database where datname = 'harness_check'");
      expect(left.rowCount).toBe(0);
      await lingering.end().catch(() => {});

      const random = await pg.createDatabase();
      expect(random).toMatch(/\/db_[0-9a-f]{12}$/);
    } finally {
      const pid = pg.process.pid;
      const dataDir = (await pg.query<{ d: string }>("show data_directory").catch(() => ({ rows: [{ d: "" }] }))).rows[0]?.d ?? "";
      await pg.stop();
      expect(groupMembers(pid)).toEqual([]);
      expect(await isListening("127.0.0.1", pg.port)).toBe(false);
      if (dataDir) expect(existsSync(dataDir)).toBe(false);
    }
  });
});
