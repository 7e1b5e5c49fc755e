/**
 * Lets Logto's own WeChat identity lookup use the identity index (identity-index.ts).
 *
 * Logto runs its queries as the tenant's role under row-level security, and Postgres evaluates a
 * query's condition ahead of the policy's (so through an index) only when every function in it is
 * LEAKPROOF. Logto's `identities::json #>> '{wechat,userId}'` calls three that Postgres does not mark
 * so: jsonb_out and json_in (the cast) and json_extract_path_text (the operator). Unmarked, every
 * WeChat sign-in reads the whole users table under the tenant role, index or not: about 2.7 s at a
 * million users on 2 cores against 0.16 s marked (bench/results.md, scale part).
 *
 * Why marking them is safe in this stack: a leaky function could reveal, through an error, a value
 * in a row the policy hides from the role running the query. Logto's tenant roles run only Logto's
 * own query text (no user writes SQL), and every tenant of a self-hosted Logto (default, admin)
 * belongs to the operator. Of the three, jsonb_out and json_extract_path_text never fail on a valid
 * value, and json_in fails only on text that is not JSON, which a jsonb never prints.
 *
 * The mark lives in pg_proc, which is per database: it changes Logto's database and no other on the
 * server. pg_dump does not carry it, so a restored database gets it again from the next seed run.
 * It needs a superuser (the stack's POSTGRES_USER is one); a managed Postgres without one gets a
 * warning with the statement to run, and everything else works, slower as users grow.
 */
import type { StepContext } from '../context.js';
import type { Db } from '../db.js';
import { StepError, describeError } from '../errors.js';
import type { StepResult } from '../log.js';

export const identityLookupFunctions = [
  'json_in(cstring)',
  'jsonb_out(jsonb)',
  'json_extract_path_text(json,text[])',
] as const;

export const markLeakproofSql = (fn: string) => `alter function pg_catalog.${fn} leakproof`;

const readState = async (db: Db) => {
  const { rows } = await db.query<{ fn: string; leakproof: boolean }>(
    `select p.oid::regprocedure::text as fn, p.proleakproof as leakproof
     from pg_proc p where p.oid = any($1::regprocedure[])`,
    [identityLookupFunctions.map((fn) => `pg_catalog.${fn}`)]
  );
  const { rows: role } = await db.query<{ superuser: boolean }>(
    'select rolsuper as superuser from pg_roles where rolname = current_user'
  );
  const marked = new Set(rows.filter((row) => row.leakproof).map((row) => row.fn.replaceAll(' ', '')));
  return {
    unmarked: identityLookupFunctions.filter((fn) => !marked.has(fn)),
    superuser: role[0]?.superuser === true,
  };
};

export const reconcileIdentityLookup = async ({ db, dryRun }: StepContext): Promise<StepResult> => {
  const { unmarked, superuser } = await readState(db);
  const what = `${identityLookupFunctions.join(', ')} LEAKPROOF in this database, so Logto's tenant role can use the identity index`;
  if (unmarked.length === 0) {
    return { outcome: 'unchanged', detail: what };
  }
  if (!superuser) {
    return {
      outcome: 'skipped',
      detail: what,
      warning: `needs a superuser, which LOGTO_DB_URL's user is not: every WeChat sign-in reads the whole users table, slower as users grow. As a superuser, in Logto's database: ${unmarked.map((fn) => `${markLeakproofSql(fn)};`).join(' ')}`,
    };
  }
  if (!dryRun) {
    try {
      for (const fn of unmarked) {
        await db.query(markLeakproofSql(fn));
      }
    } catch (error: unknown) {
      throw new StepError('identity-lookup', `marking ${unmarked.join(', ')} LEAKPROOF failed: ${describeError(error)}`, 'Run `make seed` again; the step marks only what is not marked yet.');
    }
  }
  return { outcome: 'updated', detail: `${what} (marked: ${unmarked.join(', ')})` };
};
