// The README's configuration reference must list exactly the variables of .env.example, with the
// same defaults; its sample output is what the command prints; its other claims (Node version,
// memory figures) are what package.json and bench/results.md say; and what any file cites, a
// reader of the repository can open.
import { spawnSync } from "node:child_process";
import { chmodSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, posix } from "node:path";
import { describe, expect, it } from "vitest";
import { NODE22 } from "../harness/prerequisites.js";
import { FILLED_SECRETS, parseEnv, REPO, run, scratchDir, scratchStack } from "./util.js";
const readme = readFileSync(join(REPO, "README.md"), "utf8");
const example = parseEnv(readFileSync(join(REPO, ".env.example"), "utf8"));

/** Rows of the table under "## Configuration reference": variable -> default cell. */
function referenceTable(): Map<string, string> {
  const section = readme.split(/^## Configuration reference$/m)[1]?.split(/^## /m)[0] ?? "";
  const rows = new Map<string, string>();
  for (const m of section.matchAll(/^\| `([A-Z0-9_]+)` \| ([^|]*) \|/gm)) rows.set(m[1]!, m[2]!.trim());
  return rows;
}

describe("README configuration reference", () => {
  const table = referenceTable();

  it("lists every variable of .env.example and no other", () => {
    expect([...table.keys()].sort()).toEqual(Object.keys(example).sort());
  });

  it("states each variable's default as .env.example has it", () => {
    for (const [name, cell] of table) {
      const value = example[name];
      if (cell === "generated") expect(value, `${name}: "generated" secrets are empty in .env.example`).toBe("");
      else if (cell === "(empty)") expect(value, `${name} is documented as empty`).toBe("");
      else expect(cell, `${name}: README default`).toBe(`\`${value}\``);
    }
  });

  it("every variable in .env.example has a comment line above it", () => {
    const lines = readFileSync(join(REPO, ".env.example"), "utf8").split("\n");
    lines.forEach((line, i) => {
      if (!/^[A-Z0-9_]+=/.test(line)) return;
      let j = i - 1;
      while (j >= 0 && /^[A-Z0-9_]+=/.test(lines[j]!)) j--; // a pair (id + secret) shares one comment
      expect(lines[j], `.env.example line ${i + 1} (${line.split("=")[0]}) has no comment above it`).toMatch(/^# /);
    });
  });
});

describe("README Quick start", () => {
  // The sample is a real first run in a clone at /home/you/wechat-logto-stack; lines starting with
  // "[+]" stand for Compose's own build and start-up output. Everything else is what up.sh prints,
  // here with a stand-in docker that answers as Compose v2.26.1 does on a first run (no container yet)
  // that ends healthy.
  const clone = "/home/you/wechat-logto-stack";

  function sample(): string[] {
    const block = /\$ make up\n([\s\S]*?)```/.exec(readme.split(/^## Quick start/m)[1] ?? "")?.[1] ?? "";
    return block
      .split("\n")
      .map((l) => l.replace(/^ {3}/, ""))
      .filter((l) => !l.startsWith("[+]"))
      .join("\n")
      .trimEnd()
      .split("\n");
  }

  it("the sample output of the first `make up` is what it prints", () => {
    const { dir } = scratchStack();
    const bin = scratchDir("bin-");
    // The real project model, as Compose prints it once .env exists; no image is on the machine yet.
    const model = run("docker", ["compose", "-f", join(REPO, "compose.yaml"), "--env-file", scratchStack(FILLED_SECRETS).envFile, "config"]);
    expect(model.code, model.stderr).toBe(0);
    writeFileSync(join(bin, "config.yaml"), model.stdout);
    writeFileSync(
      join(bin, "docker"),
      `#!/bin/sh
case "$*" in
"compose version") echo "Docker Compose version v2.26.1" ;;
"compose config") cat "${join(bin, "config.yaml")}" ;;
"image inspect"*) exit 1 ;;
"pull -q"*) ;;
"compose exec"*) echo "service is not running" >&2; exit 1 ;;
esac
`,
    );
    chmodSync(join(bin, "docker"), 0o755);
    const r = run("sh", ["-c", `dash "$0" 2>&1`, join(REPO, "scripts/env/up.sh")], {
      env: { STACK_DIR: dir, PATH: `${bin}:${process.env.PATH}` },
    });
    expect(r.code, r.stdout).toBe(0);
    expect(sample()).toEqual(r.stdout.split(dir).join(clone).trimEnd().split("\n"));
  });

  it("`make up` builds nothing: no service of the compose files is built on `up` (pull_policy: build), and the sample shows no build", () => {
    for (const file of ["compose.yaml", "compose.sandbox.yaml", "compose.dns.yaml", "compose.e2e.yaml"]) {
      expect(readFileSync(join(REPO, file), "utf8"), file).not.toMatch(/^ +pull_policy: build$/m);
    }
    expect(sample().join("\n")).not.toMatch(/Building|builds/);
  });
});

describe("README claims", () => {
  it("states the Node version of package.json's engines, which the harness asks for", () => {
    const { engines } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { engines: { node: string } };
    const [, major, minor] = /^\^(\d+)\.(\d+)\.0$/.exec(engines.node) ?? [];
    expect(NODE22, `prerequisites.ts's NODE22 against engines.node ${engines.node}`).toEqual({ major: Number(major), minor: Number(minor) });
    expect(readme).toContain(`They need Node ${major} (${major}.${minor} or later: package.json's \`engines\``);
    expect(readme, "a Node version the repository does not declare").not.toMatch(/Node (1\d|20)\+/);
  });

  it("the memory figures add up and are bench/results.md's medians", () => {
    const m = /idle: Postgres (\d+) MB \+\s+Logto (\d+) MB \+ Caddy (\d+) MB \+ app (\d+) MB = (\d+) MB; after a load: (\d+) \+ (\d+) \+ (\d+) \+ (\d+) MB = (\d+) MB[\s\S]*?fit in the (\d+) MB left of (\d+) MB when (\d+) MB\s+are kept/.exec(readme);
    expect(m, "the README's memory sentence").not.toBeNull();
    const [idle, load] = [m!.slice(1, 6).map(Number), m!.slice(6, 11).map(Number)];
    const [left, total, kept] = m!.slice(11, 14).map(Number);
    const results = readFileSync(join(REPO, "bench/results.md"), "utf8");
    for (const [figures, at] of [[idle, 0], [load, 1]] as const) {
      expect(figures.slice(0, 4).reduce((a, b) => a + b), "the sum of the four figures").toBe(figures[4]);
      expect(figures[4]).toBeLessThanOrEqual(left!);
      ["postgres", "logto", "caddy", "app"].forEach((service, i) => {
        const row = new RegExp(`^\\| RSS ${service}: idle / after load \\| (\\d+) MB / (\\d+) MB \\|`, "m").exec(results);
        expect(Number(row?.[at + 1]), `${service} in bench/results.md`).toBe(figures[i]);
      });
    }
    expect(total! - kept!).toBe(left);
  });
});

