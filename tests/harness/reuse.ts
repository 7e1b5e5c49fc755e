// Reusing a stack that is already running (immich's pattern: probe first, start only if nothing answers).
//   HARNESS_STACK=<file>  a StackInfo JSON: written by `npm -w tests run stack` (tests/.stack.json), or
//                         hand-written for another stack (e.g. Compose: origin "external").
//   HARNESS_STACK=1       the same, with the default file tests/.stack.json.
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { testsDir } from "./paths.js";
import { httpRequest } from "./processes.js";
import type { StackInfo } from "./stack.js";

export const DEFAULT_STACK_FILE = join(testsDir, ".stack.json");

/**
 * Write a stack description. It holds the stack's secrets (AUTH_SECRET in appEnv, the console
 * password): owner-only from its creation, an older file (whatever its mode) removed first.
 */
export function writeStackFile(file: string, stack: StackInfo): void {
  rmSync(file, { force: true });
  writeFileSync(file, JSON.stringify(stack, null, 2), { mode: 0o600, flag: "wx" });
}

export function stackFileFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env.HARNESS_STACK;
  if (!value || value === "0") return undefined;
  return value === "1" || value === "true" ? DEFAULT_STACK_FILE : value;
}

/** Whether the stack answers through Caddy: the app's health route, or Logto's /api/status. */
export async function probeStack(stack: StackInfo): Promise<{ ok: boolean; detail: string }> {
  const ca = stack.caFiles.filter((f) => existsSync(f)).map((f) => readFileSync(f, "utf8"));
  const url = stack.app ? `${stack.urls.app}/api/health` : `${stack.urls.logto}/api/status`;
  try {
    const res = await httpRequest(url, { ca, hosts: stack.hosts, timeoutMs: 5000 });
    return { ok: res.status >= 200 && res.status < 300, detail: `${url}: HTTP ${res.status}` };
  } catch (error) {
    return { ok: false, detail: `${url}: ${(error as Error).message}` };
  }
}

/** The running stack named by HARNESS_STACK, if it answers; otherwise undefined (with the reason logged). */
export async function reusableStack(log: (line: string) => void = console.log): Promise<StackInfo | undefined> {
  const file = stackFileFromEnv();
  if (!file) return undefined;
  if (!existsSync(file)) {
    log(`[harness] HARNESS_STACK: ${file} does not exist; starting a fresh stack`);
    return undefined;
  }
  const stack = JSON.parse(readFileSync(file, "utf8")) as StackInfo;
  const probe = await probeStack(stack);
  if (!probe.ok) {
    log(`[harness] HARNESS_STACK: the stack in ${file} does not answer (${probe.detail}); starting a fresh stack`);
    return undefined;
  }
  log(`[harness] reusing the running stack of ${file} (${probe.detail})`);
  return stack;
}
