// The doctor's CLI against the WeChat emulator (in-process, HTTPS on a free port, its CA trusted
// by the child through NODE_EXTRA_CA_CERTS): output format, errcode meanings and exit codes.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import type { AddressInfo, LookupFunction } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { node22 } from "../../../tests/harness/index.js";
import { defaultApp, start, type Emulator } from "../../../wechat-emulator/src/index.js";
import { defaultOaApp } from "../../../wechat-emulator/src/users.js";
import { repoRoot, runCommand, scriptsDir, type Run } from "../../test/helpers.ts";
import { httpGet, localhostFallback, lookup, tlsProbe } from "./net.ts";

const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
const cli = join(scriptsDir, "src", "doctor", "cli.ts");

function doctor(args: string[], env: Record<string, string>, runtime: string[] = [tsx]): Promise<Run> {
  const [command, ...pre] = runtime as [string, ...string[]];
  return runCommand(command, [...pre, cli, ...args], env);
}

let emulator: Emulator;
let dir: string;
let base: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "doctor-emulator-"));
  emulator = await start({
    host: "127.0.0.1",
    port: 0,
    controlHost: "127.0.0.1",
    controlPort: 0,
    certFile: join(dir, "emulator.crt"),
    keyFile: join(dir, "emulator.key"),
    caFile: join(dir, "ca.crt"),
    log: () => {},
  });
  // The emulator serves its API only to the Host api.weixin.qq.com, as WeChat: the doctor's child
  // resolves that name to the emulator through the harness's DNS preload.
  base = {
    NODE_EXTRA_CA_CERTS: emulator.caFile,
    NODE_OPTIONS: `--require ${join(repoRoot, "tests", "harness", "dns-preload.cjs")}`,
    HARNESS_HOSTS: "api.weixin.qq.com=127.0.0.1",
    WECHAT_API_BASE: `https://api.weixin.qq.com:${new URL(emulator.url).port}`,
    LOGTO_DOMAIN: "auth.example.com",
    WECHAT_APP_ID: defaultApp.appid,
    WECHAT_APP_SECRET: defaultApp.secret,
    WECHAT_OA_APP_ID: defaultOaApp.appid,
    WECHAT_OA_APP_SECRET: defaultOaApp.secret,
  };
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("npm run doctor -- --only wechat", () => {
  it("right appids and secrets (website app and Official Account): 40029 for the made-up code, exit 0", async () => {
    const r = await doctor(["--only", "wechat"], base);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^OK {4}wechat: appid wx00…0001 and secret accepted \(a made-up code got 40029 invalid code/);
    expect(lines[1]).toBe(
      "OK    wechat-domain: register this exact authorization callback domain (授权回调域) at WeChat: auth.example.com (no https://, no port, no path)",
    );
    expect(lines[2]).toMatch(/^OK {4}wechat-oa: appid wx00…0002 and secret accepted \(a made-up code got 40029 invalid code/);
    expect(lines[3]).toBe(
      "OK    wechat-oa-domain: register this exact web authorization domain (网页授权域名) for the Official Account: auth.example.com; put the MP_verify_<key>.txt WeChat offers into wechat-verify/ first (served at https://auth.example.com/MP_verify_<key>.txt)",
    );
    expect(lines.at(-1)).toBe("doctor: 4 OK, 0 WARN, 0 FAIL, 0 SKIP");
  }, 30_000);

  it("the Official Account's secret wrong, or its AppID: 40125 / 40013 naming WECHAT_OA_*, exit 1, the secret never printed", async () => {
    const secret = "this-oa-secret-is-wrong-0123456789";
    const r = await doctor(["--only", "wechat"], { ...base, WECHAT_OA_APP_SECRET: secret });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("OK    wechat: appid wx00…0001 and secret accepted");
    expect(r.stdout).toContain("FAIL  wechat-oa: wrong secret: WeChat answered 40125 (invalid appsecret");
    expect(r.stdout).toMatch(/\n {6}fix: copy the AppSecret of this app into WECHAT_OA_APP_SECRET \(mp\.weixin\.qq\.com/);
    expect(r.stdout + r.stderr).not.toContain(secret);
    const appid = await doctor(["--only", "wechat"], { ...base, WECHAT_OA_APP_ID: "wx9999999999999998" });
    expect(appid.code).toBe(1);
    expect(appid.stdout).toContain("FAIL  wechat-oa: wrong appid: WeChat answered 40013 (invalid appid");
    expect(appid.stdout).toMatch(/\n {6}fix: set WECHAT_OA_APP_ID to the Official Account's AppID/);
    expect(appid.stdout).not.toContain(defaultOaApp.secret);
  }, 30_000);

  it("an Official Account AppID without its secret: FAIL naming WECHAT_OA_APP_SECRET; none: SKIP", async () => {
    const half = await doctor(["--only", "wechat"], { ...base, WECHAT_OA_APP_SECRET: "" });
    expect(half.code).toBe(1);
    expect(half.stdout).toContain("FAIL  wechat-oa: WECHAT_OA_APP_SECRET is empty while WECHAT_OA_APP_ID is set");
    const none = await doctor(["--only", "wechat"], { ...base, WECHAT_OA_APP_ID: "", WECHAT_OA_APP_SECRET: "" });
    expect(none.code).toBe(0);
    expect(none.stdout).toContain("SKIP  wechat-oa: WECHAT_OA_APP_ID is empty: no Official Account, WeChat's own browser shows the QR code");
    expect(none.stdout).toContain("SKIP  wechat-oa-domain: ");
  }, 30_000);

  it("wrong secret: 40125 in words, exit 1, the secret never printed", async () => {
    const secret = "this-secret-is-wrong-0123456789";
    const r = await doctor(["--only", "wechat"], { ...base, WECHAT_APP_SECRET: secret });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL  wechat: wrong secret: WeChat answered 40125 (invalid appsecret");
    expect(r.stdout).toMatch(/\n {6}fix: copy the AppSecret of this app into WECHAT_APP_SECRET/);
    expect(r.stdout + r.stderr).not.toContain(secret);
    expect(r.stdout.trim().split("\n").at(-1)).toBe("doctor: 3 OK, 0 WARN, 1 FAIL, 0 SKIP");
  }, 30_000);

  it("wrong appid: 40013 in words, exit 1", async () => {
    const r = await doctor(["--only", "wechat"], { ...base, WECHAT_APP_ID: "wx9999999999999999" });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("FAIL  wechat: wrong appid: WeChat answered 40013 (invalid appid");
    expect(r.stdout).not.toContain(defaultApp.secret);
  }, 30_000);

  it("WeChat off (no appid, no secret): SKIP, exit 0", async () => {
    const r = await doctor(["--only", "wechat"], { WECHAT_API_BASE: "http://127.0.0.1:9" });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("SKIP  wechat: WECHAT_APP_ID is empty: Sign in with WeChat is off");
  }, 30_000);

  it("runs as the doctor image does: Node 22 executing the .ts files directly, no build step", async () => {
    const r = await doctor(["--only", "wechat"], base, [node22, "--no-warnings"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("OK    wechat: appid wx00…0001 and secret accepted");
  }, 30_000);

  it("bad arguments and bad configuration: exit 2 with the reason", async () => {
    const unknown = await doctor(["--only", "dns"], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown check group dns");
    const badDomain = await doctor(["--only", "wechat"], { LOGTO_DOMAIN: "https://auth.example.com/" });
    expect(badDomain.code).toBe(2);
    expect(badDomain.stderr).toContain("LOGTO_DOMAIN: must be a bare lower-case host name");
  }, 30_000);
  it("the real TLS probe and HTTP client: certificate facts, host match, insecure mode", async () => {
    const port = Number(new URL(emulator.url).port);
    const cert = await tlsProbe({ host: "127.0.0.1", port, servername: "localhost", timeoutMs: 5000 });
    expect(cert.matchesHost).toBe(true);
    expect(cert.trusted).toBe(false); // the emulator's CA is not trusted in this process
    expect(cert.validTo.getTime()).toBeGreaterThan(Date.now());
    const other = await tlsProbe({ host: "127.0.0.1", port, servername: "auth.example.com", timeoutMs: 5000 });
    expect(other.matchesHost).toBe(false);
    // insecure: the handshake and the request complete (the emulator's 404 page for the Host 127.0.0.1)
    const res = await httpGet(`${emulator.url}/sns/oauth2/access_token?appid=x&secret=y&code=z&grant_type=authorization_code`, {
      timeoutMs: 5000,
      insecure: true,
    });
    expect(res.status).toBe(404);
    await expect(httpGet(`${emulator.url}/`, { timeoutMs: 5000 })).rejects.toThrow(/certificate/);
  });

  it("*.localhost reaches this machine as in browsers, whatever the system resolver says (RFC 6761)", async () => {
    const port = Number(new URL(emulator.url).port);
    const cert = await tlsProbe({ host: "auth.localhost", port, servername: "localhost", timeoutMs: 5000 });
    expect(cert.matchesHost).toBe(true);
    // an HTTP answer at all (the emulator serves its API only to the Host api.weixin.qq.com)
    await expect(httpGet(`https://app.localhost:${port}/`, { timeoutMs: 5000, insecure: true })).resolves.toMatchObject({
      status: expect.any(Number),
    });
    const all = await new Promise((done, fail) =>
      lookup("ADMIN.LOCALHOST.", { all: true }, (err, addresses) => (err ? fail(err) : done(addresses))),
    );
    expect(all).toEqual([{ address: "127.0.0.1", family: 4 }]);
    // other names still go to the resolver
    await expect(httpGet(`http://no-such-host.invalid:${port}/`, { timeoutMs: 5000 })).rejects.toThrow(/ENOTFOUND/);
  });

  it("a *.localhost name the resolver knows keeps its answer (inside the project network: Caddy's alias)", async () => {
    const alias: LookupFunction = (hostname, options, callback) =>
      hostname === "auth.localhost"
        ? options.all
          ? callback(null, [{ address: "172.18.0.5", family: 4 }])
          : callback(null, "172.18.0.5", 4)
        : callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: "ENOTFOUND" }), "", 0);
    const viaAlias = localhostFallback(alias);
    const ask = (host: string) =>
      new Promise((done, fail) => viaAlias(host, { all: true }, (err, addresses) => (err ? fail(err) : done(addresses))));
    expect(await ask("auth.localhost")).toEqual([{ address: "172.18.0.5", family: 4 }]);
    expect(await ask("app.localhost")).toEqual([{ address: "127.0.0.1", family: 4 }]);
  });

  it("WeChat unreachable: FAIL with the address, exit 1, secret not in the error", async () => {
    await emulator.close();
    const r = await doctor(["--only", "wechat"], base);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`FAIL  wechat: WeChat API unreachable at ${base.WECHAT_API_BASE}`);
    expect(r.stdout).toContain("fix: allow outbound HTTPS (443)");
    expect(r.stdout + r.stderr).not.toContain(defaultApp.secret);
  }, 30_000);

});

/** A local HTTP server answering `status(url)` to every request, standing in for outbound hosts. */
async function withLocalServer(status: (url: string) => number, use: (origin: string, requests: string[]) => Promise<void>) {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? "");
    res.writeHead(status(req.url ?? "")).end();
  });
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  try {
    await use(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests);
  } finally {
    await new Promise((done) => server.close(done));
  }
}

