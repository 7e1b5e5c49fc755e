// The Node 22 that runs Logto (its packages declare Node ^22.14; the containers run node:22), the
// stand-in, the seed and the app. Where it comes from: prerequisites.ts (findNode22).
import { dirname } from "node:path";
import { findNode22, missingPrerequisites, prerequisitesError } from "./prerequisites.js";

/** Absolute path of the Node 22 executable; without one, importing the harness names all that is missing. */
export const node22: string =
  findNode22() ??
  (() => {
    throw prerequisitesError(missingPrerequisites());
  })();
/** Its directory, to put first on PATH (so `npm` and `#!/usr/bin/env node` scripts run on Node 22). */
export const node22Dir: string = dirname(node22);

/** A small environment for child processes: Node 22 first on PATH, nothing else from the test's shell. */
export function baseEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: `${node22Dir}:${process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin"}`,
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    TMPDIR: process.env.TMPDIR ?? "/tmp",
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}
