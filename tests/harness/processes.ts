// Spawning, stopping and watching the stack's processes.
//
// Every process starts as the leader of its own process group (detached), so stopping it also
// stops whatever it forked (npm -> node, postgres backends, Chromium helpers). Groups still
// alive when this Node process exits or gets SIGINT/SIGTERM/SIGHUP are killed there and then,
// and registered temporary directories are removed: a test that fails, or a Ctrl-C, leaves
// nothing behind. Libraries do the generic parts (signal-exit: the exit and signal hooks; Node:
// mkdtemp, timers/promises). What is left is specific: process groups (execa and the like kill the
// leader only, and cannot wait for a group to empty), one readiness loop that stops when its
// process dies (wait-on polls on), and an HTTP client with a CA and host names per call (Node's
// fetch takes neither without the undici package).
import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, chownSync, type WriteStream } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { onExit } from "signal-exit";

export { sleep };

const TAIL_LINES = 200;

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A service that failed to start or died: the message names it and ends with its last log lines. */
export class ServiceError extends Error {
  constructor(
    readonly service: string,
    what: string,
    readonly tail: string,
  ) {
    super(`${service}: ${what}\n--- last log lines of ${service} ---\n${tail || "(no output)"}\n--- end of ${service} log ---`);
    this.name = "ServiceError";
  }
}

export interface StartProcessOptions {
  /** Names the service in errors and log files. */
  name: string;
  command: string;
  args?: string[];
  cwd?: string;
  /** The whole environment of the child (nothing is inherited unless you spread process.env). */
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  /** Output is also appended to this file (the directory is created). */
  logFile?: string;
  /** Signal for a graceful stop (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /** Send the stop signal to the leader only (e.g. postgres: backends follow their postmaster). Default: the whole group. */
  stopLeaderOnly?: boolean;
}

export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  /** Resolves when the leader exits (for any reason). */
  readonly exited: Promise<ExitInfo>;
  /** Set once the leader has exited. */
  exitInfo(): ExitInfo | undefined;
  /** The last `lines` lines of stdout and stderr, interleaved as they came. */
  logTail(lines?: number): string;
  /** Graceful stop, SIGKILL to the group after `timeoutMs` (default 10 s); resolves when no member is left. */
  stop(timeoutMs?: number): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Everything started here, for the last-chance cleanup.
const liveGroups = new Set<number>();
const tempDirs = new Set<string>();
let handlersInstalled = false;

function killGroupSync(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

function lastChanceCleanup(): void {
  for (const pgid of liveGroups) killGroupSync(pgid, "SIGKILL");
  liveGroups.clear();
  if (process.env.HARNESS_KEEP_TMP) return;
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort
    }
  }
  tempDirs.clear();
}

/** Once: the cleanup at exit and on the fatal signals (then dying by the signal as the default would). */
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  onExit(lastChanceCleanup);
}

/** Members of a process group that are still running (zombies do not count), read from /proc. */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    // No /proc: fall back to kill(0), which also counts zombies.
    try {
      process.kill(-pgid, 0);
      return [pgid];
    } catch {
      return [];
    }
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue;
    }
    // pid (comm) state ppid pgrp ...  -- comm may contain spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const state = rest[0];
    const pgrp = Number(rest[2]);
    if (pgrp === pgid && state !== "Z" && state !== "X") members.push(Number(entry));
  }
  return members;
}

async function waitGroupEmpty(pgid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (groupMembers(pgid).length === 0) return true;
    await sleep(50);
  }
  return groupMembers(pgid).length === 0;
}

// ---------------------------------------------------------------------------------------------
class LogTail {
  private lines: string[] = [];
  private partial = "";
  push(chunk: Buffer | string): void {
    const text = this.partial + chunk.toString();
    const parts = text.split("\n");
    this.partial = parts.pop() ?? "";
    for (const line of parts) this.lines.push(line);
    if (this.lines.length > TAIL_LINES * 2) this.lines = this.lines.slice(-TAIL_LINES);
  }
  tail(n = 40): string {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-n).join("\n");
  }
}

/**
 * Spawns `o.command` as the leader of a new process group, known to the last-chance cleanup; each
 * output chunk goes to `onOutput` and is appended to `o.logFile` (closed when the child is done).
 */
