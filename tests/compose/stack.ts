// One Compose stack of this repository on the Docker engine, run the way a user runs it: a copy of
// the repository (what a fresh clone holds), its own .env, `make` targets, `docker compose`, all
// with a Compose project name of its own. See README.md (API and rules).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { artifactsDir, repoRoot } from "../harness/paths.js";
import { httpRequest, runProcess, sleep, type HttpResponse, type RunResult } from "../harness/processes.js";
import { withDotenv } from "../harness/dotenv.js";
import { defaultDomains } from "../../seed/src/env-rules.js";

/** The compose suites write their .env through this one helper. */
export { withDotenv };

export interface ComposeStackOptions {
  /** Compose project name (COMPOSE_PROJECT_NAME), e.g. "wls-compose-restart": containers, volumes, networks and images carry it. */
  name: string;
  /** compose.yaml + compose.sandbox.yaml (the WeChat emulator) for every command, as COMPOSE_FILE. */
  sandbox?: boolean;
  /** .env lines to set (a value) or delete (undefined) after `make secrets` made it from .env.example.
   *  Without it, .env is left to the first `make up`, as on a fresh clone. */
  dotenv?: Record<string, string | undefined>;
  /** Extra environment of every command (e.g. COMPOSE_FILE with more overlays). */
  env?: Record<string, string>;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
  env?: Record<string, string>;
}

export interface ComposeStack {
  name: string;
  /** The copy of the repository: cwd of every command; holds .env, backups/, the compose files. */
  dir: string;
  envFile: string;
  /** The environment every command gets (PATH, HOME, COMPOSE_PROJECT_NAME, LOGTO_IMAGE, ...). */
  env: Record<string, string>;
  /** `make <target> [VAR=value...]` in the copy. */
  make(target: string, vars?: Record<string, string>, o?: RunOptions): Promise<RunResult>;
  /** `docker compose <args>` in the copy. */
  compose(args: string[], o?: RunOptions): Promise<RunResult>;
  /** One SQL statement on Logto's database, as postgres inside the postgres container; rows as `psql -At` prints them. */
  sql(statement: string): Promise<string>;
  /** A value of the copy's .env. */
  dotenvValue(name: string): string | undefined;
  /** Public host names from .env. */
  domains(): { logto: string; app: string; admin: string };
  /** Caddy's internal root (PEM), copied out of the caddy container. */
  caddyRoot(): Promise<string>;
  /** HTTPS from this machine through Caddy on 127.0.0.1:443, trusting Caddy's root (host names mapped, no resolver change). */
  https(url: string, o?: { method?: string; headers?: Record<string, string>; body?: string }): Promise<HttpResponse>;
  /** Container id of a service ("" when it has none). */
  containerId(service: string): Promise<string>;
  /** docker inspect's State.Health.Status (or State.Status for a service without a healthcheck). */
  health(service: string): Promise<string>;
  /** Wait until `health(service)` is "healthy"; throws with the last state after `timeoutMs`. */
  waitHealthy(service: string, timeoutMs?: number): Promise<void>;
  /** `docker compose down -v --remove-orphans`, then the copy is deleted. Safe to call twice. */
  down(): Promise<void>;
}

const NAME = /^[a-z0-9][a-z0-9_-]*$/;

/** What never goes into the copy when the repository is not a git checkout (an export): .gitignore's kind of files. */
const NOT_COPIED = new Set(["node_modules", ".git", ".next", "dist", "coverage", "backups", ".artifacts", ".env"]);

/** Tracked and untracked-but-not-ignored files of the repository: what a clone of it holds, plus work in progress. */
function repositoryFiles(): string[] {
  if (existsSync(join(repoRoot, ".git"))) {
    const out = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], { cwd: repoRoot, encoding: "utf8" });
    return out.split("\0").filter((f) => f && existsSync(join(repoRoot, f)));
  }
  return readdirSync(repoRoot, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(repoRoot, join(e.parentPath, e.name)))
    .filter((f) => !f.split("/").some((part) => NOT_COPIED.has(part) || (part.startsWith(".env.") && part !== ".env.example")));
}

