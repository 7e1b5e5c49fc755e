/**
 * Postgres access for the stand-in. Every query names its tenant explicitly: we connect with
 * Logto's DB_URL (the database owner), for whom row-level security does not apply, exactly like
 * the project's seed does for its SQL steps.
 *
 * Rows come back the way Logto's queries return them (camelCase keys, timestamps as epoch
 * milliseconds), so they can be parsed with the `@logto/schemas` guards unchanged.
 */
import { randomInt } from "node:crypto";

import pg from "pg";

const timestampTypes = [1114, 1184]; // timestamp, timestamptz
for (const oid of timestampTypes) {
  const original = pg.types.getTypeParser(oid) as (value: string) => Date;
  pg.types.setTypeParser(oid, (value: string) => original(value).getTime());
}
pg.types.setTypeParser(20, (value: string) => Number(value)); // bigint counts

export type Row = Record<string, unknown>;

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
export const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export const toCamelRow = (row: Row): Row =>
  Object.fromEntries(Object.entries(row).map(([key, value]) => [camel(key), value]));

export type Db = {
  pool: pg.Pool;
  query: (text: string, values?: unknown[]) => Promise<Row[]>;
  one: (text: string, values?: unknown[]) => Promise<Row | undefined>;
  close: () => Promise<void>;
};

export const connect = (dbUrl: string): Db => {
  const pool = new pg.Pool({ connectionString: dbUrl, max: 10 });
  // An idle client error must not crash the process (e.g. the harness drops the database).
  pool.on("error", () => {});
  const query = async (text: string, values: unknown[] = []) => {
    const { rows } = await pool.query(text, values);
    return rows.map((row: Row) => toCamelRow(row));
  };
  return {
    pool,
    query,
    one: async (text, values) => (await query(text, values))[0],
    close: async () => pool.end(),
  };
};

/** JSON columns are sent as text so that arrays are not turned into Postgres arrays. */
export const jsonValue = (value: unknown) => (value === undefined ? undefined : JSON.stringify(value));

/**
 * Build `INSERT ... RETURNING *` from a camelCase object. JSON-ish values (objects/arrays)
 * are serialised; `undefined` keys are left out so the column default applies.
 */
export const insertRow = async (db: Db, table: string, data: Row): Promise<Row> => {
  const entries = Object.entries(data).filter(([, value]) => value !== undefined);
  const columns = entries.map(([key]) => `"${snake(key)}"`).join(", ");
  const placeholders = entries.map((_, index) => `$${index + 1}`).join(", ");
  const values = entries.map(([, value]) => serialise(value));
  const row = await db.one(`insert into ${table} (${columns}) values (${placeholders}) returning *`, values);
  if (!row) throw new Error(`insert into ${table} returned nothing`);
  return row;
};

export const updateRow = async (
  db: Db,
  table: string,
  where: Row,
  data: Row,
): Promise<Row | undefined> => {
  const set = Object.entries(data).filter(([, value]) => value !== undefined);
  const conditions = Object.entries(where);
  if (set.length === 0) {
    return db.one(
      `select * from ${table} where ${conditions.map(([key], i) => `"${snake(key)}" = $${i + 1}`).join(" and ")}`,
      conditions.map(([, value]) => value),
    );
  }
  const setSql = set.map(([key], i) => `"${snake(key)}" = $${i + 1}`).join(", ");
  const whereSql = conditions.map(([key], i) => `"${snake(key)}" = $${set.length + i + 1}`).join(" and ");
  return db.one(`update ${table} set ${setSql} where ${whereSql} returning *`, [
    ...set.map(([, value]) => serialise(value)),
    ...conditions.map(([, value]) => value),
  ]);
};

const serialise = (value: unknown) => {
  if (value === null) return null;
  if (typeof value === "object") return JSON.stringify(value);
  return value;
};

/** Same alphabet and lengths as `@logto/shared` (nanoid, lowercase alphanumerics). */
const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz";
const alphanumeric = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
const random = (length: number, chars: string) =>
  Array.from({ length }, () => chars[randomInt(chars.length)]).join("");
export const generateStandardId = (length = 21) => random(length, alphabet);
export const generateStandardShortId = () => random(12, alphabet);
export const generateUserId = () => random(12, alphabet);
export const generateStandardSecret = () => random(32, alphanumeric);
