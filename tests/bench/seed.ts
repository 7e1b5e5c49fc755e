// Seed timings, process start included, in the two ways it runs:
//   npm:      `npm --workspace seed start` (tsx, what `runSeed` and a developer run), and
//   compiled: `node dist/index.js` (what the seed image's ENTRYPOINT runs in Compose), built here
//             with the image's `tsc -p tsconfig.build.json` into a temporary folder whose
//             node_modules is the workspace's (the image installs the same pinned versions).
// A fresh run is the seed on a reset database with Logto just healthy (as on a first `docker
// compose up`): Logto is stopped, its database dropped and re-created, `logto db seed --swe` and
// Logto started again on the same ports (Caddy keeps pointing at it), then the seed. A no-change
// run is the seed again on the provisioned Logto.
import { existsSync, mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  baseEnv,
  makeTempDir,
  node22,
  repoRoot,
  resetLogtoDatabase,
  runOrThrow,
  runProcess,
  runSeed,
  startLogto,
  type Logto,
  type Stack,
  type StackInfo,
} from "../harness/index.js";

export type SeedPath = "npm" | "compiled";

export interface SeedSample {
  path: SeedPath;
  kind: "fresh" | "no-change";
  /** Spawn to exit. */
  wallMs: number;
  /** The seed's own "done in N ms" (its work, without process start). */
  selfMs: number;
}

/**
 * node_modules for the compiled seed: links to the workspace's packages as npm laid them out for
 * the seed (seed/node_modules first, e.g. zod4, then the hoisted ones of the root).
 */
function linkDependencies(target: string): void {
  const sources = [join(repoRoot, "seed", "node_modules"), join(repoRoot, "node_modules")];
  const link = (from: string, to: string) => {
    if (!existsSync(to)) symlinkSync(from, to);
  };
  mkdirSync(target);
  for (const source of sources) {
    if (!existsSync(source)) continue;
    for (const e of readdirSync(source, { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      if (e.name.startsWith("@") && e.isDirectory()) {
        mkdirSync(join(target, e.name), { recursive: true });
        for (const s of readdirSync(join(source, e.name))) link(join(source, e.name, s), join(target, e.name, s));
      } else link(join(source, e.name), join(target, e.name));
    }
  }
}

/** Compile the seed as its Dockerfile does; returns the folder to run `node dist/index.js` in. */
export async function buildSeed(): Promise<string> {
  const dir = makeTempDir("bench-seed");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ type: "module" }));
  linkDependencies(join(dir, "node_modules"));
  await runOrThrow({
    name: "seed (tsc)",
    command: node22,
    args: [join(repoRoot, "node_modules", "typescript", "bin", "tsc"), "-p", join(repoRoot, "seed", "tsconfig.build.json"), "--outDir", join(dir, "dist")],
    cwd: repoRoot,
    env: baseEnv(),
    timeoutMs: 180_000,
  });
  return dir;
}

const SEED_ONLY_ENV = ["NODE_OPTIONS", "HARNESS_HOSTS", "NODE_EXTRA_CA_CERTS"];

async function runOne(stack: StackInfo, path: SeedPath, compiledDir: string | undefined, kind: SeedSample["kind"]): Promise<SeedSample> {
  let code: number;
  let out: string;
  let wallMs: number;
  if (path === "npm") {
    const r = await runSeed(stack.seedEnv);
    [code, out, wallMs] = [r.code, `${r.stdout}\n${r.stderr}`, r.durationMs];
  } else {
    // As in the container: no DNS preload or extra CA (the seed only calls Logto's internal URL and Postgres).
    const env = Object.fromEntries(Object.entries(stack.seedEnv).filter(([k]) => !SEED_ONLY_ENV.includes(k)));
    const r = await runProcess({ name: "seed (compiled)", command: node22, args: ["dist/index.js"], cwd: compiledDir!, env: baseEnv({ ...env, NODE_ENV: "production" }), timeoutMs: 120_000 });
    [code, out, wallMs] = [r.code, `${r.stdout}\n${r.stderr}`, r.durationMs];
  }
  if (code !== 0) throw new Error(`seed (${path}, ${kind}) exited with ${code}:\n${out.trim().split("\n").slice(-15).join("\n")}`);
  const done = /done in (\d+) ms: (\d+) created, (\d+) updated/.exec(out);
  if (!done) throw new Error(`seed (${path}, ${kind}): no "done in" line:\n${out.slice(-800)}`);
  if (kind === "no-change" && (done[2] !== "0" || done[3] !== "0")) throw new Error(`seed (${path}) changed something on a no-change run: ${done[0]}`);
  if (kind === "fresh" && done[2] === "0") throw new Error(`seed (${path}) created nothing on a fresh database: ${done[0]}`);
  return { path, kind, wallMs, selfMs: Number(done[1]) };
}

