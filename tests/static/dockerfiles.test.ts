// Our four images (app, seed, wechat-emulator, the doctor): the real Dockerfiles follow the project
// rules (dockerfile-rules.ts), each rule catches a broken file, and Compose and doctor.sh build them
// the same way: context = the repository root, dockerfile = <workspace>/Dockerfile.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { appImageNodeOptions, dockerfileFinalEnv } from "../bench/app-node-options.js";
import { checkDockerfile, checkDockerignore, dockerfileStages, NODE_IMAGE } from "./dockerfile-rules.js";
import { FILLED_SECRETS, REPO, run, scratchStack } from "./util.js";

/** Workspace -> its Dockerfile. */
const IMAGES = { app: "app/Dockerfile", seed: "seed/Dockerfile", "wechat-emulator": "wechat-emulator/Dockerfile", scripts: "scripts/Dockerfile" };
const read = (path: string) => readFileSync(join(REPO, path), "utf8");

describe("Dockerfiles of our images", () => {
  it.each(Object.entries(IMAGES))("%s: %s follows the rules", (workspace, file) => {
    expect(checkDockerfile(file, read(file), workspace)).toEqual([]);
  });

  it("all build on the same pinned Node image", () => {
    const images = new Set(Object.values(IMAGES).flatMap((file) => dockerfileStages(read(file)).map((s) => s.from)).filter((from) => from.includes(":")));
    expect([...images]).toEqual([NODE_IMAGE]);
  });

  const seed = read(IMAGES.seed);
  const broken = (change: (text: string) => string, workspace = "seed") => checkDockerfile("seed/Dockerfile", change(seed), workspace);

  it("fails on another or unpinned base image, and on a single stage", () => {
    expect(broken((t) => t.replace(`ARG NODE_IMAGE=${NODE_IMAGE}`, "ARG NODE_IMAGE=node:22-alpine"))).toContainEqual(
      expect.stringMatching(/^seed\/Dockerfile: stage build is FROM node:22-alpine; use node:22\.23\.0-alpine3\.22/),
    );
    expect(checkDockerfile("x/Dockerfile", `FROM ${NODE_IMAGE}\nCOPY package.json package-lock.json ./\nUSER 1000:1000\n`, "x")).toEqual([
      expect.stringMatching(/^x\/Dockerfile: one stage/),
    ]);
  });

  it("fails without the root lockfile, on npm install, and on npm ci of more than the workspace", () => {
    expect(broken((t) => t.replaceAll("COPY package.json package-lock.json ./", "COPY seed/package.json ./"))).toContainEqual(
      expect.stringMatching(/does not copy the root package\.json and package-lock\.json/),
    );
    expect(broken((t) => t.replace("RUN npm ci --workspace seed", "RUN npm install --workspace seed"))).toContainEqual(
      expect.stringMatching(/stage build runs "npm install --workspace seed.*"; install with npm ci/),
    );
    expect(broken((t) => t.replace(" --include-workspace-root=false --omit=dev", " --omit=dev"))).toEqual([
      expect.stringMatching(/does not install the seed workspace alone; add --workspace seed --include-workspace-root=false/),
    ]);
  });

  it("fails when the final stage gets dev dependencies, the whole workspace folder, or runs as root", () => {
    expect(broken((t) => t.replace(" --omit=dev", ""))).toEqual([
      expect.stringMatching(/the final stage copies node_modules from stage prod-deps, which did not install with --omit=dev/),
      expect.stringMatching(/the final stage copies node_modules from stage prod-deps, which did not install with --omit=dev/),
    ]);
    expect(broken((t) => t.replace("COPY seed/package.json ./seed/\nCOPY --from=build", "COPY seed/ ./seed/\nCOPY --from=build"))).toEqual([
      expect.stringMatching(/the final stage copies seed\/ whole from the context/),
    ]);
    expect(broken((t) => t.replace("USER 1000:1000\n", ""))).toEqual([expect.stringMatching(/the final stage runs as root; end with USER 1000:1000/)]);
  });
});

