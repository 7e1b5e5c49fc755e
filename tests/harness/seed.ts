// The seed as Compose runs it: one process, configured by environment only, judged by its exit code.
import { join } from "node:path";
import { baseEnv } from "./node22.js";
import { repoRoot } from "./paths.js";
import { runProcess, type RunResult } from "./processes.js";

export interface SeedResult {
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/**
 * `npm --workspace seed start -- <args>` from the repository root, on Node 22, with `env` and
 * nothing else from the test's environment (PATH, HOME, LANG, TMPDIR aside). Never throws for a
 * non-zero exit: tests assert on the code (0 done, 2 bad configuration, 3 unreachable, 1 other).
 */
export async function runSeed(env: Record<string, string>, args: string[] = [], o: { logDir?: string; timeoutMs?: number } = {}): Promise<SeedResult> {
  const timeoutSeconds = Number(env.SEED_TIMEOUT_SECONDS ?? 120);
  const result: RunResult = await runProcess({
    name: "seed",
    command: "npm",
    args: ["--silent", "--workspace", "seed", "start", ...(args.length ? ["--", ...args] : [])],
    cwd: repoRoot,
    env: baseEnv(env),
    logFile: o.logDir ? join(o.logDir, "seed.log") : undefined,
    timeoutMs: o.timeoutMs ?? (timeoutSeconds + 60) * 1000,
  });
  return { code: result.code, stdout: result.stdout, stderr: result.stderr, durationMs: result.durationMs };
}
