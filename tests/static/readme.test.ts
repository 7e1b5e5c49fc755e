// The README's configuration reference must list exactly the variables of .env.example, with the same defaults.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseEnv, REPO } from "./util.js";

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
