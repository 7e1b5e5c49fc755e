// `npm run bench` (root) = `npm --workspace tests run bench`: measures the stack on the harness and
// prints one table (figure, median, spread, target, pass/miss), also written to bench/results.md
// with the machine's description. A miss does not fail the command; an error in one part is
// reported in the table and the others still run. See tests/bench/README.md.
//   --quick        fewer repetitions (development)
//   --only=a,b     parts: seed, signin, load, memory, scale, size (default all)
//   --out=FILE     results file (default bench/results.md; --out=- writes none)
//   --sizes=a,b    user counts of the scale part (default 1000,100000,1000000; --quick 1000,10000,100000)
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import {
  DNS_PRELOAD,
  node22,
  repoRoot,
  reusableStack,
  startStack,
  stackInfo,
  type Stack,
  type StackInfo,
  type Logto,
} from "../harness/index.js";
import { appImageNodeOptions } from "./app-node-options.js";
import { launchBenchBrowser, type BenchBrowser } from "./browser.js";
import { checkTarget, load, type LoadResult, type LoadTarget } from "./load.js";
import { z } from "zod";
import { dockerImageSizes, dockerMemory, serviceMemory, type ServiceMemory } from "./memory.js";
import { benchScale } from "./scale.js";
import { benchSeed, benchSeedCommand, buildSeed, type SeedSample } from "./seed.js";
import { signInOnce, startFloorRp, SERVER_TYPES, type FloorRp, type SignInSample } from "./signin.js";
import { BASE_IMAGE, BASE_IMAGE_BYTES, measureSize, type SizeResult } from "./size.js";
import { mb, median, ms, percentile, spread, summarize } from "./stats.js";

const argv = process.argv.slice(2);
const quick = argv.includes("--quick");
const onlyArg = argv.find((a) => a.startsWith("--only="))?.slice(7);
const parts = new Set(onlyArg ? onlyArg.split(",") : ["seed", "signin", "load", "memory", "scale", "size"]);
const outArg = argv.find((a) => a.startsWith("--out="))?.slice(6);
// --out is relative to where `npm run bench` was typed (npm runs the script in tests/).
const outFile = outArg === "-" ? undefined : outArg ? resolve(process.env.INIT_CWD ?? process.cwd(), outArg) : join(repoRoot, "bench", "results.md");
const cfg = quick
  ? { signIns: 5, warmUp: 1, freshRounds: 1, noChangeRounds: 2, loadRounds: 1, loadSeconds: 3, connections: 10, scaleSizes: [1000, 10_000, 100_000], scaleSignIns: 5, scaleLevels: [1, 2, 4, 8], scaleSeconds: 5 }
  : { signIns: 30, warmUp: 2, freshRounds: 3, noChangeRounds: 5, loadRounds: 3, loadSeconds: 5, connections: 10, scaleSizes: [1000, 100_000, 1_000_000], scaleSignIns: 20, scaleLevels: [1, 2, 4, 8, 16], scaleSeconds: 10 };
const sizesArg = argv.find((a) => a.startsWith("--sizes="))?.slice(8);
if (sizesArg) cfg.scaleSizes = sizesArg.split(",").map(Number).filter((n) => n > 0).sort((a, b) => a - b);

/** Set by `scripts/e2e-compose.sh bench` (`make bench-compose`): the Compose project measured and its `up` times. */
const composeRun = z
  .object({
    BENCH_COMPOSE_PROJECT: z.string().min(1).optional(),
    BENCH_COMPOSE_UP_COLD_MS: z.coerce.number().positive().optional(),
    BENCH_COMPOSE_UP_WARM_MS: z.coerce.number().positive().optional(),
    // The host's memory in use (MemTotal - MemAvailable, MiB) right before the cold `up` and at its lowest MemAvailable during it.
    BENCH_COMPOSE_UP_HOST_BEFORE_MB: z.coerce.number().nonnegative().optional(),
    BENCH_COMPOSE_UP_HOST_PEAK_MB: z.coerce.number().nonnegative().optional(),
    BENCH_COMPOSE_HOST_TOTAL_MB: z.coerce.number().positive().optional(),
  })
  .parse(process.env);

/** The stack (services excluded) needs: VPS budget for the whole stack (RSS sum of its services). */
const VPS_MB = 1024;
const OS_RESERVE_MB = 256;
const STACK_BUDGET = (VPS_MB - OS_RESERVE_MB) * 1024 * 1024;
/** Issue 16's targets (issue 4 had 150 MB and 70 %): the app's RSS "after 1,000 requests", and /account's rate against the landing page's. */
const APP_RSS_TARGET = 120 * 1024 * 1024;
const ACCOUNT_RATE_TARGET = 0.8;
const APP_RSS_REQUESTS = 1000;
const IMAGE_TARGET = 200 * 1024 * 1024;

const log = (line: string) => console.log(`[bench] ${line}`);