function spawnGroup(
  o: Omit<StartProcessOptions, "stopSignal" | "stopLeaderOnly">,
  stdin: "ignore" | "pipe",
  onOutput: (chunk: Buffer, stream: "stdout" | "stderr") => void,
): { child: ChildProcess; pid: number } {
  installHandlers();
  let logStream: WriteStream | undefined;
  if (o.logFile) {
    mkdirSync(dirname(o.logFile), { recursive: true });
    logStream = createWriteStream(o.logFile, { flags: "a" });
  }
  const child = spawn(o.command, o.args ?? [], {
    cwd: o.cwd,
    env: o.env ?? process.env,
    uid: o.uid,
    gid: o.gid,
    detached: true,
    stdio: [stdin, "pipe", "pipe"],
  });
  for (const stream of ["stdout", "stderr"] as const) {
    child[stream]?.on("data", (d: Buffer) => {
      onOutput(d, stream);
      logStream?.write(d);
    });
  }
  child.once("close", () => logStream?.end());
  child.once("error", () => logStream?.end());
  const pid = child.pid ?? -1;
  if (pid > 0) liveGroups.add(pid);
  return { child, pid };
}

/** Start a long-running service in its own process group. */
export function startProcess(o: StartProcessOptions): ServiceProcess {
  const log = new LogTail();
  const { child, pid } = spawnGroup(o, "ignore", (d) => log.push(d));
  let exitInfo: ExitInfo | undefined;
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once("error", (error) => {
      log.push(`[harness] could not start ${o.command}: ${error.message}\n`);
      exitInfo ??= { code: -1, signal: null };
      resolve(exitInfo);
    });
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });

  let stopping: Promise<void> | undefined;
  const stop = (timeoutMs = 10_000): Promise<void> => {
    stopping ??= (async () => {
      if (pid <= 0) return;
      if (!exitInfo) {
        const signal = o.stopSignal ?? "SIGTERM";
        try {
          if (o.stopLeaderOnly) process.kill(pid, signal);
          else process.kill(-pid, signal);
        } catch {
          // gone
        }
        // ref: false: a pending timer would keep the process (vitest's main one) alive
        const timedOut = await Promise.race([exited.then(() => false), sleep(timeoutMs, true, { ref: false })]);
        if (timedOut) log.push(`[harness] ${o.name} ignored ${signal} for ${timeoutMs} ms: SIGKILL\n`);
      }
      // Leader gone (or stubborn): nothing of the group may survive it.
      if (!(await waitGroupEmpty(pid, exitInfo ? 2000 : 0))) {
        killGroupSync(pid, "SIGKILL");
        await waitGroupEmpty(pid, 5000);
      }
      await exited;
      liveGroups.delete(pid);
    })();
    return stopping;
  };

  return {
    name: o.name,
    pid,
    exited,
    exitInfo: () => exitInfo,
    logTail: (n?: number) => log.tail(n),
    stop,
  };
}

