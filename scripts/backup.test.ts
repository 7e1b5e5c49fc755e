// scripts/backup.sh with Compose and the PostgreSQL clients replaced (the round trip on a real
// PostgreSQL is backup-restore.test.ts): what it refuses, what it leaves, what retention removes.
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fakeCompose, runScript } from "./test/helpers.ts";

let work: string;
let tools: Record<string, string>;
const toolLog = () => (existsSync(join(work, "tools.log")) ? readFileSync(join(work, "tools.log"), "utf8") : "");

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "backup-sh-test-"));
  writeFileSync(join(work, ".env"), "LOGTO_VERSION=1.42.0\nBACKUP_RETENTION=2\n", { mode: 0o600 });
  const tool = (name: string, body: string) => {
    writeFileSync(join(work, name), `#!/bin/sh\necho ${name} >>"${join(work, "tools.log")}"\n${body}\n`);
    chmodSync(join(work, name), 0o755);
    return join(work, name);
  };
  tools = {
    PG_DUMP: tool("pg_dump", "printf PGDMP"),
    PG_RESTORE: tool("pg_restore", 'cat >/dev/null; echo "1; 2 3 TABLE public users postgres"'),
    PG_DUMPALL: tool("pg_dumpall", "echo 'CREATE ROLE logto_tenant_logto;'"),
  };
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const backup = (args: string[], extra: Record<string, string> = {}) =>
  runScript("backup.sh", args, { STACK_DIR: work, COMPOSE: fakeCompose().bin, DOCKER: "true", FAKE_RUNNING: "postgres", ...tools, ...extra });
const dumps = () => readdirSync(join(work, "backups")).filter((f) => f.endsWith(".dump")).sort();

describe("make backup", () => {
  it("with the stack down: refuses before writing anything, no backups/ left behind", async () => {
    const r = await backup([], { FAKE_RUNNING: "" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the stack is down \(postgres is not running\); nothing backed up$/m);
    expect(r.stderr).toMatch(/^ {2}fix: make up, then make backup$/m);
    expect(existsSync(join(work, "backups"))).toBe(false);
    expect(toolLog()).toBe("");
  });

  it("when Compose itself fails (Docker down): says so, and leaves nothing", async () => {
    const r = await backup([], { FAKE_FAIL_ON: "ps" });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: docker compose ps failed; nothing backed up$/m);
    expect(r.stderr).toMatch(/^ {2}fix: /m);
    expect(existsSync(join(work, "backups"))).toBe(false);
  });

  it("with the Docker daemon down: says so in Docker's words, and leaves nothing", async () => {
    const docker = join(work, "docker-down");
    writeFileSync(docker, '#!/bin/sh\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n');
    chmodSync(docker, 0o755);
    const r = await backup([], { FAKE_FAIL_ON: "ps", DOCKER: docker });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the Docker daemon is not reachable \(Cannot connect to the Docker daemon at .*\); nothing was changed$/m);
    expect(r.stderr).toMatch(/^ {2}fix: start it \(sudo systemctl start docker\).*; then make backup$/m);
    expect(existsSync(join(work, "backups"))).toBe(false);
  });

  it("a dump that fails in a backups/ it created removes that backups/ again", async () => {
    writeFileSync(tools.PG_DUMP!, "#!/bin/sh\nprintf partial\nexit 1\n");
    const r = await backup([]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("pg_dump failed; no backup written");
    expect(existsSync(join(work, "backups"))).toBe(false);
  });

  it("retention never removes a pre-upgrade backup: the file make upgrade prints as the rollback stays", async () => {
    const upgrade = await runScript("upgrade.sh", ["1.43.0"], {
      STACK_DIR: work,
      COMPOSE: fakeCompose().bin,
      // `docker image inspect` of the new Logto image succeeds: it is on this machine
      DOCKER: "true",
      FAKE_RUNNING: "postgres",
      ...tools,
    });
    expect(upgrade.code, upgrade.stderr).toBe(0);
    const rollback = /make restore FILE=(\S+) YES=1/.exec(upgrade.stdout)?.[1];
    expect(rollback).toMatch(/^backups\/\d{8}T\d{6}Z-before-logto-1\.43\.0\.dump$/);

    // BACKUP_RETENTION=2, three nightly backups after the upgrade (later timestamps than its own)
    for (const stem of ["20990101T030000Z", "20990102T030000Z", "20990103T030000Z"]) {
      const r = await backup(["--name", stem]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(existsSync(join(work, rollback!))).toBe(true);
    expect(existsSync(join(work, rollback!.replace(/\.dump$/, ".roles.sql")))).toBe(true);
    expect(dumps()).toEqual([rollback!.slice("backups/".length), "20990102T030000Z.dump", "20990103T030000Z.dump"]);
  });
});
