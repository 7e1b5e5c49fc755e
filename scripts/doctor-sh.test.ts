// scripts/doctor.sh end to end with Docker, DNS and /proc/net replaced: host checks, the report
// format shared with the TypeScript checks, the combined summary and the exit code.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeCompose, repoRoot, runScript, scriptsDir } from "./test/helpers.ts";

let work: string;
let bin: string;
let procNet: string;
const tsx = join(repoRoot, "node_modules", ".bin", "tsx");
const tsChecks = `${tsx} ${join(scriptsDir, "src", "doctor", "cli.ts")} --only wechat`;

const tcpHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
const listenLine = (hexPort: string) =>
  `   0: 00000000:${hexPort} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0\n`;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "doctor-sh-"));
  bin = join(work, "bin");
  procNet = join(work, "proc-net");
  mkdirSync(bin);
  mkdirSync(procNet);
  // docker: daemon 27.3.1; nothing else is called when DOCTOR_TS_CMD is set
  writeFileSync(join(bin, "docker"), '#!/bin/sh\n[ "$1" = version ] && echo "${FAKE_DOCKER_VERSION:-27.3.1}"\n[ "$1" = info ] && echo "${FAKE_DOCKER_ROOT:-}"\nexit 0\n');
  writeFileSync(join(bin, "resolve"), '#!/bin/sh\ncase $1 in\n  auth.example.com|app.example.com) echo 203.0.113.7 ;;\n  admin.example.com) echo 198.51.100.1 ;;\nesac\n');
  writeFileSync(join(bin, "valid"), "exit 0\n");
  // df -P: a path under */docker is on /var/lib/docker ($FAKE_DF_DOCKER % full), any other on /srv
  // ($FAKE_DF_PERCENT %); both 40 by default
  writeFileSync(
    join(bin, "df"),
    '#!/bin/sh\necho "Filesystem 1024-blocks Used Available Capacity Mounted on"\n' +
      'case $1 in */docker) echo "/dev/vdc 1000 1 1 ${FAKE_DF_DOCKER:-40}% /var/lib/docker" ;; *) echo "/dev/vdb 1000 1 1 ${FAKE_DF_PERCENT:-40}% /srv" ;; esac\n',
  );
  for (const f of ["docker", "resolve", "df"]) chmodSync(join(bin, f), 0o755);
  writeFileSync(join(procNet, "tcp6"), tcpHeader);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

const env = (extra: Record<string, string> = {}) => ({
  PATH: `${bin}:${process.env.PATH}`,
  STACK_DIR: work,
  PROC_NET: procNet,
  DOCTOR_RESOLVE: join(bin, "resolve"),
  DOCTOR_HOST_ADDRS: "127.0.0.1 203.0.113.7",
  DOCTOR_TS_CMD: tsChecks,
  DOCTOR_DF: join(bin, "df"),
  // the real validator has its own test below; here a stand-in that accepts any .env
  ENV_VALIDATOR: join(bin, "valid"),
  ...extra,
});

