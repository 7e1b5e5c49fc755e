// Issue 14, item 1: one setting (IMAGE_REGISTRY) moves every image of the stack to a registry, each
// image stays replaceable on its own (POSTGRES_IMAGE, LOGTO_IMAGE, CADDY_IMAGE), and every build
// gets IMAGE_REGISTRY and NPM_REGISTRY from .env. Read off `docker compose config` (Compose's own
// interpolation and merge) for every shipped combination of Compose files, and the Dockerfiles'
// FROM lines as the builder substitutes them with the build arguments Compose hands over.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dockerfileStages } from "./dockerfile-rules.js";
import { FILLED_SECRETS, REPO, run, scratchStack } from "./util.js";

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
}
interface Project {
  "x-build-args"?: Record<string, string>;
  services: Record<string, Service>;
}

const COMBINATIONS = [["compose.yaml"], ["compose.yaml", "compose.sandbox.yaml"], ["compose.yaml", "compose.sandbox.yaml", "compose.e2e.yaml"]];
const REGISTRY = "127.0.0.1:5000";

function config(files: string[], overrides: Record<string, string | undefined> = {}): { project: Project; stderr: string } {
  const { envFile } = scratchStack({ ...FILLED_SECRETS, ...overrides });
  const r = run("docker", ["compose", ...files.flatMap((f) => ["-f", join(REPO, f)]), "--env-file", envFile, "config", "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  return { project: JSON.parse(r.stdout) as Project, stderr: r.stderr };
}

/** service -> the image it pulls, or for a built one every base image of its Dockerfile with Compose's build args. */
function sources(project: Project): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(project.services).map(([name, s]) => {
      if (!s.build) return [name, [s.image!]];
      const text = readFileSync(join(s.build.context, s.build.dockerfile), "utf8");
      const stages = dockerfileStages(text, s.build.args ?? {});
      const own = new Set(stages.map((st) => st.name));
      return [name, [...new Set(stages.map((st) => st.from).filter((f) => !own.has(f)))]];
    }),
  );
}