describe("npm run doctor -- --only outbound, against local servers", () => {
  it("a host that answers is OK, one that does not is a WARN with what breaks; hosts this .env does not call are skipped; exit 0", async () => {
    await withLocalServer((url) => (url === "/range/00000" ? 200 : 404), async (local, requests) => {
      const r = await doctor(["--only", "outbound"], {
        TLS_MODE: "internal",
        NPM_REGISTRY: `${local}/npm/`,
        // Nothing listens on port 9 here: the registry does not answer.
        IMAGE_REGISTRY: "127.0.0.1:9",
        DOCTOR_OUTBOUND_URLS: `api.pwnedpasswords.com=${local}/range/00000 dl-cdn.alpinelinux.org=${local}/alpine/`,
        DOCTOR_TIMEOUT_MS: "5000",
      });
      const lines = r.stdout.trim().split("\n");
      expect(lines).toContain("SKIP  outbound wechat-api: not called: WECHAT_APP_ID is empty: no WeChat sign-in");
      expect(lines).toContain("OK    outbound pwned-passwords: api.pwnedpasswords.com answers from this server (HTTP 200)");
      expect(lines).toContain(`OK    outbound npm-registry: ${new URL(local).host} answers from this server (image pulls and builds) (HTTP 404)`);
      expect(lines).toContain("OK    outbound alpine-packages: dl-cdn.alpinelinux.org answers from this server (image pulls and builds) (HTTP 404)");
      expect(lines.find((l) => l.startsWith("WARN  outbound image-registry:"))).toMatch(
        /^WARN  outbound image-registry: 127\.0\.0\.1:9 does not answer from this server \(image pulls and builds\) \(.*ECONNREFUSED.*\): `make up` on a new version or a fresh host/,
      );
      expect(r.stdout).toContain("fix: cannot be off; `IMAGE_REGISTRY` points it at a mirror or your own registry");
      // This project's images come from the same IMAGE_REGISTRY: the same host, not answering either.
      expect(lines.find((l) => l.startsWith("WARN  outbound project-images:"))).toMatch(/^WARN  outbound project-images: 127\.0\.0\.1:9 does not answer from this server/);
      expect(lines).toContain("SKIP  outbound dns-provider: not called: ACME_DNS_PROVIDER is empty: no DNS-01");
      expect(lines.at(-1)).toBe("doctor: 3 OK, 2 WARN, 0 FAIL, 6 SKIP");
      expect(requests.sort()).toEqual(["/alpine/", "/npm/", "/range/00000"]);
      expect(r.code).toBe(0);
    });
  }, 30_000);
});

