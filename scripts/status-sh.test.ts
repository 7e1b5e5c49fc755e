// make status (scripts/doctor.sh --status) with Compose, docker, df, pg_restore and the TypeScript
// checks replaced: each service's state, versions, the last backup's age and verification, the
// disks, and the exit code a cron job or monitoring agent reads (1 on any WARN or FAIL).
import { chmodSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runScript } from "./test/helpers.ts";

let work: string;
let bin: string;

const HEALTHY_STACK = [
  "app running healthy 0",
  "caddy running healthy 0",
  "logto running healthy 0",
  "logto-connectors exited  0",
  "postgres running healthy 0",
  "prepare exited  0",
  "seed exited  0",
].join("\n");

function tool(name: string, body: string) {
  writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, name), 0o755);
  return join(bin, name);
}

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "status-sh-"));
  bin = join(work, "bin");
  mkdirSync(bin);
  mkdirSync(join(work, "docker"));
  writeFileSync(join(work, ".env"), "LOGTO_VERSION=1.42.0\nLOGTO_DOMAIN=auth.example.com\n", { mode: 0o600 });
  // Compose: the services and their states from $FAKE_STATES ("service state health exit-code" per line)
  tool(
    "compose",
    `st() { printf '%s\\n' "\${FAKE_STATES:-}" | grep -v '^$'; }
case "$*" in
  "version --short") echo 2.29.7 ;;
  "config --services") st | cut -d' ' -f1 ;;
  config) echo services:; for s in $(st | cut -d' ' -f1); do echo "  $s:"; case $s in prepare|seed|logto-connectors) echo '    restart: "no"' ;; *) echo '    restart: unless-stopped' ;; esac
    [ "$s" = logto ] && printf '    image: svhd/logto:%s\\n' "\${LOGTO_VERSION:-1.42.0}"; done ;;
  "ps -a -q") st | sed 's/ .*//; s/^/id-/' ;;
  "ps --status running -q "*) st | grep "^\${5} running" | sed 's/ .*//; s/^/id-/' ;;
  "ps -q logto") st | grep -q '^logto ' && echo id-logto ;;
  "ps --status running --services") st | grep ' running ' | cut -d' ' -f1 ;;
  "ps -a --format "*) for a in "$@"; do svc=$a; done; st | grep "^$svc " | cut -d' ' -f2- ;;
esac
exit 0`,
  );
  tool(
    "docker",
    `case $1 in
  version) echo 27.3.1 ;;
  info) echo "${join(work, "docker")}" ;;
  inspect) echo "\${FAKE_LOGTO_IMAGE:-svhd/logto:1.42.0}" ;;
esac
exit 0`,
  );
  tool("df", 'echo "Filesystem 1024-blocks Used Available Capacity Mounted on"; echo "/dev/vda 1000 1 1 ${FAKE_DF_PERCENT:-40}% /"');
  tool("pg_restore", 'cat >/dev/null; [ -n "${FAKE_BROKEN_DUMP:-}" ] && exit 1; echo "1; 2 3 TABLE public users postgres"; echo "2; 2 3 TABLE public applications postgres"');
  // the TypeScript checks (logto, tls): what $FAKE_TS prints, or a healthy Logto and certificate
  tool("ts-checks", 'printf "%s\\n" "${FAKE_TS:-OK    logto: https://auth.example.com/api/status answered 204\nOK    tls auth.example.com: trusted certificate from R11, 60 days left}"');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

function backup(name: string, hoursOld: number) {
  mkdirSync(join(work, "backups"), { recursive: true });
  const file = join(work, "backups", name);
  writeFileSync(file, "PGDMP");
  const t = Date.now() / 1000 - hoursOld * 3600;
  utimesSync(file, t, t);
}

const status = (extra: Record<string, string> = {}) =>
  runScript("doctor.sh", ["--status"], {
    PATH: `${bin}:${process.env.PATH}`,
    STACK_DIR: work,
    COMPOSE: join(bin, "compose"),
    PG_RESTORE: join(bin, "pg_restore"),
    DOCTOR_DF: join(bin, "df"),
    DOCTOR_TS_CMD: join(bin, "ts-checks"),
    FAKE_STATES: HEALTHY_STACK,
    ...extra,
  });