export interface SeedBenchResult {
  samples: SeedSample[];
  /** Milliseconds each reset took (stop Logto, drop and re-create, db seed, start). */
  resetMs: number[];
  /** The Logto left running when fresh runs restarted it (the caller stops it). */
  logto?: Logto;
}

/**
 * `freshRounds` rounds of one fresh run per path (order alternating), then `noChangeRounds` rounds
 * of one no-change run per path. Fresh runs need the harness's own services (a started Stack); a
 * reused stack (StackInfo only) gets the no-change runs.
 */
export async function benchSeed(
  stack: Stack | StackInfo,
  o: { freshRounds: number; noChangeRounds: number; compiledDir?: string; log: (line: string) => void },
): Promise<SeedBenchResult> {
  const paths: SeedPath[] = o.compiledDir ? ["npm", "compiled"] : ["npm"];
  const samples: SeedSample[] = [];
  const resetMs: number[] = [];
  const services = "services" in stack ? stack.services : undefined;
  let logto: Logto | undefined;
  const port = Number(new URL(stack.logto.internalUrl).port);
  const adminPort = Number(new URL(stack.logto.adminInternalUrl).port);

  for (let round = 0; services && round < o.freshRounds; round++) {
    const order = round % 2 ? [...paths].reverse() : paths;
    for (const path of order) {
      const t = Date.now();
      await (logto ?? services.logto).stop();
      const dbUrl = await resetLogtoDatabase(services.postgres, stack.postgres!.logtoDatabase);
      logto = await startLogto({ dbUrl, endpoint: stack.urls.logto, adminEndpoint: stack.urls.admin, env: stack.nodeEnv, port, adminPort, logDir: stack.logDir });
      resetMs.push(Date.now() - t);
      const s = await runOne(stack, path, o.compiledDir, "fresh");
      samples.push(s);
      o.log(`seed fresh ${path}: ${s.wallMs} ms (self ${s.selfMs} ms; reset took ${resetMs.at(-1)} ms)`);
    }
  }
  for (let round = 0; round < o.noChangeRounds; round++) {
    const order = round % 2 ? [...paths].reverse() : paths;
    for (const path of order) {
      const s = await runOne(stack, path, o.compiledDir, "no-change");
      samples.push(s);
      o.log(`seed no-change ${path}: ${s.wallMs} ms (self ${s.selfMs} ms)`);
    }
  }
  return { samples, resetMs, logto };
}

/** A running stack the bench did not start (Compose): the no-change run of a given command, timed. */
export async function benchSeedCommand(command: string, rounds: number): Promise<SeedSample[]> {
  const samples: SeedSample[] = [];
  for (let i = 0; i < rounds; i++) {
    const r = await runProcess({ name: "seed (command)", command: "sh", args: ["-c", command], cwd: repoRoot, env: process.env, timeoutMs: 180_000 });
    if (r.code !== 0) throw new Error(`${command} exited with ${r.code}: ${r.stderr.slice(-500)}`);
    const done = /done in (\d+) ms/.exec(`${r.stdout}\n${r.stderr}`);
    samples.push({ path: "compiled", kind: "no-change", wallMs: r.durationMs, selfMs: done ? Number(done[1]) : Number.NaN });
  }
  return samples;
}
