// The production build of app/ (Next.js standalone server), as its container runs it:
// `node .next/standalone/app/server.js` on Node 22, HOSTNAME/PORT from env.
import { readdirSync, statSync, existsSync } from "node:fs";
import { join, relative } from "node:path";
import { baseEnv, node22 } from "./node22.js";
import { repoRoot } from "./paths.js";
import { freePort } from "./ports.js";
import { runOrThrow, startProcess, waitForUrl, type ServiceProcess } from "./processes.js";

export const appDir = join(repoRoot, "app");
const standaloneServer = join(appDir, ".next", "standalone", "app", "server.js");
const BUILD_LOCK = "/tmp/harness-app-build.lock";
// Not inputs of the build: outputs, dependencies, tests, editor/tsc caches.
const IGNORED = new Set([".next", "node_modules", ".turbo", "coverage"]);
const ignoredFile = (name: string) => /\.test\.tsx?$/.test(name) || name.endsWith(".tsbuildinfo") || name === "next-env.d.ts";

/** The newest source file of app/ newer than the build, or undefined when the build is current. */
export function staleBecause(): string | undefined {
  if (!existsSync(standaloneServer)) return "no build yet";
  const built = statSync(standaloneServer).mtimeMs;
  const walk = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (IGNORED.has(entry.name)) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        const found = walk(path);
        if (found) return found;
      } else if (entry.isFile() && !ignoredFile(entry.name) && statSync(path).mtimeMs > built) {
        return `${relative(repoRoot, path)} changed after the last build`;
      }
    }
    return undefined;
  };
  return walk(appDir);
}

let builtThisRun = false;

/**
 * `npm --workspace app run build` when the build is missing or older than a source file, at most
 * once per test run. Builds are serialized machine-wide with flock (several checkouts' harnesses,
 * or a developer's own build, must not write .next/ at the same time); the staleness check is
 * repeated under the lock, so a build someone else just finished is not redone.
 */
export async function ensureAppBuild(o: { logDir?: string; force?: boolean } = {}): Promise<{ built: boolean; reason?: string; durationMs: number }> {
  const started = Date.now();
  const reason = o.force ? "forced" : staleBecause();
  if (!reason || (builtThisRun && !o.force)) return { built: false, durationMs: 0 };
  const ignore = [...IGNORED].map((d) => `-name ${d} -prune -o`).join(" ");
  const script = [
    `marker=${JSON.stringify(standaloneServer)}`,
    `if [ -n "$FORCE" ] || [ ! -f "$marker" ] || [ -n "$(find app ${ignore} -type f ! -name '*.test.ts' ! -name '*.test.tsx' ! -name '*.tsbuildinfo' ! -name next-env.d.ts -newer "$marker" -print | head -1)" ]; then`,
    `  exec npm --workspace app run build`,
    `fi`,
    `echo "app build is current (built by someone else meanwhile)"`,
  ].join("\n");
  await runOrThrow({
    name: "app (build)",
    command: "flock",
    args: [BUILD_LOCK, "sh", "-c", script],
    cwd: repoRoot,
    env: baseEnv({ NEXT_TELEMETRY_DISABLED: "1", FORCE: o.force ? "1" : undefined }),
    logFile: o.logDir ? join(o.logDir, "app-build.log") : undefined,
    timeoutMs: 15 * 60_000,
  });
  builtThisRun = true;
  return { built: true, reason, durationMs: Date.now() - started };
}

export interface StartAppOptions {
  /** The app's environment: AUTH_URL, AUTH_SECRET, AUTH_LOGTO_ISSUER, APP_CREDENTIALS_FILE, ... plus NODE_OPTIONS etc. */
  env: Record<string, string>;
  port?: number;
  logDir?: string;
  timeoutMs?: number;
  /** Skip ensureAppBuild (the caller did it). */
  skipBuild?: boolean;
}

export interface App {
  /** Where Caddy reaches it, e.g. http://127.0.0.1:40123. */
  url: string;
  port: number;
  startMs: number;
  build: { built: boolean; reason?: string; durationMs: number };
  process: ServiceProcess;
  logTail(lines?: number): string;
  stop(): Promise<void>;
}

export async function startApp(o: StartAppOptions): Promise<App> {
  const build = o.skipBuild ? { built: false, durationMs: 0 } : await ensureAppBuild({ logDir: o.logDir });
  const port = o.port ?? (await freePort());
  const started = Date.now();
  const child = startProcess({
    name: "app",
    command: node22,
    args: [standaloneServer],
    cwd: join(appDir, ".next", "standalone", "app"),
    env: baseEnv({ ...o.env, NODE_ENV: "production", HOSTNAME: "127.0.0.1", PORT: String(port), NEXT_TELEMETRY_DISABLED: "1" }),
    logFile: o.logDir ? join(o.logDir, "app.log") : undefined,
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForUrl(`${url}/api/health`, { process: child, timeoutMs: o.timeoutMs ?? 60_000 });
  } catch (error) {
    await child.stop();
    throw error;
  }
  return {
    url,
    port,
    startMs: Date.now() - started,
    build,
    process: child,
    logTail: (n) => child.logTail(n),
    stop: () => child.stop(),
  };
}
