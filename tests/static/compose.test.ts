// `docker compose config` with the real Compose v2 parser, for the shipped .env.example (must refuse:
// its secrets are empty), the no-edit default (`make up` on a fresh clone) and a full VPS setup.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { LOGTO_START_COMMAND } from "../harness/logto.js";
import { FILLED_SECRETS, REPO, run, scratchStack, VPS_ENV } from "./util.js";

const COMPOSE_FILE = join(REPO, "compose.yaml");

function compose(envFile: string, ...args: string[]) {
  return run("docker", ["compose", "-f", COMPOSE_FILE, "--env-file", envFile, ...args]);
}

interface ServiceJson {
  entrypoint?: string[];
  command?: string[];
  secrets?: Array<{ source: string; target?: string }>;
  labels?: Record<string, string>;
  init?: boolean;
  environment?: Record<string, string | null>;
  image?: string;
  build?: { context: string; dockerfile?: string; args?: Record<string, string> };
  networks?: Record<string, { aliases?: string[] } | null>;
  volumes?: Array<{ type: string; source?: string; target: string; read_only?: boolean }>;
  depends_on?: Record<string, { condition: string }>;
}

interface ProjectJson {
  services: Record<string, ServiceJson>;
  secrets?: Record<string, { environment?: string; file?: string }>;
}

function project(envFile: string): ProjectJson {
  const r = compose(envFile, "config", "--format", "json");
  expect(r.stderr, "docker compose config failed").not.toMatch(/error|invalid/i);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as ProjectJson;
}

function resolved(envFile: string): Record<string, ServiceJson> {
  return project(envFile).services;
}

/** The shell line compose.yaml's logto entrypoint runs first: DB_URL from the password file. */
const LOGTO_DB_URL_FROM_FILE =
  `pw=$(cat /run/secrets/postgres_password) && [ -n "$pw" ] || { echo 'logto: /run/secrets/postgres_password is empty or missing: set POSTGRES_PASSWORD in .env (make secrets)' >&2; exit 2; }; ` +
  `export DB_URL="postgres://postgres:$pw@postgres:5432/logto"; exec sh -c "$1"`;

