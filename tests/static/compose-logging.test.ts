// Bounded logs (issue 17, point 2): every service of every shipped combination of Compose files has
// compose.yaml's x-logging (json-file with a size and a file count), so no container's log grows
// without bound on the VPS disk. Read off `docker compose config` (Compose's own merge of the files).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FILLED_SECRETS, REPO, run, scratchStack } from "./util.js";

interface Logging {
  driver?: string;
  options?: Record<string, string>;
}
interface Project {
  "x-logging"?: Logging;
  services: Record<string, { logging?: Logging }>;
}

function config(files: string[]): Project {
  const { envFile } = scratchStack(FILLED_SECRETS);
  const args = ["compose", ...files.flatMap((f) => ["-f", join(REPO, f)]), "--env-file", envFile, "config", "--format", "json"];
  const r = run("docker", args);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Project;
}

const COMBINATIONS = [["compose.yaml"], ["compose.yaml", "compose.sandbox.yaml"], ["compose.yaml", "compose.sandbox.yaml", "compose.e2e.yaml"]];

describe("bounded json-file logs", () => {
  const reference = config(["compose.yaml"])["x-logging"];

  it("compose.yaml's x-logging bounds the json-file log by size and number of files", () => {
    expect(reference?.driver).toBe("json-file");
    expect(reference?.options?.["max-size"]).toMatch(/^[1-9][0-9]*[km]$/);
    expect(reference?.options?.["max-file"]).toMatch(/^[1-9][0-9]*$/);
  });

  it.each(COMBINATIONS.map((files) => [files.join(" + "), files] as const))("every service of %s logs with it", (_label, files) => {
    const p = config([...files]);
    const wrong = Object.entries(p.services)
      .filter(([, s]) => JSON.stringify(s.logging) !== JSON.stringify(reference))
      .map(([name, s]) => `${name}: logging ${JSON.stringify(s.logging ?? null)}; add \`logging: *logging\` (x-logging of its file)`);
    expect(wrong).toEqual([]);
  });

  it("each file defines its services' logging through its one x-logging anchor, not by hand", () => {
    for (const file of ["compose.yaml", "compose.sandbox.yaml"]) {
      const text = readFileSync(join(REPO, file), "utf8");
      expect(text.match(/^x-logging: &logging$/gm), file).toHaveLength(1);
      const byHand = text.split("\n").filter((l) => /^\s+logging:/.test(l) && !/^\s+logging: \*logging$/.test(l));
      expect(byHand, file).toEqual([]);
    }
  });
});