/** The results file's table before this run: median by figure, and its date, for the "previous run" column. */
function previousRun(): { medians: Map<string, string>; date: string } {
  const medians = new Map<string, string>();
  if (!outFile || !existsSync(outFile)) return { medians, date: "" };
  const lines = readFileSync(outFile, "utf8").split("\n");
  const cells = (l: string) => l.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim().replaceAll("\\|", "|"));
  const date = lines.map((l) => /^\| Date \| (.*) \|$/.exec(l)?.[1]).find(Boolean) ?? "";
  const header = lines.findIndex((l) => /^\| figure \| median \|/.test(l));
  if (header < 0) return { medians, date };
  const column = cells(lines[header]!).indexOf("median");
  for (const l of lines.slice(header + 2)) {
    if (!l.startsWith("|")) break;
    const c = cells(l);
    if (c[0] && c[column]) medians.set(c[0], c[column]!);
  }
  return { medians, date };
}
const previous = previousRun();
const startedAt = new Date();
const loadAtStart = os.loadavg();

interface Row {
  figure: string;
  median: string;
  spread: string;
  target: string;
  result: "pass" | "miss" | "info" | "skipped" | "error";
}
const rows: Row[] = [];
const notes: string[] = [];
const details: string[] = [];
const row = (figure: string, medianText: string, spreadText: string, target: string, result: Row["result"]) =>
  rows.push({ figure, median: medianText, spread: spreadText, target, result });
const passMiss = (ok: boolean): Row["result"] => (ok ? "pass" : "miss");
const failed = (part: string, error: unknown) => {
  const message = (error as Error).message?.split("\n")[0] ?? String(error);
  log(`${part} failed: ${(error as Error).stack ?? message}`);
  row(part, "—", "—", "—", "error");
  notes.push(`${part}: ${message}`);
};

// ---------------------------------------------------------------------------------------------
function logtoDescription(kind: string): string {
  if (kind === "standin") return "stand-in (tests/logto-standin on Node 22)";
  const dir = process.env.LOGTO_DIR;
  if (dir) {
    const pkg = join(dir, "packages", "core", "package.json");
    const version = existsSync(pkg) ? (JSON.parse(readFileSync(pkg, "utf8")) as { version: string }).version : "?";
    // The installation's version, not its path: a path of the measuring machine tells a reader nothing.
    return `real Logto ${version} (LOGTO_DIR)`;
  }
  return `real Logto (external: ${process.env.LOGTO_ENDPOINT ?? "described by HARNESS_STACK"})`;
}