export interface RunResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Run a command to completion (own process group; killed after `timeoutMs`). */
export async function runProcess(
  o: Omit<StartProcessOptions, "stopSignal" | "stopLeaderOnly"> & { timeoutMs?: number; input?: string },
): Promise<RunResult> {
  const started = Date.now();
  const output = { stdout: "", stderr: "" };
  const { child, pid } = spawnGroup(o, o.input === undefined ? "ignore" : "pipe", (d, stream) => (output[stream] += d.toString()));
  if (o.input !== undefined) child.stdin?.end(o.input);
  const timeoutMs = o.timeoutMs ?? 120_000;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    if (pid > 0) killGroupSync(pid, "SIGKILL");
  }, timeoutMs);
  const info = await new Promise<ExitInfo>((resolve) => {
    child.once("error", (error) => {
      output.stderr += `[harness] could not start ${o.command}: ${error.message}\n`;
      resolve({ code: -1, signal: null });
    });
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  clearTimeout(timer);
  if (pid > 0) {
    // The command is done; anything it left running in its group goes too.
    if (groupMembers(pid).length) killGroupSync(pid, "SIGKILL");
    liveGroups.delete(pid);
  }
  if (timedOut) output.stderr += `\n[harness] ${o.name} killed after ${timeoutMs} ms\n`;
  return { code: info.code ?? -1, signal: info.signal, ...output, durationMs: Date.now() - started };
}

/** Like runProcess, but throws a ServiceError (with the output's tail) unless the exit code is 0. */
export async function runOrThrow(o: Parameters<typeof runProcess>[0]): Promise<RunResult> {
  const result = await runProcess(o);
  if (result.code !== 0) {
    const tail = `${result.stdout}\n${result.stderr}`.trim().split("\n").slice(-40).join("\n");
    throw new ServiceError(o.name, `\`${[o.command, ...(o.args ?? [])].join(" ")}\` exited with ${result.code}${result.signal ? ` (${result.signal})` : ""}`, tail);
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
/** A temporary directory removed by `removeTempDir` or, at the latest, when this process exits. */
export function makeTempDir(prefix: string, owner?: { uid: number; gid: number }): string {
  installHandlers();
  const dir = mkdtempSync(join(tmpdir(), `harness-${prefix}-`));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  tempDirs.delete(dir);
  if (process.env.HARNESS_KEEP_TMP) return;
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Runs `ready` for a service that owns a temp dir; if it throws, stops the service and removes the
 * dir before rethrowing, so a failed start leaves nothing behind. Returns the service's teardown.
 */
export async function readyOrCleanUp(child: ServiceProcess, dir: string, ready: () => Promise<void>): Promise<() => Promise<void>> {
  const teardown = async () => {
    await child.stop();
    removeTempDir(dir);
  };
  try {
    await ready();
  } catch (error) {
    await teardown();
    throw error;
  }
  return teardown;
}

// ---------------------------------------------------------------------------------------------
export interface PollOptions {
  /** Names the service in errors. */
  service: string;
  /** What is awaited, for errors: "waited 800 ms for <waitingFor>", e.g. "http://127.0.0.1:8080/ to answer". */
  waitingFor: string;
  timeoutMs: number;
  /** Pause between attempts (default 150 ms). */
  intervalMs?: number;
  /** The process behind it: if it exits, fail at once; its log tail goes into every error. */
  process?: ServiceProcess;
}

/**
 * The harness's one readiness loop: runs `attempt` until it resolves and returns its value; a
 * throw means "not yet" and its message is the reason shown if the deadline passes. wait-on does
 * not fit here: it cannot stop when the process dies (it polls on until its timeout), and it drops
 * the last reason, the one thing a failed start needs to say.
 */
export async function pollUntil<T>(attempt: () => Promise<T>, o: PollOptions): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let last = "no attempt yet";
  for (;;) {
    const exit = o.process?.exitInfo();
    if (exit) {
      throw new ServiceError(o.service, `exited (code ${exit.code}, signal ${exit.signal}) while waiting for ${o.waitingFor}`, o.process?.logTail() ?? "");
    }
    try {
      return await attempt();
    } catch (error) {
      last = (error as Error).message;
    }
    if (Date.now() >= deadline) {
      throw new ServiceError(o.service, `not ready: waited ${o.timeoutMs} ms for ${o.waitingFor} (last: ${last})`, o.process?.logTail() ?? "");
    }
    await sleep(o.intervalMs ?? 150);
  }
}

/** Waits until `url` answers an accepted status (default 2xx, 3xx); returns the time it took. */
export async function waitForUrl(
  url: string,
  o: { timeoutMs?: number; ok?: (status: number) => boolean; process?: ServiceProcess; service?: string } = {},
): Promise<number> {
  const ok = o.ok ?? ((s: number) => s >= 200 && s < 400);
  const started = Date.now();
  await pollUntil(
    async () => {
      const { status } = await httpRequest(url, { timeoutMs: 5000 });
      if (!ok(status)) throw new Error(`HTTP ${status}`);
    },
    { service: o.service ?? o.process?.name ?? new URL(url).host, waitingFor: `${url} to answer`, timeoutMs: o.timeoutMs ?? 60_000, process: o.process },
  );
  return Date.now() - started;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A small HTTP(S) client with per-call CA and host-name mapping (for the test process itself). */
export async function httpRequest(
  url: string,
  o: {
    method?: string;
    headers?: Record<string, string>;
    body?: string;
    ca?: string | string[];
    hosts?: Record<string, string>;
    timeoutMs?: number;
  } = {},
): Promise<HttpResponse> {
  const target = new URL(url);
  const mod = target.protocol === "https:" ? await import("node:https") : await import("node:http");
  const mapped = o.hosts?.[target.hostname];
  return new Promise((resolve, reject) => {
    const req = mod.request(
      target,
      {
        method: o.method ?? "GET",
        headers: o.headers,
        ca: o.ca,
        timeout: o.timeoutMs ?? 10_000,
        // Map the test host names without touching the machine's resolver.
        lookup: mapped
          ? (_host: string, opts: { all?: boolean }, cb: (...args: unknown[]) => void) => {
              const family = mapped.includes(":") ? 6 : 4;
              if (opts?.all) cb(null, [{ address: mapped, family }]);
              else cb(null, mapped, family);
            }
          : undefined,
      } as import("node:https").RequestOptions,
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`timeout after ${o.timeoutMs ?? 10_000} ms`)));
    req.on("error", reject);
    req.end(o.body);
  });
}