describe("npm run doctor -- --only outbound, with DNS-01 (ACME_DNS_PROVIDER)", () => {
  it("probes the provider's API and the Go module proxy of the Caddy build (GOPROXY's first entry)", async () => {
    await withLocalServer(() => 404, async (local, requests) => {
      const r = await doctor(["--only", "outbound"], {
        TLS_MODE: "acme",
        ACME_CA: `${local}/acme/directory`,
        ACME_DNS_PROVIDER: "cloudflare",
        GOPROXY: `${local}/goproxy,direct`,
        NPM_REGISTRY: `${local}/npm/`,
        IMAGE_REGISTRY: "127.0.0.1:9",
        DOCTOR_OUTBOUND_URLS: `api.cloudflare.com=${local}/cloudflare/ api.pwnedpasswords.com=${local}/range/00000 dl-cdn.alpinelinux.org=${local}/alpine/`,
        DOCTOR_TIMEOUT_MS: "5000",
      });
      const lines = r.stdout.trim().split("\n");
      expect(lines).toContain("OK    outbound dns-provider: api.cloudflare.com answers from this server (HTTP 404)");
      expect(lines).toContain(`OK    outbound go-modules: ${new URL(local).host} answers from this server (image pulls and builds) (HTTP 404)`);
      expect(requests).toContain("/cloudflare/");
      expect(requests).toContain("/goproxy/");
      expect(r.code).toBe(0);
    });
  }, 30_000);
});
