// Issue 17 part 1: the backup service on the engine, one stack for every case. A schedule of one
// minute (`* * * * *`, set in this test's .env), an off-site restic REST server inside the project
// (tests/compose/restic-rest: Debian's `rclone serve restic`, with a user and password), then:
// two scheduled runs, each verified and copied off-site, retention on both sides, a pre-upgrade
// backup kept; damage, the local dumps gone, `make restore FILE=offsite:<id>`: 0 rows lost;
// `make status` all well; a wrong storage credential: the clear error naming the setting, the
// local backup still made, `make status` non-zero. Waiting is on backups/last-run (what each run
// writes when it is done), never on time alone.
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runProcess, sleep } from "../harness/processes.js";
import { composeStack, withDotenv } from "./stack.js";

const REST_PASSWORD = randomBytes(12).toString("hex");
const REPO_PASSWORD = randomBytes(16).toString("hex");
const PRE_UPGRADE = "20000101T000000Z-before-logto-1.42.0";
const lab = { env: { DOCTOR_MIN_DOCKER: "20.10.0" }, timeoutMs: 600_000 };

const stack = composeStack({
  name: "wls-17-backup",
  dotenv: {
    BACKUP_SCHEDULE: "* * * * *",
    BACKUP_RETENTION: "2",
    BACKUP_OFFSITE_REPOSITORY: "rest:http://restic-rest:8000/wechat-logto-stack",
    BACKUP_OFFSITE_KEY_ID: "backup",
    BACKUP_OFFSITE_SECRET: REST_PASSWORD,
    BACKUP_OFFSITE_PASSWORD: REPO_PASSWORD,
  },
  env: { COMPOSE_FILE: "compose.yaml:tests/compose/restic-rest/compose.yaml", TEST_REST_PASSWORD: REST_PASSWORD },
});
const backups = join(stack.dir, "backups");

type LastRun = Record<string, string>;
function lastRun(): LastRun | undefined {
  const file = join(backups, "last-run");
  if (!existsSync(file)) return undefined;
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => l.includes("="))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

/** The next run the scheduler starts after `after` (its `finished` differs): waits for its file, 4 min at most. */
async function nextRun(after: LastRun | undefined): Promise<LastRun> {
  const deadline = Date.now() + 240_000;
  for (;;) {
    const now = lastRun();
    if (now && now.finished !== after?.finished) return now;
    if (Date.now() > deadline) {
      const logs = await stack.compose(["logs", "--tail=40", "backup"]);
      throw new Error(`no scheduled backup finished after ${after?.finished ?? "the start"}; last-run: ${JSON.stringify(now)}\n${logs.stdout}`);
    }
    await sleep(2000);
  }
}

const timestampDumps = () => readdirSync(backups).filter((f) => /^\d{8}T\d{6}Z\.dump$/.test(f)).sort();

