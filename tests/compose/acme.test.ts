// Issue 12, item 4: TLS_MODE=acme for real, the README's VPS path, on the engine. The ACME CA is
// Pebble (Let's Encrypt's test server, Debian's package; tests/compose/acme/), set the way an
// operator sets a private ACME CA: ACME_CA (its directory) and ACME_CA_ROOT (a PEM file of its
// roots). Pebble validates the three names over the project network, where Docker's DNS resolves
// them to Caddy's network aliases. Then what a user sees: every name serves a certificate issued
// by Pebble's root (not by Caddy's internal CA), plain HTTP is redirected, the app's server trusts
// the ACME_CA_ROOT file for its calls to https://LOGTO_DOMAIN, a WeChat sign-in through the sandbox
// lands on /account, and the console guard still holds the console until the seed has run.
// Engine steps and browser steps never overlap (ERR_NETWORK_CHANGED, README.md).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { connect, type PeerCertificate } from "node:tls";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpRequest, launchBrowser } from "../harness/index.js";
import { pollUntil } from "../harness/processes.js";
import { testUsers, utils } from "../e2e/utils.js";
import { composeStack } from "./stack.js";

const NAME = "wls-12-acme";
const ROOT_FILE = "acme-ca-root.pem";
const DOMAINS = { LOGTO_DOMAIN: "auth.acme.example.com", APP_DOMAIN: "app.acme.example.com", ADMIN_DOMAIN: "admin.acme.example.com" };

const stack = composeStack({
  name: NAME,
  // The sandbox (the emulator stands in for WeChat) plus Pebble; `make up` reads COMPOSE_FILE.
  env: { COMPOSE_FILE: "compose.yaml:compose.sandbox.yaml:tests/compose/acme/compose.yaml" },
  dotenv: { ...DOMAINS, TLS_MODE: "acme", ACME_CA: "https://pebble:14000/dir", ACME_CA_ROOT: `./${ROOT_FILE}` },
});
const d = () => stack.domains();
const names = () => [d().logto, d().app, d().admin];
const url = (host: string, path = "/") => `https://${host}${path}`;

/** Pebble's roots, as its own processes see them (management API and the API's CA file). */
let issuingRoot: string;
let apiRoot: string;
let internalRoot: string;

async function inPebble(args: string[]): Promise<string> {
  const r = await stack.compose(["exec", "-T", "pebble", ...args]);
  expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

interface Served {
  authorized: boolean;
  error: string | null;
  subjectAltName: string;
  issuer: string;
}

/** The TLS handshake a browser does for `name` on this machine's port 443, trusting only `ca`. */
function served(name: string, ca: string): Promise<Served> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port: 443, servername: name, ca, rejectUnauthorized: false, timeout: 10_000 }, () => {
      const cert: PeerCertificate = socket.getPeerCertificate();
      resolve({
        authorized: socket.authorized,
        error: socket.authorizationError ? String(socket.authorizationError) : null,
        subjectAltName: cert.subjectaltname ?? "",
        issuer: String(cert.issuer?.CN ?? ""),
      });
      socket.end();
    });
    socket.on("timeout", () => socket.destroy(new Error(`TLS to ${name}: no handshake within 10 s`)));
    socket.on("error", reject);
  });
}

beforeAll(async () => {
  console.info(`[compose ${NAME}] Logto image: ${stack.env.LOGTO_IMAGE ?? "svhd/logto (official)"}`);
  // The CA first, as an operator's private CA runs before the stack: its roots go into the file
  // ACME_CA_ROOT names (Pebble makes a new issuing root at every start, so it is read from it).
  const pebble = await stack.compose(["up", "-d", "--build", "--wait", "pebble"]);
  expect(pebble.code, `${pebble.stdout}\n${pebble.stderr}`).toBe(0);
  apiRoot = await inPebble(["cat", "/etc/pebble/tls/ca.pem"]);
  issuingRoot = await inPebble(["curl", "-fsS", "--cacert", "/etc/pebble/tls/ca.pem", "https://localhost:15000/roots/0"]);
  expect(issuingRoot).toMatch(/^-----BEGIN CERTIFICATE-----/);
  writeFileSync(join(stack.dir, ROOT_FILE), `${apiRoot.trim()}\n${issuingRoot.trim()}\n`);

  const check = await stack.make("check-env");
  expect(check.code, check.stderr).toBe(0);
  const up = await stack.make("up");
  console.info(`[compose ${NAME}] make up (TLS_MODE=acme, Pebble): ${Math.round(up.durationMs / 1000)} s (exit ${up.code})`);
  expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
  expect(up.stdout).toContain("The stack is up.");
  // The sandbox's QR page (open.weixin.qq.com) is always Caddy's internal CA: the browser needs it too.
  internalRoot = await stack.caddyRoot();
});

afterAll(async () => {
  await stack.down();
});

