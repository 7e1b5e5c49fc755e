// scripts/upgrade.sh with Compose and the PostgreSQL clients replaced: the order of the steps,
// .env rewritten with the old value kept, and the way back printed.
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeCompose, runScript } from "./test/helpers.ts";

let work: string;
const envText = "# Logto\nLOGTO_VERSION=1.42.0\nLOGTO_DOMAIN=auth.example.com\nPOSTGRES_PASSWORD=never-printed\n";

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "upgrade-test-"));
  writeFileSync(join(work, ".env"), envText, { mode: 0o600 });
  // stand-ins for the PostgreSQL clients: a dump, an archive listing with one entry, the roles
  const tool = (name: string, body: string) => {
    writeFileSync(join(work, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(work, name), 0o755);
    return join(work, name);
  };
  tools = {
    PG_DUMP: tool("pg_dump", "printf PGDMP"),
    PG_RESTORE: tool("pg_restore", 'cat >/dev/null; echo "1; 2 3 TABLE public users postgres"'),
    PG_DUMPALL: tool("pg_dumpall", "echo 'CREATE ROLE logto_tenant_logto;'"),
  };
});
let tools: Record<string, string> = {};
afterEach(() => rmSync(work, { recursive: true, force: true }));

const env = (compose: string, extra: Record<string, string> = {}) => ({
  STACK_DIR: work,
  COMPOSE: compose,
  FAKE_LOG_VERSION: "1",
  FAKE_RUNNING: "postgres",
  ...tools,
  ...extra,
});

describe("make upgrade LOGTO_VERSION=x.y.z", () => {
  it("backs up, pins the version, pulls, deploys alterations, starts, prints the rollback", async () => {
    const compose = fakeCompose();
    // as make passes it: LOGTO_VERSION is also in the environment
    const r = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, { LOGTO_VERSION: "1.43.0" }));
    expect(r.code, r.stderr).toBe(0);
    expect(compose.calls()).toEqual([
      "[LOGTO_VERSION=1.43.0] up -d --wait postgres",
      "[LOGTO_VERSION=1.43.0] ps --status running -q postgres",
      "[LOGTO_VERSION=1.43.0] pull logto",
      "[LOGTO_VERSION=1.43.0] stop logto",
      "[LOGTO_VERSION=1.43.0] run --rm --no-deps --entrypoint sh logto -c npm run alteration deploy latest",
      "[LOGTO_VERSION=1.43.0] up -d --wait",
      "[LOGTO_VERSION=1.43.0] ps",
    ]);
    const dumps = readdirSync(join(work, "backups")).filter((f) => f.endsWith(".dump"));
    expect(dumps).toHaveLength(1);
    expect(dumps[0]).toMatch(/^\d{8}T\d{6}Z-before-logto-1\.43\.0\.dump$/);

    const newEnv = readFileSync(join(work, ".env"), "utf8");
    expect(newEnv).toMatch(/^# LOGTO_VERSION before make upgrade on \d{8}T\d{6}Z: 1\.42\.0 .*\nLOGTO_VERSION=1\.43\.0$/m);
    expect(newEnv).toContain("POSTGRES_PASSWORD=never-printed");
    expect(statSync(join(work, ".env")).mode & 0o777).toBe(0o600);
    const bak = readdirSync(work).find((f) => /^\.env\.\d{8}T\d{6}Z\.bak$/.test(f));
    expect(bak).toBeDefined();
    expect(readFileSync(join(work, bak!), "utf8")).toBe(envText);

    expect(r.stdout).toContain("To roll back to Logto 1.42.0");
    expect(r.stdout).toContain(`cp ${bak} .env`);
    expect(r.stdout).toContain(`make restore FILE=backups/${dumps[0]} YES=1`);
    expect(r.stdout + r.stderr).not.toContain("never-printed");
  }, 30_000);

  it("a version that cannot be pulled puts .env back and stops before touching Logto", async () => {
    const compose = fakeCompose();
    const r = await runScript("upgrade.sh", ["9.9.9"], env(compose.bin, { FAKE_FAIL_ON: "pull" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("could not pull svhd/logto:9.9.9; .env is back to LOGTO_VERSION=1.42.0");
    expect(readFileSync(join(work, ".env"), "utf8")).toBe(envText);
    expect(compose.calls().some((c) => c.includes("stop"))).toBe(false);
  }, 30_000);

  it("failed alterations: exit 1 with the rollback steps", async () => {
    const compose = fakeCompose();
    const r = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, { FAKE_FAIL_ON: "run" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the database alterations of 1.43.0 failed");
    expect(r.stdout).toContain("To roll back to Logto 1.42.0");
    expect(compose.calls().some((c) => c.endsWith("up -d --wait"))).toBe(false);
  }, 30_000);

  it("refuses a version that is not exact, and does nothing for the current one", async () => {
    const compose = fakeCompose();
    const latest = await runScript("upgrade.sh", ["latest"], env(compose.bin));
    expect(latest.code).toBe(1);
    expect(latest.stderr).toContain("LOGTO_VERSION=latest is not an exact version");
    const same = await runScript("upgrade.sh", ["1.42.0"], env(compose.bin));
    expect(same.code).toBe(0);
    expect(same.stdout).toContain("already pinned to 1.42.0");
    expect(compose.calls()).toEqual([]);
  }, 30_000);
});
