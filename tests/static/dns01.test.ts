// Issue 14, item 3: DNS-01 (ACME_DNS_PROVIDER) for certificates while ports 80/443 are closed. The
// Caddy build with the DNS modules (caddy/Dockerfile) cannot run here (no Go module proxy, and
// Debian's caddy 2.6.2 has no DNS module), so what is around it is checked: the Caddyfile with
// Debian's caddy (what it can still adapt, and that it asks for the right module), the snippets
// against the pinned modules' Caddyfile syntax, the Dockerfile's recipe, and the Compose wiring
// with the real Compose parser.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dockerfileStages } from "./dockerfile-rules.js";
import { FILLED_SECRETS, REPO, run, scratchDir, scratchStack } from "./util.js";

const read = (path: string) => readFileSync(join(REPO, path), "utf8");
const CADDYFILE = join(REPO, "caddy/Caddyfile");
const SITES = { LOGTO_DOMAIN: "auth.example.cn", APP_DOMAIN: "www.example.cn", ADMIN_DOMAIN: "console.example.cn" };

/**
 * The modules caddy/Dockerfile builds in, and the Caddyfile syntax of that version's
 * UnmarshalCaddyfile (read in each tag's source): the subdirectives of `dns <name> { ... }`, or
 * "argument" for the one-token form (`dns cloudflare <token>`).
 */
const MODULES = {
  alidns: { module: "github.com/caddy-dns/alidns", version: "v1.0.29", syntax: ["access_key_id", "access_key_secret"] },
  tencentcloud: { module: "github.com/caddy-dns/tencentcloud", version: "v0.4.3", syntax: ["secret_id", "secret_key"] },
  cloudflare: { module: "github.com/caddy-dns/cloudflare", version: "v0.2.4", syntax: ["argument"] },
} as const;
const PROVIDERS = Object.keys(MODULES) as Array<keyof typeof MODULES>;

function adapt(env: Record<string, string>, dir = scratchDir("caddy-dns-")) {
  return run("caddy", ["adapt", "--config", CADDYFILE, "--adapter", "caddyfile"], {
    env: { HOME: dir, XDG_DATA_HOME: join(dir, "data"), XDG_CONFIG_HOME: join(dir, "config"), ...SITES, ...env },
  });
}

/** Adapted JSON, with file_server's `hide` list (the Caddyfile's files, in no fixed order) sorted. */
function comparable(json: string): unknown {
  return JSON.parse(json, (key, value: unknown) => (key === "hide" && Array.isArray(value) ? [...(value as string[])].sort() : value));
}

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string; args?: Record<string, string> };
  pull_policy?: string;
  environment?: Record<string, string | null>;
  secrets?: Array<{ source: string; target: string }>;
}
interface Project {
  services: Record<string, Service>;
  secrets?: Record<string, { environment?: string }>;
}

function config(files: string[], overrides: Record<string, string | undefined> = {}) {
  const { envFile } = scratchStack({ ...FILLED_SECRETS, ...overrides });
  return run("docker", ["compose", ...files.flatMap((f) => ["-f", join(REPO, f)]), "--env-file", envFile, "config", "--format", "json"]);
}
function project(files: string[], overrides: Record<string, string | undefined> = {}): Project {
  const r = config(files, overrides);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Project;
}
const DNS = ["compose.yaml", "compose.dns.yaml"];
const SECRET = "Distinct-Secret-Value-0123456789";