function machine(stackKind: string, chromium: string | undefined) {
  const cpus = os.cpus();
  let node22Version = "?";
  try {
    node22Version = execFileSync(node22, ["--version"], { encoding: "utf8" }).trim();
  } catch {
    // keep "?"
  }
  return [
    ["CPU", `${cpus[0]?.model ?? "?"} × ${cpus.length} (cores visible to Node)`],
    ["Memory", `${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB`],
    ["OS", `${os.type()} ${os.release()} (${os.arch()})`],
    ["Node", `${process.version} (bench, Chromium driver, autocannon); ${node22Version} (app, seed, Logto, emulator)`],
    ["Chromium", chromium ?? "not started"],
    ["App Node options", appNodeOptions === undefined ? "as the reused stack was started" : `${appNodeOptions ? `\`${appNodeOptions}\`` : "none (V8 defaults)"} (${appNodeOptionsSource})`],
    ["Logto", logtoDescription(stackKind)],
    ["Date", startedAt.toISOString()],
    ["Load average (1/5/15 min)", `${loadAtStart.map((l) => l.toFixed(2)).join(" / ")} at start; ${os.loadavg().map((l) => l.toFixed(2)).join(" / ")} at end`],
  ];
}

// ---------------------------------------------------------------------------------------------
let stack: Stack | undefined;
let info: StackInfo;
let browser: BenchBrowser | undefined;
let rp: FloorRp | undefined;
let extraLogto: Logto | undefined;
let compiledSeedDir: string | undefined;
const memIdle: ServiceMemory[] = [];
const memAfter: ServiceMemory[] = [];
let sessionCookie: string | undefined;
/** The app's memory right after exactly APP_RSS_REQUESTS requests (before the timed load). */
let appAfterRequests: { memory: ServiceMemory; requests: number; mix: string } | undefined;
let chromiumVersion: string | undefined;
/** Node options the bench gave the app (undefined: a reused stack, started by someone else). */
let appNodeOptions: string | undefined;
let appNodeOptionsSource = "";

/** The harness's services on this machine, found by the ports they listen on. */
function servicePorts(): Array<[string, number]> {
  const ports: Array<[string, number | undefined]> = [
    ["postgres", info.postgres ? Number(new URL(info.postgres.adminUrl).port) : undefined],
    ["logto", Number(new URL(info.logto.internalUrl).port)],
    ["caddy", info.httpsPort],
    ["app", info.app ? Number(new URL(info.app.internalUrl).port) : undefined],
    ["wechat-emulator", info.emulator ? Number(new URL(info.emulator.controlUrl).port) : undefined],
  ];
  return ports.filter((p): p is [string, number] => p[1] !== undefined);
}

async function measureMemory(into: ServiceMemory[]): Promise<void> {
  if (info.origin === "harness") {
    for (const [name, port] of servicePorts()) into.push(await serviceMemory(name, port));
  } else if (composeRun.BENCH_COMPOSE_PROJECT) {
    into.push(...(await dockerMemory(composeRun.BENCH_COMPOSE_PROJECT)));
  } else {
    throw new Error("memory of an external stack: set BENCH_COMPOSE_PROJECT to its Compose project (make bench-compose does)");
  }
}

/**
 * Issue 4's figure: the app's RSS after exactly 1,000 requests, half the signed-out landing page
 * and half the signed-in /account, sent like the load figures (autocannon, same connections, the
 * first path of those figures: the app directly when its port is known), before the timed rounds.
 */
async function measureAppAfterRequests(targets: LoadTarget[]): Promise<void> {
  if (info.origin !== "harness" || !info.app) {
    notes.push(`app RSS after ${APP_RSS_REQUESTS} requests: measured on the harness only (per-process RSS); see the after-load figure`);
    return;
  }
  try {
    const via = targets[0]!.via;
    const mix = targets.filter((t) => t.via === via && (t.path === "/" || t.path === "/account"));
    let requests = 0;
    let bad = 0;
    for (const t of mix) {
      const r = await load(info, t, { durationS: 0, connections: cfg.connections, amount: APP_RSS_REQUESTS / mix.length });
      requests += r.total;
      bad += r.non2xx + r.errors;
    }
    if (bad) notes.push(`app RSS after ${APP_RSS_REQUESTS} requests: ${bad} of them non-2xx or failed`);
    const memory = await serviceMemory("app", Number(new URL(info.app.internalUrl).port));
    const mixText = `${mix.map((t) => `${APP_RSS_REQUESTS / mix.length} ${t.path === "/" ? "landing" : "signed-in /account"}`).join(" + ")}, ${via === "direct" ? "app directly" : "through Caddy"}`;
    appAfterRequests = { memory, requests, mix: mixText };
    log(`app after ${requests} requests (${mixText}): RSS ${mb(memory.rss)}, PSS ${mb(memory.pss)}`);
  } catch (error) {
    failed(`memory (app after ${APP_RSS_REQUESTS} requests)`, error);
  }
}

async function main(): Promise<void> {
  log(`${quick ? "quick run" : "full run"}; parts: ${[...parts].join(", ")}; load average ${loadAtStart.map((l) => l.toFixed(2)).join(" ")}`);
  const reused = await reusableStack(log);
  if (parts.has("seed") && reused?.origin !== "external") {
    const t = Date.now();
    compiledSeedDir = await buildSeed().catch((error: unknown) => {
      notes.push(`compiled seed: build failed (${(error as Error).message.split("\n")[0]}); only the npm path measured`);
      return undefined;
    });
    log(`seed compiled (tsc -p seed/tsconfig.build.json) in ${Date.now() - t} ms`);
  }
  if (reused) {
    info = reused;
  } else {
    // The app runs with its image's NODE_OPTIONS (app/Dockerfile: the V8 heap budget), so its
    // memory figures mean what they say about the container. BENCH_APP_NODE_OPTIONS replaces them
    // (empty = none, i.e. V8's defaults for this machine) to try another budget.
    const fromEnv = process.env.BENCH_APP_NODE_OPTIONS;
    appNodeOptions = fromEnv ?? appImageNodeOptions();
    appNodeOptionsSource = fromEnv === undefined ? "app/Dockerfile's NODE_OPTIONS" : "BENCH_APP_NODE_OPTIONS";
    if (fromEnv !== undefined) notes.push(`the app ran with BENCH_APP_NODE_OPTIONS=${JSON.stringify(fromEnv)} instead of app/Dockerfile's NODE_OPTIONS ${JSON.stringify(appImageNodeOptions())}`);
    stack = await startStack({
      log: (line) => log(`harness: ${line}`),
      ...(appNodeOptions ? { appEnv: { NODE_OPTIONS: `--require ${DNS_PRELOAD} ${appNodeOptions}` } } : {}),
    });
    info = stackInfo(stack);
  }
  log(`stack: ${info.logtoKind} Logto, app ${info.urls.app}`);
  if (composeRun.BENCH_COMPOSE_UP_COLD_MS && composeRun.BENCH_COMPOSE_UP_WARM_MS) {
    row("`docker compose up --wait`, cold (images built, new volumes) to healthy", ms(composeRun.BENCH_COMPOSE_UP_COLD_MS), "n=1", "—", "info");
    row("`docker compose up --wait`, warm (after `down`, volumes kept) to healthy", ms(composeRun.BENCH_COMPOSE_UP_WARM_MS), "n=1", "—", "info");
    const { BENCH_COMPOSE_UP_HOST_BEFORE_MB: before, BENCH_COMPOSE_UP_HOST_PEAK_MB: peak, BENCH_COMPOSE_HOST_TOTAL_MB: total } = composeRun;
    if (before !== undefined && peak !== undefined && total !== undefined) {
      // What the cold `up` adds to the host at its worst: the stack's images were there (pulled or
      // built before), so nothing heavy runs but the stack's own start (and Logto's cached image build).
      const added = Math.max(0, peak - before) * 1024 * 1024;
      row("host memory added by the cold `up` at its peak (MemAvailable, sampled every 0.5 s)", mb(added), "n=1", `< ${mb(STACK_BUDGET)}`, passMiss(added < STACK_BUDGET));
      details.push(`Host memory during the cold \`up\` (scripts/e2e-compose.sh bench samples /proc/meminfo every 0.5 s, the whole host, every process and the page cache the kernel cannot give back): ${before} MiB in use before it, ${peak} MiB at its peak, of ${total} MiB; the \`up\` added ${Math.max(0, peak - before)} MiB at its worst, judged against the stack's ${mb(STACK_BUDGET)} of a 1 GB VPS. The machine is shared (other processes come and go during the sampling), so the figure is an upper bound of the stack's own.`);
    }
    details.push("Compose up times (scripts/e2e-compose.sh bench): cold = `down -v`, then `up -d --wait` with every image already built (containers, networks and volumes created, Postgres initialised, Logto's database seeded, the seed run); warm = `down` keeping the volumes, then `up -d --wait` again. Measured once each, by the script, around the command.");
  }

  // ---- memory, idle: after start and the first seed, before any sign-in
  if (parts.has("memory")) {
    await new Promise((r) => setTimeout(r, 5000));
    await measureMemory(memIdle).catch((e: unknown) => failed("memory (idle)", e));
  }

  // ---- sign-in: stack and floor alternating, fresh context each
  const samples: SignInSample[] = [];
  if (parts.has("signin") || parts.has("load")) {
    browser = await launchBenchBrowser(info);
    chromiumVersion = browser.version;
    log(`Chromium ${browser.version}`);
  }
  if (parts.has("signin")) {
    try {
      rp = await startFloorRp(info);
      log(`floor relying party at ${rp.url} (Logto app ${rp.clientId})`);
      for (let i = 0; i < cfg.warmUp; i++) {
        for (const flow of ["stack", "floor"] as const) {
          const { sample } = await signInOnce(browser!.browser, flow, { appUrl: info.urls.app, rpUrl: rp.url });
          log(`warm-up ${flow}: ${ms(sample.totalMs)}`);
        }
      }
      for (let i = 0; i < cfg.signIns; i++) {
        const order = i % 2 ? (["floor", "stack"] as const) : (["stack", "floor"] as const);
        for (const flow of order) {
          const { sample } = await signInOnce(browser!.browser, flow, { appUrl: info.urls.app, rpUrl: rp.url });
          samples.push(sample);
          log(`sign-in ${i + 1}/${cfg.signIns} ${flow}: ${ms(sample.totalMs)} (server ${ms(sample.serverMs)}, ${sample.requests.length} requests)`);
        }
      }
      reportSignIn(samples);
    } catch (error) {
      failed("sign-in", error);
    }
    await rp?.close().catch(() => {});
    rp = undefined;
  }

  // ---- app throughput: a real sign-in's session cookie for /account
  const loads: LoadResult[] = [];
  if (parts.has("load")) {
    try {
      const { cookies } = await signInOnce(browser!.browser, "stack", { appUrl: info.urls.app }, { keepCookies: true });
      sessionCookie = (cookies ?? []).map((c) => `${c.name}=${c.value}`).join("; ");
      if (!/authjs\.session-token/.test(sessionCookie)) throw new Error(`no Auth.js session cookie after sign-in (cookies: ${(cookies ?? []).map((c) => c.name).join(", ")})`);
      const targets: Array<LoadTarget & { expect?: RegExp }> = [];
      for (const via of [...(info.app?.internalUrl ? (["direct"] as const) : []), "caddy" as const]) {
        targets.push({ label: "/api/health", path: "/api/health", via, expect: /"ok"/ });
        targets.push({ label: "landing (signed out)", path: "/", via, expect: /signin-wechat/ });
        targets.push({ label: "/account (signed in)", path: "/account", via, cookie: sessionCookie, expect: /account-nickname/ });
      }
      for (const t of targets) await checkTarget(info, t, t.expect);
      if (parts.has("memory")) await measureAppAfterRequests(targets);
      // Rounds over all targets (not all runs of one target in a row), so a burst of other load on
      // the machine spreads over the figures instead of sinking one of them.
      for (let round = 0; round < cfg.loadRounds; round++) {
        for (const t of targets) {
          const r = await load(info, t, { durationS: cfg.loadSeconds, connections: cfg.connections });
          loads.push(r);
          log(`load ${round + 1}/${cfg.loadRounds} ${t.label} via ${t.via}: ${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors}`);
        }
      }
      reportLoad(loads);
    } catch (error) {
      failed("app load", error);
    }
  }
  await browser?.close();
  browser = undefined;

  // ---- memory after the load
  if (parts.has("memory")) {
    await measureMemory(memAfter).catch((e: unknown) => failed("memory (after load)", e));
    reportMemory();
    if (stack && info.app) {
      // Does the app give memory back once the load stops? (V8 keeps a grown heap for a while.)
      await new Promise((r) => setTimeout(r, 20_000));
      const later = await serviceMemory("app", Number(new URL(info.app.internalUrl).port)).catch(() => undefined);
      if (later) details.push(`App memory 20 s after the load ended: RSS ${mb(later.rss)}, PSS ${mb(later.pss)}.`);
    }
  }

  // ---- scale: cost against the number of users, throughput at saturation (real Logto only)
  if (parts.has("scale")) {
    try {
      const r = await benchScale(info, {
        sizes: cfg.scaleSizes,
        signIns: cfg.scaleSignIns,
        levels: cfg.scaleLevels,
        levelSeconds: cfg.scaleSeconds,
        services: info.origin === "harness" ? servicePorts() : [],
        log,
      });
      rows.push(...r.rows);
      details.push(...r.details);
    } catch (error) {
      failed("scale", error);
    }
  }

  // ---- seed (last: fresh runs reset Logto's database, which the app's client lived in)
  if (parts.has("seed")) {
    try {
      if (info.origin === "harness") {
        const r = await benchSeed(stack ?? info, { freshRounds: cfg.freshRounds, noChangeRounds: cfg.noChangeRounds, compiledDir: compiledSeedDir, log });
        extraLogto = r.logto;
        reportSeed(r.samples);
        if (r.resetMs.length) {
          details.push(`Seed: before each fresh run Logto was stopped, its database dropped and re-created, \`logto db seed --swe\` run and Logto started again, healthy (${r.resetMs.map((m) => ms(m)).join(", ")}; not counted). The seed ran right after, as on a first \`docker compose up\`. "Own work" is the seed's own "done in" figure; the rest of the wall time is process start (npm, tsx or node, imports).`);
        } else notes.push("seed: fresh runs need a stack the bench started (they reset Logto's database); a reused stack gets the no-change runs only");
      } else if (process.env.BENCH_SEED_COMMAND) {
        const s = await benchSeedCommand(process.env.BENCH_SEED_COMMAND, cfg.noChangeRounds);
        reportSeed(s);
        // The command as run from the repository root: the checkout's absolute path is the measuring machine's.
        const command = process.env.BENCH_SEED_COMMAND.split(`${repoRoot}/`).join("").split(repoRoot).join(".");
        notes.push(`seed: no-change runs of \`${command}\` (container start included); fresh runs need a reset database and are not made on a running stack`);
      } else {
        row("seed", "—", "—", "—", "skipped");
        notes.push("seed: skipped on an external stack (set BENCH_SEED_COMMAND, e.g. `docker compose run --rm seed`, for no-change runs)");
      }
    } catch (error) {
      failed("seed", error);
    }
  }

  // ---- size
  if (parts.has("size")) {
    try {
      if (composeRun.BENCH_COMPOSE_PROJECT) reportImages(await dockerImageSizes(composeRun.BENCH_COMPOSE_PROJECT));
      else reportSize(measureSize());
    } catch (error) {
      failed("size", error);
    }
  }
}