describe("make doctor (scripts/doctor.sh)", () => {
  it("VPS with the stack down: host checks, DNS against this host, ports free, summary, exit 0", async () => {
    writeFileSync(
      join(work, ".env"),
      "LOGTO_DOMAIN=auth.example.com\nAPP_DOMAIN=app.example.com\nADMIN_DOMAIN=admin.example.com\nTLS_MODE=acme\n",
      { mode: 0o600 },
    );
    writeFileSync(join(procNet, "tcp"), tcpHeader);
    const compose = fakeCompose();
    const r = await runScript("doctor.sh", [], { ...env(), COMPOSE: compose.bin, FAKE_COMPOSE_VERSION: "2.29.7" });
    const lines = r.stdout.trim().split("\n");
    expect(lines).toContain("OK    docker: Docker Engine 27.3.1 (>= 24.0.0)");
    expect(lines).toContain("OK    compose: Compose 2.29.7 (>= 2.26.0)");
    expect(lines).toContain("SKIP  stack: the stack is not running: checks that need it are skipped (start it: make up)");
    expect(lines).toContain("OK    port 80: free");
    expect(lines).toContain("OK    port 443: free");
    expect(lines).toContain("OK    dns auth.example.com: resolves to 203.0.113.7, an address of this host");
    expect(lines).toContain("WARN  dns admin.example.com: resolves to 198.51.100.1, not to this host (203.0.113.7)");
    expect(lines).toContain("SKIP  wechat: WECHAT_APP_ID is empty: Sign in with WeChat is off");
    expect(lines.at(-1)).toMatch(/^doctor: \d+ OK, 1 WARN, 0 FAIL, \d+ SKIP$/);
    expect(r.code).toBe(0);
  }, 30_000);

  it("port 443 taken by another program, old Compose, a domain without DNS: FAILs with fixes, exit 1", async () => {
    writeFileSync(
      join(work, ".env"),
      "LOGTO_DOMAIN=auth.example.com\nAPP_DOMAIN=nowhere.example.com\nADMIN_DOMAIN=admin.example.com\nTLS_MODE=acme\n",
      { mode: 0o600 },
    );
    writeFileSync(join(procNet, "tcp"), tcpHeader + listenLine("01BB"));
    const r = await runScript("doctor.sh", [], { ...env(), COMPOSE: fakeCompose().bin, FAKE_COMPOSE_VERSION: "v2.20.2" });
    expect(r.stdout).toContain("FAIL  port 443: in use by another program\n      fix: find it with: sudo ss -ltnp 'sport = :443'");
    expect(r.stdout).toContain("FAIL  compose: Compose v2.20.2 is older than 2.26.0");
    expect(r.stdout).toContain("FAIL  dns nowhere.example.com: APP_DOMAIN does not resolve\n      fix: create a DNS A record");
    expect(r.stdout.trim().split("\n").at(-1)).toMatch(/^doctor: \d+ OK, \d+ WARN, 3 FAIL, \d+ SKIP$/);
    expect(r.code).toBe(1);
  }, 30_000);

  it("a private ACME CA (TLS_MODE=acme, ACME_CA_ROOT relative to the stack): the TS checks trust its root (NODE_EXTRA_CA_CERTS)", async () => {
    const caCheck = join(bin, "ca-check");
    writeFileSync(caCheck, "#!/bin/sh\nprintf 'OK    ca: %s\\n' \"${NODE_EXTRA_CA_CERTS:-none}\"\n");
    chmodSync(caCheck, 0o755);
    writeFileSync(join(work, "acme ca root.pem"), "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    const dotenv = (tls: string) =>
      writeFileSync(join(work, ".env"), `LOGTO_DOMAIN=auth.example.com\nTLS_MODE=${tls}\nACME_CA=https://ca.example.net/dir\nACME_CA_ROOT=./acme ca root.pem\n`, { mode: 0o600 });
    writeFileSync(join(procNet, "tcp"), tcpHeader);
    dotenv("acme");
    const acme = await runScript("doctor.sh", [], { ...env(), DOCTOR_TS_CMD: caCheck, COMPOSE: fakeCompose().bin, FAKE_COMPOSE_VERSION: "2.29.7" });
    expect(acme.stdout).toContain(`OK    ca: ${work}/acme ca root.pem\n`);
    // TLS_MODE=internal: the sites are Caddy's own CA, the file is not handed over.
    dotenv("internal");
    const internal = await runScript("doctor.sh", [], { ...env(), DOCTOR_TS_CMD: caCheck, COMPOSE: fakeCompose().bin, FAKE_COMPOSE_VERSION: "2.29.7" });
    expect(internal.stdout).toMatch(/^OK    ca: /m);
    expect(internal.stdout).not.toContain("acme ca root.pem");
  }, 30_000);

  it("port 443 held by this stack's Caddy is fine; the TS checks' FAIL counts and fails the run", async () => {
    writeFileSync(join(work, ".env"), "WECHAT_APP_ID=wx0000000000000001\nWECHAT_APP_SECRET=do-not-print\nWECHAT_API_BASE=http://127.0.0.1:9\n", { mode: 0o600 });
    writeFileSync(join(procNet, "tcp"), tcpHeader + listenLine("0050") + listenLine("01BB"));
    const r = await runScript("doctor.sh", [], {
      ...env(),
      COMPOSE: fakeCompose().bin,
      FAKE_COMPOSE_VERSION: "2.29.7",
      FAKE_RUNNING: "caddy",
    });
    expect(r.stdout).toContain("OK    port 80: held by this stack's Caddy");
    expect(r.stdout).toContain("OK    port 443: held by this stack's Caddy");
    expect(r.stdout).toContain("OK    dns auth.localhost: local name");
    expect(r.stdout).toContain("FAIL  wechat: WeChat API unreachable at http://127.0.0.1:9");
    expect(r.stdout + r.stderr).not.toContain("do-not-print");
    expect(r.stdout.trim().split("\n").at(-1)).toMatch(/^doctor: \d+ OK, \d+ WARN, 1 FAIL, \d+ SKIP$/);
    expect(r.code).toBe(1);
  }, 30_000);

  it("outbound hosts: the .env's settings reach the TS checks, which probe what that .env calls (local servers, no internet)", async () => {
    const server = createServer((_req, res) => res.writeHead(200).end());
    await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
    const local = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      writeFileSync(
        join(work, ".env"),
        `LOGTO_PWNED_PASSWORD_CHECK=false\nNPM_REGISTRY=${local}/\nIMAGE_REGISTRY=127.0.0.1:9\nTLS_MODE=internal\n`,
        { mode: 0o600 },
      );
      writeFileSync(join(procNet, "tcp"), tcpHeader);
      const r = await runScript("doctor.sh", [], {
        ...env({ DOCTOR_TS_CMD: `${tsx} ${join(scriptsDir, "src", "doctor", "cli.ts")} --only outbound` }),
        COMPOSE: fakeCompose().bin,
        FAKE_COMPOSE_VERSION: "2.29.7",
        // From the environment, as make passes it: wins over .env like every doctor variable.
        DOCTOR_OUTBOUND_URLS: `dl-cdn.alpinelinux.org=${local}/alpine/`,
      });
      expect(r.stdout).toContain("SKIP  outbound pwned-passwords: not called: LOGTO_PWNED_PASSWORD_CHECK=false");
      expect(r.stdout).toContain(`OK    outbound npm-registry: ${new URL(local).host} answers from this server (image pulls and builds) (HTTP 200)`);
      expect(r.stdout).toContain("OK    outbound alpine-packages: dl-cdn.alpinelinux.org answers from this server (image pulls and builds) (HTTP 200)");
      expect(r.stdout).toMatch(/^WARN  outbound image-registry: 127\.0\.0\.1:9 does not answer from this server/m);
      // This project's images come from the same IMAGE_REGISTRY.
      expect(r.stdout).toMatch(/^WARN  outbound project-images: 127\.0\.0\.1:9 does not answer from this server/m);
      expect(r.stdout.trim().split("\n").at(-1)).toMatch(/^doctor: \d+ OK, 2 WARN, 0 FAIL, \d+ SKIP$/);
      expect(r.code).toBe(0);
    } finally {
      await new Promise((done) => server.close(done));
    }
  }, 30_000);

  it(".env checked with make up's validator: each problem a FAIL line with its fix", async () => {
    writeFileSync(join(work, ".env"), "LOGTO_DOMAIN=auth.example.com\nAPP_DOMAIN=auth.example.com\n", { mode: 0o600 });
    const r = await runScript("doctor.sh", [], {
      ...env(),
      ENV_VALIDATOR: join(scriptsDir, "env", "validate.sh"),
      COMPOSE: fakeCompose().bin,
      FAKE_COMPOSE_VERSION: "2.29.7",
    });
    expect(r.stdout).toMatch(/^FAIL {2}env: APP_DOMAIN equals LOGTO_DOMAIN \(auth.example.com\)\n {6}fix: give the app its own host name/m);
    expect(r.stdout).toMatch(/^FAIL {2}env: POSTGRES_PASSWORD is empty\n {6}fix: run `make secrets`/m);
    expect(r.code).toBe(1);
  }, 30_000);

  it("disk: WARN over 85 % used, for Docker's data and for the backups, each on its own filesystem", async () => {
    writeFileSync(join(work, ".env"), "LOGTO_DOMAIN=auth.localhost\nAPP_DOMAIN=app.localhost\nADMIN_DOMAIN=admin.localhost\n", { mode: 0o600 });
    writeFileSync(join(procNet, "tcp"), tcpHeader);
    mkdirSync(join(work, "docker"), { recursive: true });
    const base = { ...env(), COMPOSE: fakeCompose().bin, FAKE_COMPOSE_VERSION: "2.29.7", FAKE_DOCKER_ROOT: join(work, "docker") };

    const fine = await runScript("doctor.sh", [], { ...base, FAKE_DF_DOCKER: "85", FAKE_DF_PERCENT: "12" });
    expect(fine.stdout).toContain(`OK    disk docker: /var/lib/docker is 85 % full, it holds Docker's data (${join(work, "docker")})`);
    expect(fine.stdout).toContain(`OK    disk backups: /srv is 12 % full, it holds the backups (${join(work, "backups")})`);
    expect(fine.code).toBe(0);

    const full = await runScript("doctor.sh", [], { ...base, FAKE_DF_DOCKER: "86", FAKE_DF_PERCENT: "97" });
    expect(full.stdout).toContain("WARN  disk docker: /var/lib/docker is 86 % full (over 85 %)");
    expect(full.stdout).toMatch(/WARN {2}disk backups: \/srv is 97 % full \(over 85 %\), it holds the backups .*\n {6}fix: free space: docker image prune -a/);
    expect(full.stdout.trim().split("\n").at(-1)).toMatch(/^doctor: \d+ OK, 2 WARN, 0 FAIL, \d+ SKIP$/);
    expect(full.code).toBe(0);
  }, 30_000);

  it("no .env and no Docker daemon: says so and still reports the rest", async () => {
    rmSync(join(work, ".env"));
    writeFileSync(join(procNet, "tcp"), tcpHeader);
    writeFileSync(join(bin, "docker"), "#!/bin/sh\nexit 1\n");
    const r = await runScript("doctor.sh", [], { ...env(), COMPOSE: fakeCompose().bin });
    expect(r.stdout).toContain("FAIL  env: ");
    expect(r.stdout).toContain("FAIL  docker: the Docker daemon does not answer");
    expect(r.stdout).toContain("OK    port 443: free");
    expect(r.code).toBe(1);
    writeFileSync(join(bin, "docker"), '#!/bin/sh\n[ "$1" = version ] && echo 27.3.1\nexit 0\n');
  }, 30_000);
});
