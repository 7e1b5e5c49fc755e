// Each check as a pure function, with the network replaced.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../config.ts";
import type { HttpGet, PeerCert, TlsProbe } from "../net.ts";
import { formatResult } from "../report.ts";
import { runDoctor } from "../index.ts";
import { checkLogtoStatus, checkOidcIssuer } from "./logto.ts";
import { checkOutboundCalls } from "./outbound.ts";
import { checkCertificate } from "./tls.ts";

const cfg = (env: Record<string, string> = {}) =>
  loadConfig({ LOGTO_DOMAIN: "auth.example.com", APP_DOMAIN: "app.example.com", ADMIN_DOMAIN: "admin.example.com", TLS_MODE: "acme", ...env });

const answering = (routes: Record<string, { status: number; body?: string } | Error>): HttpGet => async (url) => {
  const r = routes[url];
  if (!r) throw new Error(`connect ECONNREFUSED (${url})`);
  if (r instanceof Error) throw r;
  return { status: r.status, body: r.body ?? "" };
};

describe("logto checks", () => {
  it("status 204 through the public URL is OK", async () => {
    const r = await checkLogtoStatus(cfg(), { httpGet: answering({ "https://auth.example.com/api/status": { status: 204 } }) });
    expect(formatResult(r)).toBe("OK    logto: https://auth.example.com/api/status answered 204");
  });

  it("502 from Caddy points at Logto's logs", async () => {
    const r = await checkLogtoStatus(cfg(), { httpGet: answering({ "https://auth.example.com/api/status": { status: 502 } }) });
    expect(r.status).toBe("FAIL");
    expect(r.fix).toContain("docker compose logs logto");
  });

  it("stack down: skipped, not failed", async () => {
    const r = await checkLogtoStatus(cfg({ DOCTOR_STACK: "down" }), { httpGet: answering({}) });
    expect(r.status).toBe("SKIP");
  });

  it("issuer must be https://LOGTO_DOMAIN/oidc", async () => {
    const url = "https://auth.example.com/oidc/.well-known/openid-configuration";
    const good = await checkOidcIssuer(cfg(), {
      httpGet: answering({ [url]: { status: 200, body: JSON.stringify({ issuer: "https://auth.example.com/oidc" }) } }),
    });
    expect(good.status).toBe("OK");
    const bad = await checkOidcIssuer(cfg(), {
      httpGet: answering({ [url]: { status: 200, body: JSON.stringify({ issuer: "http://localhost:3001/oidc" }) } }),
    });
    expect(formatResult(bad)).toMatch(
      /^FAIL  oidc: issuer is http:\/\/localhost:3001\/oidc, expected https:\/\/auth.example.com\/oidc\n {6}fix: Logto's ENDPOINT/,
    );
  });

  it("LOGTO_URL overrides the origin (tests point it at the harness's Caddy port)", async () => {
    const c = cfg({ LOGTO_URL: "https://auth.stack.test:8443/" });
    expect(c.logtoUrl).toBe("https://auth.stack.test:8443");
    const r = await checkOidcIssuer(c, {
      httpGet: answering({
        "https://auth.stack.test:8443/oidc/.well-known/openid-configuration": {
          status: 200,
          body: '{"issuer":"https://auth.stack.test:8443/oidc"}',
        },
      }),
    });
    expect(r.status).toBe("OK");
  });
});

describe("certificate check", () => {
  const now = () => new Date("2026-01-01T00:00:00Z");
  const probe = (c: Partial<PeerCert>): TlsProbe => async () => ({
    trusted: true,
    validTo: new Date("2026-03-01T00:00:00Z"),
    issuer: "R11",
    matchesHost: true,
    ...c,
  });
  const site = { url: "https://auth.example.com", domain: "auth.example.com" };

  it("trusted, 59 days left: OK with the days", async () => {
    const r = await checkCertificate(site, cfg(), { tlsProbe: probe({}), now });
    expect(formatResult(r)).toBe("OK    tls auth.example.com: trusted certificate from R11, 59 days left");
  });
  it("under 14 days: WARN", async () => {
    const r = await checkCertificate(site, cfg(), { tlsProbe: probe({ validTo: new Date("2026-01-10T00:00:00Z") }), now });
    expect(r.status).toBe("WARN");
  });
  it("expired: FAIL", async () => {
    const r = await checkCertificate(site, cfg(), { tlsProbe: probe({ validTo: new Date("2025-12-01T00:00:00Z") }), now });
    expect(r.status).toBe("FAIL");
  });
  it("untrusted in acme mode: FAIL; internal CA in internal mode: OK", async () => {
    const untrusted = probe({ trusted: false, trustError: "UNABLE_TO_VERIFY_LEAF_SIGNATURE", issuer: "Caddy Local Authority" });
    expect((await checkCertificate(site, cfg(), { tlsProbe: untrusted, now })).status).toBe("FAIL");
    const internal = await checkCertificate(site, cfg({ TLS_MODE: "internal" }), { tlsProbe: untrusted, now });
    expect(internal.status).toBe("OK");
    expect(internal.message).toContain("Caddy's internal CA");
  });
  it("nothing listening: FAIL naming Caddy's logs", async () => {
    const r = await checkCertificate(site, cfg(), {
      tlsProbe: async () => {
        throw new Error("connect ECONNREFUSED 127.0.0.1:443");
      },
      now,
    });
    expect(r.status).toBe("FAIL");
    expect(r.fix).toContain("docker compose logs caddy");
  });
});