// ---------------------------------------------------------------------------------------------
function reportSeed(samples: SeedSample[]): void {
  const targets = { fresh: 2000, "no-change": 1000 } as const;
  for (const kind of ["fresh", "no-change"] as const) {
    for (const path of ["npm", "compiled"] as const) {
      const s = samples.filter((x) => x.kind === kind && x.path === path);
      if (!s.length) continue;
      const wall = summarize(s.map((x) => x.wallMs));
      const self = median(s.map((x) => x.selfMs));
      const how = path === "npm" ? "`npm --workspace seed start`" : "`node dist/index.js`";
      row(`Seed ${kind} run, ${how} (own work ${ms(self)})`, ms(wall.median), spread(wall), `< ${ms(targets[kind])}`, passMiss(wall.median < targets[kind]));
    }
  }
}

function reportSignIn(samples: SignInSample[]): void {
  const by = (flow: "stack" | "floor") => samples.filter((s) => s.flow === flow);
  const stackS = by("stack");
  const floorS = by("floor");
  const total = (s: SignInSample[]) => s.map((x) => x.totalMs);
  const st = summarize(total(stackS));
  const fl = summarize(total(floorS));
  row(`Sign-in through the stack (Chromium, click -> /account), p50`, ms(st.median), spread(st), "—", "info");
  row(`Sign-in through the stack, p95`, ms(st.p95), "", "—", "info");
  row(`Floor: Logto alone + bare OIDC client, p50`, ms(fl.median), spread(fl), "—", "info");
  row(`Floor, p95`, ms(fl.p95), "", "—", "info");
  const ratio = st.median / fl.median;
  row(`Ratio stack / floor (p50)`, ratio.toFixed(2), `p95 ratio ${(st.p95 / fl.p95).toFixed(2)}`, "< 1.15", passMiss(ratio < 1.15));
  const sv = summarize(stackS.map((x) => x.serverMs));
  const fv = summarize(floorS.map((x) => x.serverMs));
  row(`Server part of the stack sign-in (sum of TTFB, documents + API calls), p50`, ms(sv.median), `${spread(sv)}; p95 ${ms(sv.p95)}`, "—", "info");
  row(`Server part of the floor sign-in, p50`, ms(fv.median), `${spread(fv)}; p95 ${ms(fv.p95)}`, "—", "info");
  row(`Ratio stack / floor, server part (p50)`, (sv.median / fv.median).toFixed(2), "", "(< 1.15)", "info");
  const phases = (s: SignInSample[]) => `click -> QR page ${ms(median(s.map((x) => x.toQrMs)))}, confirm -> signed in ${ms(median(s.map((x) => x.fromConfirmMs)))}`;
  details.push(`Sign-in phases (p50): stack: ${phases(stackS)}; floor: ${phases(floorS)}.`);

  // Per-request TTFB, grouped by method + host + path (ids taken out).
  const lines = ["| request (documents and API calls) | stack: per sign-in | stack: TTFB p50 | floor: per sign-in | floor: TTFB p50 |", "| --- | --- | --- | --- | --- |"];
  const table = new Map<string, { stack: number[]; floor: number[] }>();
  for (const s of samples) {
    for (const r of s.requests) {
      if (!SERVER_TYPES.has(r.resourceType) || !Number.isFinite(r.ttfb)) continue;
      const e = table.get(r.key) ?? { stack: [], floor: [] };
      e[s.flow].push(r.ttfb);
      table.set(r.key, e);
    }
  }
  const order = [...table.entries()].sort((a, b) => median([...b[1].stack, ...b[1].floor]) * (b[1].stack.length + b[1].floor.length) - median([...a[1].stack, ...a[1].floor]) * (a[1].stack.length + a[1].floor.length));
  for (const [key, e] of order) {
    const per = (v: number[], n: number) => (v.length ? (v.length / n).toFixed(1) : "—");
    lines.push(`| \`${key}\` | ${per(e.stack, stackS.length)} | ${e.stack.length ? ms(median(e.stack)) : "—"} | ${per(e.floor, floorS.length)} | ${e.floor.length ? ms(median(e.floor)) : "—"} |`);
  }
  const statics = (s: SignInSample[]) => median(s.map((x) => x.requests.filter((r) => !SERVER_TYPES.has(r.resourceType)).length));
  details.push(
    `Requests of one sign-in (time to first byte = responseStart − requestStart from Chromium's resource timing; static assets — scripts, styles, images, fonts — excluded: median ${statics(stackS)} per stack sign-in, ${statics(floorS)} per floor sign-in):\n\n${lines.join("\n")}`,
  );
}

