// Issue 14, item 2: the release workflow (.github/workflows/release.yml) publishes exactly the images
// the compose files pull, built from the Dockerfiles their `build:` sections name, for both
// platforms, on a release tag only. It cannot run here (no registry, no GitHub): this reads it as
// GitHub does (YAML), compares it with `docker compose config`, and runs its tag check's shell.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { FILLED_SECRETS, REPO, run, scratchStack } from "./util.js";

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string | boolean>;
}
interface Workflow {
  on: { push?: { tags?: string[]; branches?: string[] } } & Record<string, unknown>;
  env: Record<string, string>;
  jobs: Record<string, { needs?: string; steps: Step[]; strategy?: { matrix: { include: { name: string; dockerfile: string }[] } }; permissions?: Record<string, string> }>;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
}

const workflow = parse(readFileSync(join(REPO, ".github/workflows/release.yml"), "utf8")) as Workflow;
const images = workflow.jobs.images!;
const step = (uses: string): Step => {
  const found = images.steps.find((s) => s.uses?.startsWith(`${uses}@`));
  expect(found, `a step uses ${uses}`).toBeDefined();
  return found!;
};
/** `${{ env.X }}` and `${{ matrix.X }}` of an expression, as Actions substitutes them for one matrix entry. */
const substitute = (text: string, matrix: Record<string, string>): string =>
  text.replace(/\$\{\{\s*(env|matrix)\.([A-Za-z_]+)\s*\}\}/g, (_, scope: string, name: string) => (scope === "env" ? workflow.env[name] : matrix[name]) ?? `<${scope}.${name}?>`);

/** The project's own images the compose files pull: repository (no tag) -> the Dockerfile its `build:` names. */
function composeImages(): { repositories: Record<string, string>; tags: string[] } {
  const { envFile } = scratchStack({ ...FILLED_SECRETS, ACME_DNS_PROVIDER: "alidns" });
  // Every file that names one of them: the sandbox's emulator, the DNS-01 Caddy.
  const files = ["compose.yaml", "compose.sandbox.yaml", "compose.dns.yaml"].flatMap((f) => ["-f", join(REPO, f)]);
  const r = run("docker", ["compose", ...files, "--env-file", envFile, "config", "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  const services = (JSON.parse(r.stdout) as { services: Record<string, Service> }).services;
  const own = Object.values(services).filter((s) => s.build);
  return {
    repositories: Object.fromEntries(own.map((s) => [s.image!.replace(/:[^:/]+$/, ""), join(REPO, s.build!.dockerfile).slice(REPO.length + 1)])),
    tags: [...new Set(own.map((s) => s.image!.replace(/^.*:/, "")))],
  };
}

describe("release workflow", () => {
  it("is triggered by release tags only (v<major>.<minor>.<patch>), on no branch", () => {
    expect(Object.keys(workflow.on)).toEqual(["push"]);
    expect(workflow.on.push).toEqual({ tags: ["v[0-9]+.[0-9]+.[0-9]+"] });
  });

  it("pushes exactly the images the compose files pull, from the Dockerfiles their build: names, plus the doctor's", () => {
    const { repositories } = composeImages();
    expect(Object.keys(repositories).sort()).toEqual(["app", "backup", "caddy-dns", "connector-wechat", "seed", "wechat-emulator"].map((n) => `ghcr.io/wechat-logto-stack/${n}`));
    const meta = step("docker/metadata-action");
    const pushed = Object.fromEntries(images.strategy!.matrix.include.map((m) => [substitute(String(meta.with!.images), m), substitute(String(step("docker/build-push-action").with!.file), m)]));
    // scripts/doctor.sh's checks image (scripts/Dockerfile) is no service: the one addition.
    expect(pushed).toEqual({ ...repositories, "ghcr.io/wechat-logto-stack/doctor": "scripts/Dockerfile" });
  });

  it("builds each for linux/amd64 and linux/arm64 (QEMU and Buildx first), pushes with the exact release tag, logged in to ghcr.io", () => {
    const names = images.steps.map((s) => s.uses?.replace(/@.*/, "") ?? s.run);
    const at = (n: string) => names.indexOf(n);
    for (const n of ["docker/setup-qemu-action", "docker/setup-buildx-action", "docker/login-action", "docker/metadata-action"]) expect(at(n), n).toBeGreaterThanOrEqual(0);
    expect(at("docker/setup-qemu-action")).toBeLessThan(at("docker/build-push-action"));
    expect(at("docker/setup-buildx-action")).toBeLessThan(at("docker/build-push-action"));
    const build = step("docker/build-push-action").with!;
    expect(String(build.platforms).split(",").sort()).toEqual(["linux/amd64", "linux/arm64"]);
    expect(build).toMatchObject({ context: ".", push: true, tags: "${{ steps.meta.outputs.tags }}" });
    expect(String(step("docker/metadata-action").with!.tags).trim()).toBe("type=semver,pattern={{version}}");
    expect(step("docker/login-action").with).toMatchObject({ registry: "ghcr.io", password: "${{ secrets.GITHUB_TOKEN }}" });
    expect(images.permissions).toEqual({ contents: "read", packages: "write" });
    expect(images.needs).toBe("release");
  });

  it("the compose files name one release, and the workflow's tag check passes for it and refuses any other tag", () => {
    const { tags } = composeImages();
    expect(tags).toHaveLength(1);
    expect(tags[0]).toMatch(/^[0-9]+\.[0-9]+\.[0-9]+$/);
    const check = workflow.jobs.release!.steps.find((s) => s.id === "version")!.run!;
    const output = join(scratchStack().dir, "github-output");
    const ok = run("bash", ["-e", "-c", check], { env: { GITHUB_REF_NAME: `v${tags[0]}`, GITHUB_OUTPUT: output } });
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(readFileSync(output, "utf8")).toBe(`version=${tags[0]}\n`);
    const other = run("bash", ["-e", "-c", check], { env: { GITHUB_REF_NAME: "v99.0.0", GITHUB_OUTPUT: output } });
    expect(other.code).toBe(1);
    expect(other.stdout).toContain(`::error::tag v99.0.0, but the compose files name release(s) ${tags[0]} `);
  });
});
