// Backup and restore round trip: the real backup.sh and restore.sh on a real PostgreSQL 15 with
// Logto's real schema (@logto/cli db seed on Node 22), Compose replaced by a logging stand-in and
// the PostgreSQL clients by Debian's pg_dump/pg_restore/psql pointed at the harness's cluster.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { node22, resetLogtoDatabase, startPostgres, type Postgres } from "../tests/harness/index.js";
import { identityIndexDdl, identityIndexName } from "../seed/src/steps/identity-index.ts";
import { fakeCompose, repoRoot, runScript } from "./test/helpers.ts";

const require = createRequire(join(repoRoot, "tests", "package.json"));
const logtoCli = join(require.resolve("@logto/cli/package.json"), "..", "bin", "logto.js");

const db = "logto";
let pg: Postgres;
let work: string;

const clientEnv = (p: Postgres) => {
  const conn = `-h ${p.host} -p ${p.port} -U postgres`;
  return {
    PG_DUMP: `pg_dump ${conn}`,
    PG_DUMPALL: `pg_dumpall ${conn}`,
    PG_RESTORE: `pg_restore ${conn}`,
    PSQL: `psql ${conn}`,
  };
};

/** Every row of every public table, as text, so "exactly back" means byte for byte. */
async function snapshot(p: Postgres): Promise<Record<string, string>> {
  const tables = await p.query<{ t: string }>(
    "select tablename as t from pg_tables where schemaname = 'public' order by 1",
    [],
    db,
  );
  const out: Record<string, string> = {};
  for (const { t } of tables.rows) {
    const r = await p.query<{ rows: string | null }>(
      `select string_agg(x::text, E'\\n' order by x::text) as rows from "${t}" x`,
      [],
      db,
    );
    out[t] = r.rows[0]?.rows ?? "";
  }
  return out;
}

const one = async (p: Postgres, sql: string) => (await p.query(sql, [], db)).rows;

/** Every index on users (Logto's and the seed's identity index), with its validity. */
const usersIndexes = async (p: Postgres) =>
  one(p, "select indexrelid::regclass::text as name, indisvalid as valid, pg_get_indexdef(indexrelid) as def from pg_index where indrelid = 'users'::regclass order by 1");

beforeAll(async () => {
  pg = await startPostgres();
  // @logto/cli rewrites its own alteration-scripts folder on every run: concurrent runs (other
  // test files seeding at the same moment) can collide, so take a lock and retry.
  for (let attempt = 1; ; attempt++) {
    try {
      execFileSync("flock", ["/tmp/logto-cli.lock", node22, logtoCli, "db", "seed", "--swe"], {
        env: { PATH: process.env.PATH, DB_URL: pg.urlFor(db) },
        cwd: tmpdir(),
        stdio: "pipe",
      });
      break;
    } catch (err) {
      if (attempt >= 3) throw err;
      await resetLogtoDatabase(pg, db);
    }
  }
  // What the stack's seed provisions, in Logto's own tables: a WeChat user, the app, the connector.
  await pg.query(
    `insert into users (tenant_id, id, username, name, avatar, identities) values
       ('default', 'alice0000001', null, 'Alice 爱丽丝', 'https://thirdwx.qlogo.cn/a/132',
        '{"wechat":{"userId":"u-alice","details":{"id":"u-alice","name":"Alice 爱丽丝"}}}'),
       ('default', 'bob000000001', 'bob', 'Bob', null, '{}');
     insert into applications (tenant_id, id, name, secret, description, type, oidc_client_metadata, custom_data)
       values ('default', 'appwechatstack01', 'Next.js app', 'internal-secret', 'the app', 'Traditional',
        '{"redirectUris":["https://app.example.com/api/auth/callback/logto"],"postLogoutRedirectUris":["https://app.example.com/"]}',
        '{"managedBy":"wechat-logto-stack"}');
     insert into application_secrets (tenant_id, application_id, name, value)
       values ('default', 'appwechatstack01', 'Default secret', 'app-secret-value');
     insert into connectors (tenant_id, id, connector_id, config)
       values ('default', 'wechat', 'wechat-web', '{"appId":"wx0000000000000001","appSecret":"emulator-secret","scope":"snsapi_login"}');`,
    [],
    db,
  );
  // The seed's index for Logto's WeChat identity lookup (seed/src/steps/identity-index.ts).
  await pg.query(identityIndexDdl, [], db);
  work = mkdtempSync(join(tmpdir(), "backup-test-"));
  writeFileSync(join(work, ".env"), "BACKUP_RETENTION=3\nPOSTGRES_PASSWORD=do-not-print-me\n");
}, 120_000);