function reportLoad(loads: LoadResult[]): void {
  const keys = [...new Set(loads.map((r) => `${r.via} ${r.path}`))];
  const rate = new Map<string, number>();
  for (const key of keys) {
    const runs = loads.filter((r) => `${r.via} ${r.path}` === key);
    const first = runs[0]!;
    const rps = summarize(runs.map((r) => r.rps));
    const p99 = median(runs.map((r) => r.p99));
    const non2xx = runs.reduce((a, r) => a + r.non2xx, 0);
    const errors = runs.reduce((a, r) => a + r.errors, 0);
    rate.set(key, rps.median);
    const bad = non2xx || errors ? `; ${non2xx} non-2xx, ${errors} errors` : "";
    row(
      `App ${first.label}, ${first.via === "direct" ? "app directly (HTTP)" : "through Caddy (HTTPS)"}: req/s (p99 latency)`,
      `${rps.median.toFixed(0)} req/s (p99 ${Math.round(p99)} ms)`,
      `${rps.min.toFixed(0)}–${rps.max.toFixed(0)} req/s (n=${rps.n}); p50 ${Math.round(median(runs.map((r) => r.p50)))} ms${bad}`,
      "—",
      non2xx || errors ? "miss" : "info",
    );
  }
  for (const via of ["direct", "caddy"] as const) {
    const landing = rate.get(`${via} /`);
    const account = rate.get(`${via} /account`);
    if (!landing || !account) continue;
    const ratio = account / landing;
    row(`/account rate / landing rate (${via === "direct" ? "app directly" : "through Caddy"})`, `${(ratio * 100).toFixed(0)} %`, "", `>= ${ACCOUNT_RATE_TARGET * 100} %`, passMiss(ratio >= ACCOUNT_RATE_TARGET));
  }
  details.push(`App load: autocannon 9.0.0 in the bench's own process (one thread, ${cfg.connections} connections), ${cfg.loadRounds} round(s) of ${cfg.loadSeconds} s per figure, the rounds going over all figures in turn; median of the rounds' average rates, spread min–max, p99 = median of the rounds' p99. Client and server share the machine's CPU. "App directly" is plain HTTP to the Next.js standalone server's port; "through Caddy" is HTTPS with the app's SNI and Host. /account carries the session cookie of a real sign-in (Auth.js JWT, decoded on every request); each response was checked once before the run (200 with the page's test ids).`);
}

