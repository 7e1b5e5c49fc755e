// caddy/Caddyfile with Debian's caddy (2.6.2): `caddy validate` in both TLS modes, what each mode
// turns into (`caddy adapt`), and the behaviour a browser sees when Caddy runs it on loopback.
import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, get as httpGet, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../harness/ports.js";
import { assertPrerequisites, CADDY_BIN } from "../harness/prerequisites.js";
import { REPO, run, scratchDir } from "./util.js";

// Without Caddy: one message naming it, where it was looked for and how to get it (not ENOENT).
assertPrerequisites({ only: ["caddy"] });

const CADDYFILE = join(REPO, "caddy/Caddyfile");
const SITES = { LOGTO_DOMAIN: "auth.example.cn", APP_DOMAIN: "www.example.cn", ADMIN_DOMAIN: "console.example.cn" };

function caddyEnv(extra: Record<string, string> = {}): Record<string, string> {
  const dir = scratchDir("caddy-");
  return { HOME: dir, XDG_DATA_HOME: join(dir, "data"), XDG_CONFIG_HOME: join(dir, "config"), ...SITES, ...extra };
}

interface Adapted {
  admin?: { listen?: string; disabled?: boolean };
  apps: {
    http: { servers: Record<string, { listen: string[]; routes: unknown[] }> };
    tls?: { automation?: { policies?: Array<{ subjects?: string[]; issuers?: Array<{ module: string; email?: string; ca?: string; trusted_roots_pem_files?: string[] }> }> } };
    pki?: { certificate_authorities?: { local?: { install_trust?: boolean } } };
  };
  logging?: { logs?: Record<string, { encoder?: { fields?: Record<string, { filter: string; regexp?: string }> } }> };
}

function adapt(env: Record<string, string>): Adapted {
  const r = run(CADDY_BIN, ["adapt", "--config", CADDYFILE, "--adapter", "caddyfile"], { env: caddyEnv(env) });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr, "caddy adapt printed warnings").not.toMatch(/"level":"warn"/);
  return JSON.parse(r.stdout) as Adapted;
}

/** The stack's one HSTS value (TLS_MODE=acme), set in caddy/snippets/tls-acme. */
const HSTS = "max-age=31536000; includeSubDomains";

/** The response part of every `headers` handler that touches Strict-Transport-Security. */
function hstsOps(cfg: Adapted): unknown[] {
  const found: unknown[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      const o = node as Record<string, unknown>;
      if (o.handler === "headers" && JSON.stringify(o.response ?? {}).includes("Strict-Transport-Security")) found.push(o.response);
      Object.values(o).forEach(walk);
    }
  };
  walk(cfg);
  return found;
}

