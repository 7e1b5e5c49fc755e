/**
 * The seed's identity index on a real PostgreSQL with Logto 1.42's real schema (`@logto/cli db
 * seed --swe`) and many WeChat users stored as Logto stores them: made once, left alone after,
 * used by the plan of Logto's own query text as Logto's tenant role runs it, rebuilt when a build
 * was left half-done, and still there, valid and used after Logto's alterations are rolled back
 * and deployed again (`logto db alteration rollback` + `deploy latest`, what `make upgrade` runs).
 */
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type Postgres, node22, startPostgres } from '../../tests/harness/index.js';
import {
  bulkWechatId,
  explain,
  insertWechatUsers,
  logtoIdentityQueries,
  logtoTenantRole,
} from '../../tests/harness/wechat-users.js';
import type { StepContext } from '../src/context.js';
import { StepError } from '../src/errors.js';
import { identityIndexName, reconcileIdentityIndex } from '../src/steps/identity-index.js';
import { identityLookupFunctions, reconcileIdentityLookup } from '../src/steps/identity-lookup.js';

const require = createRequire(import.meta.url);
const logtoCli = join(require.resolve('@logto/cli/package.json'), '..', 'bin', 'logto.js');
/** Enough rows that a sequential scan costs far more than an index scan. */
const users = 100_000;

let postgres: Postgres;
let dbUrl: string;
let db: pg.Client;