describe("caddy/Caddyfile with Debian's caddy 2.6.2", () => {
  it("TLS_MODE=acme without ACME_DNS_PROVIDER (compose.yaml alone passes none): no DNS challenge, as before", () => {
    // With an e-mail, so that the issuers are written out (without one Caddy's defaults stay implicit).
    const dir = scratchDir("caddy-dns-");
    const r = adapt({ TLS_MODE: "acme", ACME_EMAIL_OPTION: "email ops@example.cn" }, dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/"level":"warn"/);
    const cfg = JSON.parse(r.stdout) as { apps: { tls: { automation: { policies: Array<{ subjects: string[]; issuers: Array<{ module: string }> }> } } } };
    const policy = cfg.apps.tls.automation.policies[0]!;
    expect(policy.subjects.sort()).toEqual(Object.values(SITES).sort());
    expect(policy.issuers.map((i) => i.module)).toContain("acme");
    expect(r.stdout).not.toContain('"challenges"');
    expect(comparable(adapt({ TLS_MODE: "acme", ACME_EMAIL_OPTION: "email ops@example.cn", ACME_DNS_PROVIDER: "off" }, dir).stdout)).toEqual(comparable(r.stdout));
  });

  it.each(PROVIDERS)("ACME_DNS_PROVIDER=%s: the sites' tls reads snippets/dns01-<provider>, which asks for the provider's module (absent from Debian's caddy, present in caddy/Dockerfile's build)", (provider) => {
    const r = adapt({ TLS_MODE: "acme", ACME_DNS_PROVIDER: provider });
    expect(r.code).not.toBe(0);
    // The whole Caddyfile parsed up to the provider's block; the module ID is the one each pinned module registers.
    expect(r.stderr).toContain(`caddy/snippets/dns01-${provider}:`);
    expect(r.stderr).toContain(`getting module named 'dns.providers.${provider}': module not registered: dns.providers.${provider}`);
  });

  it("TLS_MODE=internal with a provider: the DNS snippet is not read (Caddy's own CA, no module needed)", () => {
    const r = adapt({ TLS_MODE: "internal", ACME_DNS_PROVIDER: "alidns" });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('"challenges"');
    expect(r.stdout).toContain('"module":"internal"');
  });

  it("an unknown provider: Caddy refuses to start, naming the snippet it looked for", () => {
    const r = adapt({ TLS_MODE: "acme", ACME_DNS_PROVIDER: "aliyun" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/snippets\/tls-acme:\d+ - Error during parsing: File to import not found: dns01-aliyun/);
  });
});

describe("caddy/snippets/dns01-<provider>", () => {
  const secretTarget = () => project(DNS, { ACME_DNS_PROVIDER: "alidns" }).services.caddy!.secrets![0]!.target;

  it.each(PROVIDERS)("%s: the Caddyfile syntax of the pinned module version", (provider) => {
    const text = read(`caddy/snippets/dns01-${provider}`);
    const block = new RegExp(`^tls \\{\\n\\tdns ${provider}( \\S+| \\{\\n((?:\\t\\t\\S+ \\S+\\n)+)\\t\\})\\n\\}\\n`, "m").exec(text);
    expect(block, text).not.toBeNull();
    const used = block![2] ? block![2].trim().split("\n").map((l) => l.trim().split(" ")[0]) : ["argument"];
    expect(used).toEqual([...MODULES[provider].syntax]);
  });

  it.each(PROVIDERS)("%s: the key id from Caddy's environment, the secret from the file compose.dns.yaml hands over, both read when Caddy loads them (no parse-time {$...})", (provider) => {
    const text = read(`caddy/snippets/dns01-${provider}`).replace(/^#.*\n/gm, "");
    expect(text).toContain(`{file.${secretTarget()}}`);
    if (provider === "cloudflare") expect(text).not.toContain("ACME_DNS_KEY_ID");
    else expect(text).toContain("{env.ACME_DNS_KEY_ID}");
    expect(text).not.toContain("{$");
  });

  it("tls-acme imports dns01-{$ACME_DNS_PROVIDER:off}; each accepted provider of make check-env has its snippet", () => {
    expect(read("caddy/snippets/tls-acme")).toMatch(/^import dns01-\{\$ACME_DNS_PROVIDER:off\}$/m);
    const accepted = /^(alidns \| tencentcloud \| cloudflare)\)$/m.exec(read("scripts/env/validate.sh"))?.[1]?.split(" | ");
    expect(accepted).toEqual(PROVIDERS);
    for (const provider of [...PROVIDERS, "off"]) expect(() => read(`caddy/snippets/dns01-${provider}`)).not.toThrow();
  });
});

describe("caddy/Dockerfile: the Caddy build with the DNS modules (checked here, built where Go's module proxy answers)", () => {
  const text = read("caddy/Dockerfile");
  const caddyImage = /^ {4}image: &caddy-image \$\{CADDY_IMAGE:-\$\{IMAGE_REGISTRY:\+\$\{IMAGE_REGISTRY:-\}\/library\/\}(caddy:[^}]+)\}$/m.exec(read("compose.yaml"))?.[1];

  it("the builder image and the runtime image of compose.yaml's pinned Caddy release, both moved by IMAGE_REGISTRY", () => {
    expect(caddyImage).toMatch(/^caddy:\d+\.\d+\.\d+-alpine$/);
    const release = caddyImage!.replace(/^caddy:/, "").replace(/-alpine$/, "");
    expect(dockerfileStages(text).map((s) => [s.name, s.from])).toEqual([
      ["builder", `caddy:${release}-builder`],
      [undefined, caddyImage],
    ]);
    expect(dockerfileStages(text, { IMAGE_REGISTRY: "127.0.0.1:5000" }).map((s) => s.from)).toEqual([`127.0.0.1:5000/library/caddy:${release}-builder`, `127.0.0.1:5000/library/${caddyImage}`]);
  });

  it("xcaddy builds exactly the three modules, each at its tag, with GOPROXY from the build arguments; the final stage only takes the binary", () => {
    const build = /^RUN xcaddy build((?: \\\n {4}--with \S+)+)$/m.exec(text);
    expect(build, text).not.toBeNull();
    const withs = build![1]!.split("\n").map((l) => l.replace(/^ *--with /, "").replace(/ *\\$/, "")).filter(Boolean);
    expect(withs).toEqual(PROVIDERS.map((p) => `${MODULES[p].module}@${MODULES[p].version}`));
    for (const w of withs) expect(w).toMatch(/@v\d+\.\d+\.\d+$/);
    const builder = text.split(/^FROM /m)[1]!;
    expect(builder).toMatch(/^ARG GOPROXY=$/m);
    const final = text.split(/^FROM /m)[2]!;
    expect(final.split("\n").slice(1).filter((l) => l && !l.startsWith("#"))).toEqual(["COPY --from=builder /usr/bin/caddy /usr/bin/caddy"]);
  });

  it("builds with the BuildKit the stack supports: no # syntax= line, heredoc or COPY --link", () => {
    expect(text).not.toMatch(/^# *syntax=/m);
    expect(text).not.toMatch(/<<-?\s*['"]?[A-Z]+/);
    expect(text).not.toMatch(/COPY --link/);
  });
});

describe("compose.dns.yaml (COMPOSE_FILE=compose.yaml:compose.dns.yaml)", () => {
  it("caddy becomes the project's own DNS build (released, pulled from IMAGE_REGISTRY; CADDY_DNS_IMAGE replaces it), with ACME_DNS_PROVIDER and ACME_DNS_KEY_ID in its environment and the secret as a file only", () => {
    const p = project(DNS, { ACME_DNS_PROVIDER: "tencentcloud", ACME_DNS_KEY_ID: "AKIDExampleSecretId", ACME_DNS_SECRET: SECRET, GOPROXY: "https://goproxy.cn,direct", IMAGE_REGISTRY: "registry.example.cn" });
    const caddy = p.services.caddy!;
    expect(caddy.image).toBe("registry.example.cn/wechat-logto-stack/caddy-dns:0.1.0");
    expect(caddy.build).toEqual({ context: REPO, dockerfile: "caddy/Dockerfile", args: { IMAGE_REGISTRY: "registry.example.cn", GOPROXY: "https://goproxy.cn,direct" } });
    expect(caddy.pull_policy).toBeUndefined();
    expect(project(DNS, { ACME_DNS_PROVIDER: "alidns", CADDY_DNS_IMAGE: "mirror.example.cn/caddy-dns:0.1.0" }).services.caddy!.image).toBe("mirror.example.cn/caddy-dns:0.1.0");
    expect(project(DNS, { ACME_DNS_PROVIDER: "alidns" }).services.caddy!.image).toBe("ghcr.io/wechat-logto-stack/caddy-dns:0.1.0");
    expect(caddy.environment).toMatchObject({ ACME_DNS_PROVIDER: "tencentcloud", ACME_DNS_KEY_ID: "AKIDExampleSecretId", TLS_MODE: "internal" });
    expect(caddy.secrets).toEqual([{ source: "acme_dns_secret", target: "/run/secrets/acme_dns_secret" }]);
    expect(p.secrets!.acme_dns_secret).toMatchObject({ environment: "ACME_DNS_SECRET" });
    expect(JSON.stringify(p)).not.toContain(SECRET);
  });

  it("every other service is what compose.yaml alone makes of it", () => {
    const overrides = { ACME_DNS_PROVIDER: "alidns", ACME_DNS_KEY_ID: "LTAI5tExample", ACME_DNS_SECRET: SECRET };
    const withDns = project(DNS, overrides).services;
    const alone = project(["compose.yaml"], overrides).services;
    for (const name of Object.keys(alone).filter((n) => n !== "caddy")) expect(withDns[name], name).toEqual(alone[name]);
    expect(Object.keys(withDns).sort()).toEqual(Object.keys(alone).sort());
  });

  it("without compose.dns.yaml nothing of DNS-01 reaches Caddy: the pinned image, no ACME_DNS_* variable, no secret", () => {
    const caddy = project(["compose.yaml"], { ACME_DNS_PROVIDER: "alidns", ACME_DNS_KEY_ID: "LTAI5tExample", ACME_DNS_SECRET: SECRET }).services.caddy!;
    expect(caddy.image).toMatch(/^caddy:/);
    expect(caddy.build).toBeUndefined();
    expect(Object.keys(caddy.environment ?? {}).filter((k) => k.startsWith("ACME_DNS"))).toEqual([]);
    expect(caddy.secrets).toBeUndefined();
  });

  it("with ACME_DNS_PROVIDER empty Compose refuses, naming it (make check-env refuses first)", () => {
    const r = config(DNS, { ACME_DNS_PROVIDER: "" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("ACME_DNS_PROVIDER is empty; set alidns, tencentcloud or cloudflare in .env");
  });
});