describe("caddy validate (Debian caddy 2.6.2)", () => {
  it("is caddy 2.6.x, the oldest Caddy the Caddyfile supports", () => {
    expect(run(CADDY_BIN, ["version"]).stdout).toMatch(/^v?2\.6\./);
  });

  it.each([
    ["internal", {}],
    ["acme", {}],
    ["acme", { ACME_EMAIL_OPTION: "email ops@example.cn", ADMIN_ALLOW_FROM: "203.0.113.7/32 2001:db8::/32" }],
    ["internal (Compose's empty-variable values)", { TLS_MODE: "internal", ACME_EMAIL_OPTION: "", ADMIN_ALLOW_FROM: "0.0.0.0/0 ::/0" }],
  ])("TLS_MODE=%s is a valid configuration", (mode, extra) => {
    const tls = mode.startsWith("acme") ? "acme" : "internal";
    const r = run(CADDY_BIN, ["validate", "--config", CADDYFILE, "--adapter", "caddyfile"], { env: caddyEnv({ TLS_MODE: tls, ...extra }) });
    expect(r.stderr + r.stdout).toContain("Valid configuration");
    expect(r.code).toBe(0);
  });

  it("an unknown TLS_MODE is refused, naming the snippet it looked for", () => {
    const r = run(CADDY_BIN, ["validate", "--config", CADDYFILE, "--adapter", "caddyfile"], { env: caddyEnv({ TLS_MODE: "letsencrypt" }) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("snippets/tls-letsencrypt");
  });

  it("the snippets are formatted as `caddy fmt` wants", () => {
    for (const file of ["Caddyfile", ...readdirSync(join(REPO, "caddy/snippets")).map((f) => `snippets/${f}`)]) {
      const path = join(REPO, "caddy", file);
      expect(run(CADDY_BIN, ["fmt", path]).stdout, file).toBe(readFileSync(path, "utf8"));
    }
  });
});

describe("caddy adapt: what each mode configures", () => {
  it("internal: Caddy's CA for the three sites, no HSTS, no system trust store, Compose's listeners", () => {
    const cfg = adapt({ TLS_MODE: "internal" });
    const json = JSON.stringify(cfg);
    const policy = cfg.apps.tls!.automation!.policies![0]!;
    expect(policy.subjects!.sort()).toEqual(Object.values(SITES).sort());
    expect(policy.issuers!.map((i) => i.module)).toEqual(["internal"]);
    // Logto's own HSTS is removed after it answers, on each of the three sites; none is set.
    expect(hstsOps(cfg)).toEqual(Array.from({ length: 3 }, () => ({ deferred: true, delete: ["Strict-Transport-Security"] })));
    expect(cfg.apps.pki!.certificate_authorities!.local!.install_trust).toBe(false);
    expect(cfg.apps.http.servers.srv0!.listen).toEqual(["0.0.0.0:443"]);
    expect(cfg.admin!.listen).toBe("127.0.0.1:2019");
  });

  it("acme: public ACME issuers with the e-mail, one HSTS value on every site, replacing the upstream's", () => {
    const cfg = adapt({ TLS_MODE: "acme", ACME_EMAIL_OPTION: "email ops@example.cn" });
    const issuers = cfg.apps.tls!.automation!.policies![0]!.issuers!;
    expect(issuers.map((i) => i.module)).toContain("acme");
    expect(issuers.every((i) => i.email === "ops@example.cn")).toBe(true);
    expect(hstsOps(cfg)).toEqual(Array.from({ length: 3 }, () => ({ deferred: true, set: { "Strict-Transport-Security": [HSTS] } })));
  });

  it("acme without ACME_EMAIL: an account without e-mail", () => {
    const cfg = adapt({ TLS_MODE: "acme", ACME_EMAIL_OPTION: "" });
    expect(JSON.stringify(cfg)).not.toContain('"email"');
  });

  it("acme with a private CA (ACME_CA, ACME_CA_ROOT): that CA alone, trusting the root file, no ZeroSSL fallback even with an e-mail", () => {
    const cfg = adapt({
      TLS_MODE: "acme",
      ACME_EMAIL_OPTION: "email ops@example.cn",
      ACME_CA_OPTION: "acme_ca https://ca.example.net/acme/acme/directory",
      ACME_CA_ROOT_OPTION: "acme_ca_root /run/acme-ca/root.pem",
    });
    const policies = cfg.apps.tls!.automation!.policies!;
    expect(policies).toHaveLength(1);
    expect(policies[0]!.subjects!.sort()).toEqual(Object.values(SITES).sort());
    expect(policies[0]!.issuers).toEqual([
      { module: "acme", ca: "https://ca.example.net/acme/acme/directory", email: "ops@example.cn", trusted_roots_pem_files: ["/run/acme-ca/root.pem"] },
    ]);
    // Compose's values when both are unset: Let's Encrypt's issuers as before.
    const unset = adapt({ TLS_MODE: "acme", ACME_EMAIL_OPTION: "", ACME_CA_OPTION: "", ACME_CA_ROOT_OPTION: "" });
    expect(JSON.stringify(unset.apps.tls ?? {})).not.toMatch(/"ca"|trusted_roots_pem_files/);
  });

  it("access logs of every site drop query strings from the URI, Referer and Location", () => {
    const logs = Object.values(adapt({ TLS_MODE: "internal" }).logging!.logs!).filter((l) => l.encoder);
    expect(logs).toHaveLength(3);
    for (const l of logs) {
      expect(Object.keys(l.encoder!.fields!).sort()).toEqual(["request>headers>Referer", "request>uri", "resp_headers>Location"]);
    }
  });
});

// ---- Caddy running the Caddyfile on loopback, as the test harness does --------------------------

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Every value of each header, as sent (Node joins repeated headers in `headers`). */
  all(name: string): string[];
  body: Buffer;
}

/** What the upstream sends besides its body: Logto's own HSTS, a Server and an X-Powered-By. */
const UPSTREAM_HSTS = "max-age=15552000; includeSubDomains";

interface LiveCaddy {
  httpPort: number;
  httpsPort: number;
  log(): string;
  get(host: string, path: string, headers?: Record<string, string>): Promise<Reply>;
  stop(): void;
}

/**
 * Caddy running the project's Caddyfile on loopback with every site proxying to `upstream`.
 * `caddyDir` (default caddy/) lets a test run a copy with one more TLS snippet.
 */
async function startLiveCaddy(tlsMode: string, upstream: string, extra: Record<string, string>, caddyDir = join(REPO, "caddy")): Promise<LiveCaddy> {
  const [httpPort, httpsPort] = [await freePort(), await freePort()];
  // The seed's marker in place, so the console is proxied (the guard: caddy-console-guard.test.ts).
  const consoleReady = join(scratchDir("console-ready-"), "console-ready");
  writeFileSync(consoleReady, "closed\n");
  const env = caddyEnv({
    TLS_MODE: tlsMode,
    CADDY_BIND: "127.0.0.1",
    CADDY_HTTP_PORT: String(httpPort),
    CADDY_HTTPS_PORT: String(httpsPort),
    CADDY_ADMIN: "off",
    LOGTO_UPSTREAM: upstream,
    ADMIN_UPSTREAM: upstream,
    APP_UPSTREAM: upstream,
    CONSOLE_READY_FILE: consoleReady,
    ...extra,
  });
  const caddy = spawn(CADDY_BIN, ["run", "--config", join(caddyDir, "Caddyfile"), "--adapter", "caddyfile"], {
    env: { PATH: process.env.PATH, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  caddy.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  caddy.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const rootCrt = join(env.XDG_DATA_HOME!, "caddy/pki/authorities/local/root.crt");
  // Caddy issues each site's leaf in the background after "serving initial configuration"; a
  // handshake before that gets a TLS alert: ready once every site's certificate is obtained.
  const sites = [env.LOGTO_DOMAIN!, env.APP_DOMAIN!, env.ADMIN_DOMAIN!];
  const ready = () =>
    existsSync(rootCrt) &&
    /"serving initial configuration"/.test(log) &&
    sites.every((site) => log.includes(`"msg":"certificate obtained successfully","identifier":"${site}"`));
  const deadline = Date.now() + 60_000;
  while (!ready()) {
    if (Date.now() > deadline || caddy.exitCode !== null) {
      caddy.kill("SIGTERM");
      throw new Error(`caddy did not start:\n${log.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  const ca = readFileSync(rootCrt, "utf8");
  return {
    httpPort,
    httpsPort,
    log: () => log,
    stop: () => caddy.kill("SIGTERM"),
    get: (host, path, headers = {}) =>
      new Promise((resolve, reject) => {
        const req = httpsRequest(
          { host: "127.0.0.1", port: httpsPort, path, servername: host, ca, headers: { host: `${host}:${httpsPort}`, ...headers } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("end", () =>
              resolve({
                status: res.statusCode!,
                headers: res.headers,
                all: (name) => res.rawHeaders.flatMap((v, i) => (i % 2 === 1 && res.rawHeaders[i - 1]!.toLowerCase() === name ? [v] : [])),
                body: Buffer.concat(chunks),
              }),
            );
          },
        );
        req.on("error", reject);
        req.end();
      }),
  };
}

/** Polls `check` until it holds or 10 s have passed (Caddy writes an access log line after the reply). */
async function eventually(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

let upstream: Server;
let upstreamAddress = "";

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url?.startsWith("/redirect")) {
      res.writeHead(302, { location: "https://www.example.cn/api/auth/callback/logto?code=SECRET-CODE&state=S", "strict-transport-security": UPSTREAM_HSTS }).end();
      return;
    }
    res.writeHead(200, {
      "content-type": "text/html",
      server: "upstream/1.0",
      "x-powered-by": "Next.js",
      "strict-transport-security": UPSTREAM_HSTS,
      "x-upstream-host": req.headers.host ?? "",
      "x-forwarded-proto-seen": String(req.headers["x-forwarded-proto"]),
    });
    res.end("<p>hello</p>".repeat(200));
  });
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamAddress = `127.0.0.1:${(upstream.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => upstream?.close(() => r()));
});

const HOSTS = Object.values(SITES);

describe("Caddy serving the Caddyfile (TLS_MODE=internal, loopback)", () => {
  let caddy: LiveCaddy;
  beforeAll(async () => {
    // loopback is not in the allowlist: the console must answer 403
    caddy = await startLiveCaddy("internal", upstreamAddress, { ADMIN_ALLOW_FROM: "192.0.2.0/24" });
  }, 30_000);
  afterAll(() => caddy?.stop());

  it("serves the app over HTTPS with a certificate from Caddy's root, with security headers and without Server", async () => {
    const r = await caddy.get(SITES.APP_DOMAIN, "/");
    expect(r.status).toBe(200);
    expect(r.headers.server).toBeUndefined();
    expect(r.headers["x-powered-by"]).toBeUndefined();
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(r.headers["x-frame-options"]).toBe("SAMEORIGIN");
    // Logto (TRUST_PROXY_HEADER=1) and Auth.js see the public host and https.
    expect(r.headers["x-upstream-host"]).toBe(`${SITES.APP_DOMAIN}:${caddy.httpsPort}`);
    expect(r.headers["x-forwarded-proto-seen"]).toBe("https");
  });

  it("sends no Strict-Transport-Security on any of the three hosts, although the upstream sends one", async () => {
    for (const host of HOSTS) {
      for (const path of ["/", "/redirect"]) {
        const r = await caddy.get(host, path);
        expect(r.status, `${host}${path}`).toBe(host === SITES.ADMIN_DOMAIN ? 403 : path === "/" ? 200 : 302);
        expect(r.all("strict-transport-security"), `${host}${path}`).toEqual([]);
      }
    }
  });

  it("the app's responses carry one Content-Security-Policy and one Permissions-Policy; Logto's do not get them", async () => {
    for (const path of ["/", "/redirect"]) {
      const r = await caddy.get(SITES.APP_DOMAIN, path);
      const [csp, ...moreCsp] = r.all("content-security-policy");
      expect(moreCsp).toEqual([]);
      const directives = Object.fromEntries(csp!.split(";").map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
      expect(directives["default-src"]).toEqual(["'self'"]);
      expect(directives["object-src"]).toEqual(["'none'"]);
      expect(directives["frame-ancestors"]).toEqual(["'none'"]);
      expect(directives["base-uri"]).toEqual(["'none'"]);
      // Sign-in: a form POST redirected to Logto, then to WeChat's QR page.
      expect(directives["form-action"]).toEqual(["'self'", `https://${SITES.LOGTO_DOMAIN}:*`, "https://open.weixin.qq.com"]);
      expect(r.all("permissions-policy")).toHaveLength(1);
      expect(r.headers["permissions-policy"]).toMatch(/(^|, )camera=\(\)/);
    }
    const logto = await caddy.get(SITES.LOGTO_DOMAIN, "/");
    expect(logto.all("content-security-policy")).toEqual([]);
    expect(logto.all("permissions-policy")).toEqual([]);
  });

  it("compresses responses", async () => {
    const r = await caddy.get(SITES.LOGTO_DOMAIN, "/", { "accept-encoding": "gzip" });
    expect(r.headers["content-encoding"]).toBe("gzip");
    expect(r.body.length).toBeLessThan(2400);
  });

  it("the console allowlist answers 403 to addresses outside ADMIN_ALLOW_FROM", async () => {
    expect((await caddy.get(SITES.ADMIN_DOMAIN, "/console")).status).toBe(403);
  });

  // Caddy treats https_port as an internal port behind a 443 forward: the redirect names no port.
  it("redirects plain HTTP to HTTPS", async () => {
    const location = await new Promise<string | undefined>((resolve, reject) => {
      httpGet({ host: "127.0.0.1", port: caddy.httpPort, path: "/x", headers: { host: SITES.APP_DOMAIN } }, (res) => {
        res.resume();
        resolve(res.headers.location);
      }).on("error", reject);
    });
    expect(location).toBe(`https://${SITES.APP_DOMAIN}/x`);
  });

  it("access logs keep paths but not query strings (authorization codes)", async () => {
    await caddy.get(SITES.LOGTO_DOMAIN, "/callback/wechat?code=SECRET-CODE&state=S", { referer: "https://www.example.cn/?code=SECRET-REFERER" });
    const redirect = await caddy.get(SITES.LOGTO_DOMAIN, "/redirect?code=SECRET-CODE");
    expect(redirect.headers.location).toContain("code=SECRET-CODE"); // the browser still gets it
    const access = () => caddy.log().split("\n").filter((l) => l.includes('"http.log.access'));
    const logged = () => access().some((l) => l.includes('"uri":"/redirect?REDACTED"'));
    await eventually(logged);
    expect(logged()).toBe(true);
    expect(access().some((l) => l.includes('"uri":"/callback/wechat?REDACTED"'))).toBe(true);
    expect(access().some((l) => l.includes("/api/auth/callback/logto?REDACTED"))).toBe(true);
    expect(caddy.log()).not.toContain("SECRET-");
  });
});

// TLS_MODE=acme cannot get certificates on loopback: a copy of caddy/ whose extra snippet is
// snippets/tls-acme as it is plus `tls internal` runs the acme mode's headers with local certificates.
describe("Caddy serving the Caddyfile (TLS_MODE=acme's headers, loopback)", () => {
  let caddy: LiveCaddy;
  beforeAll(async () => {
    const dir = join(scratchDir("caddy-acme-"), "caddy");
    cpSync(join(REPO, "caddy"), dir, { recursive: true });
    writeFileSync(join(dir, "snippets/tls-acme-local"), `${readFileSync(join(REPO, "caddy/snippets/tls-acme"), "utf8")}tls internal\n`);
    caddy = await startLiveCaddy("acme-local", upstreamAddress, {}, dir);
  }, 30_000);
  afterAll(() => caddy?.stop());

  it("sends exactly one Strict-Transport-Security, the stack's, on all three hosts, replacing Logto's", async () => {
    for (const host of HOSTS) {
      for (const path of ["/", "/redirect"]) {
        const r = await caddy.get(host, path);
        expect(r.status, `${host}${path}`).toBe(path === "/" ? 200 : 302);
        expect(r.all("strict-transport-security"), `${host}${path}`).toEqual([HSTS]);
      }
    }
  });
});
