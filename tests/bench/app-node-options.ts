// The Node options the app's container runs with: NODE_OPTIONS of app/Dockerfile's final stage,
// read from the Dockerfile itself so the bench measures the app natively with the same V8 heap
// budget as the image (one place for the number: the Dockerfile).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../harness/index.js";

export const APP_DOCKERFILE = join(repoRoot, "app", "Dockerfile");

/** Instructions of a Dockerfile: continuation lines joined, comment lines (also inside a continuation) dropped. */
export function dockerfileInstructions(text: string): string[] {
  const out: string[] = [];
  let current = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || (!line && !current)) continue;
    if (line.endsWith("\\")) {
      current += `${line.slice(0, -1)} `;
      continue;
    }
    current += line;
    if (current.trim()) out.push(current.trim());
    current = "";
  }
  if (current.trim()) out.push(current.trim());
  return out;
}

/** ENV variables of the final stage (`ENV a=b c="d e"`; the legacy `ENV a b` form too). */
export function dockerfileFinalEnv(text: string): Record<string, string> {
  let env: Record<string, string> = {};
  for (const instruction of dockerfileInstructions(text)) {
    const [keyword, ...rest] = instruction.split(/\s+/);
    const args = rest.join(" ");
    if (/^FROM$/i.test(keyword!)) env = {};
    if (!/^ENV$/i.test(keyword!)) continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(args)) {
      const [name, ...value] = rest;
      env[name!] = value.join(" ");
      continue;
    }
    for (const m of args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("(?:[^"\\]|\\.)*"|'[^']*'|\S*)/g)) {
      const v = m[2]!;
      env[m[1]!] = v.startsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, "$1") : v.startsWith("'") ? v.slice(1, -1) : v;
    }
  }
  return env;
}

/** NODE_OPTIONS of the app image ("" when it sets none). */
export function appImageNodeOptions(dockerfile: string = readFileSync(APP_DOCKERFILE, "utf8")): string {
  return dockerfileFinalEnv(dockerfile).NODE_OPTIONS ?? "";
}
