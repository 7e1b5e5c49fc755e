// Issue 14, item 3: the DNS-01 path itself, on loopback, as far as it runs without Caddy's DNS
// modules (no Go module proxy here to build them) and without a DNS provider's API. What runs:
// the operator's .env for DNS-01 with a private ACME CA, accepted by `make check-env`; that CA is
// Pebble (Let's Encrypt's test CA, Debian's package), whose HTTP-01 and TLS-ALPN-01 ports are
// closed, as 80/443 are before an ICP filing; Pebble resolves through pebble-challtestsrv, a DNS
// server whose TXT records are set over HTTP, standing in for the provider's DNS; the ACME client
// is lego (Debian's), with its `exec` provider setting the records, standing in for Caddy and
// caddy-dns/<provider>. The server, CA root, account e-mail and names lego uses are read from that
// .env as the stack reads it (scripts/env/lib.sh). Not run here: Caddy's DNS-01 and the providers'
// APIs (tests/static/dns01.test.ts checks what is around them).
import { chmodSync, copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, httpRequest, isListening, runProcess, startProcess, type RunResult, type ServiceProcess } from "../harness/index.js";
import { pollUntil } from "../harness/processes.js";
import { FILLED_SECRETS, REPO, run, scratchDir, scratchStack } from "./util.js";

const SITES = { LOGTO_DOMAIN: "auth.example.cn", APP_DOMAIN: "www.example.cn", ADMIN_DOMAIN: "console.example.cn" };
const NAMES = Object.values(SITES);

const dir = scratchDir("dns01-pebble-");
const services: ServiceProcess[] = [];
let ports: Record<"acme" | "management" | "dns" | "dnsApi" | "http01" | "tlsAlpn01", number>;
let checkEnv: ReturnType<typeof run>;
let lego: RunResult;
let issuingRoot: string;

/** A value of the .env as check-env and the stack's scripts read it. */
function envValue(envFile: string, name: string): string {
  const r = run("sh", ["-c", '. "$0/scripts/env/lib.sh" && env_value "$1" "$2"', REPO, envFile, name]);
  expect(r.code, `${name}: ${r.stderr}`).toBe(0);
  return r.stdout.trim();
}

async function start(name: string, command: string, args: string[], readyLine: string, env: NodeJS.ProcessEnv = {}) {
  const p = startProcess({ name, command, args, env: { PATH: process.env.PATH, ...env }, logFile: join(dir, `${name}.log`) });
  services.push(p);
  await pollUntil(
    async () => {
      if (!p.logTail(200).includes(readyLine)) throw new Error(`no "${readyLine}" yet`);
    },
    { service: name, waitingFor: readyLine, timeoutMs: 30_000, process: p },
  );
  return p;
}