/** Containers report the cgroup's memory (page cache included), not an RSS. */
const memoryLabel = composeRun.BENCH_COMPOSE_PROJECT ? "Container memory" : "RSS";

function reportMemory(): void {
  const find = (list: ServiceMemory[], name: string) => list.find((m) => m.service === name);
  const names = [...new Set([...memIdle, ...memAfter].map((m) => m.service))];
  for (const name of names) {
    const idle = find(memIdle, name);
    const after = find(memAfter, name);
    const isApp = name === "app";
    row(
      `${memoryLabel} ${name}${name === "wechat-emulator" ? " (test-only, not in the production stack)" : ""}: idle / after load`,
      `${idle ? mb(idle.rss) : "—"} / ${after ? mb(after.rss) : "—"}`,
      composeRun.BENCH_COMPOSE_PROJECT ? "docker stats" : `PSS ${idle ? mb(idle.pss) : "—"} / ${after ? mb(after.pss) : "—"}; ${after?.pids.length ?? idle?.pids.length ?? 0} processes`,
      isApp ? `< ${mb(APP_RSS_TARGET)}` : "—",
      isApp && after ? passMiss(Math.max(after.rss, idle?.rss ?? 0) < APP_RSS_TARGET) : "info",
    );
    if (isApp && appAfterRequests) {
      const a = appAfterRequests.memory;
      row(
        `RSS app after ${appAfterRequests.requests.toLocaleString("en-US")} requests (${appAfterRequests.mix}; issue 4's figure)`,
        mb(a.rss),
        `PSS ${mb(a.pss)}; after the sign-ins, before the timed load`,
        `< ${mb(APP_RSS_TARGET)}`,
        passMiss(a.rss < APP_RSS_TARGET),
      );
    }
  }
  const production = (list: ServiceMemory[]) => list.filter((m) => m.service !== "wechat-emulator" && !/emulator/.test(m.service));
  if (memAfter.length) {
    const sumRss = (l: ServiceMemory[]) => production(l).reduce((a, m) => a + m.rss, 0);
    const sumPss = (l: ServiceMemory[]) => production(l).reduce((a, m) => a + m.pss, 0);
    row(
      `${memoryLabel} sum of the production services (${production(memAfter).map((m) => m.service).join(" + ")}): idle / after load`,
      `${mb(sumRss(memIdle))} / ${mb(sumRss(memAfter))}`,
      `PSS ${mb(sumPss(memIdle))} / ${mb(sumPss(memAfter))}`,
      `< ${mb(STACK_BUDGET)}`,
      passMiss(sumRss(memAfter) < STACK_BUDGET),
    );
    const breakdown = memAfter
      .filter((m) => m.processes.length > 1)
      .map((m) => `${m.service}: ${m.processes.map((p) => `\`${p.command}\` ${mb(p.rss)}`).join(", ")}`);
    if (breakdown.length) details.push(`Processes of the multi-process services after the load (RSS each):\n\n${breakdown.map((b) => `- ${b}`).join("\n")}`);
    const left = STACK_BUDGET - sumRss(memAfter);
    details.push(`After the load the production services take ${mb(sumRss(memAfter))} RSS of the ${mb(STACK_BUDGET)} budget (${production(memAfter).map((m) => `${m.service} ${mb(m.rss)}`).join(", ")}): ${left >= 0 ? `${mb(left)} to spare` : `${mb(-left)} over`}.`);
    details.push(`Memory budget: a 1 GB VPS (${VPS_MB} MiB) minus ${OS_RESERVE_MB} MiB kept for the OS, Docker's daemons and page cache = ${mb(STACK_BUDGET)} for the stack's processes, judged on the RSS sum (PSS, which splits shared pages such as Postgres's buffer pool among its processes, is the lower, truer total). ${composeRun.BENCH_COMPOSE_PROJECT ? `Each service's figure is its container's memory as \`docker stats\` reports it (the cgroup's usage, page cache included), Compose project ${composeRun.BENCH_COMPOSE_PROJECT}.` : "Each service's figure is its whole process group (e.g. Logto = its \`node .\`, started as compose.yaml starts it, without npm; Postgres = postmaster + backends), found by the port it listens on. Containers add a little (no container runtime here)."}`);
  }
}

