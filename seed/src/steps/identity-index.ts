/**
 * An index for the lookup behind every WeChat sign-in. Logto 1.42 finds the user of a social
 * identity with `identities::json#>>'{<target>,userId}' = $1` (packages/core/src/queries/user.ts,
 * findUserByIdentity and hasUserWithIdentity) and its schema has no index on `identities`, so each
 * WeChat sign-in reads the whole `users` table (about 1 s at a million users on 2 cores). An
 * expression index on exactly that expression lets Postgres' planner answer it by an index scan.
 *
 * Harmless to Logto: the name is ours (no alteration of Logto names it), Logto never reads it, and
 * an alteration that drops `identities` drops it too; CONCURRENTLY keeps sign-ins and writes going
 * while it is built. Needs the table's owner: LOGTO_DB_URL is Logto's own DB_URL.
 */
import type { StepContext } from '../context.js';
import type { Db } from '../db.js';
import { StepError, describeError, errorCode } from '../errors.js';
import type { StepResult } from '../log.js';

export const identityIndexName = 'wls_users_wechat_user_id';
/** Logto's expression with its target `wechat` (the connector's target), as the planner must see it. */
export const identityIndexExpression = "(identities::json #>> '{wechat,userId}')";
/** How Postgres prints that expression back (`pg_get_indexdef(index, 1, false)`). */
const storedExpression = "(((identities)::json #>> '{wechat,userId}'::text[]))";
export const identityIndexDdl = `create index concurrently if not exists ${identityIndexName} on users (${identityIndexExpression})`;

export type IdentityIndexState =
  | { present: false }
  | { present: true; valid: boolean; table: string; expression: string };

export type IdentityIndexPlan =
  | { action: 'unchanged' }
  | { action: 'create' }
  /** Drop first: a build that failed half-way (invalid), or another definition under our name. */
  | { action: 'rebuild'; reason: string };

/** Pure: what to do with the index. */
export const planIdentityIndex = (state: IdentityIndexState): IdentityIndexPlan => {
  if (!state.present) {
    return { action: 'create' };
  }
  if (state.table !== 'users' || state.expression !== storedExpression) {
    return { action: 'rebuild', reason: `it was on ${state.table} ${state.expression}` };
  }
  if (!state.valid) {
    return { action: 'rebuild', reason: 'an earlier build did not finish (the index is invalid)' };
  }
  return { action: 'unchanged' };
};

export const readIdentityIndexState = async (db: Db): Promise<IdentityIndexState> => {
  const { rows } = await db.query<{ valid: boolean; table: string; expression: string }>(
    `select i.indisvalid as valid, t.relname as table, pg_get_indexdef(i.indexrelid, 1, false) as expression
     from pg_index i
     join pg_class c on c.oid = i.indexrelid
     join pg_class t on t.oid = i.indrelid
     where c.relname = $1 and c.relnamespace = current_schema()::regnamespace`,
    [identityIndexName]
  );
  const row = rows[0];
  return row ? { present: true, ...row } : { present: false };
};

const usersCount = async (db: Db) => {
  // The planner's estimate: exact counts read the table, which is what this index spares.
  const { rows } = await db.query<{ estimate: number }>(
    `select greatest(reltuples, 0)::bigint::int as estimate from pg_class
     where relname = 'users' and relnamespace = current_schema()::regnamespace`
  );
  return rows[0]?.estimate ?? 0;
};

export const reconcileIdentityIndex = async (context: StepContext): Promise<StepResult> => {
  const { db, dryRun } = context;
  const plan = planIdentityIndex(await readIdentityIndexState(db));
  const what = `index ${identityIndexName} on users (${identityIndexExpression}) for Logto's WeChat identity lookup`;
  if (plan.action === 'unchanged') {
    return { outcome: 'unchanged', detail: what };
  }
  const users = await usersCount(db);
  if (!dryRun) {
    // Concurrent builds wait for every transaction that started before them: bounded, so a
    // connection left idle in a transaction fails the step instead of hanging the seed.
    const waitMs = Math.max(1000, context.config.timeoutMs);
    try {
      await db.query(`set lock_timeout = ${waitMs}`);
      if (plan.action === 'rebuild') {
        await db.query(`drop index concurrently if exists ${identityIndexName}`);
      }
      await db.query(identityIndexDdl);
    } catch (error: unknown) {
      const owner = errorCode(error) === '42501';
      throw new StepError(
        'identity-index',
        `creating ${what} failed: ${describeError(error)}`,
        owner
          ? "LOGTO_DB_URL must be Logto's own DB_URL (the owner of table users), then run `make seed`."
          : 'Run `make seed` again (a half-built index is rebuilt); if it keeps failing, look for long transactions in `select * from pg_stat_activity`.'
      );
    } finally {
      await db.query('reset lock_timeout').catch(() => undefined);
    }
  }
  const detail = `${what} (about ${users} users)`;
  return plan.action === 'create'
    ? { outcome: 'created', detail }
    : { outcome: 'updated', detail: `${detail}, rebuilt: ${plan.reason}` };
};
