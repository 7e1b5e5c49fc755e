// The project's own rules on the real compose.yaml, and proof that each rule catches a broken file.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkProject, dockerfileBaseImages, isPinned, type ComposeProject } from "./compose-rules.js";
import { FILLED_SECRETS, REPO, run, scratchStack } from "./util.js";

let project: ComposeProject;

function dockerfiles(p: ComposeProject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, s] of Object.entries(p.services)) {
    if (!s.build) continue;
    const file = join(s.build.context, s.build.dockerfile ?? "Dockerfile");
    if (existsSync(file)) out[name] = readFileSync(file, "utf8");
  }
  return out;
}

function mutated(change: (p: ComposeProject) => void): string[] {
  const copy = structuredClone(project);
  change(copy);
  return checkProject(copy, dockerfiles(copy));
}

beforeAll(() => {
  const { envFile } = scratchStack(FILLED_SECRETS);
  const r = run("docker", ["compose", "-f", join(REPO, "compose.yaml"), "--env-file", envFile, "config", "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  project = JSON.parse(r.stdout) as ComposeProject;
});

describe("compose.yaml project rules", () => {
  it("the real compose.yaml has no problems", () => {
    expect(checkProject(project, dockerfiles(project))).toEqual([]);
  });

  it("has the services of the issue, one-shot steps marked restart: no", () => {
    const restart = Object.fromEntries(Object.entries(project.services).map(([n, s]) => [n, s.restart]));
    expect(restart).toEqual({
      postgres: "unless-stopped",
      logto: "unless-stopped",
      "logto-connectors": "no",
      prepare: "no",
      seed: "no",
      app: "unless-stopped",
      caddy: "unless-stopped",
      backup: "unless-stopped",
    });
  });

  it("fails on an unpinned image", () => {
    expect(mutated((p) => (p.services.postgres!.image = "postgres:17"))).toEqual([
      expect.stringMatching(/^postgres: image postgres:17 is not pinned/),
    ]);
    expect(mutated((p) => (p.services.caddy!.image = "caddy:latest"))[0]).toMatch(/caddy: image caddy:latest is not pinned/);
    // logto runs the official image as it is.
    expect(mutated((p) => (p.services.logto!.image = "svhd/logto"))).toEqual([
      expect.stringMatching(/^logto: image svhd\/logto is not pinned/),
    ]);
  });

  it("fails on an unpinned base image in a built service's Dockerfile", () => {
    const problems = checkProject(
      { services: { app: { build: { context: "." }, restart: "no" }, web: { image: "caddy:2.11.2-alpine", restart: "always", healthcheck: { test: ["CMD", "wget"] }, depends_on: { app: { condition: "service_completed_successfully" } } } } },
      { app: "FROM node:22-alpine AS build\nFROM build\n" },
    );
    expect(problems).toEqual([expect.stringMatching(/^app: Dockerfile base image node:22-alpine is not pinned/)]);
  });

  it("fails on a published port other than Caddy's", () => {
    expect(mutated((p) => (p.services.logto!.ports = [{ target: 3001, published: "3001", protocol: "tcp" }]))).toEqual([
      expect.stringMatching(/^logto: publishes 3001:3001\/tcp; only caddy may publish ports/),
    ]);
    expect(mutated((p) => p.services.caddy!.ports!.push({ target: 2019, published: "2019", protocol: "tcp" }))).toEqual([
      expect.stringMatching(/^caddy: publishes 2019:2019\/tcp; caddy publishes only 80\/tcp, 443\/tcp, 443\/udp/),
    ]);
  });

  it("fails on a long-running service without healthcheck or restart policy", () => {
    expect(mutated((p) => delete p.services.app!.healthcheck)).toContainEqual(
      expect.stringMatching(/^app: long-running service without a healthcheck/),
    );
    expect(mutated((p) => delete p.services.logto!.restart)).toEqual([expect.stringMatching(/^logto: no restart policy/)]);
  });

  it("fails on a depends_on without a waiting condition (Compose normalises a bare list to service_started)", () => {
    expect(mutated((p) => (p.services.app!.depends_on!.seed = { condition: "service_started" }))).toContainEqual(
      expect.stringMatching(/^app: depends_on seed has condition service_started/),
    );
    expect(mutated((p) => (p.services.seed!.depends_on!.logto = {}))).toContainEqual(
      expect.stringMatching(/^seed: depends_on logto has condition \(none\)/),
    );
  });

  it("fails on a healthcheck command the image does not have, and on start_interval", () => {
    expect(mutated((p) => (p.services.caddy!.healthcheck!.test = ["CMD", "curl", "-f", "http://127.0.0.1:2019/config/"]))).toEqual([
      expect.stringMatching(/^caddy: healthcheck runs curl, which caddy:2\.11\.2-alpine does not contain/),
    ]);
    // The stack's Logto image has what the Logto image it is built from has.
    expect(mutated((p) => (p.services.logto!.healthcheck!.test = ["CMD", "curl", "-f", "http://127.0.0.1:3001/api/status"]))).toEqual([
      expect.stringMatching(/^logto: healthcheck runs curl, which svhd\/logto:1\.42\.0 does not contain \(it has: node\)/),
    ]);
    expect(mutated((p) => (p.services.postgres!.healthcheck!.start_interval = "1s"))).toEqual([
      expect.stringMatching(/^postgres: healthcheck.start_interval needs Docker Engine 25/),
    ]);
  });

  it("fails on a one-shot step that nothing long-running waits for (up --wait would exit 1)", () => {
    expect(mutated((p) => delete p.services.app!.depends_on!.seed)).toEqual([
      expect.stringMatching(/^seed: one-shot step that no long-running service waits for/),
    ]);
  });

  it("isPinned and dockerfileBaseImages", () => {
    expect(["postgres:17.9-alpine3.22", "caddy:2.11.2-alpine", "svhd/logto:1.42.0", "node:22.23.0-alpine3.22", `x@sha256:${"a".repeat(64)}`].every(isPinned)).toBe(true);
    expect(["postgres:17-alpine", "caddy:2", "caddy:2.11-alpine", "node:22-alpine", "svhd/logto", "localhost:5000/x"].some(isPinned)).toBe(false);
    expect(dockerfileBaseImages("ARG NODE=node:22.23.0-alpine3.22\nFROM ${NODE} AS deps\nFROM deps AS build\nFROM --platform=linux/amd64 $NODE\n")).toEqual([
      "node:22.23.0-alpine3.22",
      "node:22.23.0-alpine3.22",
    ]);
    // A build arg wins over the ARG default, as in `docker build --build-arg`.
    expect(dockerfileBaseImages("ARG BASE=svhd/logto:1.42.0\nFROM node:22.23.0-alpine3.22 AS build\nFROM ${BASE}\n", { BASE: "mirror/logto:1.43.0" })).toEqual([
      "node:22.23.0-alpine3.22",
      "mirror/logto:1.43.0",
    ]);
  });
});

describe("compose.yaml + compose.sandbox.yaml (the WeChat emulator overlay)", () => {
  it("the merged project follows the same rules", () => {
    const { envFile } = scratchStack(FILLED_SECRETS);
    const r = run("docker", ["compose", "-f", join(REPO, "compose.yaml"), "-f", join(REPO, "compose.sandbox.yaml"), "--env-file", envFile, "config", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const merged = JSON.parse(r.stdout) as ComposeProject;
    expect(Object.keys(merged.services)).toContain("wechat-emulator");
    expect(checkProject(merged, dockerfiles(merged))).toEqual([]);
  });
});
