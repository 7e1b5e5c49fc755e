// caddy/prepare-volumes.sh, the one-shot `prepare` step: the app (uid 1000) must be able to read
// Caddy's root certificate, the seed (uid 1000) to write the credentials and stack-state
// directories, and the console stays closed (no console-ready marker) until the seed has run.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, run, scratchDir } from "./util.js";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

function volumes() {
  const dir = scratchDir("prepare-");
  const paths = {
    ROOT_CRT: join(dir, "data/caddy/pki/authorities/local/root.crt"),
    OUT_DIR: join(dir, "caddy-ca"),
    CRED_DIR: join(dir, "app-credentials"),
    SYSTEM_CAS: join(dir, "ca-certificates.crt"),
    ACME_CA_ROOT_FILE: join(dir, "acme-ca", "root.pem"),
    CONSOLE_READY_FILE: join(dir, "stack-state", "console-ready"),
  };
  mkdirSync(join(dir, "stack-state"));
  mkdirSync(join(dir, "data/caddy/pki/authorities/local"), { recursive: true, mode: 0o700 });
  mkdirSync(paths.OUT_DIR);
  mkdirSync(paths.CRED_DIR);
  mkdirSync(join(dir, "acme-ca"));
  writeFileSync(paths.SYSTEM_CAS, "system bundle\n");
  // ACME_CA_ROOT unset: compose.yaml mounts /dev/null there.
  writeFileSync(paths.ACME_CA_ROOT_FILE, "");
  return paths;
}
const prepare = (env: Record<string, string>) => run("sh", [join(REPO, "caddy/prepare-volumes.sh")], { env });

// chown to uid 1000 needs root, as in the container (and in CI).
describe.skipIf(process.getuid?.() !== 0)("prepare-volumes.sh", () => {
  it("publishes Caddy's root-only root.crt world-readable and gives the credentials directory to uid 1000", () => {
    const v = volumes();
    writeFileSync(v.ROOT_CRT, PEM, { mode: 0o600 });
    const r = prepare({ ...v, TLS_MODE: "internal" });
    expect(r.code, r.stderr).toBe(0);
    const out = join(v.OUT_DIR, "root.crt");
    expect(readFileSync(out, "utf8")).toBe(PEM);
    expect(statSync(out).mode & 0o777).toBe(0o644);
    expect(statSync(v.CRED_DIR).uid).toBe(1000);
    expect(statSync(v.CRED_DIR).mode & 0o777).toBe(0o700);
  });

  it("removes the seed's console-ready marker before anything else, even when it then fails, and gives its directory to uid 1000", () => {
    const v = volumes();
    writeFileSync(v.CONSOLE_READY_FILE, "closed\n");
    const r = prepare({ ...v, TLS_MODE: "internal", WAIT_SECONDS: "1" }); // no root: fails later
    expect(r.code).toBe(1);
    expect(existsSync(v.CONSOLE_READY_FILE)).toBe(false);
    expect(statSync(join(v.CONSOLE_READY_FILE, "..")).uid).toBe(1000);
    expect(r.stdout).toContain("console closed until the seed has run");
  });

  it("TLS_MODE=internal without a root after the wait fails, pointing at Caddy's logs", () => {
    const v = volumes();
    const r = prepare({ ...v, TLS_MODE: "internal", WAIT_SECONDS: "1" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("docker compose logs caddy");
  });

  it("TLS_MODE=acme without an internal root publishes the system CA bundle, so NODE_EXTRA_CA_CERTS stays valid", () => {
    const v = volumes();
    const r = prepare({ ...v, TLS_MODE: "acme" });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(v.OUT_DIR, "root.crt"), "utf8")).toBe("system bundle\n");
  });

  it("TLS_MODE=acme publishes the system CA bundle even when Caddy has an internal root (the sandbox's QR site): the app calls only ACME names", () => {
    const v = volumes();
    writeFileSync(v.ROOT_CRT, PEM, { mode: 0o600 });
    const r = prepare({ ...v, TLS_MODE: "acme" });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(v.OUT_DIR, "root.crt"), "utf8")).toBe("system bundle\n");
  });

  it("TLS_MODE=acme with ACME_CA_ROOT publishes that file world-readable, for the app to trust the private CA's certificates", () => {
    const v = volumes();
    writeFileSync(v.ROOT_CRT, "internal root\n", { mode: 0o600 });
    writeFileSync(v.ACME_CA_ROOT_FILE, PEM, { mode: 0o600 });
    const r = prepare({ ...v, TLS_MODE: "acme" });
    expect(r.code, r.stderr).toBe(0);
    const out = join(v.OUT_DIR, "root.crt");
    expect(readFileSync(out, "utf8")).toBe(PEM);
    expect(statSync(out).mode & 0o777).toBe(0o644);
    // TLS_MODE=internal ignores it: the sites are Caddy's own CA.
    const internal = prepare({ ...v, TLS_MODE: "internal" });
    expect(internal.code, internal.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toBe("internal root\n");
  });
});