function reportImages(images: Array<{ service: string; image: string; bytes: number }>): void {
  for (const i of images) {
    const isApp = i.service === "app";
    row(`Image of ${i.service} (${i.image})`, mb(i.bytes), "docker image inspect: uncompressed, all layers", isApp ? `< ${mb(IMAGE_TARGET)}` : "—", isApp ? passMiss(i.bytes < IMAGE_TARGET) : "info");
  }
}

function reportSize(s: SizeResult): void {
  row(`App standalone output (app/.next/standalone, ${s.standaloneFiles} files)`, mb(s.standaloneBytes), s.largest.map((l) => `${l.name} ${mb(l.bytes)}`).slice(0, 3).join(", "), "—", "info");
  row(`App production image, estimated (${BASE_IMAGE} ≈ ${mb(BASE_IMAGE_BYTES)} + standalone)`, mb(s.imageBytes), "", `< ${mb(IMAGE_TARGET)}`, passMiss(s.imageBytes < IMAGE_TARGET));
  details.push(`Image estimate: the runtime stage of app/Dockerfile is the base image plus \`COPY --from=build /repo/app/.next/standalone\` (apparent file sizes summed here; this build is glibc/Debian, the image's is musl/Alpine: same JavaScript, native packages would differ). Assumption: ${BASE_IMAGE} unpacks to about ${mb(BASE_IMAGE_BYTES)} (22.x alpine images are ~155–165 MB; the Node 22 binary alone is ${mb(s.node22BinaryBytes)} here). The Dockerfile's \`rm -rf\` of npm/corepack/yarn is a later layer: it does not shrink the image. Largest parts of the standalone tree: ${s.largest.map((l) => `${l.name} ${mb(l.bytes)}`).join(", ")}.`);
}

