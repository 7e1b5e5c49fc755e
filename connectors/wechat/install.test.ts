// install.sh, the connector image's entrypoint (compose.yaml's one-shot logto-connectors): what
// Logto finds in its connector folder after each `up`. Run with the machine's sh on real folders.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const SCRIPT = join(import.meta.dirname, "install.sh");
let work = "";
afterEach(() => rmSync(work, { recursive: true, force: true }));

/** A package as `npm pack` lays it out, at `version`, with `extra` files. */
function pkg(version: string, extra: Record<string, string> = {}): string {
  const dir = join(work, `pkg-${version}`);
  mkdirSync(join(dir, "lib"), { recursive: true });
  writeFileSync(join(dir, "package.json"), `{\n  "name": "@wechat-logto-stack/connector-wechat",\n  "version": "${version}"\n}\n`);
  writeFileSync(join(dir, "lib/index.js"), `export default "${version}";\n`);
  for (const [file, text] of Object.entries(extra)) writeFileSync(join(dir, file), text);
  return dir;
}
const install = (src: string, target: string) => spawnSync("sh", [SCRIPT, src, target], { encoding: "utf8" });
const files = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: "utf8" }).sort();

describe("install.sh (logto-connectors)", () => {
  it("fills an empty volume with the package, readable by any user", () => {
    work = mkdtempSync(join(tmpdir(), "install-connector-"));
    const target = join(work, "volume");
    mkdirSync(target);
    const r = install(pkg("1.0.0"), target);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("install-connector: connector-wechat 1.0.0 installed\n");
    expect(files(target)).toEqual(["lib", "lib/index.js", "package.json"]);
    expect(statSync(join(target, "lib/index.js")).mode & 0o444).toBe(0o444);
  });

  it("leaves an unchanged package alone: a running Logto keeps the files it loaded", () => {
    work = mkdtempSync(join(tmpdir(), "install-connector-"));
    const target = join(work, "volume");
    mkdirSync(target);
    const src = pkg("1.0.0");
    expect(install(src, target).status).toBe(0);
    const before = statSync(join(target, "lib/index.js")).mtimeMs;
    const again = install(src, target);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toBe("install-connector: connector-wechat 1.0.0 is installed already\n");
    expect(statSync(join(target, "lib/index.js")).mtimeMs).toBe(before);
  });

  it("replaces another version wholly: nothing of the old package is left", () => {
    work = mkdtempSync(join(tmpdir(), "install-connector-"));
    const target = join(work, "volume");
    mkdirSync(target);
    expect(install(pkg("1.0.0", { "old-only.js": "gone in 1.1.0" }), target).status).toBe(0);
    const r = install(pkg("1.1.0"), target);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe("install-connector: connector-wechat 1.1.0 installed\n");
    expect(files(target)).toEqual(["lib", "lib/index.js", "package.json"]);
    expect(readFileSync(join(target, "lib/index.js"), "utf8")).toBe('export default "1.1.0";\n');
  });

  it("no volume mounted: exit 2 naming it, nothing written", () => {
    work = mkdtempSync(join(tmpdir(), "install-connector-"));
    const r = install(pkg("1.0.0"), join(work, "missing"));
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("is not a directory (the volume of compose.yaml's logto-connectors)");
    expect(files(work)).toEqual(["pkg-1.0.0", "pkg-1.0.0/lib", "pkg-1.0.0/lib/index.js", "pkg-1.0.0/package.json"]);
  });
});
