// Issue 14, item 1: "images from anywhere" on the engine. A reference registry (Debian's
// docker-registry, tests/compose/registry/) is the ONLY place the stack's images come from: the
// images the stack names with IMAGE_REGISTRY set (PostgreSQL, Logto, Caddy) are pushed into it
// under Docker Hub's paths, as an operator copies them
// into a registry of theirs; the stack then names only registry references, none of which is on
// the engine before `make up`. The shared images under the Docker Hub names stay as they are (other
// suites run on them): the stack simply never names them. `make up` with the one setting pulls
// everything from there (the engine's pull events, the registry's own log) and comes up healthy.
// Logto: the default reference <registry>/svhd/logto:<LOGTO_VERSION> (LOGTO_IMAGE emptied), run as
// it is, which in this registry holds LOGTO_IMAGE of the run (the stand-in in CI), or svhd/logto itself.
// Issue 14, item 2: the project's own images (seed, app, backup, connector-wechat) are pulled like
// the others, under <registry>/wechat-logto-stack/<name>:<release>, as an operator copies the
// released ones from ghcr.io (here: this engine's local builds under those names, .ci/run or
// `make build`): `make up` builds nothing, the WeChat connector included (its Dockerfile is gone too).
// Bad input: the same registry under another path with one image missing: `make up` names it, where
// from and the setting, and starts nothing.
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, pollUntil, runProcess, type RunResult } from "../harness/processes.js";
import { repoRoot } from "../harness/paths.js";
import { composeStack, type ComposeStack } from "./stack.js";

const NAME = "wls-14-registry";
const MISSING_NAME = "wls-14-registry-missing";
const REGISTRY_IMAGE = "wechat-logto-stack/test-registry:2.8";
const REGISTRY_CONTAINER = `${NAME}-registry`;

const docker = (args: string[], timeoutMs = 600_000): Promise<RunResult> => runProcess({ name: `docker ${args[0]}`, command: "docker", args, timeoutMs });
async function ok(args: string[]): Promise<string> {
  const r = await docker(args);
  if (r.code !== 0) throw new Error(`docker ${args.join(" ")} exited with ${r.code}:\n${r.stderr.trim().split("\n").slice(-20).join("\n")}`);
  return r.stdout.trim();
}

let registry = "";
let stack: ComposeStack;
/** Registry reference -> the local image pushed under it. */
const pushed = new Map<string, string>();
let pulls: string[] = [];
/** Registry references that were on the engine right before `make up` (none, or the test proves nothing). */
const presentBefore: string[] = [];
let up: RunResult;
/** When `make up` began (seconds since the epoch, for docker events and logs --since). */
let since = "";