describe("TLS_MODE=acme with Pebble as the ACME CA", () => {
  it("each of the three names serves a certificate for itself issued by Pebble's root, not by Caddy's internal CA", async () => {
    for (const name of names()) {
      // Caddy asks for the certificates as it starts; `make up` does not wait for them.
      const s = await pollUntil(
        async () => {
          const r = await served(name, issuingRoot);
          if (!r.authorized) throw new Error(`${name}: ${r.error} (issuer ${r.issuer || "none"})`);
          return r;
        },
        { service: "caddy", waitingFor: `${name} to serve a certificate issued by Pebble (docker compose -p ${NAME} logs caddy pebble)`, timeoutMs: 180_000, intervalMs: 1000 },
      );
      expect(s.subjectAltName).toBe(`DNS:${name}`);
      expect(s.issuer).toMatch(/^Pebble Intermediate CA /);
      const withInternal = await served(name, internalRoot);
      expect(withInternal.authorized, `${name} verified with Caddy's internal root`).toBe(false);
    }
  });

  it("plain HTTP is redirected to HTTPS and the sites send the one HSTS policy of the acme mode", async () => {
    const hosts = Object.fromEntries(names().map((h) => [h, "127.0.0.1"]));
    const http = await httpRequest(`http://${d().app}/account`, { hosts });
    expect(http.status).toBe(308);
    expect(http.headers.location).toBe(url(d().app, "/account"));
    const status = await httpRequest(url(d().logto, "/api/status"), { hosts, ca: issuingRoot });
    expect(status.status).toBe(204);
    const home = await httpRequest(url(d().app), { hosts, ca: issuingRoot });
    expect(home.status).toBe(200);
    expect(home.headers["strict-transport-security"]).toBe("max-age=31536000; includeSubDomains");
  });

  it("the app's server reaches https://LOGTO_DOMAIN through Caddy's alias, trusting the published ACME_CA_ROOT and nothing else", async () => {
    const published = await stack.compose(["exec", "-T", "app", "cat", "/run/caddy-ca/root.crt"]);
    expect(published.stdout).toBe(`${apiRoot.trim()}\n${issuingRoot.trim()}\n`);
    const script = `fetch(${JSON.stringify(url(d().logto, "/oidc/.well-known/openid-configuration"))}).then(r=>r.json()).then(j=>console.log(j.issuer),e=>{console.error(String(e.cause?.code??e));process.exit(1)})`;
    const trusted = await stack.compose(["exec", "-T", "app", "node", "-e", script]);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(trusted.stdout.trim()).toBe(url(d().logto, "/oidc"));
    // Without that file the same call fails: Pebble's root is trusted through ACME_CA_ROOT only.
    const untrusted = await stack.compose(["exec", "-T", "-e", "NODE_EXTRA_CA_CERTS=", "app", "node", "-e", script]);
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr.trim()).toBe("UNABLE_TO_GET_ISSUER_CERT_LOCALLY");
  });

  it("WeChat sign-in through the sandbox in Chromium, trusting Pebble's root: it lands on /account", async () => {
    const rootFile = join(stack.dir, "pebble-issuing-root.pem");
    const internalFile = join(stack.dir, "caddy-internal-root.pem");
    writeFileSync(rootFile, issuingRoot);
    writeFileSync(internalFile, internalRoot);
    const hosts = Object.fromEntries([...names(), "open.weixin.qq.com"].map((h) => [h, "127.0.0.1"]));
    const b = await launchBrowser({ hosts, caFiles: [rootFile, internalFile] });
    try {
      const app = url(d().app).replace(/\/$/, "");
      await b.page.goto(`${app}/`);
      await b.page.getByTestId("signin-wechat").click();
      await utils.waitForQrPage(b.page);
      await utils.confirmOnQrPage(b.page, "alice");
      await b.page.waitForURL((u) => u.origin === app && u.pathname === "/account");
      expect((await utils.account(b.page)).nickname).toBe(testUsers.alice.nickname);
    } finally {
      await b.close();
    }
  });

  it("the console guard holds: 503 while the seed's marker is gone (`prepare` again), the console once `make seed` has run", async () => {
    const hosts = { [d().admin]: "127.0.0.1" };
    const consolePage = () => httpRequest(url(d().admin, "/console"), { hosts, ca: issuingRoot });
    const open = await consolePage();
    expect(open.status, open.body.slice(0, 200)).not.toBe(503);
    expect(open.body).not.toContain("being provisioned");
    const prepare = await stack.compose(["run", "--rm", "--no-deps", "prepare"]);
    expect(prepare.code, prepare.stderr).toBe(0);
    const held = await consolePage();
    expect(held.status).toBe(503);
    expect(held.body).toContain("The admin console is being provisioned");
    const seed = await stack.make("seed");
    expect(seed.code, `${seed.stdout}\n${seed.stderr}`).toBe(0);
    const again = await consolePage();
    expect(again.status, again.body.slice(0, 200)).not.toBe(503);
    expect(again.body).not.toContain("being provisioned");
  });

  it("`make doctor` trusts the private CA's root as the app does: each certificate OK, Logto and the issuer OK", async () => {
    const r = await stack.make("doctor", {}, { timeoutMs: 600_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    console.info(`[compose ${NAME}] make doctor (exit ${r.code}):\n${out}`);
    for (const name of names()) expect(out).toMatch(new RegExp(`^OK +tls ${name.replaceAll(".", "\\.")}: trusted certificate from Pebble Intermediate CA `, "m"));
    expect(out).not.toMatch(/^FAIL +(tls|logto|oidc)/m);
  });
});