describe("make status (scripts/doctor.sh --status)", () => {
  it("all well: every service, Logto's version, a fresh verified backup, disks, certificates; exit 0", async () => {
    backup("20260101T010000Z.dump", 30);
    backup("20260102T020000Z.dump", 3);
    const r = await status();
    const lines = r.stdout.trim().split("\n");
    expect(lines).toContain("OK    service app: healthy");
    expect(lines).toContain("OK    service seed: one-shot step, finished (exit 0)");
    expect(lines).toContain("OK    service logto-connectors: one-shot step, finished (exit 0)");
    expect(lines).toContain("OK    version logto: Logto 1.42.0 (svhd/logto:1.42.0)");
    expect(lines.some((l) => /^OK {4}version stack: /.test(l))).toBe(true);
    expect(lines).toContain("OK    backup: the last backup 20260102T020000Z.dump is 3 h old; pg_restore --list reads 2 entries");
    expect(lines).toContain("OK    tls auth.example.com: trusted certificate from R11, 60 days left");
    expect(lines.some((l) => l.startsWith("OK    disk docker: / is 40 % full"))).toBe(true);
    expect(lines.at(-1)).toMatch(/^status: \d+ OK, 0 WARN, 0 FAIL, \d+ SKIP$/);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  }, 30_000);

  it("needs attention: an unhealthy Logto, a failed seed, an old backup, a certificate about to expire, a full disk; exit 1", async () => {
    backup("20260101T010000Z.dump", 30);
    const r = await status({
      FAKE_STATES: HEALTHY_STACK.replace("logto running healthy 0", "logto running unhealthy 0").replace("seed exited  0", "seed exited  2"),
      FAKE_TS: "WARN  tls auth.example.com: trusted certificate from R11, 9 days left\n      fix: check Caddy's logs",
      FAKE_DF_PERCENT: "91",
    });
    expect(r.stdout).toContain("FAIL  service logto: unhealthy\n      fix: docker compose logs --tail=100 logto");
    expect(r.stdout).toContain("FAIL  service seed: exited (exit code 2)");
    expect(r.stdout).toMatch(/WARN {2}backup: the last backup 20260101T010000Z\.dump is 30 h old \(over BACKUP_MAX_AGE_HOURS=26\); pg_restore --list reads 2 entries\n {6}fix: make backup/);
    expect(r.stdout).toContain("WARN  tls auth.example.com: trusted certificate from R11, 9 days left");
    expect(r.stdout).toContain("WARN  disk docker: / is 91 % full (over 85 %)");
    expect(r.stdout).toMatch(/status: \d+ OK, 3 WARN, 2 FAIL, \d+ SKIP\nstatus: needs attention/);
    expect(r.code).toBe(1);
  }, 30_000);

  it("a WARN alone is enough for exit 1: Logto runs another image than .env names", async () => {
    backup("20260102T020000Z-before-logto-1.42.0.dump", 1);
    const r = await status({ FAKE_LOGTO_IMAGE: "svhd/logto:1.40.1" });
    expect(r.stdout).toContain("WARN  version logto: Logto runs svhd/logto:1.40.1, but .env names svhd/logto:1.42.0 (LOGTO_VERSION=1.42.0)");
    expect(r.stdout).toContain("OK    backup: the last backup 20260102T020000Z-before-logto-1.42.0.dump is 1 h old");
    expect(r.stdout).toMatch(/status: \d+ OK, 1 WARN, 0 FAIL/);
    expect(r.code).toBe(1);
  }, 30_000);

  it("a backup pg_restore cannot read is a FAIL; no backup at all a WARN; a stopped stack a FAIL", async () => {
    backup("20260102T020000Z.dump", 1);
    const broken = await status({ FAKE_BROKEN_DUMP: "1" });
    expect(broken.stdout).toContain("FAIL  backup: the last backup 20260102T020000Z.dump is not a readable archive (pg_restore --list)");
    expect(broken.code).toBe(1);

    rmSync(join(work, "backups"), { recursive: true });
    const down = await status({ FAKE_STATES: "", FAKE_TS: "SKIP  logto: the stack is not running" });
    expect(down.stdout).toContain("FAIL  services: the stack is not running (no containers)\n      fix: make up");
    expect(down.stdout).toContain(`WARN  backup: no backup in ${join(work, "backups")}`);
    expect(down.code).toBe(1);
  }, 30_000);
});

