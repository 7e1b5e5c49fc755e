// Our four images (app, seed, wechat-emulator, the doctor): the real Dockerfiles follow the project
// rules (dockerfile-rules.ts), each rule catches a broken file, and Compose and doctor.sh build them
// the same way: context = the repository root, dockerfile = <workspace>/Dockerfile.
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { appImageNodeOptions, dockerfileFinalEnv } from "../bench/app-node-options.js";
import { checkDockerfile, checkDockerignore, checkRegistries, dockerfileStages, expandDockerfileWord, NODE_IMAGE, NPM_REGISTRY_OPTION } from "./dockerfile-rules.js";
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
    expect(broken((t) => t.replace(`}${NODE_IMAGE}\n`, "}node:22-alpine\n"))).toContainEqual(
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
    expect(broken((t) => t.replace(`RUN npm ci ${NPM_REGISTRY_OPTION} --workspace seed`, "RUN npm install --workspace seed"))).toContainEqual(
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

describe("where images and packages come from (IMAGE_REGISTRY, NODE_IMAGE, NPM_REGISTRY build arguments)", () => {
  /** Every Dockerfile that builds on Node: ours, the connector's Logto image, the Logto stand-in. */
  const NODE_DOCKERFILES = [...Object.values(IMAGES), "connectors/wechat/Dockerfile", "tests/logto-standin/Dockerfile"];

  it.each(NODE_DOCKERFILES)("%s takes NODE_IMAGE (following IMAGE_REGISTRY) and NPM_REGISTRY in every npm install", (file) => {
    expect(checkRegistries(file, read(file))).toEqual([]);
    const stages = dockerfileStages(read(file), { IMAGE_REGISTRY: "127.0.0.1:5000" }).map((s) => s.from);
    expect(stages).toContain(`127.0.0.1:5000/library/${NODE_IMAGE}`);
    expect(dockerfileStages(read(file), { NODE_IMAGE: "mirror.example.cn/node:22.23.0-alpine3.22" }).map((s) => s.from)).toContain("mirror.example.cn/node:22.23.0-alpine3.22");
    expect(dockerfileStages(read(file)).map((s) => s.from)).toContain(NODE_IMAGE);
  });

  it("fails on a base image IMAGE_REGISTRY does not move, an npm ci without NPM_REGISTRY, and NPM_REGISTRY not declared in its stage", () => {
    const seed = read(IMAGES.seed);
    expect(checkRegistries("seed/Dockerfile", seed.replace(/^ARG NODE_IMAGE=.*$/m, `ARG NODE_IMAGE=${NODE_IMAGE}`))).toEqual([
      expect.stringMatching(/^seed\/Dockerfile: stage build is FROM node:22\.23\.0-alpine3\.22 with IMAGE_REGISTRY=registry\.example\.cn:5000; use ARG NODE_IMAGE=\$\{IMAGE_REGISTRY:\+/),
      expect.stringMatching(/stage prod-deps is FROM/),
      expect.stringMatching(/stage runtime is FROM/),
    ]);
    expect(checkRegistries("seed/Dockerfile", seed.replace(`npm ci ${NPM_REGISTRY_OPTION} --workspace seed --include-workspace-root=false --omit=dev`, "npm ci --workspace seed --include-workspace-root=false --omit=dev"))).toEqual([
      expect.stringMatching(/^seed\/Dockerfile: stage prod-deps: "npm ci --workspace seed .*" ignores NPM_REGISTRY; write npm ci \$\{NPM_REGISTRY:\+--registry "\$NPM_REGISTRY"\} \.\.\.$/),
    ]);
    expect(checkRegistries("seed/Dockerfile", seed.replace("ARG NPM_REGISTRY\nRUN npm ci", "RUN npm ci"))).toEqual([
      expect.stringMatching(/^seed\/Dockerfile: stage build uses NPM_REGISTRY without declaring it; add ARG NPM_REGISTRY/),
    ]);
    expect(checkRegistries("x/Dockerfile", `FROM ${NODE_IMAGE} AS a\nFROM a\n`)).toEqual([expect.stringMatching(/^x\/Dockerfile: no ARG NODE_IMAGE=/), expect.stringMatching(/stage a is FROM/)]);
  });

  it("Dockerfile substitution as the builder does it: $X, ${X}, ${X:-d}, ${X:+a}, nested; unknown names stay", () => {
    const args = { R: "reg:5000", E: "" };
    expect(expandDockerfileWord("${R:+${R}/library/}node:1", args)).toBe("reg:5000/library/node:1");
    expect(expandDockerfileWord("${E:+${E}/library/}node:1", args)).toBe("node:1");
    expect(expandDockerfileWord("${E:-$R}/x ${R:-y} $R/${R}", args)).toBe("reg:5000/x reg:5000 reg:5000/reg:5000");
    expect(expandDockerfileWord("${U:+x} $U ${U}", args)).toBe("${U:+x} $U ${U}");
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

  it("Compose builds app, seed, the emulator and the WeChat connector's installer from the repository root with <workspace>/Dockerfile", () => {
    const builds = composeBuilds(["compose.yaml", "compose.sandbox.yaml"]);
    // .env's IMAGE_REGISTRY and NPM_REGISTRY reach every build (empty: Docker Hub, npm's default).
    const args = { IMAGE_REGISTRY: "", NPM_REGISTRY: "" };
    expect(builds).toEqual({
      app: { context: REPO, dockerfile: IMAGES.app, args },
      "logto-connectors": { context: REPO, dockerfile: "connectors/wechat/Dockerfile", args },
      seed: { context: REPO, dockerfile: IMAGES.seed, args },
      "wechat-emulator": { context: REPO, dockerfile: IMAGES["wechat-emulator"], args },
      backup: { context: REPO, dockerfile: "backup/Dockerfile", args: { POSTGRES_IMAGE: "postgres:17.9-alpine3.22" } },
    });
  });

  it("the backup image builds on the stack's own PostgreSQL image (pg_dump of the server's version)", () => {
    const postgres = /^ {2}postgres:\n(?: {4}.*\n)*? {4}image: &postgres-image (\S+)$/m.exec(read("compose.yaml"))?.[1];
    expect(postgres).toMatch(/POSTGRES_IMAGE/);
    expect(/^ {2}backup:\n(?: {4}.*\n)*? {8}POSTGRES_IMAGE: \*postgres-image$/m.test(read("compose.yaml"))).toBe(true);
    // Its default (a plain `docker build`) is compose.yaml's tag.
    const tag = /postgres:(\S+?)\}$/.exec(postgres ?? "")?.[1];
    expect(dockerfileStages(read("backup/Dockerfile")).map((s) => s.from)).toEqual([`postgres:${tag}`]);
  });

  it("doctor.sh builds scripts/Dockerfile from the repository root, from the registries .env names", () => {
    const build = /docker build [^\n]*-f "\$STACK_DIR\/scripts\/Dockerfile" "\$STACK_DIR"/.exec(read("scripts/doctor.sh"))?.[0];
    expect(build).toContain('--build-arg "IMAGE_REGISTRY=$(env_get IMAGE_REGISTRY)"');
    expect(build).toContain('--build-arg "NPM_REGISTRY=$(env_get NPM_REGISTRY)"');
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