describe("runDoctor", () => {
  it("runs the groups in order: wechat, logto, tls (three sites)", async () => {
    const names: string[] = [];
    await runDoctor(cfg({ DOCTOR_STACK: "down" }), undefined, { httpGet: answering({}), tlsProbe: probeNever }, (r) =>
      names.push(r.name),
    );
    expect(names).toEqual([
      "wechat",
      "wechat-domain",
      "wechat-oa",
      "wechat-oa-domain",
      "logto",
      "oidc",
      "tls auth.example.com",
      "tls app.example.com",
      "tls admin.example.com",
      "outbound wechat-api",
      "outbound pwned-passwords",
      "outbound acme",
      "outbound acme-zerossl",
      "outbound dns-provider",
      "outbound offsite-backup",
      "outbound image-registry",
      "outbound project-images",
      "outbound npm-registry",
      "outbound go-modules",
      "outbound alpine-packages",
    ]);
  });
});

describe("outbound checks: one line per host the server calls", () => {
  const outbound = (env: Record<string, string>, routes: Parameters<typeof answering>[0]) =>
    checkOutboundCalls(cfg({ TLS_MODE: "internal", ...env }), { httpGet: answering(routes) });

  it("no answer: WARN naming the host, what breaks and the setting that turns the call off", async () => {
    const lines = (await outbound({}, {})).map(formatResult);
    expect(lines).toContain(
      "WARN  outbound pwned-passwords: api.pwnedpasswords.com does not answer from this server (connect ECONNREFUSED (https://api.pwnedpasswords.com/range/00000)): " +
        "setting a password (password sign-up, a password set in the console) fails with a 500\n" +
        '      fix: `LOGTO_PWNED_PASSWORD_CHECK=false` (README "Outbound calls")',
    );
    expect(lines.find((l) => l.startsWith("WARN  outbound image-registry"))).toMatch(/registry-1\.docker\.io does not answer from this server \(image pulls and builds\)/);
  });

  it("any HTTP answer is an answer (a registry's 401, a 404)", async () => {
    const results = await outbound(
      { IMAGE_REGISTRY: "registry.example.cn:5000/mirror", NPM_REGISTRY: "https://registry.npmmirror.com" },
      { "https://registry.example.cn:5000/v2/": { status: 401 }, "https://registry.npmmirror.com": { status: 404 } },
    );
    expect(results.map(formatResult)).toEqual(
      expect.arrayContaining([
        "OK    outbound image-registry: registry.example.cn:5000 answers from this server (image pulls and builds) (HTTP 401)",
        "OK    outbound npm-registry: registry.npmmirror.com answers from this server (image pulls and builds) (HTTP 404)",
      ]),
    );
  });

  it("a host the .env does not call is skipped, saying why", async () => {
    const byName = Object.fromEntries(
      (await outbound({ LOGTO_PWNED_PASSWORD_CHECK: "false" }, {})).map((r) => [r.name, `${r.status} ${r.message}`]),
    );
    expect(byName).toMatchObject({
      "outbound wechat-api": "SKIP not called: WECHAT_APP_ID is empty: no WeChat sign-in",
      "outbound pwned-passwords": "SKIP not called: LOGTO_PWNED_PASSWORD_CHECK=false",
      "outbound acme": "SKIP not called: TLS_MODE=internal: Caddy's own CA",
      "outbound offsite-backup": "SKIP not called: BACKUP_OFFSITE_REPOSITORY is empty",
    });
  });

  it("the CA, the fallback CA and the off-site storage follow their settings; credentials in the repository URL are never sent or shown", async () => {
    const results = await outbound(
      {
        TLS_MODE: "acme",
        ACME_EMAIL: "ops@example.cn",
        BACKUP_OFFSITE_REPOSITORY: "rest:https://backup:s3cret@backup.example.cn:8000/stack",
      },
      { "https://acme-v02.api.letsencrypt.org/directory": { status: 200 }, "https://backup.example.cn:8000/": { status: 401 } },
    );
    const lines = results.map(formatResult);
    expect(lines).toContain("OK    outbound acme: acme-v02.api.letsencrypt.org answers from this server (HTTP 200)");
    expect(lines.find((l) => l.includes("outbound acme-zerossl"))).toMatch(/^WARN .*acme\.zerossl\.com does not answer.*\n +fix: `ACME_EMAIL` empty, or `ACME_CA` set/);
    expect(lines).toContain("OK    outbound offsite-backup: backup.example.cn:8000 answers from this server (HTTP 401)");
    expect(lines.join("\n")).not.toContain("s3cret");
    const ca = await outbound({ TLS_MODE: "acme", ACME_CA: "https://ca.example.cn/acme/directory" }, { "https://ca.example.cn/acme/directory": { status: 200 } });
    expect(ca.map(formatResult)).toContain("OK    outbound acme: ca.example.cn answers from this server (HTTP 200)");
    expect(ca.find((r) => r.name === "outbound acme-zerossl")?.status).toBe("SKIP");
  });

  it("DOCTOR_OUTBOUND_URLS sends a host's probe elsewhere (tests: a local server)", async () => {
    const results = await outbound(
      { DOCTOR_OUTBOUND_URLS: "api.pwnedpasswords.com=http://127.0.0.1:9999/range/00000" },
      { "http://127.0.0.1:9999/range/00000": { status: 200 } },
    );
    expect(results.map(formatResult)).toContain("OK    outbound pwned-passwords: api.pwnedpasswords.com answers from this server (HTTP 200)");
    expect(() => cfg({ DOCTOR_OUTBOUND_URLS: "api.pwnedpasswords.com" })).toThrow(/DOCTOR_OUTBOUND_URLS/);
  });
});

const probeNever: TlsProbe = async () => {
  throw new Error("not called");
};