describe("make status: the backup service's last run (backups/last-run, backup/job.sh)", () => {
  const lastRun = (lines: string[]) => {
    backup("20260102T020000Z.dump", 1);
    writeFileSync(join(work, "backups", "last-run"), `${lines.join("\n")}\n`);
  };

  it("a run verified and copied off-site: two OK lines, exit 0", async () => {
    lastRun(["finished=2026-01-02T02:00:09Z", "local=ok", "dump=20260102T020000Z.dump", "entries=611", "offsite=ok", "snapshot=0badc0de"]);
    const r = await status();
    expect(r.stdout).toContain("OK    backup run: the scheduled backup of 2026-01-02T02:00:09Z: 20260102T020000Z.dump, 611 archive entries (pg_restore --list)");
    expect(r.stdout).toContain("OK    backup offsite: 20260102T020000Z.dump copied off-site (restic snapshot 0badc0de)");
    expect(r.code, r.stdout).toBe(0);
  });

  it("no off-site repository: a SKIP line, still exit 0", async () => {
    lastRun(["finished=2026-01-02T02:00:09Z", "local=ok", "dump=20260102T020000Z.dump", "entries=611", "offsite=off"]);
    const r = await status();
    expect(r.stdout).toContain("SKIP  backup offsite: no off-site copy: BACKUP_OFFSITE_REPOSITORY is empty (the backups stay on this disk)");
    expect(r.code, r.stdout).toBe(0);
  });

  it("a failed off-site copy: WARN with the setting and its fix, exit 1", async () => {
    lastRun([
      "finished=2026-01-02T02:00:09Z", "local=ok", "dump=20260102T020000Z.dump", "entries=611", "offsite=failed",
      "error=the off-site storage refused the credentials BACKUP_OFFSITE_KEY_ID / BACKUP_OFFSITE_SECRET (Fatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized). Fix: the storage's access key id and secret (S3) or user and password (REST server) in .env; then make up",
    ]);
    const r = await status();
    expect(r.stdout).toContain(
      "WARN  backup offsite: the off-site copy of 20260102T020000Z.dump failed (the local backup is kept): the off-site storage refused the credentials BACKUP_OFFSITE_KEY_ID / BACKUP_OFFSITE_SECRET (Fatal: unable to open config file: unexpected HTTP response (401): 401 Unauthorized)\n      fix: the storage's access key id and secret (S3) or user and password (REST server) in .env; then make up",
    );
    expect(r.code).toBe(1);
  });

  it("a failed local backup: FAIL with its error, exit 1", async () => {
    lastRun(["finished=2026-01-02T03:00:04Z", "local=failed", "dump=", "offsite=skipped", "error=local backup failed: pg_dump failed; no backup written"]);
    const r = await status();
    expect(r.stdout).toContain("FAIL  backup run: the scheduled backup of 2026-01-02T03:00:04Z failed: local backup failed: pg_dump failed; no backup written");
    expect(r.code).toBe(1);
  });

  it("BACKUP_MAX_AGE_HOURS from .env decides how old the newest backup may be", async () => {
    backup("20260102T020000Z.dump", 3);
    writeFileSync(join(work, ".env"), "BACKUP_MAX_AGE_HOURS=2\n");
    const r = await status();
    expect(r.stdout).toContain("WARN  backup: the last backup 20260102T020000Z.dump is 3 h old (over BACKUP_MAX_AGE_HOURS=2); pg_restore --list reads 2 entries");
    expect(r.code).toBe(1);
  });
});