describe("what the repository's files cite", () => {
  const files = spawnSync("git", ["ls-files"], { cwd: REPO, encoding: "utf8" }).stdout.split("\n").filter(Boolean);
  const tracked = new Set(files);
  const dirs = new Set(files.flatMap((f) => f.split("/").slice(1).map((_, i, parts) => f.split("/").slice(0, i + 1).join("/"))));
  const top = new Set(files.map((f) => f.split("/")[0]!));
  const texts = files.filter((f) => /\.(md|ts|tsx|cjs|mjs|sh|ya?ml)$|(^|\/)(Makefile|Dockerfile|Caddyfile|run)$/.test(f));
  const ignored = (p: string) => spawnSync("git", ["check-ignore", "-q", "--no-index", p], { cwd: REPO }).status === 0;
  // What the CI machine provides beside the checkout, which .ci/run names as its prerequisite.
  const outside: Record<string, string[]> = { ".ci/run": ["../shared/compose-lab"] };

  /** Repository paths a file cites: Markdown links and paths in Markdown prose, paths in comments elsewhere, and files named like README.md. */
  function citations(file: string): string[] {
    const text = readFileSync(join(REPO, file), "utf8");
    const prose = file.endsWith(".md")
      ? text.replace(/^```[\s\S]*?^```/gm, "") // code samples are written from elsewhere (a spec, a server)
      : text.split("\n").filter((l) => /^\s*(\/\/|#|\*|\/\*)/.test(l)).join("\n");
    const found = new Set<string>();
    if (file.endsWith(".md")) {
      for (const [, target] of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
        const path = target!.split("#")[0]!;
        if (path && !/^[a-z]+:/.test(path)) found.add(path);
      }
    }
    // a path: a repository folder or ../ first, then a file (with an extension), a folder/ or more
    // folders; not a placeholder (tls-*, <name>) nor a quoted module name ("wechat-emulator/users")
    for (const [, path] of prose.matchAll(/(?<![\w.<>{}$*/"'-])((?:\.\.\/)*[\w.@-]+(?:\/[\w.@-]+)+\/?)(?![\w@*<{$/-])/g)) {
      const p = path!.replace(/\.$/, "");
      const parts = p.replace(/\/$/, "").split("/");
      if (!p.startsWith("../") && !top.has(parts[0]!)) continue;
      if (parts.length === 2 && !p.endsWith("/") && !/\.\w+$/.test(p)) continue; // "backup/restore", "tests/compose:" read as words
      found.add(p);
    }
    for (const [, name] of prose.matchAll(/(?<![\w./-])([A-Z][A-Z0-9_-]*\.md)\b/g)) found.add(name!);
    return [...found];
  }

  /** Where a cited path may be: from the file's folder or any folder above it (a workspace's root), as .ts for an ESM .js. */
  function resolves(file: string, cited: string): boolean {
    const bases = file.split("/").slice(0, -1).map((_, i, parts) => parts.slice(0, i + 1).join("/")).concat("");
    return bases.some((base) => {
      const p = posix.normalize(posix.join(base, cited)).replace(/\/$/, "");
      if (p.startsWith("..")) return false;
      return tracked.has(p) || tracked.has(p.replace(/\.js$/, ".ts")) || dirs.has(p) || ignored(p) || ignored(`${p}/`);
    });
  }

  it("every path a file cites is in the repository (or generated there, git-ignored)", () => {
    expect(texts.length, "git ls-files in the repository").toBeGreaterThan(100);
    const missing = texts.flatMap((file) =>
      citations(file)
        .filter((cited) => !outside[file]?.some((o) => cited.startsWith(o)) && !resolves(file, cited))
        .map((cited) => `${file}: ${cited}`),
    );
    expect(missing, "cited, but not in the repository").toEqual([]);
  });

  it("no file names a path of this machine beside the checkout (another checkout, shared notes)", () => {
    const parent = dirname(REPO);
    const beside = parent === "/" ? [] : readdirSync(parent).map((name) => join(parent, name));
    const found = texts.flatMap((file) => {
      const text = readFileSync(join(REPO, file), "utf8");
      return beside.filter((p) => text.includes(`${p}/`) || text.includes(`${p} `) || text.includes(`${p}\``)).map((p) => `${file}: ${p}`);
    });
    expect(found).toEqual([]);
  });
});