beforeAll(async () => {
  ports = { acme: await freePort(), management: await freePort(), dns: await freePort(), dnsApi: await freePort(), http01: await freePort(), tlsAlpn01: await freePort() };
  // Pebble's own HTTPS (its API): a throw-away CA and a certificate for 127.0.0.1.
  const tls = (args: string[]) => expect(run("openssl", args, { cwd: dir }).code).toBe(0);
  tls(["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=pebble API test CA", "-keyout", "ca-key.pem", "-out", "ca.pem"]);
  tls(["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=pebble", "-keyout", "key.pem", "-out", "cert.csr"]);
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  tls(["x509", "-req", "-in", "cert.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "cert.pem"]);
  writeFileSync(
    join(dir, "pebble.json"),
    JSON.stringify({
      pebble: {
        listenAddress: `127.0.0.1:${ports.acme}`,
        managementListenAddress: `127.0.0.1:${ports.management}`,
        certificate: join(dir, "cert.pem"),
        privateKey: join(dir, "key.pem"),
        // Nothing listens there: the names' "ports 80/443" are closed.
        httpPort: ports.http01,
        tlsPort: ports.tlsAlpn01,
        ocspResponderURL: "",
        externalAccountBindingRequired: false,
      },
    }),
  );
  await start("challtestsrv", "pebble-challtestsrv", ["-dns01", `127.0.0.1:${ports.dns}`, "-management", `127.0.0.1:${ports.dnsApi}`, "-http01", "", "-https01", "", "-tlsalpn01", ""], `Starting management server on 127.0.0.1:${ports.dnsApi}`);
  // Pebble's defaults that make a run depend on luck or speed: 5 % of good nonces refused, and a
  // random sleep before each validation.
  await start("pebble", "pebble", ["-config", join(dir, "pebble.json"), "-dnsserver", `127.0.0.1:${ports.dns}`, "-strict"], `Listening on: 127.0.0.1:${ports.acme}`, { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0" });
  issuingRoot = (await httpRequest(`https://127.0.0.1:${ports.management}/roots/0`, { ca: readFileSync(join(dir, "ca.pem"), "utf8") })).body;

  // The operator's .env: DNS-01 through a provider, a private ACME CA and its root file.
  const stack = scratchStack({
    ...FILLED_SECRETS,
    ...SITES,
    TLS_MODE: "acme",
    ACME_EMAIL: "ops@example.cn",
    ACME_CA: `https://127.0.0.1:${ports.acme}/dir`,
    ACME_CA_ROOT: "./acme-ca-root.pem",
    ADMIN_ALLOW_FROM: "203.0.113.7/32",
    ACME_DNS_PROVIDER: "cloudflare",
    ACME_DNS_SECRET: "Example-Cloudflare_Api-Token-0123456789",
    COMPOSE_FILE: "compose.yaml:compose.dns.yaml",
  });
  copyFileSync(join(dir, "ca.pem"), join(stack.dir, "acme-ca-root.pem"));
  checkEnv = run("dash", [join(REPO, "scripts/env/validate.sh"), stack.envFile], { env: { STACK_DIR: stack.dir } });

  // lego's exec provider runs this with `present|cleanup <fqdn> <value>`: the TXT record is set
  // through the DNS server's HTTP API, and each call is logged.
  const hook = join(dir, "dns-hook.mjs");
  writeFileSync(
    hook,
    `#!/usr/bin/env node
import { appendFileSync } from "node:fs";
const [action, host, value] = process.argv.slice(2);
appendFileSync(${JSON.stringify(join(dir, "dns-hook.log"))}, action + " " + host + "\\n");
const path = action === "present" ? "/set-txt" : "/clear-txt";
const r = await fetch("http://127.0.0.1:${ports.dnsApi}" + path, { method: "POST", body: JSON.stringify(action === "present" ? { host, value } : { host }) });
if (!r.ok) { console.error(path + ": HTTP " + r.status); process.exit(1); }
`,
  );
  chmodSync(hook, 0o755);
  const setting = (name: string) => envValue(stack.envFile, name);
  const caRoot = join(stack.dir, setting("ACME_CA_ROOT"));
  lego = await runProcess({
    name: "lego",
    command: "lego",
    args: [
      "--server", setting("ACME_CA"),
      "--email", setting("ACME_EMAIL"),
      "--accept-tos",
      "--path", join(dir, "lego"),
      "--dns", "exec",
      // The CA's DNS is the only DNS here: no authoritative servers to wait for.
      "--dns.resolvers", `127.0.0.1:${ports.dns}`,
      "--dns.disable-cp",
      ...["LOGTO_DOMAIN", "APP_DOMAIN", "ADMIN_DOMAIN"].flatMap((n) => ["--domains", setting(n)]),
      "run",
    ],
    env: {
      PATH: process.env.PATH,
      HOME: dir,
      LEGO_CA_CERTIFICATES: caRoot,
      EXEC_PATH: hook,
      EXEC_POLLING_INTERVAL: "1",
      EXEC_PROPAGATION_TIMEOUT: "60",
      // lego waits this long between the names of one order (default 60 s).
      EXEC_SEQUENCE_INTERVAL: "1",
    },
    timeoutMs: 170_000,
  });
}, 240_000);

afterAll(async () => {
  for (const s of services.reverse()) await s.stop();
});

describe("DNS-01 with Pebble, the operator's settings, and ports 80/443 closed", () => {
  it("make check-env accepts the .env (TLS_MODE=acme, ACME_DNS_PROVIDER with its token, compose.dns.yaml, the private CA): no error, no warning", () => {
    expect(checkEnv.stderr).toBe("");
    expect(checkEnv.code).toBe(0);
  });

  it("the CA issues one certificate for the three names, chaining to its own root", () => {
    expect(lego.code, `${lego.stdout}\n${lego.stderr}`).toBe(0);
    const cert = join(dir, "lego/certificates", `${SITES.LOGTO_DOMAIN}.crt`);
    const sans = run("openssl", ["x509", "-in", cert, "-noout", "-ext", "subjectAltName"]).stdout;
    expect(sans.match(/DNS:[^,\s]+/g)?.sort()).toEqual(NAMES.map((n) => `DNS:${n}`).sort());
    writeFileSync(join(dir, "issuing-root.pem"), issuingRoot);
    const verify = run("openssl", ["verify", "-CAfile", join(dir, "issuing-root.pem"), "-untrusted", join(dir, "lego/certificates", `${SITES.LOGTO_DOMAIN}.issuer.crt`), cert]);
    expect(verify.stdout.trim(), verify.stderr).toBe(`${cert}: OK`);
  });

  it("by DNS-01 alone: one TXT record under _acme-challenge per name, set and removed through the DNS API; nothing listened where HTTP-01 and TLS-ALPN-01 would be checked", async () => {
    expect(lego.code).toBe(0);
    const calls = readFileSync(join(dir, "dns-hook.log"), "utf8").trim().split("\n").sort();
    expect(calls).toEqual(NAMES.flatMap((n) => [`cleanup _acme-challenge.${n}.`, `present _acme-challenge.${n}.`]).sort());
    const legoLog = `${lego.stdout}\n${lego.stderr}`;
    for (const n of NAMES) expect(legoLog).toContain(`[${n}] acme: use dns-01 solver`);
    expect(legoLog).not.toMatch(/use (http|tls-alpn)-01 solver/);
    expect(await isListening("127.0.0.1", ports.http01)).toBe(false);
    expect(await isListening("127.0.0.1", ports.tlsAlpn01)).toBe(false);
  });
});
