import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCaddy, type Caddy } from "./caddy.js";
import { runFixture } from "./fixtures/run-fixture.js";
import { node22 } from "./node22.js";
import { freePort, isListening } from "./ports.js";
import { groupMembers, httpRequest, makeTempDir, removeTempDir } from "./processes.js";

// Three tiny upstreams that say who they are and what Caddy told them.
async function upstream(name: string): Promise<{ server: Server; port: number }> {
  const port = await freePort();
  const server = createServer((req, res) => {
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify({ name, host: req.headers.host, proto: req.headers["x-forwarded-proto"], path: req.url }));
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return { server, port };
}

describe("startCaddy with the project's Caddyfile", () => {
  let caddy: Caddy;
  const ups: Record<string, { server: Server; port: number }> = {};
  let stateDir = "";
  beforeAll(async () => {
    for (const n of ["logto", "admin", "app"]) ups[n] = await upstream(n);
    // The seed's console-ready marker, without which the console host answers 503 (caddy/snippets/console-guard).
    stateDir = makeTempDir("console-ready");
    const consoleReady = join(stateDir, "console-ready");
    writeFileSync(consoleReady, "closed\n");
    const started = Date.now();
    caddy = await startCaddy({
      logtoDomain: "auth.stack.test",
      appDomain: "app.stack.test",
      adminDomain: "admin.stack.test",
      logtoUpstream: `127.0.0.1:${ups.logto!.port}`,
      adminUpstream: `127.0.0.1:${ups.admin!.port}`,
      appUpstream: `127.0.0.1:${ups.app!.port}`,
      env: { CONSOLE_READY_FILE: consoleReady },
    });
    console.log(`caddy ready in ${Date.now() - started} ms on https ${caddy.httpsPort}`);
  });
  afterAll(async () => {
    await caddy?.stop();
    for (const u of Object.values(ups)) u.server.close();
    if (stateDir) removeTempDir(stateDir);
  });

  it("routes each host to its upstream for a Node process that trusts the harness CA through NODE_EXTRA_CA_CERTS", async () => {
    const p = caddy.httpsPort;
    const urls = [`https://app.stack.test:${p}/hello?x=1`, `https://auth.stack.test:${p}/oidc/.well-known/openid-configuration`, `https://admin.stack.test:${p}/console`];
    const r = await runFixture(node22, { HARNESS_HOSTS: "app.stack.test=127.0.0.1,auth.stack.test=127.0.0.1,admin.stack.test=127.0.0.1", CHECK_NAME: "app.stack.test", NODE_EXTRA_CA_CERTS: caddy.caFile }, urls);
    const [app, auth, admin] = urls.map((u) => JSON.parse(r.fetch[u].body) as Record<string, string>);
    expect(app).toEqual({ name: "app", host: `app.stack.test:${p}`, proto: "https", path: "/hello?x=1" });
    expect(auth).toMatchObject({ name: "logto", host: `auth.stack.test:${p}`, proto: "https" });
    expect(admin).toMatchObject({ name: "admin", host: `admin.stack.test:${p}` });
    expect(r.get[urls[0]!].status).toBe(200);
    // Caddy's snippets: the Server header is removed, security headers are set.
    const direct = await httpRequest(urls[0]!, { ca: (await import("node:fs")).readFileSync(caddy.caFile, "utf8"), hosts: { "app.stack.test": "127.0.0.1" } });
    expect(direct.headers.server).toBeUndefined();
    expect(direct.headers["x-content-type-options"]).toBe("nosniff");
  });

  it("is not trusted without the CA (the trust comes from NODE_EXTRA_CA_CERTS, not from the machine)", async () => {
    const url = `https://app.stack.test:${caddy.httpsPort}/`;
    const r = await runFixture(node22, { HARNESS_HOSTS: "app.stack.test=127.0.0.1", CHECK_NAME: "app.stack.test" }, [url]);
    expect(r.get[url].error).toMatch(/UNABLE_TO_GET_ISSUER_CERT_LOCALLY|SELF_SIGNED|UNABLE_TO_VERIFY/);
  });

  it("binds 127.0.0.1 only (127.0.0.2:443 stays free for the WeChat emulator) and redirects plain HTTP to its HTTPS port", async () => {
    expect(await isListening("127.0.0.1", caddy.httpsPort)).toBe(true);
    expect(await isListening("127.0.0.2", caddy.httpsPort)).toBe(false);
    const res = await httpRequest(`http://app.stack.test:${caddy.httpPort}/x`, { hosts: { "app.stack.test": "127.0.0.1" } });
    expect(res.status).toBe(308);
    // (Caddy 2.6 leaves a non-default HTTPS port out of this redirect; browsers in the stack use https URLs.)
    expect(res.headers.location).toMatch(/^https:\/\/app\.stack\.test(:\d+)?\/x$/);
  });

  it("stops completely", async () => {
    expect((await httpRequest(`${caddy.adminUrl}/config/`)).status).toBe(200);
    const { pid } = caddy.process;
    expect(groupMembers(pid).length).toBeGreaterThan(0);
    await caddy.stop();
    expect(await isListening("127.0.0.1", caddy.httpsPort)).toBe(false);
    expect(groupMembers(pid)).toEqual([]);
  });
});
