// The static parts of `make e2e` (the e2e scenarios against the Compose stack), which cannot run
// without a Docker engine: the overlay compose.e2e.yaml merged with compose.yaml and the sandbox
// overlay, the stack description scripts/e2e-compose.sh writes for the harness, the Makefile
// targets and the GitHub Actions workflow.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FILLED_SECRETS, REPO, run, scratchDir, scratchStack } from "./util.js";

const FILES = ["compose.yaml", "compose.sandbox.yaml", "compose.e2e.yaml"].map((f) => join(REPO, f));

interface Port {
  target: number;
  published?: string;
  host_ip?: string;
  protocol?: string;
}
type Services = Record<string, { ports?: Port[] }>;

function config(envFile: string, env: Record<string, string> = {}): Services {
  const r = run("docker", ["compose", ...FILES.flatMap((f) => ["-f", f]), "--env-file", envFile, "config", "--format", "json"], { env });
  expect(r.stderr, "docker compose config failed").not.toMatch(/error|invalid/i);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { services: Services }).services;
}

describe("compose.yaml + compose.sandbox.yaml + compose.e2e.yaml (make e2e)", () => {
  it("is valid (docker compose config -q)", () => {
    const { envFile } = scratchStack(FILLED_SECRETS);
    const r = run("docker", ["compose", ...FILES.flatMap((f) => ["-f", f]), "--env-file", envFile, "config", "-q"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("publishes the emulator's control API and Postgres on 127.0.0.1 only; nothing else besides Caddy", () => {
    const { envFile } = scratchStack(FILLED_SECRETS);
    const services = config(envFile);
    expect(services["wechat-emulator"]!.ports).toEqual([expect.objectContaining({ target: 8090, published: "18090", host_ip: "127.0.0.1" })]);
    expect(services.postgres!.ports).toEqual([expect.objectContaining({ target: 5432, published: "15432", host_ip: "127.0.0.1" })]);
    const published = Object.entries(services)
      .filter(([, s]) => s.ports?.length)
      .map(([name]) => name)
      .sort();
    expect(published).toEqual(["caddy", "postgres", "wechat-emulator"]);
    // Caddy keeps 443 for the browser: the URLs have no port (Logto's ENDPOINT is https://LOGTO_DOMAIN).
    expect(services.caddy!.ports!.map((p) => p.target)).toContain(443);
  });

  it("takes other loopback ports from E2E_EMULATOR_CONTROL_PORT and E2E_POSTGRES_PORT", () => {
    const { envFile } = scratchStack(FILLED_SECRETS);
    const services = config(envFile, { E2E_EMULATOR_CONTROL_PORT: "28090", E2E_POSTGRES_PORT: "25432" });
    expect(services["wechat-emulator"]!.ports![0]).toMatchObject({ published: "28090", host_ip: "127.0.0.1" });
    expect(services.postgres!.ports![0]).toMatchObject({ published: "25432", host_ip: "127.0.0.1" });
  });
});

describe("scripts/e2e-compose.sh", () => {
  const script = join(REPO, "scripts/e2e-compose.sh");

  it("is POSIX sh (sh -n) and refuses an unknown command", () => {
    expect(run("sh", ["-n", script]).code).toBe(0);
    const r = run("sh", [script, "nonsense"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("usage:");
  });

  it("describe: writes a stack description the harness can reuse (HARNESS_STACK), from the e2e env file", () => {
    const dir = scratchDir("e2e-");
    const env = readFileSync(join(REPO, ".env.example"), "utf8")
      .replace(/^POSTGRES_PASSWORD=.*$/m, "POSTGRES_PASSWORD=Pg0123456789")
      .replace(/^LOGTO_ADMIN_PASSWORD=.*$/m, "LOGTO_ADMIN_PASSWORD=Adm1nPassw0rd");
    writeFileSync(join(dir, ".env"), env);
    writeFileSync(join(dir, "root.crt"), "-----BEGIN CERTIFICATE-----\n");
    const r = run("sh", [script, "describe"], { env: { E2E_DIR: dir, E2E_CADDY_ROOT: join(dir, "root.crt"), E2E_POSTGRES_PORT: "25432" } });
    expect(r.code, r.stderr).toBe(0);
    const stack = JSON.parse(readFileSync(join(dir, "stack.json"), "utf8"));
    expect(stack).toMatchObject({
      origin: "external",
      logtoKind: "real",
      urls: { app: "https://app.localhost", logto: "https://auth.localhost", admin: "https://admin.localhost", issuer: "https://auth.localhost/oidc" },
      hosts: { "auth.localhost": "127.0.0.1", "app.localhost": "127.0.0.1", "admin.localhost": "127.0.0.1", "open.weixin.qq.com": "127.0.0.1" },
      caFiles: [join(dir, "caddy-root.crt")],
      logto: { dbUrl: "postgres://postgres:Pg0123456789@127.0.0.1:25432/logto" },
      emulator: { controlUrl: "http://127.0.0.1:18090" },
      admin: { username: "admin", password: "Adm1nPassw0rd" },
      logDir: join(dir, "logs"),
      compose: { files: FILES, projectDirectory: REPO, project: "wechat-logto-stack-e2e", envFile: join(dir, ".env") },
    });
    expect(stack.app).not.toBeNull();
  });
});

describe("make e2e / make e2e-down and the CI workflow", () => {
  it("the Makefile pairs e2e and e2e-down, each with a comment, .PHONY and a one-line recipe", () => {
    const makefile = readFileSync(join(REPO, "Makefile"), "utf8");
    for (const [target, command] of <Array<[string, string]>>[
      ["e2e", "@sh scripts/e2e-compose.sh"],
      ["e2e-down", "@sh scripts/e2e-compose.sh down"],
    ]) {
      expect(makefile).toMatch(new RegExp(`\\n# [^\\n]+\\n\\.PHONY: ${target}\\n${target}:\\n\\t${command.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n`));
    }
  });

  it(".github/workflows/e2e.yml runs make e2e, make test-compose, make test (through .ci/run) and the real-Logto checks within CI's limits", () => {
    const workflow = readFileSync(join(REPO, ".github/workflows/e2e.yml"), "utf8");
    expect(workflow).not.toContain("\t");
    expect(workflow).toMatch(/^\s+run: make e2e$/m);
    expect(workflow).toMatch(/^\s+run: \.ci\/run$/m);
    expect(workflow).toMatch(/^\s+run: make e2e-down$/m);
    expect(workflow).toMatch(/^\s+run: make test-compose$/m);
    // The stand-in kept honest: its tests and the seed's against the real image's installation.
    expect(workflow).toMatch(/LOGTO_DIR=/);
    expect(workflow).toMatch(/^\s+run: npx vitest run --project tests tests\/logto-standin\/standin\.test\.ts$/m);
    expect(workflow).toMatch(/^\s+run: npx vitest run --project seed seed\/test\/seed\.int\.test\.ts$/m);
    const timeouts = [...workflow.matchAll(/timeout-minutes: (\d+)/g)].map((m) => Number(m[1]));
    expect(timeouts).toHaveLength(3);
    for (const t of timeouts) expect(t).toBeLessThanOrEqual(90);
  });
});
