// caddy/Caddyfile with Debian's caddy (2.6.2): `caddy validate` in both TLS modes, what each mode
// turns into (`caddy adapt`), and the behaviour a browser sees when Caddy runs it on loopback.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, get as httpGet, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer as createNetServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, run, scratchDir } from "./util.js";

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
    tls?: { automation?: { policies?: Array<{ subjects?: string[]; issuers?: Array<{ module: string; email?: string }> }> } };
    pki?: { certificate_authorities?: { local?: { install_trust?: boolean } } };
  };
  logging?: { logs?: Record<string, { encoder?: { fields?: Record<string, { filter: string; regexp?: string }> } }> };
}

function adapt(env: Record<string, string>): Adapted {
  const r = run("caddy", ["adapt", "--config", CADDYFILE, "--adapter", "caddyfile"], { env: caddyEnv(env) });
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr, "caddy adapt printed warnings").not.toMatch(/"level":"warn"/);
  return JSON.parse(r.stdout) as Adapted;
}

describe("caddy validate (Debian caddy 2.6.2)", () => {
  it("is caddy 2.6.x, the oldest Caddy the Caddyfile supports", () => {
    expect(run("caddy", ["version"]).stdout).toMatch(/^v?2\.6\./);
  });

  it.each([
    ["internal", {}],
    ["acme", {}],
    ["acme", { ACME_EMAIL_OPTION: "email ops@example.cn", ADMIN_ALLOW_FROM: "203.0.113.7/32 2001:db8::/32" }],
    ["internal (Compose's empty-variable values)", { TLS_MODE: "internal", ACME_EMAIL_OPTION: "", ADMIN_ALLOW_FROM: "0.0.0.0/0 ::/0" }],
  ])("TLS_MODE=%s is a valid configuration", (mode, extra) => {
    const tls = mode.startsWith("acme") ? "acme" : "internal";
    const r = run("caddy", ["validate", "--config", CADDYFILE, "--adapter", "caddyfile"], { env: caddyEnv({ TLS_MODE: tls, ...extra }) });
    expect(r.stderr + r.stdout).toContain("Valid configuration");
    expect(r.code).toBe(0);
  });

  it("an unknown TLS_MODE is refused, naming the snippet it looked for", () => {
    const r = run("caddy", ["validate", "--config", CADDYFILE, "--adapter", "caddyfile"], { env: caddyEnv({ TLS_MODE: "letsencrypt" }) });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("snippets/tls-letsencrypt");
  });

  it("the snippets are formatted as `caddy fmt` wants", () => {
    for (const file of ["Caddyfile", "snippets/common", "snippets/access-log", "snippets/admin-allowlist", "snippets/tls-acme", "snippets/tls-internal"]) {
      const path = join(REPO, "caddy", file);
      expect(run("caddy", ["fmt", path]).stdout, file).toBe(readFileSync(path, "utf8"));
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
    expect(json).not.toContain("Strict-Transport-Security");
    expect(cfg.apps.pki!.certificate_authorities!.local!.install_trust).toBe(false);
    expect(cfg.apps.http.servers.srv0!.listen).toEqual(["0.0.0.0:443"]);
    expect(cfg.admin!.listen).toBe("127.0.0.1:2019");
  });

  it("acme: public ACME issuers with the e-mail, HSTS on every site", () => {
    const cfg = adapt({ TLS_MODE: "acme", ACME_EMAIL_OPTION: "email ops@example.cn" });
    const issuers = cfg.apps.tls!.automation!.policies![0]!.issuers!;
    expect(issuers.map((i) => i.module)).toContain("acme");
    expect(issuers.every((i) => i.email === "ops@example.cn")).toBe(true);
    expect(JSON.stringify(cfg).match(/Strict-Transport-Security/g)).toHaveLength(3);
  });

  it("acme without ACME_EMAIL: an account without e-mail", () => {
    const cfg = adapt({ TLS_MODE: "acme", ACME_EMAIL_OPTION: "" });
    expect(JSON.stringify(cfg)).not.toContain('"email"');
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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

describe("Caddy serving the Caddyfile (TLS_MODE=internal, loopback)", () => {
  let caddy: ChildProcess;
  let upstream: Server;
  let caddyLog = "";
  let ca = "";
  let httpsPort = 0;
  let httpPort = 0;

  beforeAll(async () => {
    upstream = createServer((req, res) => {
      if (req.url?.startsWith("/redirect")) {
        res.writeHead(302, { location: "https://www.example.cn/api/auth/callback/logto?code=SECRET-CODE&state=S" }).end();
        return;
      }
      res.writeHead(200, { "content-type": "text/html", server: "upstream/1.0", "x-powered-by": "Next.js", "x-upstream-host": req.headers.host ?? "", "x-forwarded-proto-seen": String(req.headers["x-forwarded-proto"]) });
      res.end("<p>hello</p>".repeat(200));
    });
    await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
    const up = `127.0.0.1:${(upstream.address() as { port: number }).port}`;
    [httpPort, httpsPort] = [await freePort(), await freePort()];
    const env = caddyEnv({
      TLS_MODE: "internal",
      CADDY_BIND: "127.0.0.1",
      CADDY_HTTP_PORT: String(httpPort),
      CADDY_HTTPS_PORT: String(httpsPort),
      CADDY_ADMIN: "off",
      LOGTO_UPSTREAM: up,
      ADMIN_UPSTREAM: up,
      APP_UPSTREAM: up,
      ADMIN_ALLOW_FROM: "192.0.2.0/24", // loopback is not in it: the console must answer 403
    });
    caddy = spawn("caddy", ["run", "--config", CADDYFILE, "--adapter", "caddyfile"], {
      env: { PATH: process.env.PATH, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    caddy.stdout!.on("data", (d: Buffer) => (caddyLog += d.toString()));
    caddy.stderr!.on("data", (d: Buffer) => (caddyLog += d.toString()));
    const rootCrt = join(env.XDG_DATA_HOME!, "caddy/pki/authorities/local/root.crt");
    const deadline = Date.now() + 20_000;
    while (!(existsSync(rootCrt) && /"serving initial configuration"/.test(caddyLog))) {
      if (Date.now() > deadline || caddy.exitCode !== null) throw new Error(`caddy did not start:\n${caddyLog.slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    ca = readFileSync(rootCrt, "utf8");
  }, 30_000);

  afterAll(async () => {
    caddy?.kill("SIGTERM");
    await new Promise<void>((r) => upstream?.close(() => r()));
  });

  function get(host: string, path: string, headers: Record<string, string> = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        { host: "127.0.0.1", port: httpsPort, path, servername: host, ca, headers: { host: `${host}:${httpsPort}`, ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
        },
      );
      req.on("error", reject);
      req.end();
    });
  }

  it("serves the app over HTTPS with a certificate from Caddy's root, with security headers and without Server", async () => {
    const r = await get("www.example.cn", "/");
    expect(r.status).toBe(200);
    expect(r.headers.server).toBeUndefined();
    expect(r.headers["x-powered-by"]).toBeUndefined();
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.headers["referrer-policy"]).toBe("strict-origin-when-cross-origin");
    expect(r.headers["x-frame-options"]).toBe("SAMEORIGIN");
    expect(r.headers["strict-transport-security"]).toBeUndefined();
    // Logto (TRUST_PROXY_HEADER=1) and Auth.js see the public host and https.
    expect(r.headers["x-upstream-host"]).toBe(`www.example.cn:${httpsPort}`);
    expect(r.headers["x-forwarded-proto-seen"]).toBe("https");
  });

  it("compresses responses", async () => {
    const r = await get("auth.example.cn", "/", { "accept-encoding": "gzip" });
    expect(r.headers["content-encoding"]).toBe("gzip");
    expect(r.body.length).toBeLessThan(2400);
  });

  it("the console allowlist answers 403 to addresses outside ADMIN_ALLOW_FROM", async () => {
    expect((await get("console.example.cn", "/console")).status).toBe(403);
  });

  // Caddy treats https_port as an internal port behind a 443 forward: the redirect names no port.
  it("redirects plain HTTP to HTTPS", async () => {
    const location = await new Promise<string | undefined>((resolve, reject) => {
      httpGet({ host: "127.0.0.1", port: httpPort, path: "/x", headers: { host: "www.example.cn" } }, (res) => {
        res.resume();
        resolve(res.headers.location);
      }).on("error", reject);
    });
    expect(location).toBe("https://www.example.cn/x");
  });

  it("access logs keep paths but not query strings (authorization codes)", async () => {
    await get("auth.example.cn", "/callback/wechat?code=SECRET-CODE&state=S", { referer: "https://www.example.cn/?code=SECRET-REFERER" });
    const redirect = await get("auth.example.cn", "/redirect?code=SECRET-CODE");
    expect(redirect.headers.location).toContain("code=SECRET-CODE"); // the browser still gets it
    await new Promise((r) => setTimeout(r, 300));
    const access = caddyLog.split("\n").filter((l) => l.includes('"http.log.access'));
    expect(access.some((l) => l.includes('"uri":"/callback/wechat?REDACTED"'))).toBe(true);
    expect(access.some((l) => l.includes("/api/auth/callback/logto?REDACTED"))).toBe(true);
    expect(caddyLog).not.toContain("SECRET-");
  });
});
