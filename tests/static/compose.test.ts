// `docker compose config` with the real Compose v2 parser, for the shipped .env.example (must refuse:
// its secrets are empty), the no-edit default (`make up` on a fresh clone) and a full VPS setup.
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
  init?: boolean;
  environment?: Record<string, string | null>;
  image?: string;
  networks?: Record<string, { aliases?: string[] } | null>;
}

function resolved(envFile: string): Record<string, ServiceJson> {
  const r = compose(envFile, "config", "--format", "json");
  expect(r.stderr + r.stdout, "docker compose config failed").not.toMatch(/error|invalid/i);
  expect(r.code).toBe(0);
  return (JSON.parse(r.stdout) as { services: Record<string, ServiceJson> }).services;
}

describe("docker compose config (Compose v2 parser)", () => {
  it("Compose v2 is installed (.ci/run installs it)", () => {
    const r = run("docker", ["compose", "version"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/version v?2\./);
  });

  it(".env.example as shipped is refused, naming the empty secret and `make secrets`", () => {
    const r = compose(join(REPO, ".env.example"), "config", "-q");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/(POSTGRES_PASSWORD|AUTH_SECRET|LOGTO_ADMIN_PASSWORD)/);
    expect(r.stderr).toContain("make secrets");
  });

  it("the no-edit default (.env.example + `make secrets`) passes and resolves to the local URLs", () => {
    const { dir, envFile } = scratchStack();
    const gen = run("sh", [join(REPO, "scripts/env/generate-secrets.sh")], { env: { STACK_DIR: dir } });
    expect(gen.code, gen.stderr).toBe(0);

    const q = compose(envFile, "config", "-q");
    expect(q.stderr).toBe("");
    expect(q.code).toBe(0);

    const s = resolved(envFile);
    expect(s.logto!.image).toBe("svhd/logto:1.42.0");
    expect(s.logto!.environment).toMatchObject({
      ENDPOINT: "https://auth.localhost",
      ADMIN_ENDPOINT: "https://admin.localhost",
      TRUST_PROXY_HEADER: "1",
    });
    expect(s.logto!.environment!.DB_URL).toMatch(/^postgres:\/\/postgres:[A-Za-z0-9]{32}@postgres:5432\/logto$/);
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

  it("Logto: seed, alteration deploy, then node itself (as the harness starts it) under an init", () => {
    const { envFile } = scratchStack(FILLED_SECRETS);
    const s = resolved(envFile);
    const [shell, flag, script] = s.logto!.entrypoint!;
    expect([shell, flag]).toEqual(["sh", "-c"]);
    expect(script).toBe(`npm run cli db seed -- --swe && npm run alteration deploy latest && ${LOGTO_START_COMMAND}`);
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
      SIGN_IN_METHODS: "wechat,password",
      LOGTO_ADMIN_USERNAME: "root_admin",
      LOGTO_INTERNAL_URL: "http://logto:3001",
      // The seed skips its credentials file when the operator brings the app's own client.
      AUTH_LOGTO_ID: "my-client-id",
      AUTH_LOGTO_SECRET: "my-client-secret",
    });
  });

  it.each(["LOGTO_DOMAIN", "APP_DOMAIN", "ADMIN_DOMAIN", "AUTH_SECRET"])("an empty %s stops Compose with its name", (name) => {
    const { envFile } = scratchStack({ ...FILLED_SECRETS, [name]: "" });
    const r = compose(envFile, "config", "-q");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(name);
  });
});
