// WeChat users in bulk, stored as Logto 1.42 stores a user made at a first WeChat sign-in
// (routes/experience/classes/utils.ts toUserSocialIdentityData: identities.wechat = {userId,
// details: the connector's userInfo {id, name, avatar, rawData}}), and the identity lookup exactly
// as Logto's queries send it, to EXPLAIN it. For the seed's index tests and `npm run bench`.
import type pg from "pg";

/** The WeChat id (unionid, else openid: 28 characters) of bulk user `n`. */
export const bulkWechatId = (n: number) => `oBulk${String(n).padStart(23, "0")}`;

/**
 * Users `from`..`to` (inclusive) of tenant `default`, in one statement (set-based: a million rows
 * take tens of seconds, not the hours a sign-in each would). Ids are Logto-shaped (12 of [0-9a-z]).
 */
export async function insertWechatUsers(db: pg.ClientBase, from: number, to: number): Promise<void> {
  await db.query(
    `insert into users (tenant_id, id, name, avatar, identities, last_sign_in_at)
     select 'default', 'b' || lpad(g::text, 11, '0'), 'WeChat user ' || g, 'https://thirdwx.qlogo.cn/mmopen/' || g || '/132',
       jsonb_build_object('wechat', jsonb_build_object(
         'userId', 'oBulk' || lpad(g::text, 23, '0'),
         'details', jsonb_build_object(
           'id', 'oBulk' || lpad(g::text, 23, '0'), 'name', 'WeChat user ' || g,
           'avatar', 'https://thirdwx.qlogo.cn/mmopen/' || g || '/132',
           'rawData', jsonb_build_object(
             'openid', 'oBulk' || lpad(g::text, 23, '0'), 'unionid', 'oBulk' || lpad(g::text, 23, '0'),
             'nickname', 'WeChat user ' || g, 'sex', 0, 'province', '', 'city', '', 'country', 'CN',
             'headimgurl', 'https://thirdwx.qlogo.cn/mmopen/' || g || '/132', 'privilege', '[]'::jsonb)))),
       now()
     from generate_series($1::int, $2::int) g`,
    [from, to],
  );
}

/**
 * Logto's two identity queries (packages/core/src/queries/user.ts) as slonik renders them for
 * target `wechat`: findUserByIdentity selects every field of `users` (`Object.values(fields)`: the
 * table's columns, quoted, unprefixed), hasUserWithIdentity through `pool.exists` (slonik
 * wraps it in `SELECT EXISTS(...)`).
 */
export async function logtoIdentityQueries(db: pg.ClientBase): Promise<{ findUserByIdentity: string; hasUserWithIdentity: string }> {
  const { rows } = await db.query<{ name: string }>(
    `select column_name as name from information_schema.columns
     where table_schema = current_schema() and table_name = 'users' order by ordinal_position`,
  );
  const fields = rows.map((r) => `"${r.name}"`).join(",");
  const where = `"identities"::json#>>'{"wechat",userId}' = $1`;
  return {
    findUserByIdentity: `\n        select ${fields}\n        from "users"\n        where ${where}\n      `,
    hasUserWithIdentity: `SELECT EXISTS(\n        select "id"\n        from "users"\n        where ${where}\n        and "id"<>$2\n      )`,
  };
}

/** The database role Logto's tenant `default` queries as (row-level security applies to it). */
export async function logtoTenantRole(db: pg.ClientBase): Promise<string> {
  const { rows } = await db.query<{ role: string }>(`select db_user as role from tenants where id = 'default'`);
  if (!rows[0]) throw new Error("no tenant default in this database (not seeded by `logto db seed`?)");
  return rows[0].role;
}

export interface Explained {
  /** The plan's nodes, outermost first, e.g. `Gather > Seq Scan on tenants > Seq Scan on users`. */
  text: string;
  indexName?: string;
  seqScan: boolean;
  /** With ANALYZE: rows of users the plan read (returned + removed by its filter), whatever its shape. */
  usersRowsRead?: number;
  executionMs?: number;
}

/**
 * EXPLAIN (ANALYZE) of `sql` with `params` in a transaction rolled back: as the connection's user
 * (the owner: no row-level security), or as `role` (Logto's tenant role: its policies apply).
 */
export async function explain(db: pg.ClientBase, sql: string, params: unknown[], o: { analyze?: boolean; role?: string } = {}): Promise<Explained> {
  await db.query("begin");
  try {
    if (o.role) await db.query(`set local role "${o.role.replaceAll('"', '""')}"`);
    const { rows } = await db.query<{ "QUERY PLAN": unknown }>(`explain (format json${o.analyze ? ", analyze" : ""}) ${sql}`, params);
    const plan = (rows[0]?.["QUERY PLAN"] as Array<{ Plan: PlanNode; "Execution Time"?: number }>)[0]!;
    const nodes: PlanNode[] = [];
    const walk = (n: PlanNode) => {
      nodes.push(n);
      for (const c of n.Plans ?? []) walk(c);
    };
    walk(plan.Plan);
    const indexName = nodes.find((n) => n["Index Name"])?.["Index Name"];
    return {
      text: nodes.map((n) => `${n["Node Type"]}${n["Index Name"] ? ` using ${n["Index Name"]}` : ""}${n["Relation Name"] ? ` on ${n["Relation Name"]}` : ""}`).join(" > "),
      ...(indexName ? { indexName } : {}),
      seqScan: nodes.some((n) => n["Node Type"] === "Seq Scan" && n["Relation Name"] === "users"),
      ...(o.analyze
        ? {
            usersRowsRead: nodes
              .filter((n) => n["Relation Name"] === "users")
              .reduce((a, n) => a + ((n["Actual Rows"] ?? 0) + (n["Rows Removed by Filter"] ?? 0)) * (n["Actual Loops"] ?? 1), 0),
          }
        : {}),
      ...(plan["Execution Time"] === undefined ? {} : { executionMs: plan["Execution Time"] }),
    };
  } finally {
    await db.query("rollback");
  }
}

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Relation Name"?: string;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}