/** Service -> the image it pulls, from `docker compose config`: every service's (the stack builds none). */
async function stackImages(of: ComposeStack = stack): Promise<Record<string, string>> {
  const r = await of.compose(["config", "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  const services = (JSON.parse(r.stdout) as { services: Record<string, { image: string }> }).services;
  return Object.fromEntries(Object.entries(services).map(([name, s]) => [name, s.image]));
}

/** The image on this engine that stands for a registry reference: Docker Hub's name, the project's own as compose.yaml names
 *  the released one (ghcr.io, built here), or for Logto the run's LOGTO_IMAGE. */
function localSource(ref: string, prefix = registry): string {
  const path = ref.slice(prefix.length + 1);
  if (path.startsWith("svhd/logto:") && process.env.LOGTO_IMAGE) return process.env.LOGTO_IMAGE;
  if (path.startsWith("wechat-logto-stack/")) return `ghcr.io/${path}`;
  return path.replace(/^library\//, "");
}
/** The Dockerfiles of the images `make up` must pull, not build: removed from the stack's copy before it runs. */
const NOT_BUILT = ["seed/Dockerfile", "app/Dockerfile", "backup/Dockerfile", "connectors/wechat/Dockerfile"];
/** The project's services and the repository of the image each pulls. */
const PROJECT_IMAGES = { seed: "seed", app: "app", backup: "backup", "logto-connectors": "connector-wechat" };

beforeAll(async () => {
  await ok(["build", "-q", "-t", REGISTRY_IMAGE, join(repoRoot, "tests/compose/registry")]);
  await docker(["rm", "-f", REGISTRY_CONTAINER]);
  // 127.0.0.1 with a port the engine picks: plain HTTP, which Docker allows for 127.0.0.0/8.
  await ok(["run", "-d", "--name", REGISTRY_CONTAINER, "-p", "127.0.0.1::5000", REGISTRY_IMAGE]);
  const port = (await ok(["port", REGISTRY_CONTAINER, "5000/tcp"])).split("\n")[0]!.replace(/.*:/, "");
  registry = `127.0.0.1:${port}`;
  await pollUntil(
    async () => {
      const res = await httpRequest(`http://${registry}/v2/`, { timeoutMs: 5000 });
      if (res.status !== 200) throw new Error(`GET /v2/ answered ${res.status}`);
    },
    { service: "registry", waitingFor: `http://${registry}/v2/ to answer 200`, timeoutMs: 60_000, intervalMs: 500 },
  );
  console.info(`[compose ${NAME}] registry ${registry}; Logto from ${process.env.LOGTO_IMAGE || "svhd/logto (official)"}`);

  stack = composeStack({ name: NAME, dotenv: { IMAGE_REGISTRY: registry }, env: { LOGTO_IMAGE: "" } });
  const refs = [...new Set(Object.values(await stackImages()))];
  for (const ref of refs) {
    const source = localSource(ref);
    await ok(["tag", source, ref]);
    await ok(["push", ref]);
    // Only the tag of this run's registry goes; the image stays under its own names.
    await ok(["rmi", ref]);
    pushed.set(ref, source);
  }
  for (const ref of pushed.keys()) if ((await docker(["image", "inspect", ref])).code === 0) presentBefore.push(ref);
  console.info(`[compose ${NAME}] pushed: ${[...pushed].map(([ref, src]) => `${src} -> ${ref}`).join(", ")}`);

  // A fresh host with the images available: nothing to build them from (a build would fail, not pass).
  for (const file of NOT_BUILT) rmSync(join(stack.dir, file));
  since = String(Math.floor(Date.now() / 1000) - 1);
  up = await stack.make("up");
  const until = String(Math.floor(Date.now() / 1000) + 1);
  const events = await ok(["events", "--since", since, "--until", until, "--filter", "type=image", "--filter", "event=pull", "--format", "{{.Actor.ID}}"]);
  pulls = events.split("\n").filter(Boolean);

  console.info(`[compose ${NAME}] make up: exit ${up.code} in ${Math.round(up.durationMs / 1000)} s; engine pulls: ${pulls.join(", ") || "none"}`);
});

afterAll(async () => {
  await stack?.down();
  await docker(["rm", "-f", "-v", REGISTRY_CONTAINER]);
  // The references `make up` pulled: tags of this run's registry only (the images keep their other names).
  for (const ref of pushed.keys()) await docker(["rmi", ref]);
});

describe("IMAGE_REGISTRY: every image from one registry", () => {
  it("the stack names only references of the registry, and none was on the engine before `make up`", async () => {
    const images = await stackImages();
    // Every service pulls: Logto the registry's svhd/logto as it is; the project's seed, app, backup
    // and WeChat connector from the registry's wechat-logto-stack/.
    expect(Object.keys(images).sort()).toEqual(["app", "backup", "caddy", "logto", "logto-connectors", "postgres", "prepare", "seed"]);
    for (const ref of Object.values(images)) expect(ref.startsWith(`${registry}/`), ref).toBe(true);
    expect(images.logto).toMatch(new RegExp(`^${registry}/svhd/logto:[0-9]+\\.[0-9]+\\.[0-9]+$`));
    for (const [service, name] of Object.entries(PROJECT_IMAGES)) expect(images[service]).toMatch(new RegExp(`^${registry}/wechat-logto-stack/${name}:[0-9]+\\.[0-9]+\\.[0-9]+$`));
    expect([...pushed.keys()].sort()).toEqual([...new Set(Object.values(images))].sort());
    expect(presentBefore).toEqual([]);
  });

  it("`make up` comes up healthy", async () => {
    expect(up.code, `${up.stdout}\n${up.stderr}`.trim().split("\n").slice(-40).join("\n")).toBe(0);
    expect(up.stdout).toContain("The stack is up.");
    const ps = await stack.compose(["ps", "-a", "--format", "{{.Service}} {{.State}} {{.Health}} {{.ExitCode}}"]);
    const states = Object.fromEntries(
      ps.stdout
        .trim()
        .split("\n")
        .map((l) => l.split(" "))
        .map(([service, state, health, code]) => [service!, state === "exited" ? `exited (${code})` : health || state!]),
    );
    expect(states).toEqual({ app: "healthy", backup: "healthy", caddy: "healthy", logto: "healthy", "logto-connectors": "exited (0)", postgres: "healthy", prepare: "exited (0)", seed: "exited (0)" });
    const health = await stack.https(`https://${stack.domains().app}/api/health`);
    expect(health.status).toBe(200);
  });

  it("the engine pulled every image the stack runs from the registry, and the containers run those references", async () => {
    const images = await stackImages();
    for (const ref of new Set(Object.values(images))) expect(pulls, `no pull event for ${ref}`).toContain(ref);
    for (const [service, ref] of Object.entries(images)) {
      // -a: the one-shot steps have exited
      const id = (await stack.compose(["ps", "-a", "-q", service])).stdout.trim();
      expect(await ok(["inspect", "--format", "{{.Config.Image}}", id]), service).toBe(ref);
    }
    const label = await ok(["inspect", "--format", '{{index .Config.Labels "org.wechat-logto-stack.logto"}}', await stack.containerId("logto")]);
    console.info(`[compose ${NAME}] Logto: ${label === "standin" ? "the stand-in" : "a real Logto"}, run as it is from ${registry}/svhd/logto`);
  });

  it("`make up` built none of the project's images (their Dockerfiles were gone): seed, app, backup and the connector's run the pushed images", async () => {
    const images = await stackImages();
    for (const file of NOT_BUILT) expect(existsSync(join(stack.dir, file)), file).toBe(false);
    for (const service of Object.keys(PROJECT_IMAGES)) {
      const id = (await stack.compose(["ps", "-a", "-q", service])).stdout.trim();
      // The same image (its id is its configuration's digest), pulled back from the registry.
      expect(await ok(["inspect", "--format", "{{.Image}}", id]), service).toBe(await ok(["image", "inspect", "--format", "{{.Id}}", pushed.get(images[service]!)!]));
    }
    expect(up.stdout + up.stderr).not.toMatch(/\[(seed|app|backup|logto-connectors) [^\]]*\]/);
    expect(up.stdout + up.stderr).not.toMatch(/Building/);
  });

  it("the registry served every image during `make up`: its log has a manifest request for each", async () => {
    const log = await docker(["logs", "--since", since, REGISTRY_CONTAINER]);
    const requests = `${log.stdout}\n${log.stderr}`;
    for (const ref of pushed.keys()) {
      const path = ref.slice(registry.length + 1);
      const colon = path.lastIndexOf(":");
      const pattern = new RegExp(`"(GET|HEAD) /v2/${path.slice(0, colon)}/manifests/${path.slice(colon + 1).replaceAll(".", "\\.")} HTTP/1\\.1" 200 `);
      expect(requests, `the registry never served ${ref}`).toMatch(pattern);
    }
  });
});

describe("an image the registry does not have", () => {
  let missing: ComposeStack;
  let result: RunResult;
  let appRef = "";
  const partial = (): string => `${registry}/partial`;
  const partialRefs: string[] = [];

  beforeAll(async () => {
    missing = composeStack({ name: MISSING_NAME, dotenv: { IMAGE_REGISTRY: partial() }, env: { LOGTO_IMAGE: "" } });
    const images = await stackImages(missing);
    appRef = images.app!;
    // Every image but the app's, under the registry's path `partial`.
    for (const ref of new Set(Object.values(images))) {
      if (ref === appRef) continue;
      await ok(["tag", localSource(ref, partial()), ref]);
      await ok(["push", ref]);
      await ok(["rmi", ref]);
      partialRefs.push(ref);
    }
    result = await missing.make("up");
  });

  afterAll(async () => {
    await missing?.down();
    for (const ref of partialRefs) await docker(["rmi", ref]);
  });

  it("`make up` stops before starting anything (exit 4), naming the image, the registry it came from and the setting", async () => {
    // up.sh's exit 4, as make reports it (make itself exits 2).
    expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(2);
    expect(result.stderr).toMatch(/^make: \*\*\* \[Makefile:[0-9]+: up\] Error 4$/m);
    expect(appRef).toBe(`${partial()}/wechat-logto-stack/app:${appRef.replace(/.*:/, "")}`);
    expect(result.stderr).toContain(`error: image ${appRef} (service app) cannot be pulled from ${registry}.`);
    expect(result.stderr).toMatch(/docker pull: .*(manifest unknown|not found)/);
    expect(result.stderr).toContain(`Fix: IMAGE_REGISTRY=${partial()} names it: copy wechat-logto-stack/app:`);
    expect(result.stderr).toContain("or set APP_IMAGE to a reference that can be pulled");
    // The only one: every other image was there (and pulled).
    expect(result.stderr.match(/^error: image /gm)).toHaveLength(1);
    expect(result.stderr).toContain("Nothing was started.");
    expect(result.stdout).not.toContain("starting the stack");
    expect((await missing.compose(["ps", "-a", "-q"])).stdout.trim()).toBe("");
    expect(await ok(["network", "ls", "-q", "--filter", `label=com.docker.compose.project=${MISSING_NAME}`])).toBe("");
  });
});