describe("IMAGE_REGISTRY: every image from one registry", () => {
  it.each(COMBINATIONS.map((c) => [c.join(" + "), c] as const))("%s: empty = Docker Hub names, as before, and no warning", (_, files) => {
    const { project, stderr } = config(files);
    expect(stderr).toBe("");
    for (const refs of Object.values(sources(project))) {
      for (const ref of refs) expect(ref).toMatch(/^(postgres|caddy|node|svhd\/logto):/);
    }
    // logto: the official image as it is; its connector's image is built on node (connectors/wechat/Dockerfile).
    expect(sources(project)).toMatchObject({ postgres: [expect.stringMatching(/^postgres:/)], logto: ["svhd/logto:1.42.0"], "logto-connectors": [expect.stringMatching(/^node:/)], app: [expect.stringMatching(/^node:/)] });
  });

  it("an .env from before these settings (no IMAGE_REGISTRY or NPM_REGISTRY line) gives the same, without Compose warnings", () => {
    const { project, stderr } = config(["compose.yaml"], { IMAGE_REGISTRY: undefined, NPM_REGISTRY: undefined, POSTGRES_IMAGE: undefined, CADDY_IMAGE: undefined });
    expect(stderr).toBe("");
    expect(sources(project)).toEqual(sources(config(["compose.yaml"]).project));
  });

  it.each(COMBINATIONS.map((c) => [c.join(" + "), c] as const))("%s: set, every pulled image and every build's base is under it, Docker Hub's path and tag kept", (_, files) => {
    const hub = sources(config(files).project);
    const { project, stderr } = config(files, { IMAGE_REGISTRY: REGISTRY });
    expect(stderr).toBe("");
    const moved = sources(project);
    expect(Object.keys(moved)).toEqual(Object.keys(hub));
    for (const [service, refs] of Object.entries(moved)) {
      // postgres:17.9-alpine3.22 -> 127.0.0.1:5000/library/postgres:17.9-alpine3.22; svhd/logto:x -> 127.0.0.1:5000/svhd/logto:x
      expect(refs, service).toEqual(hub[service]!.map((ref) => `${REGISTRY}/${ref.includes("/") ? ref : `library/${ref}`}`));
    }
  });

  it("NPM_REGISTRY and IMAGE_REGISTRY reach every build as build arguments; compose.sandbox.yaml's are compose.yaml's", () => {
    const { project } = config(["compose.yaml", "compose.sandbox.yaml"], { IMAGE_REGISTRY: REGISTRY, NPM_REGISTRY: "https://registry.npmmirror.com" });
    const args = { IMAGE_REGISTRY: REGISTRY, NPM_REGISTRY: "https://registry.npmmirror.com" };
    const built = Object.entries(project.services).filter(([, s]) => s.build);
    expect(built.map(([name]) => name).sort()).toEqual(["app", "backup", "logto-connectors", "seed", "wechat-emulator"]);
    for (const [name, s] of built) {
      // The backup image is no npm build: it is FROM the postgres service's image, registry included.
      if (name === "backup") expect(s.build!.args).toEqual({ POSTGRES_IMAGE: project.services.postgres!.image });
      else expect(s.build!.args).toEqual(args);
    }
    expect(project.services.postgres!.image).toMatch(new RegExp(`^${REGISTRY.replaceAll(".", "\\.")}/library/postgres:`));
    expect(project["x-build-args"]).toEqual(args);
  });

  it("each image stays replaceable on its own; the others stay under IMAGE_REGISTRY; prepare and caddy run one Caddy image", () => {
    const own = { POSTGRES_IMAGE: "pg.example.cn/db/postgres:17.9", LOGTO_IMAGE: "ghcr.io/logto-io/logto:1.42.0", CADDY_IMAGE: "reg.example.cn/caddy-dns:2.11.2" };
    for (const [name, ref] of Object.entries(own)) {
      const { project } = config(["compose.yaml"], { IMAGE_REGISTRY: REGISTRY, [name]: ref });
      const images = Object.fromEntries(Object.entries(project.services).flatMap(([n, s]) => (s.build ? [] : [[n, s.image!]])));
      const replaced = { POSTGRES_IMAGE: ["postgres"], LOGTO_IMAGE: ["logto"], CADDY_IMAGE: ["prepare", "caddy"] }[name]!;
      for (const [service, image] of Object.entries(images)) {
        if (replaced.includes(service)) expect(image, service).toBe(ref);
        else expect(image, service).toMatch(new RegExp(`^${REGISTRY.replaceAll(".", "\\.")}/`));
      }
      expect(images.prepare).toBe(images.caddy);
    }
  });

  it("each pinned tag is written once in compose.yaml", () => {
    const text = readFileSync(join(REPO, "compose.yaml"), "utf8");
    const tags = [...text.matchAll(/\b(postgres|caddy|svhd\/logto):[0-9$][^\s}]*/g)].map((m) => m[0]);
    expect(tags.length).toBeGreaterThan(0);
    expect(tags).toEqual([...new Set(tags)]);
  });

  it(".ci/run still gives the look-alike images the pinned Docker Hub names (its aliases read the defaults)", () => {
    const fn = /^lab_aliases\(\) \{\n[\s\S]*?\n\}\n/m.exec(readFileSync(join(REPO, ".ci/run"), "utf8"))?.[0];
    expect(fn).toBeDefined();
    const r = run("bash", ["-c", `${fn}\nlab_aliases`], { env: { ROOT: REPO } });
    expect(r.code, r.stderr).toBe(0);
    const pinned = Object.values(sources(config(["compose.yaml", "compose.sandbox.yaml"]).project)).flat().filter((ref) => !ref.includes("/"));
    expect(pinned.length).toBeGreaterThan(0);
    for (const ref of pinned) expect(r.stdout.trim().split(" ")).toContainEqual(expect.stringMatching(new RegExp(`=${ref.replaceAll(".", "\\.")}$`)));
  });
});
