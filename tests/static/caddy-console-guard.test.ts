// The console guard (caddy/snippets/console-guard) with Debian's caddy 2.6.2 running the project's
// Caddyfile on loopback: ADMIN_DOMAIN answers 503 "provisioning" until the seed's console-ready
// marker exists, proxies to Logto once it does, and 503 again as soon as it is gone. The allowlist
// comes first: an address outside ADMIN_ALLOW_FROM gets 403 either way.
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCaddy, type Caddy } from "../harness/index.js";
import { REPO, run, scratchDir } from "./util.js";

const DOMAINS = { logto: "auth.guard.test", app: "app.guard.test", admin: "admin.guard.test" };

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe("the console guard (Caddy 2.6.2 on loopback)", () => {
  let caddy: Caddy;
  let upstream: Server;
  let ca = "";
  let marker = "";
  const seen: string[] = [];

  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res) => {
      seen.push(`${req.method} ${req.headers.host?.split(":")[0]}${req.url}`);
      res.writeHead(200, { "content-type": "text/plain" }).end("logto");
    });
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    const up = `127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    marker = join(scratchDir("console-guard-"), "stack-state", "console-ready");
    mkdirSync(join(marker, ".."));
    caddy = await startCaddy({
      logtoDomain: DOMAINS.logto,
      appDomain: DOMAINS.app,
      adminDomain: DOMAINS.admin,
      logtoUpstream: up,
      adminUpstream: up,
      appUpstream: up,
      // 127.0.0.1 only: requests from 127.0.0.3 are outside.
      env: { CONSOLE_READY_FILE: marker, ADMIN_ALLOW_FROM: "127.0.0.1/32" },
    });
    ca = readFileSync(caddy.caFile, "utf8");
  }, 60_000);

  afterAll(async () => {
    await caddy?.stop();
    await new Promise<void>((resolve) => (upstream ? upstream.close(() => resolve()) : resolve()));
  });

  function call(host: string, path: string, o: { method?: string; body?: string; from?: string } = {}): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: "127.0.0.1",
          port: caddy.httpsPort,
          localAddress: o.from ?? "127.0.0.1",
          method: o.method ?? "GET",
          path,
          servername: host,
          ca,
          headers: { host: `${host}:${caddy.httpsPort}`, ...(o.body ? { "content-type": "application/json" } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }));
        },
      );
      req.on("error", reject);
      req.end(o.body);
    });
  }

  /** Logto's console registration as its experience app starts it. */
  const register = () => call(DOMAINS.admin, "/api/experience", { method: "PUT", body: JSON.stringify({ interactionEvent: "Register" }) });

  it("without the marker: 503 provisioning page on every console path, nothing reaches Logto", async () => {
    seen.length = 0;
    for (const reply of [await call(DOMAINS.admin, "/console"), await call(DOMAINS.admin, "/console/welcome"), await register()]) {
      expect(reply.status).toBe(503);
      expect(reply.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(reply.headers["retry-after"]).toBe("30");
      expect(reply.headers["cache-control"]).toBe("no-store");
      expect(reply.body).toContain("<h1>The admin console is being provisioned</h1>");
      expect(reply.body).toContain("docker compose logs seed");
    }
    expect(seen).toEqual([]);
    // Only the console is held back: Logto's own host is served.
    expect((await call(DOMAINS.logto, "/oidc/.well-known/openid-configuration")).status).toBe(200);
  });

  it("a directory in the marker's place is no marker", async () => {
    mkdirSync(marker);
    try {
      expect((await call(DOMAINS.admin, "/console")).status).toBe(503);
    } finally {
      rmdirSync(marker);
    }
  });

  it("with the marker: the console is proxied to Logto; without it again: 503 at once", async () => {
    writeFileSync(marker, "closed\n");
    seen.length = 0;
    const console = await call(DOMAINS.admin, "/console");
    expect(console.status).toBe(200);
    expect(console.body).toBe("logto");
    expect((await register()).status).toBe(200);
    expect(seen).toEqual([`GET ${DOMAINS.admin}/console`, `PUT ${DOMAINS.admin}/api/experience`]);

    rmSync(marker);
    expect((await call(DOMAINS.admin, "/console")).status).toBe(503);
  });

  it("outside ADMIN_ALLOW_FROM: 403, with or without the marker (the allowlist comes first)", async () => {
    expect((await call(DOMAINS.admin, "/console", { from: "127.0.0.3" })).status).toBe(403);
    writeFileSync(marker, "closed\n");
    try {
      expect((await call(DOMAINS.admin, "/console", { from: "127.0.0.3" })).status).toBe(403);
    } finally {
      rmSync(marker);
    }
  });

  it("the snippet is formatted as `caddy fmt` wants", () => {
    const path = join(REPO, "caddy/snippets/console-guard");
    expect(run("caddy", ["fmt", path]).stdout).toBe(readFileSync(path, "utf8"));
  });
});
