/** The image and the Compose overlay agree with the code: base image, installs, paths, names, credentials. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

import { describe, expect, it } from "vitest";

import { envGuard } from "./config.js";
import { defaultApp } from "./users.js";

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const dockerfile = readFileSync(here("../Dockerfile"), "utf8");

const composeBinary = (() => {
  try {
    execFileSync("docker", ["compose", "version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();

describe("Dockerfile", () => {
  it("pins node:22 alpine exactly in every stage", () => {
    // Docker Hub's node, or the same path under IMAGE_REGISTRY (tests/static checks the substitution).
    const image = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];
    expect(image).toMatch(/^\$\{IMAGE_REGISTRY:\+\$\{IMAGE_REGISTRY\}\/library\/\}node:22\.\d+\.\d+-alpine3\.\d+$/);
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) expect(from).toBe("${NODE_IMAGE}");
  });

  it("installs the emulator workspace from the root lockfile with npm ci, production dependencies only at run time", () => {
    // No version list of its own: package-lock.json (context = the repository root) decides.
    expect(dockerfile).toContain("COPY package.json package-lock.json ./");
    expect(dockerfile).not.toMatch(/\bnpm (install|i|add)\b/);
    const stages = dockerfile.split(/^(?=FROM )/m).slice(1);
    const stage = (name: string) => stages.find((text) => text.startsWith("FROM ") && text.split("\n")[0]?.endsWith(` AS ${name}`)) ?? "";
    for (const text of stages.filter((t) => t.includes("npm ci "))) {
      expect(text).toContain('npm ci ${NPM_REGISTRY:+--registry "$NPM_REGISTRY"} --workspace wechat-emulator --include-workspace-root=false');
    }
    // The final stage's node_modules come from stages that installed with --omit=dev.
    const fromStages = [...(stages.at(-1) ?? "").matchAll(/^COPY --from=(\S+) \S*node_modules /gm)].map((match) => match[1] ?? "");
    expect(fromStages.length).toBeGreaterThan(0);
    for (const name of fromStages) expect(stage(name)).toMatch(/npm ci [^\n]*--omit=dev/);
  });

  it("runs as uid 1000 (the image's node user) and sets only variables the emulator reads", () => {
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    const names = [...dockerfile.matchAll(/\b(WECHAT_EMULATOR_[A-Z_]+)=/g)].map((match) => match[1]);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(Object.keys(envGuard.shape)).toContain(name);
  });
});

describe.runIf(composeBinary)("compose.sandbox.yaml over compose.yaml (docker compose config)", () => {
  type Service = {
    environment?: Record<string, string>;
    volumes?: Array<{ source?: string; target: string; read_only?: boolean }>;
    depends_on?: Record<string, { condition: string }>;
    networks?: Record<string, { aliases?: string[] } | null>;
    healthcheck?: { test: string[] };
    sysctls?: Record<string, string>;
    secrets?: Array<{ source: string; target: string }>;
  };
  const config = () => {
    const json = execFileSync(
      "docker",
      ["compose", "-f", here("../../compose.yaml"), "-f", here("../../compose.sandbox.yaml"), "config", "--format", "json"],
      {
        encoding: "utf8",
        env: {
          PATH: process.env.PATH,
          POSTGRES_PASSWORD: "test-password-123456",
          // Required by compose.yaml since the Logto image became LOGTO_IMAGE / svhd/logto:LOGTO_VERSION.
          LOGTO_VERSION: "1.42.0",
          AUTH_SECRET: "test-auth-secret",
          LOGTO_ADMIN_PASSWORD: "test-admin-password",
          LOGTO_DOMAIN: "auth.sandbox.test",
          APP_DOMAIN: "app.sandbox.test",
          ADMIN_DOMAIN: "admin.sandbox.test",
          WECHAT_APP_ID: "wxffffffffffffffff",
          WECHAT_APP_SECRET: "real-secret",
        },
        stdio: ["ignore", "pipe", "pipe"],
      }
    );
    return (JSON.parse(json) as { services: Record<string, Service> }).services;
  };
  const dockerfileEnv = (name: string) => new RegExp(`${name}=(\\S+)`).exec(dockerfile)?.[1];

  it("the emulator answers for both WeChat hosts, on 443, with a healthcheck on the control port", () => {
    const emulator = config()["wechat-emulator"];
    expect(emulator?.networks?.default?.aliases?.sort()).toEqual(["api.weixin.qq.com", "open.weixin.qq.com"]);
    expect(dockerfileEnv("WECHAT_EMULATOR_PORT")).toBe("443");
    expect(emulator?.sysctls).toEqual({ "net.ipv4.ip_unprivileged_port_start": "0" });
    expect(emulator?.healthcheck?.test.join(" ")).toContain(`http://127.0.0.1:${dockerfileEnv("WECHAT_EMULATOR_CONTROL_PORT")}/healthz`);
    expect(emulator?.environment?.WECHAT_EMULATOR_CALLBACK_DOMAIN).toBe("auth.sandbox.test");
  });

  it("Logto trusts the emulator's CA file and waits for the emulator to be healthy", () => {
    const services = config();
    const caFile = dockerfileEnv("WECHAT_EMULATOR_CA_FILE") ?? "";
    const caDir = caFile.slice(0, caFile.lastIndexOf("/"));
    const caVolume = services["wechat-emulator"]?.volumes?.find((volume) => volume.target === caDir)?.source;
    expect(caVolume).toBeDefined();
    const logto = services.logto;
    const mount = logto?.volumes?.find((volume) => volume.source === caVolume);
    expect(mount?.read_only).toBe(true);
    expect(logto?.environment?.NODE_EXTRA_CA_CERTS).toBe(`${mount?.target}/ca.crt`);
    expect(logto?.depends_on?.["wechat-emulator"]?.condition).toBe("service_healthy");
    expect(logto?.depends_on?.postgres?.condition).toBe("service_healthy"); // the base file's still there
    // The CA volume holds nothing else: the emulator's private key stays in its own volume.
    expect(dockerfileEnv("WECHAT_EMULATOR_KEY_FILE")?.startsWith(`${caDir}/`)).toBe(false);
  });

  it("the seed configures the connector with the emulator's app, whatever .env says, and knows it is the sandbox", () => {
    const seed = config().seed;
    expect(seed?.environment).toMatchObject({
      WECHAT_SANDBOX: "true",
      WECHAT_APP_ID: defaultApp.appid,
      WECHAT_APP_SECRET_FILE: "/run/secrets/wechat_emulator_app_secret",
      WECHAT_SCOPE: "snsapi_login",
    });
    // The emulator's AppSecret, handed over as a Compose secret like every other one.
    expect(seed?.secrets?.map((secret) => secret.source)).toContain("wechat_emulator_app_secret");
  });

  it("Caddy serves the QR page for browsers and trusts the same CA", () => {
    const caddy = config().caddy;
    const caddyfile = readFileSync(here("../caddy/Caddyfile"), "utf8");
    const trusted = /tls_trusted_ca_certs (\S+)/.exec(caddyfile)?.[1] ?? "";
    const mount = caddy?.volumes?.find((volume) => trusted.startsWith(`${volume.target}/`));
    expect(mount?.source).toBe(config()["wechat-emulator"]?.volumes?.find((volume) => volume.target === "/ca")?.source);
    expect(caddyfile).toMatch(/^open\.weixin\.qq\.com \{/m);
    expect(caddyfile).toContain("import /etc/caddy/Caddyfile");
    expect(caddy?.depends_on?.["wechat-emulator"]?.condition).toBe("service_healthy");
  });
});