// ---------------------------------------------------------------------------------------------
function render(chromium: string | undefined): { console: string; markdown: string } {
  const kind = info?.logtoKind ?? "?";
  const m = machine(kind, chromium);
  const header = ["figure", "median", "previous run", "spread", "target", "result"];
  const cells = rows.map((r) => [r.figure, r.median, previous.medians.get(r.figure) ?? "—", r.spread, r.target, r.result]);
  const widths = header.map((h, i) => Math.min(90, Math.max(h.length, ...cells.map((c) => c[i]!.length))));
  const line = (c: string[]) => c.map((v, i) => v.padEnd(widths[i]!)).join(" | ");
  const consoleText = [
    "",
    ...m.map(([k, v]) => `${k}: ${v}`),
    "",
    line(header),
    widths.map((w) => "-".repeat(w)).join("-|-"),
    ...cells.map(line),
    ...(notes.length ? ["", ...notes.map((n) => `note: ${n}`)] : []),
    "",
  ].join("\n");
  const esc = (v: string) => v.replaceAll("|", "\\|");
  const md = [
    "# Benchmark results",
    "",
    `Written by \`npm run bench\`${quick ? " --quick (fewer repetitions: not for comparison)" : ""} (tests/bench/, README there). Logto: **${logtoDescription(kind)}**.`,
    composeRun.BENCH_COMPOSE_PROJECT
      ? `Run on a Docker engine: the Compose stack (compose.yaml + compose.sandbox.yaml + compose.e2e.yaml, project ${composeRun.BENCH_COMPOSE_PROJECT}) started by \`make bench-compose\`, the browser and the load on the host through Caddy on 443.`
      : `Run on the test harness: every service as a process on loopback, wired as in Compose (Caddy in front, TLS everywhere the browser goes), not in containers.`,
    "",
    "## Machine",
    "",
    "| | |",
    "| --- | --- |",
    ...m.map(([k, v]) => `| ${k} | ${esc(v!)} |`),
    "",
    "## Results",
    "",
    `Median of repeated runs, spread = min–max (n = runs); "previous run" = the median this file held before (${previous.date || "none"}). Sign-in: ${cfg.signIns} sign-ins each for the stack and the floor, alternating, ${cfg.warmUp} warm-up each not counted. A miss does not fail the command.`,
    "",
    `| ${header.join(" | ")} |`,
    `| ${header.map(() => "---").join(" | ")} |`,
    ...cells.map((c) => `| ${c.map(esc).join(" | ")} |`),
    "",
    ...(notes.length ? ["## Notes", "", ...notes.map((n) => `- ${n}`), ""] : []),
    "## Details",
    "",
    ...details.flatMap((d) => [d, ""]),
  ].join("\n");
  return { console: consoleText, markdown: md };
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  failed("bench", error);
  exitCode = 1;
} finally {
  await browser?.close();
  await rp?.close().catch(() => {});
  await extraLogto?.stop().catch(() => {});
  await stack?.stop().catch(() => {});
}
const out = render(chromiumVersion);
console.log(out.console);
if (outFile && info!) {
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, out.markdown);
  log(`written to ${relative(process.cwd(), outFile)}`);
}
process.exit(exitCode);
