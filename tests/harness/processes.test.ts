import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:http";
import { describe, expect, it } from "vitest";
import { freePort, isListening } from "./ports.js";
import { groupMembers, runProcess, ServiceError, startProcess, waitForUrl } from "./processes.js";

// A sleep duration nobody else uses, so pgrep finds only what this test started.
const marker = () => String(900_000 + Math.floor(Math.random() * 90_000));
function pgrep(pattern: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", `^${pattern}`]).toString().trim().split("\n").filter(Boolean);
  } catch {
    return []; // exit 1: no match
  }
}

describe("processes", () => {
  it("reports a service that dies during start-up with its name and last log lines", async () => {
    const port = await freePort();
    const child = startProcess({
      name: "doomed-service",
      command: "sh",
      args: ["-c", "echo 'line one'; echo 'fatal: cannot open config' >&2; exit 3"],
    });
    const error = await waitForUrl(`http://127.0.0.1:${port}/health`, { process: child, timeoutMs: 10_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    const message = (error as Error).message;
    expect(message).toMatch(/^doomed-service: exited \(code 3/);
    expect(message).toContain("fatal: cannot open config");
    expect(message).toContain("line one");
    await child.stop();
  });

  it("names the service and shows its log when the health URL never answers", async () => {
    const port = await freePort();
    const m = marker();
    const child = startProcess({ name: "silent-service", command: "sh", args: ["-c", `echo still booting; sleep ${m}`] });
    const error = await waitForUrl(`http://127.0.0.1:${port}/`, { process: child, timeoutMs: 800 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^silent-service: not ready: waited 800 ms for http:\/\/127\.0\.0\.1:\d+\/ to answer \(last: .*ECONNREFUSED/);
    expect((error as Error).message).toContain("still booting");
    await child.stop();
    expect(pgrep(`sleep ${m}`)).toEqual([]);
  });

  it("waits for a health URL and stops the whole process group, grandchildren included", async () => {
    const port = await freePort();
    const m = marker();
    const server = startProcess({
      name: "tiny-http",
      command: process.execPath,
      args: [
        "-e",
        `require("child_process").spawn("sleep", ["${m}"], { stdio: "ignore" });
         require("http").createServer((q, s) => s.end("ok")).listen(${port}, "127.0.0.1");`,
      ],
    });
    await waitForUrl(`http://127.0.0.1:${port}/`, { process: server, timeoutMs: 10_000 });
    expect(pgrep(`sleep ${m}`)).toHaveLength(1);
    await server.stop();
    expect(groupMembers(server.pid)).toEqual([]);
    expect(pgrep(`sleep ${m}`)).toEqual([]);
    expect(await isListening("127.0.0.1", port)).toBe(false);
  });

  it("SIGKILLs a group that ignores the stop signal", async () => {
    const m = marker();
    const stubborn = startProcess({ name: "stubborn", command: "sh", args: ["-c", `trap '' TERM; sleep ${m} & wait; sleep ${m}`] });
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await stubborn.stop(500);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(pgrep(`sleep ${m}`)).toEqual([]);
    expect(stubborn.logTail()).toContain("ignored SIGTERM");
  });

  it("runProcess returns code and output, and kills the command at its timeout", async () => {
    const ok = await runProcess({ name: "echo", command: "sh", args: ["-c", "echo out; echo err >&2; exit 4"] });
    expect(ok).toMatchObject({ code: 4, stdout: "out\n", stderr: "err\n" });
    const m = marker();
    const slow = await runProcess({ name: "slow", command: "sh", args: ["-c", `sleep ${m}`], timeoutMs: 300 });
    expect(slow.code).not.toBe(0);
    expect(slow.stderr).toContain("killed after 300 ms");
    expect(pgrep(`sleep ${m}`)).toEqual([]);
  });

  it("on SIGINT, a harness process kills its services and removes its temp dirs", async () => {
    const m = marker();
    const child = spawn(process.execPath, ["--import", "tsx", new URL("./fixtures/sigint-child.ts", import.meta.url).pathname, m], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.once("data", (d: Buffer) => resolve(d.toString()));
      child.once("exit", () => reject(new Error("fixture exited early")));
    });
    const ready = JSON.parse(line) as { dir: string; exists: boolean };
    expect(ready.exists).toBe(true);
    expect(pgrep(`sleep ${m}`)).toHaveLength(2);
    const exit = new Promise<NodeJS.Signals | null>((resolve) => child.once("exit", (_c, s) => resolve(s)));
    child.kill("SIGINT");
    expect(await exit).toBe("SIGINT");
    expect(pgrep(`sleep ${m}`)).toEqual([]);
    expect(existsSync(ready.dir)).toBe(false);
  });

  it("freePort hands out distinct ports that can be bound", async () => {
    const ports = await Promise.all([freePort(), freePort(), freePort()]);
    expect(new Set(ports).size).toBe(3);
    const server = createServer();
    await new Promise<void>((r) => server.listen(ports[0], "127.0.0.1", r));
    server.close();
  });
});
