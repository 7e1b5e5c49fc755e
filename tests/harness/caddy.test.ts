import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
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
  // The operator's folder of WeChat verification files (compose.yaml mounts ./wechat-verify there).
  let verifyDir = "";
  beforeAll(async () => {
    verifyDir = makeTempDir("wechat-verify");
    writeFileSync(join(verifyDir, "MP_verify_AbC123xyz.txt"), "AbC123xyz");
    // What must stay private although it sits in that folder.
    writeFileSync(join(verifyDir, "README.md"), "private readme");
    writeFileSync(join(verifyDir, "notes.txt"), "private notes");
    writeFileSync(join(verifyDir, ".MP_verify_hidden.txt"), "private dot file");
    writeFileSync(join(verifyDir, "MP_verify_AbC123xyz.txt.bak"), "private backup");
    mkdirSync(join(verifyDir, "sub"));
    writeFileSync(join(verifyDir, "sub", "MP_verify_Nested1.txt"), "private nested");
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
      env: { CONSOLE_READY_FILE: consoleReady, WECHAT_VERIFY_DIR: verifyDir },
    });
    console.log(`caddy ready in ${Date.now() - started} ms on https ${caddy.httpsPort}`);
  });
  afterAll(async () => {
    await caddy?.stop();
    for (const u of Object.values(ups)) u.server.close();
    if (stateDir) removeTempDir(stateDir);
    if (verifyDir) removeTempDir(verifyDir);
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

  it("serves the Official Account's MP_verify_<key>.txt at LOGTO_DOMAIN's root from the operator's folder, a new one without a restart, and nothing else of that folder", async () => {
    const get = (host: string, path: string) =>
      httpRequest(`https://${host}:${caddy.httpsPort}${path}`, { ca: readFileSync(caddy.caFile, "utf8"), hosts: { [host]: "127.0.0.1" } });
    const file = await get("auth.stack.test", "/MP_verify_AbC123xyz.txt");
    expect(file.status).toBe(200);
    expect(file.body).toBe("AbC123xyz");
    expect(file.headers["content-type"]).toMatch(/^text\/plain/);

    // Dropped in while Caddy runs, as an operator does: served at once.
    writeFileSync(join(verifyDir, "MP_verify_Later42.txt"), "Later42");
    const later = await get("auth.stack.test", "/MP_verify_Later42.txt");
    expect([later.status, later.body]).toEqual([200, "Later42"]);

    // No such file: Caddy's 404, not Logto.
    expect((await get("auth.stack.test", "/MP_verify_Missing9.txt")).status).toBe(404);

    // Every other path, also of files in that folder, goes to Logto as before; none of their content leaks.
    for (const path of ["/README.md", "/notes.txt", "/.MP_verify_hidden.txt", "/MP_verify_AbC123xyz.txt.bak", "/sub/MP_verify_Nested1.txt", "/MP_verify_..%2Fnotes.txt", "/x/../notes.txt"]) {
      const res = await get("auth.stack.test", path);
      expect(res.body, path).not.toContain("private");
      expect(JSON.parse(res.body) as { name: string }, path).toMatchObject({ name: "logto" });
    }
    // Only on Logto's host: the app and the console do not serve it.
    expect(JSON.parse((await get("app.stack.test", "/MP_verify_AbC123xyz.txt")).body)).toMatchObject({ name: "app", path: "/MP_verify_AbC123xyz.txt" });
    expect(JSON.parse((await get("admin.stack.test", "/MP_verify_AbC123xyz.txt")).body)).toMatchObject({ name: "admin" });
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
