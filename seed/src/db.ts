/**
 * Logto's Postgres, reached as its owner (same URL as Logto's DB_URL): row-level security does
 * not apply to the owner, so every query names `tenant_id` explicitly.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';

import { advisoryLockKey } from './constant.js';
import { ConfigError, StepError, UnreachableError } from './errors.js';

export type Db = pg.Client;

/** Postgres error codes that mean "not there yet": retry until the deadline. */
const transientCodes = new Set(['57P03', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);

const errorCode = (error: unknown) =>
  typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string'
    ? error.code
    : undefined;

/** Where the database is, without the password, for messages. */
export const describeDbUrl = (dbUrl: string) => {
  const url = new URL(dbUrl);
  return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
};

export const connectDb = async (dbUrl: string, deadline: number): Promise<Db> => {
  for (;;) {
    const client = new pg.Client({
      connectionString: dbUrl,
      connectionTimeoutMillis: Math.max(1000, Math.min(5000, deadline - Date.now())),
      application_name: 'wechat-logto-stack-seed',
    });
    try {
      await client.connect();
      return client;
    } catch (error: unknown) {
      await client.end().catch(() => undefined);
      const code = errorCode(error);
      if (code === '28P01' || code === '28000') {
        throw new ConfigError([
          `LOGTO_DB_URL was refused by Postgres at ${describeDbUrl(dbUrl)} (${code}: wrong user or password)`,
        ]);
      }
      const transient = code === undefined || transientCodes.has(code) || code === '3D000';
      if (!transient || Date.now() + 500 > deadline) {
        throw new UnreachableError(
          `Postgres at ${describeDbUrl(dbUrl)} did not accept a connection (${code ?? String(error)})${code === '3D000' ? ': the database does not exist yet (Logto seeds it on its first start)' : ''}`,
          'Check `docker compose ps postgres logto` and LOGTO_DB_URL, then run `make seed`.'
        );
      }
      await sleep(500);
    }
  }
};

/**
 * Take the seed's advisory lock (session level, released when the connection closes), waiting
 * for another seed to finish until the deadline.
 */
export const acquireLock = async (
  db: Db,
  deadline: number,
  onWait: () => void
): Promise<void> => {
  let announced = false;
  for (;;) {
    const { rows } = await db.query<{ locked: boolean }>(
      'select pg_try_advisory_lock($1::bigint) as locked',
      [advisoryLockKey.toString()]
    );
    if (rows[0]?.locked) {
      return;
    }
    if (!announced) {
      onWait();
      announced = true;
    }
    if (Date.now() + 250 > deadline) {
      throw new StepError(
        'lock',
        'another seed held the advisory lock until the timeout',
        'Wait for the other seed to finish (`docker compose ps seed`) or raise SEED_TIMEOUT_SECONDS.'
      );
    }
    await sleep(250);
  }
};

export const releaseLock = async (db: Db) => {
  await db.query('select pg_advisory_unlock($1::bigint)', [advisoryLockKey.toString()]);
};

/** Run `work` in a transaction: a failing step leaves the previous state intact. */
export const transaction = async <T>(db: Db, work: () => Promise<T>): Promise<T> => {
  await db.query('begin');
  try {
    const result = await work();
    await db.query('commit');
    return result;
  } catch (error: unknown) {
    await db.query('rollback').catch(() => undefined);
    throw error;
  }
};