afterAll(async () => {
  await pg?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("make backup / make restore", () => {
  let dumpFile = "";
  let before: Record<string, string> = {};
  let indexesBefore: unknown[] = [];

  it("backs up into backups/<timestamp>.dump, owner-only, with the roles beside it", async () => {
    const compose = fakeCompose();
    before = await snapshot(pg);
    indexesBefore = await usersIndexes(pg);
    expect(indexesBefore).toContainEqual(expect.objectContaining({ name: identityIndexName, valid: true }));
    const r = await runScript("backup.sh", [], {
      STACK_DIR: work,
      COMPOSE: compose.bin,
      FAKE_RUNNING: "postgres",
      ...clientEnv(pg),
    });
    expect(r.stderr).not.toContain("do-not-print-me");
    expect(r.stdout).not.toContain("do-not-print-me");
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(join(work, "backups")).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/^\d{8}T\d{6}Z\.dump$/);
    expect(files[1]).toMatch(/^\d{8}T\d{6}Z\.roles\.sql$/);
    dumpFile = join(work, "backups", files[0]!);
    expect(statSync(dumpFile).mode & 0o777).toBe(0o600);
    expect(statSync(join(work, "backups")).mode & 0o777).toBe(0o700);
    expect(r.stdout).toMatch(/backup: wrote .*\.dump \(\d+ bytes, \d+ archive entries\)/);
  });

  it("restores users, the app and the connector exactly after changes and deletions", async () => {
    await pg.query(
      `update users set name = 'Mallory' where id = 'alice0000001';
       delete from users where id = 'bob000000001';
       delete from application_secrets where application_id = 'appwechatstack01';
       delete from applications where id = 'appwechatstack01';
       update connectors set config = '{"appId":"wx-wrong"}' where id = 'wechat';
       insert into users (tenant_id, id, name) values ('default', 'eve000000001', 'Eve');`,
      [],
      db,
    );
    expect(await snapshot(pg)).not.toEqual(before);

    const compose = fakeCompose();
    const r = await runScript("restore.sh", ["--yes", dumpFile], {
      STACK_DIR: work,
      COMPOSE: compose.bin,
      ...clientEnv(pg),
    });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(compose.calls()).toEqual(["stop app seed logto backup", "up -d --wait postgres", "up -d --wait"]);

    const after = await snapshot(pg);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    for (const table of Object.keys(before)) expect(after[table], table).toBe(before[table]);
    expect(await usersIndexes(pg)).toEqual(indexesBefore);
    expect(await one(pg, "select name from users order by id")).toEqual([
      { name: "Alice 爱丽丝" },
      { name: "Bob" },
    ]);
    expect(await one(pg, "select custom_data from applications where id = 'appwechatstack01'")).toEqual([
      { custom_data: { managedBy: "wechat-logto-stack" } },
    ]);
    expect(await one(pg, "select config->>'appId' as a from connectors where id = 'wechat'")).toEqual([
      { a: "wx0000000000000001" },
    ]);
    // The replaced database is kept for one restore.
    const dbs = await pg.query("select datname from pg_database where datname like 'logto%' order by 1");
    expect(dbs.rows.map((x) => x.datname)).toEqual(["logto", "logto_pre_restore"]);
  }, 60_000);

  it("restores into a new, empty cluster (major PostgreSQL upgrade path), roles included", async () => {
    const fresh = await startPostgres();
    try {
      const r = await runScript("restore.sh", ["--yes", dumpFile], {
        STACK_DIR: work,
        COMPOSE: fakeCompose().bin,
        ...clientEnv(fresh),
      });
      expect(r.code, r.stderr + r.stdout).toBe(0);
      expect(await snapshot(fresh)).toEqual(before);
      expect(await usersIndexes(fresh)).toEqual(indexesBefore);
      const roles = await fresh.query("select rolname from pg_roles where rolname like 'logto%' order by 1");
      expect(roles.rows.map((x) => x.rolname)).toEqual([
        "logto_tenant_logto",
        "logto_tenant_logto_admin",
        "logto_tenant_logto_default",
      ]);
      // Row-level security still works for a tenant role: it sees its own tenant only.
      const seen = await fresh.query(
        "set role logto_tenant_logto_default; select count(*)::int as n from users; reset role;",
        [],
        db,
      );
      const results = seen as unknown as { rows: { n: number }[] }[];
      expect(results[1]!.rows[0]!.n).toBe(2);
    } finally {
      await fresh.stop();
    }
  }, 60_000);

  it("leaves the database untouched when the file is not a backup", async () => {
    const bad = join(work, "backups", "broken.dump");
    writeFileSync(bad, "not a dump");
    const current = await snapshot(pg);
    const compose = fakeCompose();
    const r = await runScript("restore.sh", ["--yes", bad], { STACK_DIR: work, COMPOSE: compose.bin, ...clientEnv(pg) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("was not changed");
    expect(await snapshot(pg)).toEqual(current);
    expect(compose.calls().at(-1)).toBe("up -d --wait"); // started again
    rmSync(bad);
  }, 60_000);

  it("asks before restoring and does nothing without a yes", async () => {
    const compose = fakeCompose();
    const r = await runScript("restore.sh", [dumpFile], { STACK_DIR: work, COMPOSE: compose.bin, ...clientEnv(pg) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--yes");
    expect(compose.calls()).toEqual([]);
  });

  it("keeps the newest BACKUP_RETENTION backups and never leaves a partial file", async () => {
    for (const stem of ["20200101T000000Z", "20200102T000000Z", "20200103T000000Z"]) {
      const r = await runScript("backup.sh", ["--name", stem], {
        STACK_DIR: work,
        COMPOSE: fakeCompose().bin,
        FAKE_RUNNING: "postgres",
        ...clientEnv(pg),
      });
      expect(r.code, r.stderr).toBe(0);
    }
    const dumps = readdirSync(join(work, "backups")).filter((f) => f.endsWith(".dump")).sort();
    // retention 3: the real one (today) and the two newest of 2020
    expect(dumps).toEqual(["20200102T000000Z.dump", "20200103T000000Z.dump", dumpFile.split("/").at(-1)]);
    expect(existsSync(join(work, "backups", "20200101T000000Z.roles.sql"))).toBe(false);

    const failingDump = join(work, "failing-pg-dump");
    writeFileSync(failingDump, "#!/bin/sh\nprintf partial\nexit 1\n", { mode: 0o755 });
    const failing = await runScript("backup.sh", ["--name", "20300101T000000Z"], {
      STACK_DIR: work,
      COMPOSE: fakeCompose().bin,
      FAKE_RUNNING: "postgres",
      ...clientEnv(pg),
      PG_DUMP: failingDump,
    });
    expect(failing.code).toBe(1);
    expect(failing.stderr).toContain("no backup written");
    expect(readdirSync(join(work, "backups")).filter((f) => f.includes("2030") || f.startsWith("."))).toEqual([]);
  }, 60_000);
});