/** Row counts of every table of Logto's database. */
async function rowCounts(): Promise<Record<string, number>> {
  const out = await stack.sql(
    `select table_name || '=' || (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from public.%I', table_name), false, true, '')))[1]::text
       from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  return Object.fromEntries(out.split("\n").map((l) => [l.split("=")[0]!, Number(l.split("=")[1])]));
}

const started = Date.now();
const seconds = () => `${Math.round((Date.now() - started) / 1000)} s`;

beforeAll(async () => {
  const up = await stack.make("up");
  expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
  console.log(`[compose backup] make up: healthy after ${Math.round(up.durationMs / 1000)} s (Logto image: ${process.env.LOGTO_IMAGE ?? "official"})`);
  // what make upgrade leaves (scripts/upgrade.sh: backup.sh --name <time>-before-logto-x.y.z)
  const pre = await runProcess({ name: "backup.sh --name", command: "sh", args: ["scripts/backup.sh", "--name", PRE_UPGRADE], cwd: stack.dir, env: stack.env, timeoutMs: 120_000 });
  expect(pre.code, pre.stderr).toBe(0);
});
afterAll(() => stack.down());

describe("the backup service", () => {
  let last: LastRun | undefined;

  it("two scheduled runs: each dump verified and copied off-site; retention keeps 2 on both sides and the pre-upgrade backup", async () => {
    const first = await nextRun(lastRun());
    const second = await nextRun(first);
    console.log(`[compose backup] two scheduled runs done at ${seconds()}: ${first.dump}, ${second.dump}`);
    for (const run of [first, second]) {
      expect(run).toMatchObject({ local: "ok", offsite: "ok" });
      expect(Number(run.entries)).toBeGreaterThan(100);
      expect(run.snapshot).toMatch(/^[0-9a-f]{8}$/);
    }
    expect(second.dump).not.toBe(first.dump);
    // Stopped here: no third run changes the files while they are counted (and the data stays as the last run saw it).
    const stop = await stack.compose(["stop", "backup"]);
    expect(stop.code, stop.stderr).toBe(0);
    last = lastRun();
    expect(timestampDumps()).toHaveLength(2);
    expect(timestampDumps()).toContain(last!.dump);
    expect(existsSync(join(backups, `${PRE_UPGRADE}.dump`))).toBe(true);

    const snapshots = await stack.compose(["run", "--rm", "--no-deps", "-T", "backup", "snapshots"]);
    expect(snapshots.code, snapshots.stderr).toBe(0);
    const ids = snapshots.stdout.split("\n").filter((l) => /^[0-9a-f]{8}\s/.test(l)).map((l) => l.slice(0, 8));
    expect(ids).toHaveLength(2);
    expect(ids).toContain(last!.snapshot);

    const logs = await stack.compose(["logs", "backup"]);
    for (const secret of [REST_PASSWORD, REPO_PASSWORD, stack.dotenvValue("POSTGRES_PASSWORD")!]) expect(logs.stdout.includes(secret)).toBe(false);
  });

  it("damage, the local dumps gone, make restore FILE=offsite:<snapshot>: 0 rows lost, every service back", async () => {
    const before = await rowCounts();
    expect(before.users).toBeGreaterThan(0);
    await stack.sql("truncate users cascade");
    expect(await stack.sql("select count(*) from users")).toBe("0");
    for (const f of readdirSync(backups)) if (/^\d{8}T\d{6}Z\./.test(f)) rmSync(join(backups, f));

    const restore = await stack.make("restore", { FILE: `offsite:${last!.snapshot}`, YES: "1" });
    expect(restore.code, `${restore.stdout}\n${restore.stderr}`).toBe(0);
    expect(restore.stdout).toContain(`restore: off-site snapshot ${last!.snapshot} is backups/offsite/${last!.dump}`);
    const after = await rowCounts();
    // Logto keeps writing while it runs (logs, sessions): a table may have gained rows, none lost any.
    expect(Object.entries(before).filter(([table, n]) => (after[table] ?? 0) < n)).toEqual([]);
    expect(await stack.health("backup")).toBe("healthy");
    console.log(`[compose backup] restored from the off-site copy at ${seconds()} (${Math.round(restore.durationMs / 1000)} s)`);
  });

  it("make status: the last run verified and copied off-site, exit 0", async () => {
    const run = await nextRun(last); // the restarted service's first run: a fresh local dump again
    expect(run).toMatchObject({ local: "ok", offsite: "ok" });
    last = run;
    const status = await stack.make("status", {}, lab);
    expect(status.code, `${status.stdout}\n${status.stderr}`).toBe(0);
    expect(status.stdout).toMatch(/^OK {4}backup run: the scheduled backup of \S+: \d{8}T\d{6}Z\.dump, \d+ archive entries/m);
    expect(status.stdout).toMatch(/^OK {4}backup offsite: \S+ copied off-site \(restic snapshot [0-9a-f]{8}\)$/m);
  });

  it("a wrong storage credential: the error names BACKUP_OFFSITE_SECRET, the local backup is still made, make status non-zero", async () => {
    writeFileSync(stack.envFile, withDotenv(readFileSync(stack.envFile, "utf8"), { BACKUP_OFFSITE_SECRET: "not-the-password" }), { mode: 0o600 });
    const up = await stack.make("up");
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(up.stdout).toMatch(/recreating.*\bbackup\b/);
    const run = await nextRun(last);
    expect(run).toMatchObject({ local: "ok", offsite: "failed" });
    expect(run.error).toMatch(/refused the credentials BACKUP_OFFSITE_KEY_ID \/ BACKUP_OFFSITE_SECRET .*401.*Fix: /);
    expect(existsSync(join(backups, run.dump!))).toBe(true);
    const logs = await stack.compose(["logs", "backup"]);
    expect(logs.stdout).toContain(`offsite: the local backup backups/${run.dump} is made and kept`);
    expect(logs.stdout.includes("not-the-password")).toBe(false);

    const status = await stack.make("status", {}, lab);
    // doctor.sh --status exits 1; make reports a failed recipe as 2
    expect(status.code, status.stdout).not.toBe(0);
    expect(status.stdout).toContain("status: needs attention");
    expect(status.stdout).toMatch(/^WARN {2}backup offsite: the off-site copy of \S+ failed \(the local backup is kept\): .*BACKUP_OFFSITE_SECRET.*\n {6}fix: /m);
    console.log(`[compose backup] wrong credential checked at ${seconds()}`);
  });
});
