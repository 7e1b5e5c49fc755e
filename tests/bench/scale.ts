// Cost against the number of users and throughput at saturation, with the server-side WeChat
// sign-in of server-signin.ts (a real Logto only). Users are inserted in bulk the way Logto stores
// them (tests/harness/wechat-users.ts); the identity lookup is EXPLAIN ANALYZEd as Logto runs it
// (its tenant role, row-level security applies).
import { readFileSync } from "node:fs";
import os from "node:os";
import pg from "pg";
import { explain, insertWechatUsers, logtoIdentityQueries, logtoTenantRole } from "../harness/wechat-users.js";
import type { StackInfo } from "../harness/index.js";
import { identityIndexDdl, identityIndexName } from "../../seed/src/steps/identity-index.js";
import { identityLookupFunctions, markLeakproofSql } from "../../seed/src/steps/identity-lookup.js";
import { serviceMemory, servicePids, type ServiceMemory } from "./memory.js";
import { registerBenchClient, serverSignInDriver, type BenchClient } from "./server-signin.js";
import { mb, median, ms, percentile } from "./stats.js";

export interface ScaleRow {
  figure: string;
  median: string;
  spread: string;
  target: string;
  result: "pass" | "miss" | "info" | "skipped" | "error";
}

export interface ScaleOptions {
  sizes: number[];
  signIns: number;
  /** Concurrent clients tried in turn, until the rate stops growing. */
  levels: number[];
  levelSeconds: number;
  /** [service, port] of each service whose CPU and memory are read. */
  services: Array<[string, number]>;
  log(line: string): void;
}

/** The emulator's WeChat user of every timed sign-in: found among all the bulk users. */
const USER = "alice";
/** Keycloak's sizing guide: 1 vCPU per 15 password logins/s, per 120 refresh-token requests/s. */
const KEYCLOAK = { signIns: 15, refreshes: 120 };
const TARGET_RATIO = 1.2;

/** "as shipped": what the seed makes (its index, and the lookup's functions LEAKPROOF); "index only": a Postgres without a superuser for the seed. */
type Variant = "no index" | "index only" | "as shipped";
const SHIPPED: Variant = "as shipped";

function ticks(pids: number[]): number {
  let sum = 0;
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      sum += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      // exited
    }
  }
  return sum / 100; // USER_HZ = 100 on Linux: seconds of CPU
}

async function cpuOf(services: Array<[string, number]>): Promise<Map<string, { pids: number[]; seconds: number }>> {
  const out = new Map<string, { pids: number[]; seconds: number }>();
  for (const [name, port] of services) {
    const pids = await servicePids(port).catch(() => [] as number[]);
    out.set(name, { pids, seconds: ticks(pids) });
  }
  return out;
}

interface Level {
  clients: number;
  rate: number;
  p50: number;
  p99: number;
  done: number;
  failed: number;
  cpu: Map<string, number>;
  /** The bench process's own CPU (the clients: TLS, JSON), in cores. */
  clientCores: number;
  memory: ServiceMemory[];
}

/** `clients` loops of `work` for `seconds`; the rate, latencies, each service's cores in use. */
async function level(o: ScaleOptions, clients: number, work: (worker: number) => Promise<number>): Promise<Level> {
  const before = await cpuOf(o.services);
  const client = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + o.levelSeconds * 1000;
  const latencies: number[] = [];
  let failed = 0;
  let firstError: unknown;
  await Promise.all(
    Array.from({ length: clients }, async (_, worker) => {
      while (performance.now() < end) {
        try {
          latencies.push(await work(worker));
        } catch (error) {
          failed++;
          firstError ??= error;
        }
      }
    }),
  );
  const wall = (performance.now() - t0) / 1000;
  const cpu = new Map<string, number>();
  for (const [name, { pids, seconds }] of before) cpu.set(name, (ticks(pids) - seconds) / wall);
  const used = process.cpuUsage(client);
  const clientCores = (used.user + used.system) / 1e6 / wall;
  const memory: ServiceMemory[] = [];
  for (const [name, port] of o.services) memory.push(await serviceMemory(name, port).catch(() => ({ service: name, pids: [], rss: Number.NaN, pss: Number.NaN, processes: [] })));
  if (firstError) o.log(`  ${failed} failed, first: ${(firstError as Error).message}`);
  return { clients, rate: latencies.length / wall, p50: median(latencies), p99: percentile(latencies, 99), done: latencies.length, failed, cpu, clientCores, memory };
}

