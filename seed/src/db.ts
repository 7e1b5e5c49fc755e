/**
 * Logto's Postgres, reached as its owner (same URL as Logto's DB_URL): row-level security does
 * not apply to the owner, so every query names `tenant_id` explicitly.
 */
import { setTimeout as sleep } from 'node:timers/promises';

import pg from 'pg';

import { advisoryLockKey } from './constant.js';
import { ConfigError, StepError, UnreachableError, describeError, errorCode } from './errors.js';

export type Db = pg.Client;

/**
 * Connection failures that mean "not there yet", retried until the deadline: by code (Postgres'
 * SQLSTATE or Node's errno; 3D000 = the database does not exist until Logto's first start seeds
 * it), or by message for pg's own errors, which carry no code: a connection timeout and a server
 * closing the connection while it starts. Any other failure is reported at once, as it is.
 */
const transientCodes = new Set(['57P03', '3D000', 'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT']);
const transientMessages = new Set(['timeout expired', 'Connection terminated', 'Connection terminated unexpectedly']);

const isTransient = (error: unknown) => {
  const code = errorCode(error);
  return code === undefined
    ? error instanceof Error && transientMessages.has(error.message)
    : transientCodes.has(code);
};

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
      const where = `Postgres at ${describeDbUrl(dbUrl)}`;
      if (code === '28P01' || code === '28000') {
        throw new ConfigError([
          `LOGTO_DB_URL was refused by ${where} (${code}: wrong user or password)`,
        ]);
      }
      if (!isTransient(error)) {
        throw new StepError(
          'postgres',
          `${where} refused the connection: ${describeError(error)}`,
          'Check LOGTO_DB_URL (host, port, database, sslmode) against Logto\'s DB_URL, then run `make seed`.'
        );
      }
      if (Date.now() + 500 > deadline) {
        throw new UnreachableError(
          `${where} did not accept a connection before the deadline (last attempt: ${describeError(error)})${code === '3D000' ? ': the database does not exist yet (Logto seeds it on its first start)' : ''}`,
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