/** @logto/cli rewrites its own alteration-scripts folder on each run: one run at a time. */
const cli = (...args: string[]) => {
  const run = spawnSync('flock', ['/tmp/logto-cli.lock', node22, logtoCli, ...args], {
    env: { PATH: process.env.PATH, DB_URL: dbUrl, CI: 'true' },
    cwd: tmpdir(),
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0) {
    throw new Error(`logto ${args.join(' ')} exited ${run.status ?? run.signal}:\n${output}`);
  }
  return output;
};

const context = (dryRun = false) =>
  ({ db, dryRun, config: { timeoutMs: 30_000 } }) as unknown as StepContext;

const indexState = async () =>
  (
    await db.query<{ valid: boolean }>(
      `select indisvalid as valid from pg_index where indexrelid = to_regclass($1)`,
      [identityIndexName]
    )
  ).rows;

/**
 * Logto's findUserByIdentity and hasUserWithIdentity for an existing user, as Logto runs them (its
 * tenant role, row-level security applies) or as the table's owner (none applies).
 */
const plans = async (as: 'logto' | 'owner', analyze = false) => {
  const queries = await logtoIdentityQueries(db);
  const id = bulkWechatId(users / 2);
  const role = as === 'logto' ? await logtoTenantRole(db) : undefined;
  return {
    find: await explain(db, queries.findUserByIdentity, [id], { analyze, ...(role ? { role } : {}) }),
    has: await explain(db, queries.hasUserWithIdentity, [id, 'nobody'], { analyze, ...(role ? { role } : {}) }),
  };
};

beforeAll(async () => {
  postgres = await startPostgres();
  dbUrl = postgres.urlFor('logto');
  cli('db', 'seed', '--swe');
  db = new pg.Client({ connectionString: dbUrl });
  await db.connect();
  await insertWechatUsers(db, 1, users);
  await db.query('analyze users');
}, 300_000);

afterAll(async () => {
  await db?.end();
  await postgres?.stop();
}, 60_000);

describe('identity index', () => {
  it('without it, Logto\'s identity lookup reads the whole users table', async () => {
    expect(await indexState()).toEqual([]);
    for (const as of ['logto', 'owner'] as const) {
      // hasUserWithIdentity's EXISTS stops at the first match, so only the find shows the whole table.
      const { find } = await plans(as, true);
      // EXPLAIN reports per-worker averages, rounded: "all" is within a few rows.
      expect(find.usersRowsRead, `${as}: ${find.text}`).toBeGreaterThan(users * 0.9);
    }
  });

  it('a dry run reports it and creates nothing', async () => {
    expect((await reconcileIdentityIndex(context(true))).outcome).toBe('created');
    expect(await indexState()).toEqual([]);
  });

  it('is created once, then left unchanged', async () => {
    const first = await reconcileIdentityIndex(context());
    expect(first.outcome).toBe('created');
    expect(first.detail).toContain(identityIndexName);
    expect(await indexState()).toEqual([{ valid: true }]);
    const definition = async () =>
      (await db.query(`select pg_get_indexdef(to_regclass($1)) as d, to_regclass($1)::oid as oid`, [identityIndexName])).rows;
    const before = await definition();
    expect((await reconcileIdentityIndex(context())).outcome).toBe('unchanged');
    expect(await definition()).toEqual(before);
  });

  it("makes Logto's own query text an index scan for the table's owner", async () => {
    const { find, has } = await plans('owner', true);
    expect(find.indexName, find.text).toBe(identityIndexName);
    expect(find.usersRowsRead).toBe(1);
    expect(has.indexName, has.text).toBe(identityIndexName);
  });

  // Logto runs its queries as the tenant role, under row-level security, and Postgres lets a
  // query's condition use an index before the policy's own condition only when every function in it
  // is leakproof: the identity-lookup step marks them (its tests below).
  it("still finds the user with it, as Logto's tenant role", async () => {
    const role = await logtoTenantRole(db);
    await db.query('begin');
    try {
      await db.query(`set local role "${role}"`);
      const found = await db.query((await logtoIdentityQueries(db)).findUserByIdentity, [bulkWechatId(7)]);
      expect(found.rows.map((r: { id: string }) => r.id)).toEqual(['b00000000007']);
    } finally {
      await db.query('rollback');
    }
  });

  it('rebuilds an index whose build was left half-done (invalid)', async () => {
    // What an interrupted CREATE INDEX CONCURRENTLY leaves behind, which IF NOT EXISTS alone would keep.
    await db.query(`update pg_index set indisvalid = false where indexrelid = to_regclass($1)`, [identityIndexName]);
    const result = await reconcileIdentityIndex(context());
    expect(result.outcome).toBe('updated');
    expect(result.detail).toContain('invalid');
    expect(await indexState()).toEqual([{ valid: true }]);
    expect((await plans('owner')).find.indexName).toBe(identityIndexName);
  });

  it('fails with the fix when the database user does not own users', async () => {
    await db.query('drop index ' + identityIndexName);
    await db.query(`set role "${await logtoTenantRole(db)}"`);
    try {
      const error = await reconcileIdentityIndex(context()).catch((error_: unknown) => error_);
      expect(error).toBeInstanceOf(StepError);
      expect((error as StepError).message).toContain('must be owner of table users');
      expect((error as StepError).fix).toContain("Logto's own DB_URL");
    } finally {
      await db.query('reset role');
    }
    expect((await reconcileIdentityIndex(context())).outcome).toBe('created');
  });

  it("survives Logto's alterations rolled back and deployed again, and stays in use", async () => {
    // 1.41.0's alterations include ones on users (is_password_expired): down and up with the index there.
    const rollback = cli('db', 'alteration', 'rollback', '1.40.0');
    expect(rollback).toMatch(/1\.41\.0-\d+-add-is-password-expired-to-users/);
    const deploy = cli('db', 'alteration', 'deploy', 'latest');
    expect(deploy).toMatch(/1\.41\.0-\d+-add-is-password-expired-to-users/);
    expect(await indexState()).toEqual([{ valid: true }]);
    expect((await reconcileIdentityIndex(context())).outcome).toBe('unchanged');
    await db.query('analyze users');
    expect((await plans('owner')).find.indexName).toBe(identityIndexName);
  }, 300_000);

  it("is not used by Logto's tenant role while the lookup's functions are not leakproof (Postgres' default)", async () => {
    const { find } = await plans('logto', true);
    expect(find.indexName, find.text).not.toBe(identityIndexName);
    expect(find.usersRowsRead, find.text).toBeGreaterThan(users * 0.9);
  });
});

describe('identity lookup (the functions of Logto\'s lookup marked LEAKPROOF)', () => {
  const leakproof = async (database: pg.Client = db) =>
    (
      await database.query<{ fn: string; leakproof: boolean }>(
        `select p.oid::regprocedure::text as fn, p.proleakproof as leakproof from pg_proc p
         where p.oid = any($1::regprocedure[]) order by 1`,
        [identityLookupFunctions.map((fn) => `pg_catalog.${fn}`)]
      )
    ).rows;
  const unmark = () =>
    Promise.all(identityLookupFunctions.map((fn) => db.query(`alter function pg_catalog.${fn} not leakproof`)));

  afterAll(unmark);

  it('a user that is not a superuser: skipped, with a warning that says the cost and the statements to run', async () => {
    await db.query(`create role wls_not_super login`);
    await db.query(`set role wls_not_super`);
    try {
      const result = await reconcileIdentityLookup(context());
      expect(result.outcome).toBe('skipped');
      expect(result.warning).toContain('needs a superuser');
      expect(result.warning).toContain('alter function pg_catalog.json_in(cstring) leakproof;');
    } finally {
      await db.query('reset role');
      await db.query('drop role wls_not_super');
    }
    expect((await leakproof()).every((row) => !row.leakproof)).toBe(true);
  });

  it('a dry run marks nothing', async () => {
    expect((await reconcileIdentityLookup(context(true))).outcome).toBe('updated');
    expect((await leakproof()).every((row) => !row.leakproof)).toBe(true);
  });

  it("marks them once, then Logto's own lookup, as its tenant role, is an index scan", async () => {
    expect((await reconcileIdentityLookup(context())).outcome).toBe('updated');
    expect(await leakproof()).toEqual(identityLookupFunctions.map(() => expect.objectContaining({ leakproof: true })));
    expect((await reconcileIdentityLookup(context())).outcome).toBe('unchanged');
    const { find, has } = await plans('logto', true);
    expect(find.indexName, find.text).toBe(identityIndexName);
    expect(find.usersRowsRead, find.text).toBe(1);
    expect(has.indexName, has.text).toBe(identityIndexName);
  });

  it("changes Logto's database only: another database on the same server keeps Postgres' default", async () => {
    await reconcileIdentityLookup(context());
    const other = new pg.Client({ connectionString: await postgres.createDatabase('wls_other') });
    await other.connect();
    try {
      expect((await leakproof(other)).map((row) => row.leakproof)).toEqual([false, false, false]);
    } finally {
      await other.end();
    }
  });
});