/** Levels until the rate grows by less than 5 % over the best so far. */
async function saturate(o: ScaleOptions, what: string, work: (worker: number) => Promise<number>): Promise<Level[]> {
  const levels: Level[] = [];
  for (const clients of o.levels) {
    const l = await level(o, clients, work);
    levels.push(l);
    o.log(`${what}: ${clients} clients: ${l.rate.toFixed(1)}/s, p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, ${l.failed} failed; CPU ${[...l.cpu].map(([s, c]) => `${s} ${c.toFixed(2)}`).join(", ")}, bench clients ${l.clientCores.toFixed(2)}; load ${os.loadavg()[0]!.toFixed(2)}`);
    const best = Math.max(...levels.slice(0, -1).map((x) => x.rate));
    if (levels.length > 1 && l.rate < best * 1.05) break;
  }
  return levels;
}

const deleteBulkUsers = (db: pg.Client) => db.query(`delete from users where tenant_id = 'default' and identities#>>'{wechat,userId}' like 'oBulk%'`);

export async function benchScale(stack: StackInfo, o: ScaleOptions): Promise<{ rows: ScaleRow[]; details: string[] }> {
  const rows: ScaleRow[] = [];
  const details: string[] = [];
  if (stack.logtoKind !== "real") {
    rows.push({ figure: "scale (users, saturation)", median: "—", spread: "needs a real Logto (LOGTO_DIR): the stand-in has no experience API, and its figures would not be Logto's", target: "—", result: "skipped" });
    return { rows, details };
  }
  const db = new pg.Client({ connectionString: stack.logto.dbUrl });
  await db.connect();
  let client: BenchClient | undefined;
  try {
    client = await registerBenchClient(stack);
    const driver = serverSignInDriver(stack, client);
    const first = await driver.signIn(USER);
    o.log(`scale: first sign-in ${ms(first.ms)} (${first.requests} requests, ${first.registered ? "registered" : "existing"} user ${USER})`);
    const wechatId = (await db.query<{ id: string }>(`select identities#>>'{wechat,userId}' as id from users where tenant_id = 'default' and identities ? 'wechat' and identities#>>'{wechat,userId}' not like 'oBulk%' order by created_at desc limit 1`)).rows[0]?.id;
    if (!wechatId) throw new Error(`no WeChat user in tenant default after the first sign-in`);
    const queries = await logtoIdentityQueries(db);
    const role = await logtoTenantRole(db);
    const setVariant = async (v: Variant) => {
      await db.query(`drop index if exists ${identityIndexName}`);
      if (v !== "no index") await db.query(identityIndexDdl);
      for (const fn of identityLookupFunctions) await db.query(v === SHIPPED ? markLeakproofSql(fn) : `alter function pg_catalog.${fn} not leakproof`);
    };
    const variants: Variant[] = ["no index", "index only", SHIPPED];
    const cost = new Map<string, { p50: number; p99: number; lookupMs: number; plan: string }>();
    // A reused stack may hold an earlier run's bulk users: each size must mean what it says.
    await deleteBulkUsers(db);
    let inserted = 0;
    let saturation: { signIns: Level[]; refreshes: Level[]; users: number } | undefined;
    for (const size of o.sizes) {
      const t = performance.now();
      for (let from = inserted + 1; from <= size; from += 100_000) await insertWechatUsers(db, from, Math.min(size, from + 99_999));
      inserted = Math.max(inserted, size);
      await db.query("analyze users");
      o.log(`scale: ${size.toLocaleString("en-US")} bulk users (+ the stack's own) in ${ms(performance.now() - t)}`);
      for (const v of variants) {
        await setVariant(v);
        await driver.signIn(USER); // warm-up after the change
        const times: number[] = [];
        for (let i = 0; i < o.signIns; i++) times.push((await driver.signIn(USER)).ms);
        const lookup = await explain(db, queries.findUserByIdentity, [wechatId], { analyze: true, role });
        cost.set(`${size} ${v}`, { p50: median(times), p99: percentile(times, 99), lookupMs: lookup.executionMs ?? Number.NaN, plan: lookup.text });
        o.log(`scale: ${size} users, ${v}: sign-in p50 ${ms(median(times))}, p99 ${ms(percentile(times, 99))}; lookup ${lookup.executionMs?.toFixed(2)} ms (${lookup.text})`);
      }
      if (!saturation) {
        // At the smallest size, as shipped: what the flow itself costs.
        await setVariant(SHIPPED);
        const signIns = await saturate(o, "saturation, sign-ins", async () => (await driver.signIn(USER)).ms);
        const chains = await Promise.all(Array.from({ length: Math.max(...o.levels) }, async () => (await driver.signIn(USER)).refreshToken));
        const refreshes = await saturate(o, "saturation, refresh", async (worker) => {
          const r = await driver.refresh(chains[worker]!);
          chains[worker] = r.refreshToken;
          return r.ms;
        });
        saturation = { signIns, refreshes, users: size };
      }
    }
    await setVariant(SHIPPED);
    await deleteBulkUsers(db);

    // ---- rows: cost against the number of users
    const smallest = o.sizes[0]!;
    const largest = o.sizes.at(-1)!;
    for (const v of variants) {
      for (const size of o.sizes) {
        const c = cost.get(`${size} ${v}`)!;
        rows.push({ figure: `Server-side WeChat sign-in at ${size.toLocaleString("en-US")} users, ${v}: p50 (p99)`, median: `${ms(c.p50)} (p99 ${ms(c.p99)})`, spread: `n=${o.signIns}; identity lookup ${c.lookupMs.toFixed(2)} ms (EXPLAIN ANALYZE as ${role}: ${c.plan})`, target: "—", result: "info" });
      }
      const ratio = cost.get(`${largest} ${v}`)!.p50 / cost.get(`${smallest} ${v}`)!.p50;
      rows.push({ figure: `Sign-in p50 at ${largest.toLocaleString("en-US")} / at ${smallest.toLocaleString("en-US")} users, ${v}`, median: ratio.toFixed(2), spread: "", target: `<= ${TARGET_RATIO}`, result: v === SHIPPED ? (ratio <= TARGET_RATIO ? "pass" : "miss") : "info" });
    }
    details.push(`Cost against users: bulk users inserted as Logto stores a WeChat user (tests/harness/wechat-users.ts), \`analyze\`d; per size and variant one warm-up, then ${o.signIns} server-side sign-ins of the emulator's ${USER} (an existing user: the identity lookup runs over the whole table), each ${first.requests} requests through Caddy: the authorization request, the direct sign-in page, PUT /api/experience, authorization-uri, the emulator's QR page and confirm, the WeChat callback page, verify, identification, submit, the redirects and consent, the code exchange. The lookup is Logto's findUserByIdentity text, EXPLAIN ANALYZEd as Logto's tenant role \`${role}\` (row-level security on). "index only": the seed's index without its identity-lookup step (what a Postgres without a superuser gets). "as shipped": the index, and json_in, jsonb_out and json_extract_path_text marked LEAKPROOF by the seed's identity-lookup step, the one way Postgres lets that role's condition use the index (seed/src/steps/identity-lookup.ts says why it is safe). Only the "as shipped" row is judged. The stack is left as shipped.`);

    // ---- rows: saturation
    const cores = os.cpus().length;
    for (const [what, levels, anchor] of [["sign-ins", saturation!.signIns, KEYCLOAK.signIns], ["token refreshes", saturation!.refreshes, KEYCLOAK.refreshes]] as const) {
      const best = levels.reduce((a, b) => (b.rate > a.rate ? b : a));
      const used = [...best.cpu.values()].reduce((a, b) => a + b, 0);
      const perCore = best.rate / Math.max(used, 0.01);
      rows.push({
        figure: `Saturation, ${what}/s (${best.clients} clients, ${saturation!.users.toLocaleString("en-US")} users): rate (p99)`,
        median: `${best.rate.toFixed(1)}/s (p99 ${ms(best.p99)})`,
        spread: `levels ${levels.map((l) => `${l.clients}: ${l.rate.toFixed(1)}/s`).join(", ")}; ${best.failed} failed`,
        target: "—",
        result: best.failed ? "miss" : "info",
      });
      rows.push({
        figure: `Saturation, ${what}/s per core of the stack's CPU (Keycloak's anchor: ${anchor}/s per vCPU)`,
        median: `${perCore.toFixed(1)}/s`,
        spread: `stack CPU ${used.toFixed(2)} cores of ${cores} (${[...best.cpu].map(([s, c]) => `${s} ${c.toFixed(2)}`).join(", ")}; bench clients ${best.clientCores.toFixed(2)}); per machine core ${(best.rate / cores).toFixed(1)}/s`,
        target: `(${anchor}/s per vCPU)`,
        result: "info",
      });
      details.push(`Saturation, ${what}: each level ${o.levelSeconds} s of that many clients in a loop (the bench's own process, sharing the ${cores} cores: its TLS and JSON count against the stack), until the rate grew less than 5 %. Memory at the best level (RSS): ${best.memory.map((m) => `${m.service} ${mb(m.rss)}`).join(", ")}.`);
    }
    return { rows, details };
  } finally {
    await client?.close().catch(() => {});
    await db.end();
  }
}
