// The README's configuration reference must list exactly the variables of .env.example, with the
// same defaults; its sample output is what the command prints.
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
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
});