describe("docker compose config (Compose v2 parser)", () => {
  it("Compose v2 is installed (.ci/run installs it)", () => {
    const r = run("docker", ["compose", "version"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/version v?2\./);
  });

  it(".env.example as shipped: Compose would hand its empty secrets over as empty files, so `make up`'s check refuses it, naming each and `make secrets`", () => {
    expect(compose(join(REPO, ".env.example"), "config", "-q").code).toBe(0);
    const { dir } = scratchStack();
    const r = run("sh", [join(REPO, "scripts/env/validate.sh"), join(REPO, ".env.example")], { env: { STACK_DIR: dir } });
    expect(r.code).toBe(2);
    for (const name of ["POSTGRES_PASSWORD", "AUTH_SECRET", "LOGTO_ADMIN_PASSWORD"]) expect(r.stderr).toMatch(new RegExp(`^ERROR ${name} is empty\\. .*make secrets`, "m"));
  });

  it("an .env without LOGTO_VERSION: Compose refuses (no silent default on an upgraded database), naming make check-env", () => {
    const { envFile } = scratchStack({ ...FILLED_SECRETS, LOGTO_VERSION: undefined });
    const r = compose(envFile, "config", "-q");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("LOGTO_VERSION is not set in .env and has no default (the database may be one make upgrade altered); make check-env names the version to set");
  });

  it("the no-edit default (.env.example + `make secrets`) passes and resolves to the local URLs", () => {
    const { dir, envFile } = scratchStack();
    const gen = run("sh", [join(REPO, "scripts/env/generate-secrets.sh")], { env: { STACK_DIR: dir } });
    expect(gen.code, gen.stderr).toBe(0);

    const q = compose(envFile, "config", "-q");
    expect(q.stderr).toBe("");
    expect(q.code).toBe(0);

    const s = resolved(envFile);
    // The official image of the pinned release, as it is; the WeChat connector from the volume the
    // one-shot logto-connectors fills from its released image, mounted read-only where Logto loads connectors.
    expect(s.logto!.image).toBe("svhd/logto:1.42.0");
    expect(s.logto!.build).toBeUndefined();
    expect(s.logto!.volumes).toEqual([
      expect.objectContaining({ type: "volume", source: "logto-connectors", target: "/etc/logto/packages/core/connectors/@wechat-logto-stack-connector-wechat", read_only: true }),
    ]);
    expect(s.logto!.depends_on).toMatchObject({ "logto-connectors": { condition: "service_completed_successfully" } });
    expect(s["logto-connectors"]!.image).toBe("ghcr.io/wechat-logto-stack/connector-wechat:0.1.0");
    expect(s["logto-connectors"]!.volumes).toEqual([expect.objectContaining({ type: "volume", source: "logto-connectors", target: "/target" })]);
    // A new connector image recreates Logto, which loads connectors only when it starts.
    expect(s.logto!.labels).toEqual({ "org.wechat-logto-stack.connector-image": s["logto-connectors"]!.image });
    expect(s.logto!.environment).toMatchObject({
      ENDPOINT: "https://auth.localhost",
      ADMIN_ENDPOINT: "https://admin.localhost",
      TRUST_PROXY_HEADER: "1",
    });
    expect(s.logto!.environment!.DB_URL).toBeUndefined();
    expect(s.app!.environment).toMatchObject({
      AUTH_URL: "https://app.localhost",
      AUTH_LOGTO_ISSUER: "https://auth.localhost/oidc",
      APP_CREDENTIALS_FILE: "/run/app-credentials/logto-client.json",
      NODE_EXTRA_CA_CERTS: "/run/caddy-ca/root.crt",
      WECHAT_ENABLED: "",
      LEGAL_DIR: "/srv/legal",
    });
    expect(s.caddy!.environment).toMatchObject({
      TLS_MODE: "internal",
      ACME_EMAIL_OPTION: "",
      ADMIN_ALLOW_FROM: "0.0.0.0/0 ::/0",
    });
    expect(s.caddy!.networks!.default!.aliases).toEqual(["auth.localhost", "app.localhost", "admin.localhost"]);
  });

  it("Logto: DB_URL from the password file, then seed, alteration deploy, then node itself (as the harness starts it) under an init", () => {
    const { envFile } = scratchStack(FILLED_SECRETS);
    const s = resolved(envFile);
    // `config` writes a literal `$` as `$$` (its output is Compose input again).
    expect(s.logto!.entrypoint!.map((arg) => arg.replaceAll("$$", "$"))).toEqual(["sh", "-c", LOGTO_DB_URL_FROM_FILE, "logto"]);
    expect(s.logto!.command).toEqual([`npm run cli db seed -- --swe && npm run alteration deploy latest && ${LOGTO_START_COMMAND}`]);
    // node as PID 1 ignores SIGTERM (Logto installs no handler): docker-init passes it on.
    expect(s.logto!.init).toBe(true);
  });

  it("a full VPS configuration passes and reaches every service", () => {
    const { envFile } = scratchStack(VPS_ENV);
    const s = resolved(envFile);
    expect(s.logto!.environment!.ENDPOINT).toBe("https://auth.example.cn");
    expect(s.caddy!.environment).toMatchObject({
      TLS_MODE: "acme",
      ACME_EMAIL_OPTION: "email ops@example.cn",
      ADMIN_ALLOW_FROM: "203.0.113.7/32 2001:db8::/32",
    });
    expect(s.app!.environment).toMatchObject({
      WECHAT_ENABLED: "true",
      AUTH_LOGTO_ID: "my-client-id",
      ICP_LICENSE: "京ICP备12345678号-1",
    });
    expect(s.seed!.environment).toMatchObject({
      WECHAT_APP_ID: "wx0123456789abcdef",
      WECHAT_OA_APP_ID: "wxABCDEF0123456789",
      WECHAT_OA_APP_SECRET_FILE: "/run/secrets/wechat_oa_app_secret",
      SIGN_IN_METHODS: "wechat,password",
      LOGTO_ADMIN_USERNAME: "root_admin",
      LOGTO_INTERNAL_URL: "http://logto:3001",
      // The seed skips its credentials file when the operator brings the app's own client.
      AUTH_LOGTO_ID: "my-client-id",
      AUTH_LOGTO_SECRET_FILE: "/run/secrets/auth_logto_secret",
    });
  });

  it("a private ACME CA (ACME_CA, ACME_CA_ROOT): Caddy's two option lines, the root file mounted read-only into Caddy and `prepare`; unset, neither line and /dev/null", () => {
    const mount = (s: Record<string, ServiceJson>, service: string) => s[service]!.volumes!.find((v) => v.target === "/run/acme-ca/root.pem");
    const set = resolved(scratchStack({ ...VPS_ENV, ACME_CA: "https://ca.example.net/acme/acme/directory", ACME_CA_ROOT: "./acme-ca-root.pem" }).envFile);
    expect(set.caddy!.environment).toMatchObject({
      ACME_CA_OPTION: "acme_ca https://ca.example.net/acme/acme/directory",
      ACME_CA_ROOT_OPTION: "acme_ca_root /run/acme-ca/root.pem",
    });
    for (const service of ["caddy", "prepare"]) {
      // Relative to the project directory, as .env.example says.
      expect(mount(set, service), service).toEqual({ type: "bind", source: join(REPO, "acme-ca-root.pem"), target: "/run/acme-ca/root.pem", read_only: true });
    }
    const unset = resolved(scratchStack(VPS_ENV).envFile);
    expect(unset.caddy!.environment).toMatchObject({ ACME_CA_OPTION: "", ACME_CA_ROOT_OPTION: "" });
    for (const service of ["caddy", "prepare"]) expect(mount(unset, service)?.source, service).toBe("/dev/null");
  });

  it("every secret of .env reaches only the services that need it, as a file under /run/secrets, never as a value in the model", () => {
    const { envFile } = scratchStack({ ...FILLED_SECRETS, ...VPS_ENV });
    const p = project(envFile);
    expect(p.secrets).toEqual({
      postgres_password: { name: expect.any(String), environment: "POSTGRES_PASSWORD" },
      auth_secret: { name: expect.any(String), environment: "AUTH_SECRET" },
      logto_admin_password: { name: expect.any(String), environment: "LOGTO_ADMIN_PASSWORD" },
      wechat_app_secret: { name: expect.any(String), environment: "WECHAT_APP_SECRET" },
      wechat_oa_app_secret: { name: expect.any(String), environment: "WECHAT_OA_APP_SECRET" },
      auth_logto_secret: { name: expect.any(String), environment: "AUTH_LOGTO_SECRET" },
      backup_offsite_password: { name: expect.any(String), environment: "BACKUP_OFFSITE_PASSWORD" },
      backup_offsite_secret: { name: expect.any(String), environment: "BACKUP_OFFSITE_SECRET" },
    });
    const secretsOf = (service: string) => (p.services[service]!.secrets ?? []).map((x) => x.source).sort();
    expect(secretsOf("postgres")).toEqual(["postgres_password"]);
    expect(secretsOf("logto")).toEqual(["postgres_password"]);
    expect(secretsOf("seed")).toEqual(["auth_logto_secret", "logto_admin_password", "postgres_password", "wechat_app_secret", "wechat_oa_app_secret"]);
    expect(secretsOf("app")).toEqual(["auth_logto_secret", "auth_secret"]);
    expect(secretsOf("caddy")).toEqual([]);
    expect(secretsOf("backup")).toEqual(["backup_offsite_password", "backup_offsite_secret", "postgres_password"]);
    // make up compares the running services' copies with .env (scripts/env/up.sh): the same pairs.
    const upSh = readFileSync(join(REPO, "scripts/env/up.sh"), "utf8");
    const compared = [...upSh.matchAll(/\b([a-z-]+):([a-z_]+):([A-Z_]+)\b/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`).sort();
    // ... with compose.dns.yaml too, whose caddy has the DNS provider's secret.
    const dns = scratchStack({ ...FILLED_SECRETS, ...VPS_ENV, TLS_MODE: "acme", ACME_DNS_PROVIDER: "cloudflare", ACME_DNS_SECRET: "t".repeat(40) });
    const withDns = run("docker", ["compose", "-f", COMPOSE_FILE, "-f", join(REPO, "compose.dns.yaml"), "--env-file", dns.envFile, "config", "--format", "json"]);
    expect(withDns.code, withDns.stderr).toBe(0);
    const pd = JSON.parse(withDns.stdout) as ProjectJson;
    const longRunning = Object.entries(pd.services).filter(([name]) => !["seed", "prepare"].includes(name));
    expect(compared).toEqual(
      longRunning.flatMap(([name, svc]) => (svc.secrets ?? []).map((x) => `${name}:${x.source}:${pd.secrets![x.source]!.environment}`)).sort(),
    );
    const model = JSON.stringify(p);
    const env = { ...FILLED_SECRETS, ...VPS_ENV } as Record<string, string | undefined>;
    for (const name of ["POSTGRES_PASSWORD", "AUTH_SECRET", "LOGTO_ADMIN_PASSWORD", "WECHAT_APP_SECRET", "WECHAT_OA_APP_SECRET", "AUTH_LOGTO_SECRET", "BACKUP_OFFSITE_SECRET", "BACKUP_OFFSITE_PASSWORD"]) {
      expect(env[name], name).toBeTruthy();
      expect(model.includes(env[name]!), `${name}'s value in docker compose config`).toBe(false);
    }
  });

  it.each([
    ["defaultApp", "sandbox-app-secret"],
    ["defaultOaApp", "sandbox-oa-app-secret"],
  ])("the sandbox hands the seed the emulator's own AppSecret as a file (wechat-emulator/src/users.ts, %s: wechat-emulator/%s)", (app, file) => {
    const users = readFileSync(join(REPO, "wechat-emulator/src/users.ts"), "utf8");
    const secret = new RegExp(`export const ${app} = \\{[^}]*?\\bsecret: "([^"]+)"`, "s").exec(users)?.[1];
    expect(secret).toBeTruthy();
    expect(readFileSync(join(REPO, "wechat-emulator", file), "utf8")).toBe(secret);
  });

  it("the sandbox's seed gets the emulator's Official Account with its website app", () => {
    const { envFile } = scratchStack(FILLED_SECRETS);
    const r = run("docker", ["compose", "-f", COMPOSE_FILE, "-f", join(REPO, "compose.sandbox.yaml"), "--env-file", envFile, "config", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const p = JSON.parse(r.stdout) as ProjectJson;
    expect(p.services.seed!.environment).toMatchObject({
      WECHAT_APP_ID: "wx0000000000000001",
      WECHAT_OA_APP_ID: "wx0000000000000002",
      WECHAT_OA_APP_SECRET_FILE: "/run/secrets/wechat_emulator_oa_app_secret",
    });
    expect(p.secrets!.wechat_emulator_oa_app_secret!.file).toBe(join(REPO, "wechat-emulator/sandbox-oa-app-secret"));
  });

  it.each(["LOGTO_DOMAIN", "APP_DOMAIN", "ADMIN_DOMAIN"])("an empty %s stops Compose with its name", (name) => {
    const { envFile } = scratchStack({ ...FILLED_SECRETS, [name]: "" });
    const r = compose(envFile, "config", "-q");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(name);
  });
});