describe("the app image's V8 heap budget (what npm run bench runs the app with)", () => {
  it("app/Dockerfile sets NODE_OPTIONS with a heap limit in its final stage, and the bench reads it", () => {
    expect(appImageNodeOptions()).toMatch(/--max-old-space-size=\d+/);
    expect(dockerfileFinalEnv(read(IMAGES.app))).toMatchObject({ NODE_ENV: "production", HOSTNAME: "0.0.0.0", NODE_OPTIONS: appImageNodeOptions() });
  });

  it("the bench's Dockerfile reader: final stage only, continuations, comments, quotes", () => {
    const text = [
      "FROM node AS build",
      "ENV NODE_OPTIONS=--build-only",
      "FROM node AS runtime",
      "ENV A=1 \\",
      "    # a comment inside the continuation",
      '    B="two words" \\',
      "    C='x y'",
      'ENV NODE_OPTIONS="--max-old-space-size=64 --max-semi-space-size=2"',
      "ENV LEGACY value with spaces",
    ].join("\n");
    expect(dockerfileFinalEnv(text)).toEqual({ A: "1", B: "two words", C: "x y", NODE_OPTIONS: "--max-old-space-size=64 --max-semi-space-size=2", LEGACY: "value with spaces" });
    expect(appImageNodeOptions("FROM node\nENV PORT=3000\n")).toBe("");
  });
});

describe("build contexts", () => {
  function composeBuilds(files: string[]): Record<string, { context: string; dockerfile?: string; args?: Record<string, string> }> {
    const { envFile } = scratchStack(FILLED_SECRETS);
    const r = run("docker", ["compose", ...files.flatMap((f) => ["-f", join(REPO, f)]), "--env-file", envFile, "config", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const services = (JSON.parse(r.stdout) as { services: Record<string, { build?: { context: string; dockerfile?: string } }> }).services;
    return Object.fromEntries(Object.entries(services).flatMap(([name, s]) => (s.build ? [[name, s.build]] : [])));
  }

  it("Compose builds app, seed, the emulator and Logto (with connectors/wechat) from the repository root with <workspace>/Dockerfile", () => {
    const builds = composeBuilds(["compose.yaml", "compose.sandbox.yaml"]);
    expect(builds).toEqual({
      app: { context: REPO, dockerfile: IMAGES.app },
      logto: { context: REPO, dockerfile: "connectors/wechat/Dockerfile", args: { LOGTO_BASE_IMAGE: "svhd/logto:1.42.0" } },
      seed: { context: REPO, dockerfile: IMAGES.seed },
      "wechat-emulator": { context: REPO, dockerfile: IMAGES["wechat-emulator"] },
      backup: { context: REPO, dockerfile: "backup/Dockerfile" },
    });
  });

  it("the backup image builds on the stack's own PostgreSQL image (pg_dump of the server's version)", () => {
    const postgres = /^ {2}postgres:\n(?: {4}.*\n)*? {4}image: (\S+)$/m.exec(read("compose.yaml"))?.[1];
    expect(postgres).toMatch(/^postgres:\d/);
    expect(dockerfileStages(read("backup/Dockerfile")).map((s) => s.from)).toEqual([postgres]);
  });

  it("doctor.sh builds scripts/Dockerfile from the repository root", () => {
    expect(read("scripts/doctor.sh")).toMatch(/docker build [^\n]*-f "\$STACK_DIR\/scripts\/Dockerfile" "\$STACK_DIR"/);
  });

  it("one root .dockerignore keeps dependencies, build output, secrets, backups and test artifacts out; no per-image one overrides it", () => {
    expect(existsSync(join(REPO, ".dockerignore"))).toBe(true);
    expect(checkDockerignore(read(".dockerignore"))).toEqual([]);
    expect(checkDockerignore("**/node_modules\n**/dist\n")).toContainEqual(".dockerignore: missing **/.env; it must stay out of every build context");
    const others: string[] = [];
    // .artifacts: test output (the Compose suite copies the repository there), never a build context.
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory() && !["node_modules", ".git", ".next", ".artifacts"].includes(entry.name)) walk(join(dir, entry.name));
        else if (entry.isFile() && entry.name.endsWith(".dockerignore") && dir !== REPO) others.push(relative(REPO, join(dir, entry.name)));
      }
    };
    walk(REPO);
    expect(others).toEqual([]);
  });
});
