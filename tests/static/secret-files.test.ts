// Files of the test tooling that hold secrets: owner-only from the moment they exist, and never in
// what CI uploads (issue 11, point 5).
import { chmodSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeStackFile } from "../harness/reuse.js";
import type { StackInfo } from "../harness/stack.js";
import { REPO, run, scratchDir } from "./util.js";

describe("scripts/e2e-compose.sh describe (make e2e's stack description)", () => {
  it("creates stack.json owner-only: its mode is 0600 already while it is being written, even over an old 0644 file", () => {
    const dir = scratchDir("e2e-secret-");
    const env = readFileSync(join(REPO, ".env.example"), "utf8")
      .replace(/^POSTGRES_PASSWORD=.*$/m, "POSTGRES_PASSWORD=Pg0123456789")
      .replace(/^LOGTO_ADMIN_PASSWORD=.*$/m, "LOGTO_ADMIN_PASSWORD=Adm1nPassw0rd");
    writeFileSync(join(dir, ".env"), env);
    writeFileSync(join(dir, "root.crt"), "-----BEGIN CERTIFICATE-----\n");
    writeFileSync(join(dir, "stack.json"), "{}");
    chmodSync(join(dir, "stack.json"), 0o644);
    // `cat` writes the description: a wrapper records the mode of the file it writes to, then is cat.
    // `docker` answers nothing (describe asks the engine which Logto runs; not what this test is about).
    const bin = scratchDir("e2e-secret-bin-");
    const modes = join(bin, "modes.log");
    const realCat = run("sh", ["-c", "command -v cat"]).stdout.trim();
    writeFileSync(join(bin, "cat"), `#!/bin/sh\nstat -L -c %a /proc/self/fd/1 >>"${modes}"\nexec ${realCat} "$@"\n`);
    writeFileSync(join(bin, "docker"), "#!/bin/sh\nexit 0\n");
    chmodSync(join(bin, "cat"), 0o755);
    chmodSync(join(bin, "docker"), 0o755);
    const r = run("sh", ["-c", `umask 022 && exec sh "$0" describe`, join(REPO, "scripts/e2e-compose.sh")], {
      env: { PATH: `${bin}:${process.env.PATH}`, E2E_DIR: dir, E2E_CADDY_ROOT: join(dir, "root.crt") },
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "stack.json"), "utf8")).toContain("Adm1nPassw0rd");
    expect(readFileSync(modes, "utf8").trim().split("\n")).toEqual(["600"]);
    expect(statSync(join(dir, "stack.json")).mode & 0o777).toBe(0o600);
  });
});

describe("the harness's stack description (npm --workspace tests run stack: tests/.stack.json)", () => {
  it("is written owner-only, replacing an older file readable by others", () => {
    const file = join(scratchDir("stack-file-"), ".stack.json");
    writeFileSync(file, "{}");
    chmodSync(file, 0o644);
    const info = { origin: "harness", appEnv: { AUTH_SECRET: "As-secret-value" } } as unknown as StackInfo;
    writeStackFile(file, info);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(info);
  });

  it("tests/harness/cli.ts writes it with writeStackFile and prints no password", () => {
    const cli = readFileSync(join(REPO, "tests/harness/cli.ts"), "utf8");
    expect(cli).toMatch(/writeStackFile\(DEFAULT_STACK_FILE, /);
    expect(cli).not.toMatch(/writeFileSync/);
    expect(cli).not.toMatch(/admin\.password\}/);
  });
});

describe(".github/workflows/e2e.yml", () => {
  it("every upload of tests/.artifacts/ leaves out env files, stack descriptions and client credentials", () => {
    const workflow = readFileSync(join(REPO, ".github/workflows/e2e.yml"), "utf8");
    const uploads = workflow.split(/uses: actions\/upload-artifact@/).slice(1);
    const withArtifacts = uploads.filter((u) => u.split("\n- ")[0]!.includes("tests/.artifacts/"));
    expect(withArtifacts.length).toBe(2);
    for (const upload of withArtifacts) {
      const paths = upload.split("retention-days")[0]!;
      for (const excluded of ["!tests/.artifacts/**/.env*", "!tests/.artifacts/**/stack.json", "!tests/.artifacts/**/app-credentials/**"]) {
        expect(paths).toContain(excluded);
      }
    }
  });
});
