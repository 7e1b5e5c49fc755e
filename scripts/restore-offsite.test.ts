// make restore FILE=offsite:<snapshot>: the backup service's image fetches the snapshot (docker
// compose run backup fetch), then the one restore path restores that file. Compose and the
// PostgreSQL clients replaced; with restic and a REST server on the engine: tests/compose/backup.test.ts.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runScript } from "./test/helpers.ts";

let work: string;
const tool = (name: string, body: string) => {
  writeFileSync(join(work, name), `#!/bin/sh\n${body}\n`);
  chmodSync(join(work, name), 0o755);
  return join(work, name);
};
const calls = () => readFileSync(join(work, "compose.log"), "utf8").trim().split("\n");

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "restore-offsite-test-"));
  writeFileSync(join(work, ".env"), "LOGTO_VERSION=1.42.0\n");
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const restore = (file: string, extra: Record<string, string> = {}) =>
  runScript("restore.sh", ["--yes", file], {
    STACK_DIR: work,
    // `run ... backup fetch ID`: restic's progress on stderr, the fetched dump's path last on stdout
    COMPOSE: tool(
      "compose",
      `echo "$*" >>"${work}/compose.log"
[ "$*" = "\${FAKE_FAIL_ARGS:-}" ] && { echo "Error response from daemon: compose said no" >&2; exit 1; }
case "$*" in
  "run --rm --no-deps -T backup fetch "*)
    [ -n "\${FAKE_FETCH_FAILS:-}" ] && { echo "error: there is no such off-site snapshot" >&2; exit 1; }
    mkdir -p "${work}/backups/offsite"; printf FETCHED >"${work}/backups/offsite/20260101T030000Z.dump"
    echo "offsite: restoring snapshot $7 ..." >&2; echo "restic progress"; echo backups/offsite/20260101T030000Z.dump ;;
esac
exit 0`,
    ),
    PSQL: tool("psql", 'cat >/dev/null; case "$*" in *pg_get_userbyid*) echo postgres ;; *"SELECT 1 FROM pg_database"*) echo 1 ;; esac'),
    PG_RESTORE: tool("pg_restore", `cat >"${work}/restored"`),
    ...extra,
  });

describe("make restore FILE=offsite:<snapshot>", () => {
  it("fetches the snapshot with the backup service's image, then restores that file (the backup service stopped meanwhile)", async () => {
    const r = await restore("offsite:0badc0de");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("restore: off-site snapshot 0badc0de is backups/offsite/20260101T030000Z.dump");
    expect(calls()).toEqual(["run --rm --no-deps -T backup fetch 0badc0de", "stop app seed logto backup", "up -d --wait postgres", "up -d --wait"]);
    expect(readFileSync(join(work, "restored"), "utf8")).toBe("FETCHED");
  });

  it("offsite: alone is the latest snapshot", async () => {
    const r = await restore("offsite:");
    expect(r.code, r.stderr).toBe(0);
    expect(calls()[0]).toBe("run --rm --no-deps -T backup fetch latest");
  });

  it("a snapshot that cannot be fetched: exit 1, the reason above, nothing stopped or restored", async () => {
    const r = await restore("offsite:nope", { FAKE_FETCH_FAILS: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: there is no such off-site snapshot");
    expect(r.stderr).toContain("error: could not fetch the off-site snapshot nope (the reason is above); nothing changed");
    expect(calls()).toEqual(["run --rm --no-deps -T backup fetch nope"]);
    expect(existsSync(join(work, "restored"))).toBe(false);
  });
});

describe("make restore: Compose failing before the database is touched", () => {
  it.each([
    ["the services do not stop", "stop app seed logto backup", /^error: could not stop app, seed, logto and backup .*; database 'logto' was not changed$/m],
    ["PostgreSQL does not start", "up -d --wait postgres", /^error: PostgreSQL did not start .*; database 'logto' was not changed, app, seed, logto and backup are stopped$/m],
  ])("%s: exit 1 with error: and fix:, nothing restored", async (_what, args, error) => {
    writeFileSync(join(work, "local.dump"), "PGDMP");
    const r = await restore("local.dump", { FAKE_FAIL_ARGS: args });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(error);
    expect(r.stderr).toMatch(/^ {2}fix: .*then make restore FILE=local\.dump YES=1 again/m);
    expect(existsSync(join(work, "restored"))).toBe(false);
    expect(calls().at(-1)).toBe(args);
  });
});
