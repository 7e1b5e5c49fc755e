// The backup service's scripts without an engine: the schedule rule, the entrypoint's crontab, and
// job.sh with PostgreSQL's clients and restic replaced by recording stand-ins (scripts/backup.sh is
// the real one). On the engine, with real restic and a REST server: tests/compose/backup.test.ts.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCommand } from "../scripts/test/helpers.ts";

const here = dirname(fileURLToPath(import.meta.url));
let work: string;

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "backup-job-test-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function tool(name: string, body: string): string {
  const file = join(work, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

describe("schedule_problem (backup/schedule.sh: make check-env and the service's entrypoint)", () => {
  const problem = async (expr: string) => (await runCommand("sh", ["-c", `. "${here}/schedule.sh"; schedule_problem "$1"`, "sh", expr], {})).stdout.trim();

  it.each(["0 3 * * *", "*/5 * * * *", "* * * * *", "0 19 * * 1-5", "15,45 0-6/2 1 1,7 0", "off"])("accepts %s", async (expr) => {
    expect(await problem(expr)).toBe("");
  });

  it.each([
    ["0 3 * *", "has 4 fields; a cron expression has 5: minute hour day-of-month month day-of-week"],
    ["60 3 * * *", "field 1 (minute): 60 is outside 0-59"],
    ["0 24 * * *", "field 2 (hour): 24 is outside 0-23"],
    ["0 3 0 * *", "field 3 (day-of-month): 0 is outside 1-31"],
    ["0 3 * 13 *", "field 4 (month): 13 is outside 1-12"],
    ["0 3 * * 7", "field 5 (day-of-week): 7 is outside 0-6"],
    ["0 3 * * mon", 'field 5 (day-of-week): "mon" is not *, a number or a range N-M'],
    ["5-1 * * * *", "field 1 (minute): the range 5-1 goes backwards"],
    ["*/0 * * * *", "field 1 (minute): the step /0 is not a whole number from 1"],
    ["@daily", "has 1 fields; a cron expression has 5: minute hour day-of-month month day-of-week"],
  ])("refuses %s: %s", async (expr, why) => {
    expect(await problem(expr)).toBe(why);
  });
});

describe("entrypoint.sh (the service's start)", () => {
  const start = (schedule: string) => {
    const crond = tool("crond", `echo "crond $*"; cat "${work}/cron/root"`);
    return runCommand("sh", [join(here, "entrypoint.sh")], { BACKUP_SCHEDULE: schedule, CRON_DIR: join(work, "cron"), CROND: crond });
  };

  it("hands the schedule to crond: one line running job.sh run into the container's log", async () => {
    const r = await start("*/5 * * * *");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("backup: scheduled '*/5 * * * *' (UTC), keeping 7; off-site copy: off");
    expect(r.stdout).toContain(`crond -f -l 8 -L /dev/stderr -c ${join(work, "cron")}`);
    expect(r.stdout).toContain(`*/5 * * * * sh ${here}/job.sh run >/proc/1/fd/1 2>/proc/1/fd/2`);
  });

  it("BACKUP_SCHEDULE=off: crond with no job", async () => {
    const r = await start("off");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("BACKUP_SCHEDULE=off: no scheduled backups");
    expect(readFileSync(join(work, "cron", "root"), "utf8")).toBe("");
  });

  it("a schedule crond would skip without a word: exit 2 naming BACKUP_SCHEDULE and the fix; crond never starts", async () => {
    const r = await start("0 3 * *");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("backup: BACKUP_SCHEDULE='0 3 * *' has 4 fields");
    expect(r.stderr).toContain("Fix: a cron expression in .env, e.g. BACKUP_SCHEDULE=0 3 * * *");
    expect(r.stdout).not.toContain("crond -f");
  });
});

describe("job.sh run (one scheduled backup)", () => {
  const REST_PASSWORD = "rest-password-do-not-print";
  const REPO_PASSWORD = "repository-password-do-not-print";
  let backups: string;
  let secrets: string;
  let env: Record<string, string>;
  const resticCalls = () => (existsSync(join(work, "restic.log")) ? readFileSync(join(work, "restic.log"), "utf8").trim().split("\n") : []);
  const lastRun = () => Object.fromEntries(readFileSync(join(backups, "last-run"), "utf8").trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]));
  const dumps = () => readdirSync(backups).filter((f) => f.endsWith(".dump")).sort();

  beforeEach(() => {
    backups = join(work, "backups");
    secrets = join(work, "secrets");
    mkdirSync(backups);
    mkdirSync(secrets);
    writeFileSync(join(secrets, "postgres_password"), "pg-password");
    writeFileSync(join(secrets, "backup_offsite_password"), REPO_PASSWORD);
    writeFileSync(join(secrets, "backup_offsite_secret"), REST_PASSWORD);
    // restic: logs its arguments and what it got for credentials; FAKE_RESTIC picks an answer
    const restic = tool(
      "restic",
      `echo "$* [repo=$RESTIC_REPOSITORY user=\${RESTIC_REST_USERNAME:-} pw=\${RESTIC_REST_PASSWORD:+set} key=\${AWS_ACCESS_KEY_ID:-} secret=\${AWS_SECRET_ACCESS_KEY:+set} file=$RESTIC_PASSWORD_FILE]" >>"${work}/restic.log"
case "\${FAKE_RESTIC:-ok}:$1" in
  unauthorized:*) echo "Fatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized"; echo "Is there a repository at the following location?"; exit 1 ;;
  wrongpw:*) echo "Fatal: wrong password or no key found"; exit 12 ;;
  norepo:cat) [ -f "${work}/initialised" ] && exit 0; echo "Fatal: repository does not exist: unable to open config file"; exit 10 ;;
  norepo:init) touch "${work}/initialised"; echo "created restic repository 1234abcd" ;;
  *:backup) echo "Files: 2 new"; echo "snapshot 0badc0de saved" ;;
esac
exit 0`,
    );
    env = {
      STACK_DIR: work,
      BACKUP_DIR: backups,
      SECRETS_DIR: secrets,
      BACKUP_SCRIPT: join(here, "../scripts/backup.sh"),
      RESTIC: restic,
      BACKUP_RETENTION: "2",
      PG_READY: "true",
      PG_DUMP: tool("pg_dump", `[ "$PGPASSWORD" = pg-password ] || exit 3; printf PGDMP`),
      PG_RESTORE: tool("pg_restore", 'cat >/dev/null; echo "1; 2 3 TABLE public users postgres"; echo "2; 2 4 TABLE public applications postgres"'),
      PG_DUMPALL: tool("pg_dumpall", "echo 'CREATE ROLE logto_tenant_logto;'"),
      BACKUP_OFFSITE_REPOSITORY: "rest:http://restic-rest:8000/stack",
      BACKUP_OFFSITE_KEY_ID: "backup",
    };
  });
  const job = (args: string[], extra: Record<string, string> = {}) => runCommand("sh", [join(here, "job.sh"), ...args], { ...env, ...extra });

  it("a verified local dump, then its encrypted copy off-site and retention of the scheduled snapshots; last-run says so", async () => {
    writeFileSync(join(backups, "20000101T000000Z-before-logto-1.42.0.dump"), "PGDMP");
    for (const old of ["20000102T030000Z", "20000103T030000Z"]) writeFileSync(join(backups, `${old}.dump`), "PGDMP");
    const r = await job(["run"]);
    expect(r.code, r.stderr).toBe(0);
    const run = lastRun();
    expect(run).toMatchObject({ local: "ok", entries: "2", offsite: "ok", snapshot: "0badc0de" });
    expect(run.dump).toMatch(/^\d{8}T\d{6}Z\.dump$/);
    expect(run.finished).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // retention 2: the older nightly one goes, the pre-upgrade one stays
    expect(dumps()).toEqual(["20000101T000000Z-before-logto-1.42.0.dump", "20000103T030000Z.dump", run.dump]);
    const calls = resticCalls();
    const creds = `[repo=rest:http://restic-rest:8000/stack user=backup pw=set key= secret= file=${secrets}/backup_offsite_password]`;
    expect(calls).toEqual([
      `cat config ${creds}`,
      `backup --host wechat-logto-stack --tag wechat-logto-stack --tag scheduled ${backups}/${run.dump} ${backups}/${run.dump!.replace(/\.dump$/, ".roles.sql")} ${creds}`,
      `forget --tag scheduled --group-by  --keep-last 2 --prune ${creds}`,
    ]);
    for (const secret of [REST_PASSWORD, REPO_PASSWORD, "pg-password"]) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it("S3: the key id and the secret reach restic as AWS_*; BACKUP_OFFSITE_OPTIONS as -o", async () => {
    const r = await job(["run"], { BACKUP_OFFSITE_REPOSITORY: "s3:https://oss-cn-hangzhou.aliyuncs.com/b/stack", BACKUP_OFFSITE_KEY_ID: "LTAIkey", BACKUP_OFFSITE_OPTIONS: "s3.bucket-lookup=dns s3.region=oss-cn-hangzhou" });
    expect(r.code, r.stderr).toBe(0);
    expect(resticCalls()[0]).toBe(
      `-o s3.bucket-lookup=dns -o s3.region=oss-cn-hangzhou cat config [repo=s3:https://oss-cn-hangzhou.aliyuncs.com/b/stack user= pw= key=LTAIkey secret=set file=${secrets}/backup_offsite_password]`,
    );
  });

  it("the first backup creates the repository (restic init), then copies", async () => {
    const r = await job(["run"], { FAKE_RESTIC: "norepo" });
    expect(r.code, r.stderr).toBe(0);
    expect(resticCalls().map((c) => c.split(" ")[0])).toEqual(["cat", "init", "backup", "forget"]);
    expect(r.stdout).toContain("offsite: no repository at rest:http://restic-rest:8000/stack yet: restic init");
  });

  it("a storage that refuses the credentials: the error names BACKUP_OFFSITE_KEY_ID / BACKUP_OFFSITE_SECRET, the local backup is made and kept, exit 1", async () => {
    const r = await job(["run"], { FAKE_RESTIC: "unauthorized" });
    expect(r.code).toBe(1);
    const run = lastRun();
    expect(run).toMatchObject({ local: "ok", offsite: "failed" });
    expect(run.error).toBe(
      "the off-site storage refused the credentials BACKUP_OFFSITE_KEY_ID / BACKUP_OFFSITE_SECRET (Fatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized). Fix: the storage's access key id and secret (S3) or user and password (REST server) in .env; then make up",
    );
    expect(dumps()).toEqual([run.dump]);
    expect(r.stderr).toContain(`offsite: the local backup backups/${run.dump} is made and kept`);
    expect(resticCalls()).toHaveLength(1); // no init over a repository it could not open
  });

  it("a wrong repository password names BACKUP_OFFSITE_PASSWORD", async () => {
    const r = await job(["run"], { FAKE_RESTIC: "wrongpw" });
    expect(r.code).toBe(1);
    expect(lastRun().error).toMatch(/^the off-site repository does not open with BACKUP_OFFSITE_PASSWORD \(Fatal: wrong password or no key found\)\. Fix: /);
  });

  it("an empty BACKUP_OFFSITE_PASSWORD: no restic call, the error names it, the local backup is kept", async () => {
    writeFileSync(join(secrets, "backup_offsite_password"), "");
    const r = await job(["run"]);
    expect(r.code).toBe(1);
    expect(lastRun()).toMatchObject({ local: "ok", offsite: "failed" });
    expect(lastRun().error).toMatch(/^BACKUP_OFFSITE_PASSWORD is empty/);
    expect(resticCalls()).toEqual([]);
  });

  it("a failed dump: last-run local=failed with backup.sh's error, nothing copied, exit 1", async () => {
    const r = await job(["run"], { PG_DUMP: tool("pg_dump_fails", "exit 1") });
    expect(r.code).toBe(1);
    expect(lastRun()).toMatchObject({ local: "failed", dump: "", offsite: "skipped", error: "local backup failed: pg_dump failed; no backup written" });
    expect(dumps()).toEqual([]);
    expect(resticCalls()).toEqual([]);
  });

  it("without BACKUP_OFFSITE_REPOSITORY: the local backup only, offsite=off", async () => {
    const r = await job(["run"], { BACKUP_OFFSITE_REPOSITORY: "" });
    expect(r.code, r.stderr).toBe(0);
    expect(lastRun()).toMatchObject({ local: "ok", offsite: "off" });
    expect(resticCalls()).toEqual([]);
  });

  it("fetch: the snapshot's dump and roles into backups/offsite/, its path as the last line", async () => {
    writeFileSync(
      env.RESTIC!,
      `#!/bin/sh
echo "$*" >>"${work}/restic.log"
if [ "$1" = restore ]; then target=$(echo "$*" | sed 's/.*--target //'); mkdir -p "$target/backups"; printf PGDMP >"$target/backups/20260101T030000Z.dump"; echo roles >"$target/backups/20260101T030000Z.roles.sql"; fi
exit 0`,
    );
    const r = await job(["fetch", "0badc0de"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("backups/offsite/20260101T030000Z.dump");
    expect(readdirSync(join(backups, "offsite")).sort()).toEqual(["20260101T030000Z.dump", "20260101T030000Z.roles.sql"]);
    expect(resticCalls()[1]).toMatch(/^restore 0badc0de --tag wechat-logto-stack --target /);
    const bad = await job(["fetch", "../x"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("is not a snapshot id");
  });
});