function failed(what: string, r: RunResult): Error {
  const tail = `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-40).join("\n");
  return new Error(`${what} exited with ${r.code}:\n${tail}`);
}

/** Make the copy and the environment; starts nothing. */
export function composeStack(o: ComposeStackOptions): ComposeStack {
  if (!NAME.test(o.name)) throw new Error(`compose stack name "${o.name}" is not a Compose project name; use lower-case letters, digits, - and _`);
  const dir = join(artifactsDir, "compose", o.name);
  rmSync(dir, { recursive: true, force: true });
  for (const file of repositoryFiles()) {
    if (file.startsWith("tests/.artifacts/")) continue;
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    // A tracked symbolic link (tests/logto-standin/connectors/) is copied as the link itself.
    cpSync(join(repoRoot, file), join(dir, file), { recursive: true, verbatimSymlinks: true });
  }
  const envFile = join(dir, ".env");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    COMPOSE_PROJECT_NAME: o.name,
    // Which Logto image (tests/logto-standin/Dockerfile, or the official one when unset).
    ...(process.env.LOGTO_IMAGE ? { LOGTO_IMAGE: process.env.LOGTO_IMAGE } : {}),
    ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
    ...(o.sandbox ? { COMPOSE_FILE: "compose.yaml:compose.sandbox.yaml" } : {}),
    ...o.env,
  };

  const run = (name: string, command: string, args: string[], r: RunOptions = {}) =>
    runProcess({ name, command, args, cwd: dir, env: { ...env, ...r.env }, timeoutMs: r.timeoutMs ?? 600_000, input: r.input });

  const dotenvValue = (name: string): string | undefined => {
    if (!existsSync(envFile)) return undefined;
    let value: string | undefined;
    for (const line of readFileSync(envFile, "utf8").split("\n")) {
      const m = /^\s*([A-Z0-9_]+)=(.*)$/.exec(line);
      if (m && m[1] === name) value = m[2]!.trim().replace(/^(["'])(.*)\1$/, "$2");
    }
    return value;
  };

  if (o.dotenv) {
    execFileSync("sh", [join(dir, "scripts/env/generate-secrets.sh"), envFile], { cwd: dir, env, stdio: "ignore" });
    writeFileSync(envFile, withDotenv(readFileSync(envFile, "utf8"), o.dotenv), { mode: 0o600 });
  }

  let root: string | undefined;
  let removed = false;
  const stack: ComposeStack = {
    name: o.name,
    dir,
    envFile,
    env,
    make: (target, vars = {}, r) => run(`make ${target}`, "make", [target, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], r),
    compose: (args, r) => run(`docker compose ${args[0] ?? ""}`, "docker", ["compose", ...args], r),
    async sql(statement) {
      const r = await stack.compose(["exec", "-T", "postgres", "psql", "-U", "postgres", "-d", "logto", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", statement]);
      if (r.code !== 0) throw failed(`psql -c ${JSON.stringify(statement)}`, r);
      return r.stdout.trim();
    },
    dotenvValue,
    domains: () => ({
      logto: dotenvValue("LOGTO_DOMAIN") || defaultDomains.LOGTO_DOMAIN,
      app: dotenvValue("APP_DOMAIN") || defaultDomains.APP_DOMAIN,
      admin: dotenvValue("ADMIN_DOMAIN") || defaultDomains.ADMIN_DOMAIN,
    }),
    async caddyRoot() {
      const file = join(dir, ".caddy-root.crt");
      const r = await stack.compose(["cp", "caddy:/data/caddy/pki/authorities/local/root.crt", file]);
      if (r.code !== 0) throw failed("docker compose cp caddy:.../root.crt", r);
      root = readFileSync(file, "utf8");
      return root;
    },
    async https(url, r = {}) {
      const d = stack.domains();
      const hosts = Object.fromEntries([d.logto, d.app, d.admin].map((h) => [h, "127.0.0.1"]));
      return httpRequest(url, { ...r, ca: root ?? (await stack.caddyRoot()), hosts, timeoutMs: 30_000 });
    },
    async containerId(service) {
      const r = await stack.compose(["ps", "-q", service]);
      return r.stdout.trim();
    },
    async health(service) {
      const id = await stack.containerId(service);
      if (!id) return "no container";
      const r = await runProcess({ name: "docker inspect", command: "docker", args: ["inspect", "--format", "{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}", id], env });
      return r.stdout.trim() || r.stderr.trim();
    },
    async waitHealthy(service, timeoutMs = 180_000) {
      const deadline = Date.now() + timeoutMs;
      let state = await stack.health(service);
      while (state !== "healthy") {
        if (Date.now() > deadline) throw new Error(`${o.name}: ${service} is "${state}" after ${timeoutMs} ms (docker compose -p ${o.name} logs ${service})`);
        await sleep(1000);
        state = await stack.health(service);
      }
    },
    async down() {
      if (removed) return;
      const r = await stack.compose(["down", "-v", "--remove-orphans"]);
      if (r.code !== 0) throw failed(`docker compose -p ${o.name} down -v`, r);
      removed = true;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
