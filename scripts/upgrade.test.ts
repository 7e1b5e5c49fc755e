// scripts/upgrade.sh with Compose, docker and the PostgreSQL clients replaced: the checks before
// anything changes, the order of the steps, .env rewritten with the old value kept, and the way
// back printed. The same on a real engine across real alterations: tests/compose/upgrade.test.ts.
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
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
    // docker image inspect: the images listed in $FAKE_LOCAL_IMAGES are on this machine; docker
    // pull: logged to docker.log, fails with FAKE_FAIL_ON=pull
    DOCKER: tool(
      "docker",
      `case $1 in
  info) [ -z "\${FAKE_DAEMON_DOWN:-}" ] && exit 0
    echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2 ;;
  image) for i in \${FAKE_LOCAL_IMAGES:-}; do [ "$3" = "$i" ] && exit 0; done ;;
  pull) echo "pull $2" >>"${join(work, "docker.log")}"; [ "\${FAKE_FAIL_ON:-}" != pull ] && exit 0 ;;
esac
exit 1`,
    ),
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
  it("checks and pulls the new Logto image first (the official one, nothing built), backs up, pins the version, deploys alterations with Logto stopped, starts, prints the rollback", async () => {
    const compose = fakeCompose();
    // as make passes it: LOGTO_VERSION is also in the environment
    const r = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, { LOGTO_VERSION: "1.43.0" }));
    expect(r.code, r.stderr).toBe(0);
    expect(compose.calls()).toEqual([
      "[LOGTO_VERSION=1.42.0] config",
      "[LOGTO_VERSION=1.43.0] config",
      "[LOGTO_VERSION=1.42.0] up -d --wait postgres",
      "[LOGTO_VERSION=1.42.0] ps --status running -q postgres",
      "[LOGTO_VERSION=1.43.0] stop logto",
      "[LOGTO_VERSION=1.43.0] run --rm --no-deps logto npm run alteration deploy latest",
      "[LOGTO_VERSION=1.43.0] up -d --wait",
      "[LOGTO_VERSION=1.43.0] ps",
    ]);
    expect(r.stdout).toContain("upgrade: Logto 1.42.0 (svhd/logto:1.42.0) -> 1.43.0 (svhd/logto:1.43.0)");
    expect(readFileSync(join(work, "docker.log"), "utf8")).toBe("pull svhd/logto:1.43.0\n");
    const dumps = readdirSync(join(work, "backups")).filter((f) => f.endsWith(".dump"));
    expect(dumps).toHaveLength(1);
    expect(dumps[0]).toMatch(/^\d{8}T\d{6}Z-before-logto-1\.43\.0\.dump$/);

    const newEnv = readFileSync(join(work, ".env"), "utf8");
    expect(newEnv).toMatch(/^# LOGTO_VERSION before make upgrade on \d{8}T\d{6}Z: 1\.42\.0 .*\nLOGTO_VERSION=1\.43\.0$/m);
    expect(newEnv).not.toContain("LOGTO_IMAGE");
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

  it("an image already on this machine is not pulled", async () => {
    const compose = fakeCompose();
    const r = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, { FAKE_LOCAL_IMAGES: "svhd/logto:1.43.0" }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("upgrade: svhd/logto:1.43.0 is on this machine");
    expect(existsSync(join(work, "docker.log"))).toBe(false);
  }, 30_000);

  it("an image neither here nor pullable stops before anything changes: no backup, .env and Logto untouched", async () => {
    const compose = fakeCompose();
    const r = await runScript("upgrade.sh", ["9.9.9"], env(compose.bin, { FAKE_FAIL_ON: "pull" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the image svhd/logto:9.9.9 is neither on this machine nor can it be pulled; nothing was changed");
    expect(readFileSync(join(work, ".env"), "utf8")).toBe(envText);
    expect(readdirSync(work).filter((f) => f === "backups" || f.startsWith(".env."))).toEqual([]);
    expect(compose.calls().filter((c) => !/ config$/.test(c))).toEqual([]);
  }, 30_000);

  it("a failed backup stops before .env or Logto change", async () => {
    const compose = fakeCompose();
    const r = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, { FAKE_LOCAL_IMAGES: "svhd/logto:1.43.0", PG_DUMP: "false" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pg_dump failed; no backup written");
    expect(readFileSync(join(work, ".env"), "utf8")).toBe(envText);
    expect(compose.calls().some((c) => c.includes("stop"))).toBe(false);
  }, 30_000);

  it("LOGTO_IMAGE names the new image (a mirror, a test image) and goes into .env with the version", async () => {
    const compose = fakeCompose();
    const r = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, {
      LOGTO_IMAGE: "registry.example.cn/logto:1.43.0",
      FAKE_LOCAL_IMAGES: "registry.example.cn/logto:1.43.0",
    }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("-> 1.43.0 (registry.example.cn/logto:1.43.0)");
    const newEnv = readFileSync(join(work, ".env"), "utf8");
    expect(newEnv).toMatch(/^# LOGTO_IMAGE before make upgrade on \d{8}T\d{6}Z: \(unset: svhd\/logto\)\nLOGTO_IMAGE=registry\.example\.cn\/logto:1\.43\.0$/m);
    expect(newEnv).toMatch(/^LOGTO_VERSION=1\.43\.0$/m);
    expect(r.stdout).toContain("without LOGTO_IMAGE in your shell's environment");
  }, 30_000);

  it("refuses, changing nothing: .env's LOGTO_IMAGE without a new one, the same image, an older version, an inexact one", async () => {
    const compose = fakeCompose();
    writeFileSync(join(work, ".env"), `${envText}LOGTO_IMAGE=registry.example.cn/logto:1.42.0\n`, { mode: 0o600 });
    const kept = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin));
    expect(kept.code).toBe(1);
    expect(kept.stderr).toContain(".env sets LOGTO_IMAGE=registry.example.cn/logto:1.42.0, the image of Logto 1.42.0");
    expect(kept.stderr).toContain("make upgrade LOGTO_VERSION=1.43.0 LOGTO_IMAGE=<the same repository>:1.43.0");
    const same = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, { LOGTO_IMAGE: "registry.example.cn/logto:1.42.0" }));
    expect(same.code).toBe(1);
    expect(same.stderr).toContain("would be registry.example.cn/logto:1.42.0, the one Logto 1.42.0 runs now");
    writeFileSync(join(work, ".env"), envText, { mode: 0o600 });
    const older = await runScript("upgrade.sh", ["1.40.1"], env(compose.bin));
    expect(older.code).toBe(1);
    expect(older.stderr).toContain("LOGTO_VERSION=1.40.1 is older than the 1.42.0 in .env");
    const latest = await runScript("upgrade.sh", ["latest"], env(compose.bin));
    expect(latest.code).toBe(1);
    expect(latest.stderr).toContain("LOGTO_VERSION=latest is not an exact version");
    expect(compose.calls().filter((c) => !c.endsWith(" config"))).toEqual([]);
    expect(readdirSync(work).filter((f) => f === "backups" || f.startsWith(".env."))).toEqual([]);

    const current = await runScript("upgrade.sh", ["1.42.0"], env(compose.bin));
    expect(current.code).toBe(0);
    expect(current.stdout).toContain("already pinned to 1.42.0");
    // what a second try after a failed upgrade sees: not a bare "nothing to do"
    expect(current.stdout).toContain("after a make upgrade to 1.42.0 that failed: make up finishes it, or roll back as it printed");
  }, 30_000);

  it("failed alterations: exit 1 with the rollback steps, nothing started", async () => {
    const compose = fakeCompose();
    const r = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, { FAKE_FAIL_ON: "run" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the database alterations of 1.43.0 failed");
    expect(r.stderr).toMatch(/^ {2}fix: read the alteration's error above, remove its cause, then make up .*; or roll back to 1\.42\.0 as printed below$/m);
    expect(r.stdout).toContain("To roll back to Logto 1.42.0");
    expect(compose.calls().some((c) => c.endsWith("up -d --wait"))).toBe(false);
  }, 30_000);

  it("interrupted during the alterations (Ctrl-C, SSH gone): exit 1 with error:, fix: and the rollback steps", async () => {
    const compose = fakeCompose();
    // the alterations' `docker compose run` ends with the signal sent to make upgrade's shell
    const interrupting = join(work, "compose-interrupted");
    writeFileSync(interrupting, `#!/bin/sh
if [ "$1" = run ]; then kill -TERM $PPID; exit 143; fi
exec ${compose.bin} "$@"
`);
    chmodSync(interrupting, 0o755);
    const r = await runScript("upgrade.sh", ["1.43.0"], env(interrupting));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: make upgrade was interrupted after \.env was set to LOGTO_VERSION=1\.43\.0$/m);
    expect(r.stderr).toMatch(/^ {2}fix: make up finishes the upgrade .*; or roll back to 1\.42\.0 as printed below$/m);
    expect(r.stdout).toMatch(/make restore FILE=backups\/\d{8}T\d{6}Z-before-logto-1\.43\.0\.dump YES=1/);
    expect(compose.calls().some((c) => c.endsWith("up -d --wait"))).toBe(false);
  }, 30_000);

  it("unhealthy after the upgrade: exit 1 with the rollback steps", async () => {
    const compose = fakeCompose();
    const r = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, { FAKE_FAIL_ARGS: "up -d --wait" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("the stack did not become healthy on Logto 1.43.0");
    expect(r.stdout).toMatch(/make restore FILE=backups\/\d{8}T\d{6}Z-before-logto-1\.43\.0\.dump YES=1/);
  }, 30_000);

  it("every way it can fail prints an error: line and a fix: line (after .env changed, the rollback too)", async () => {
    const failures: [string, Record<string, string>, RegExp][] = [
      ["compose config fails", { FAKE_FAIL_ON: "config" }, /^error: docker compose config does not resolve the logto service$/m],
      ["image neither here nor pullable", { FAKE_FAIL_ON: "pull" }, /^error: the image svhd\/logto:1\.43\.0 is neither on this machine/m],
      ["postgres does not start", { FAKE_FAIL_ARGS: "up -d --wait postgres" }, /^error: PostgreSQL did not start for the backup; nothing changed$/m],
      ["the backup fails", { PG_DUMP: "false" }, /^error: the backup before the upgrade failed \(above\); nothing changed$/m],
      ["Logto does not stop", { FAKE_FAIL_ARGS: "stop logto" }, /^error: could not stop Logto 1\.42\.0; \.env is back to LOGTO_VERSION=1\.42\.0/m],
      ["alterations fail", { FAKE_FAIL_ON: "run" }, /^error: the database alterations of 1\.43\.0 failed/m],
      ["unhealthy after", { FAKE_FAIL_ARGS: "up -d --wait" }, /^error: the stack did not become healthy on Logto 1\.43\.0$/m],
    ];
    for (const [what, extra, error] of failures) {
      // each case from the start: the same second's backup name must be free again
      rmSync(join(work, "backups"), { recursive: true, force: true });
      writeFileSync(join(work, ".env"), envText, { mode: 0o600 });
      const r = await runScript("upgrade.sh", ["1.43.0"], env(fakeCompose().bin, extra));
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toMatch(error);
      expect(r.stderr, what).toMatch(/^ {2}fix: \S/m);
      if (readFileSync(join(work, ".env"), "utf8") !== envText) expect(r.stdout, what).toContain("To roll back to Logto 1.42.0");
    }
    expect(readFileSync(join(work, ".env"), "utf8")).not.toBe(envText); // the last one changed .env: rollback printed

    writeFileSync(join(work, ".env"), envText.replace("LOGTO_VERSION=1.42.0\n", ""), { mode: 0o600 });
    const unpinned = await runScript("upgrade.sh", ["1.43.0"], env(fakeCompose().bin));
    expect(unpinned.code).toBe(1);
    expect(unpinned.stderr).toMatch(/^error: .*has no LOGTO_VERSION$/m);
    expect(unpinned.stderr).toMatch(/^ {2}fix: \S/m);
  }, 60_000);

  it("with the Docker daemon down: says so in Docker's words, not that the image cannot be pulled; nothing changed", async () => {
    const compose = fakeCompose();
    const r = await runScript("upgrade.sh", ["1.43.0"], env(compose.bin, { FAKE_DAEMON_DOWN: "1" }));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: the Docker daemon is not reachable \(Cannot connect to the Docker daemon at unix:\/\/\/var\/run\/docker\.sock\. Is the docker daemon running\?\); nothing was changed$/m,
    );
    expect(r.stderr).toMatch(/^ {2}fix: start it \(sudo systemctl start docker\).*; then make upgrade LOGTO_VERSION=1\.43\.0 again$/m);
    expect(r.stderr).not.toContain("neither on this machine");
    expect(compose.calls()).toEqual([]);
    expect(existsSync(join(work, "backups"))).toBe(false);
    expect(readFileSync(join(work, ".env"), "utf8")).toBe(envText);
  });

  it("a failing listing after a healthy upgrade does not turn it into a failure", async () => {
    const r = await runScript("upgrade.sh", ["1.43.0"], env(fakeCompose().bin, { FAKE_FAIL_ARGS: "ps" }));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("done, Logto 1.43.0 is up and healthy");
  }, 30_000);
});
