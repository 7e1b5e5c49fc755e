// Issue 12 item 3 / issue 17 point 3: `make upgrade` on the engine across real alterations, and the
// rollback it prints. The alterations are Logto's own: each Logto image runs the alteration scripts
// of its @logto/cli (the stand-in image: `--build-arg LOGTO_CLI_VERSION`, the npm release; a real
// Logto image: its own).
//   1. the pinned version (.env.example's LOGTO_VERSION, image LOGTO_IMAGE) -> 1.43.0 (the newest
//      @logto/cli on npm here; its ten alterations add e.g. the table trusted_devices), the whole
//      stack with the seed on both sides, then the printed rollback, run as printed.
//   2. a database seeded by @logto/cli 1.40.1 -> the pinned version: the alterations of 1.41.0 and
//      1.42.0 (the column users.is_password_expired, the table saml_sso_connector_signing_keys). The
//      old side is Logto 1.40.1 with its database only: the seed needs 1.41's schema (its console
//      admin row names users.is_password_expired), so a 1.40.1 stack never ran it.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../harness/paths.js";
import { runProcess } from "../harness/processes.js";
import { composeStack, type ComposeStack } from "./stack.js";

const PINNED = /^LOGTO_VERSION=(\S+)$/m.exec(readFileSync(join(repoRoot, ".env.example"), "utf8"))![1]!;
const PINNED_IMAGE = process.env.LOGTO_IMAGE || `svhd/logto:${PINNED}`;
const STANDIN = spawnSync("docker", ["image", "inspect", "--format", '{{index .Config.Labels "org.wechat-logto-stack.logto"}}', PINNED_IMAGE], { encoding: "utf8" }).stdout.trim() === "standin";
/** The image of another Logto release: the stand-in with that @logto/cli (built in beforeAll), or the official one. */
const imageOf = (version: string) => (STANDIN ? `wechat-logto-stack/logto-standin:${version}` : `svhd/logto:${version}`);
const NEWER = "1.43.0";
const OLDER = "1.40.1";

const docker = (args: string[], timeoutMs = 120_000) =>
  runProcess({ name: `docker ${args[0]}`, command: "docker", args, cwd: repoRoot, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/root" }, timeoutMs });

/** A stack whose Logto image comes from .env (make upgrade rewrites it there): LOGTO_IMAGE in the
 *  environment of every command would override .env and pin the old image through the upgrade. */
function stackOn(name: string, version: string, image: string): ComposeStack {
  const wanted = process.env.LOGTO_IMAGE;
  delete process.env.LOGTO_IMAGE;
  try {
    return composeStack({ name, dotenv: { LOGTO_VERSION: version, LOGTO_IMAGE: image } });
  } finally {
    if (wanted !== undefined) process.env.LOGTO_IMAGE = wanted;
  }
}

/** What alterations change: the deployed alteration timestamp, and a column or table they add. */
async function schema(stack: ComposeStack, probes: { columns?: string[]; tables?: string[] }) {
  const out: Record<string, string> = {
    alterationState: await stack.sql("select value->>'timestamp' from systems where key = 'alterationState'"),
  };
  for (const c of probes.columns ?? []) {
    const [table, column] = c.split(".");
    out[c] = await stack.sql(`select count(*) from information_schema.columns where table_name = '${table}' and column_name = '${column}'`);
  }
  for (const t of probes.tables ?? []) out[t] = await stack.sql(`select count(*) from information_schema.tables where table_name = '${t}'`);
  return out;
}
/** The rows that must survive both directions: users, the non-M2M apps and their secrets, connectors. */
async function rows(stack: ComposeStack) {
  return JSON.parse(
    await stack.sql(`select json_build_object(
      'users', (select json_agg(json_build_object('id', id, 'username', username, 'identities', identities, 'password', password_encrypted) order by tenant_id, id) from users),
      'applications', (select json_agg(json_build_object('id', id, 'name', name, 'type', type, 'oidc', oidc_client_metadata) order by tenant_id, id) from applications where type <> 'MachineToMachine'),
      'secrets', (select json_agg(json_build_object('app', s.application_id, 'value', s.value) order by s.tenant_id, s.application_id, s.name)
                    from application_secrets s join applications a on a.tenant_id = s.tenant_id and a.id = s.application_id where a.type <> 'MachineToMachine'),
      'connectors', (select json_agg(json_build_object('id', id, 'connector', connector_id, 'config', config) order by tenant_id, id) from connectors))`),
  ) as unknown;
}
/** The image the logto container runs. */
async function logtoImage(stack: ComposeStack): Promise<string> {
  return (await docker(["inspect", "--format", "{{.Config.Image}}", await stack.containerId("logto")])).stdout.trim();
}
/** Whether the running Logto has this repository's WeChat connector where it loads connectors from (the logto-connectors volume). */
async function connectorInLogto(stack: ComposeStack): Promise<boolean> {
  const r = await stack.compose(["exec", "-T", "logto", "test", "-f", "/etc/logto/packages/core/connectors/@wechat-logto-stack-connector-wechat/lib/index.js"]);
  return r.code === 0;
}
function dumps(stack: ComposeStack): string[] {
  const dir = join(stack.dir, "backups");
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".dump")) : [];
}
async function expectAllHealthy(stack: ComposeStack) {
  for (const s of ["postgres", "logto", "app", "caddy"]) expect(await stack.health(s), s).toBe("healthy");
  const seed = await stack.compose(["ps", "-a", "--format", "{{.State}} {{.ExitCode}}", "seed"]);
  expect(seed.stdout.trim(), "seed").toBe("exited 0");
}
/** A user who signed in with WeChat before the upgrade (the row Logto writes for one). */
const insertUser = (stack: ComposeStack) =>
  stack.sql(`insert into users (tenant_id, id, username, identities) values ('default', 'upgradeuser1', 'before_upgrade',
    '{"wechat": {"userId": "o-upgrade-unionid", "details": {"nickname": "Before"}}}'::jsonb)`);
const out = (r: { stdout: string; stderr: string }) => `${r.stdout}\n${r.stderr}`;

beforeAll(async () => {
  if (!STANDIN) return;
  for (const version of [OLDER, NEWER]) {
    const build = await docker(["build", "-q", "-f", "tests/logto-standin/Dockerfile", "--build-arg", `LOGTO_CLI_VERSION=${version}`, "-t", imageOf(version), "."], 1_200_000);
    expect(build.code, out(build)).toBe(0);
  }
}, 2_500_000);

describe(`make upgrade ${PINNED} -> ${NEWER}, then the printed rollback`, () => {
  const stack = stackOn("wls-h9-upgrade", PINNED, PINNED_IMAGE);
  const probes = { tables: ["trusted_devices", "cimd_grant_client_snapshots"] };
  let before: Record<string, string>;
  let rowsBefore: unknown;
  let upgradeOut = "";
  afterAll(() => stack.down());

  it(`make up on Logto ${PINNED} (${PINNED_IMAGE}), a WeChat user`, async () => {
    console.info(`[compose wls-h9-upgrade] Logto ${PINNED} (${PINNED_IMAGE}) -> ${NEWER} (${imageOf(NEWER)})`);
    const up = await stack.make("up");
    expect(up.code, out(up)).toBe(0);
    expect(await logtoImage(stack)).toBe(PINNED_IMAGE);
    expect(await connectorInLogto(stack)).toBe(true);
    before = await schema(stack, probes);
    expect(before).toMatchObject({ trusted_devices: "0", cimd_grant_client_snapshots: "0" });
    await insertUser(stack);
    rowsBefore = await rows(stack);
  });

  it("a target image neither here nor pullable: refused before anything changes", async () => {
    const envBefore = readFileSync(stack.envFile, "utf8");
    const logtoBefore = await stack.containerId("logto");
    const r = await stack.make("upgrade", { LOGTO_VERSION: "9.9.9", LOGTO_IMAGE: "wechat-logto-stack/no-such-logto:9.9.9" });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("the image wechat-logto-stack/no-such-logto:9.9.9 is neither on this machine nor can it be pulled; nothing was changed");
    expect(readFileSync(stack.envFile, "utf8")).toBe(envBefore);
    expect(dumps(stack)).toEqual([]);
    expect(await stack.containerId("logto")).toBe(logtoBefore);
    expect(await stack.health("logto")).toBe("healthy");
  });

  it(`make upgrade LOGTO_VERSION=${NEWER}: alterations deployed by the new image, every service healthy, rows kept`, async () => {
    const r = await stack.make("upgrade", { LOGTO_VERSION: NEWER, LOGTO_IMAGE: imageOf(NEWER) }, { timeoutMs: 900_000 });
    upgradeOut = r.stdout;
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain(`upgrade: Logto ${PINNED} (${PINNED_IMAGE}) -> ${NEWER} (${imageOf(NEWER)})`);
    expect(await logtoImage(stack)).toBe(imageOf(NEWER));
    expect(await connectorInLogto(stack)).toBe(true);
    await expectAllHealthy(stack);
    const after = await schema(stack, probes);
    expect(after).toMatchObject({ trusted_devices: "1", cimd_grant_client_snapshots: "1" });
    expect(Number(after.alterationState)).toBeGreaterThan(Number(before.alterationState));
    expect(await rows(stack)).toEqual(rowsBefore);
    expect(stack.dotenvValue("LOGTO_VERSION")).toBe(NEWER);
    expect(stack.dotenvValue("LOGTO_IMAGE")).toBe(imageOf(NEWER));
    expect((await stack.https(`https://${stack.domains().logto}/api/status`)).status).toBe(204);
  });

  it("the pre-upgrade backup outlives retention (BACKUP_RETENTION=1, two more backups)", async () => {
    for (let i = 0; i < 2; i++) {
      await new Promise((done) => setTimeout(done, 1100)); // backup names are UTC seconds
      const b = await stack.make("backup", {}, { env: { BACKUP_RETENTION: "1" } });
      expect(b.code, out(b)).toBe(0);
    }
    expect(dumps(stack)).toHaveLength(2);
    expect(dumps(stack).filter((f) => f.includes(`-before-logto-${NEWER}`))).toHaveLength(1);
  });

  it(`the printed rollback, run as printed: Logto ${PINNED} on its database again, 0 rows lost`, async () => {
    const lines = upgradeOut.split("\n");
    const at = lines.findIndex((l) => l.startsWith(`To roll back to Logto ${PINNED}`));
    expect(at, upgradeOut).toBeGreaterThan(-1);
    const commands = lines.slice(at + 1).filter((l) => /^ {2}(cp|make) /.test(l)).map((l) => l.trim().replace(/\s+#.*$/, ""));
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/^cp \.env\.\d{8}T\d{6}Z\.bak \.env$/);
    expect(commands[1]).toMatch(new RegExp(`^make restore FILE=backups/\\d{8}T\\d{6}Z-before-logto-${NEWER.replace(/\./g, "\\.")}\\.dump YES=1$`));
    for (const command of commands) {
      const r = await runProcess({ name: command.split(" ")[0]!, command: "sh", args: ["-c", command], cwd: stack.dir, env: stack.env, timeoutMs: 600_000 });
      expect(r.code, `${command}\n${out(r)}`).toBe(0);
    }
    expect(stack.dotenvValue("LOGTO_VERSION")).toBe(PINNED);
    expect(stack.dotenvValue("LOGTO_IMAGE")).toBe(PINNED_IMAGE);
    expect(await logtoImage(stack)).toBe(PINNED_IMAGE);
    await expectAllHealthy(stack);
    expect(await schema(stack, probes)).toEqual(before);
    expect(await rows(stack)).toEqual(rowsBefore);
  });

  it("make status on the running stack: all well, exit 0; the app stopped: a FAIL line, exit 1", async () => {
    // The lab's engine is Debian's dockerd 20.10, older than the 24 the stack asks for (compose-lab
    // README): that FAIL is the lab's, not the stack's, so the minimum is the lab's here.
    const lab = { env: { DOCTOR_MIN_DOCKER: "20.10.0" }, timeoutMs: 600_000 };
    const fine = await stack.make("status", {}, lab);
    expect(fine.code, out(fine)).toBe(0);
    for (const s of ["app", "caddy", "logto", "postgres"]) expect(fine.stdout).toContain(`OK    service ${s}: healthy`);
    expect(fine.stdout).toContain("OK    service seed: one-shot step, finished (exit 0)");
    expect(fine.stdout).toContain(`OK    version logto: Logto ${PINNED} (${PINNED_IMAGE})`);
    expect(fine.stdout).toMatch(/^OK {4}backup: the last backup \d{8}T\d{6}Z\.dump is 0 h old; pg_restore --list reads \d+ entries$/m);
    expect(fine.stdout).toMatch(/^OK {4}tls /m);
    expect(fine.stdout).toMatch(/^status: \d+ OK, 0 WARN, 0 FAIL, \d+ SKIP$/m);

    const stop = await stack.compose(["stop", "app"]);
    expect(stop.code, out(stop)).toBe(0);
    const attention = await stack.make("status", {}, lab);
    expect(attention.code).not.toBe(0);
    expect(attention.stdout).toMatch(/^FAIL {2}service app: exited \(exit code \d+\)$/m);
    expect(attention.stdout).toContain("status: needs attention");
  });
});

describe(`make upgrade from a database seeded by @logto/cli ${OLDER} to the pinned ${PINNED}`, () => {
  const stack = stackOn("wls-h9-upgrade-old", OLDER, imageOf(OLDER));
  const probes = { columns: ["users.is_password_expired"], tables: ["saml_sso_connector_signing_keys"] };
  afterAll(() => stack.down());

  it(`Logto ${OLDER} on the database its CLI seeded; make upgrade: the alterations of 1.41-${PINNED}, then the whole stack (seed included) healthy, rows kept`, async () => {
    console.info(`[compose wls-h9-upgrade-old] Logto ${OLDER} (${imageOf(OLDER)}) -> ${PINNED} (${PINNED_IMAGE})`);
    const up = await stack.compose(["up", "-d", "--wait", "logto"], { timeoutMs: 900_000 });
    expect(up.code, out(up)).toBe(0);
    expect(await logtoImage(stack)).toBe(imageOf(OLDER));
    const before = await schema(stack, probes);
    expect(before).toMatchObject({ "users.is_password_expired": "0", saml_sso_connector_signing_keys: "0" });
    await insertUser(stack);
    const usersBefore = await stack.sql("select json_agg(json_build_object('id', id, 'identities', identities) order by id) from users where tenant_id = 'default'");

    const r = await stack.make("upgrade", { LOGTO_VERSION: PINNED, LOGTO_IMAGE: PINNED_IMAGE }, { timeoutMs: 900_000 });
    expect(r.code, out(r)).toBe(0);
    expect(r.stdout).toContain(`To roll back to Logto ${OLDER}`);
    expect(await logtoImage(stack)).toBe(PINNED_IMAGE);
    expect(await connectorInLogto(stack)).toBe(true);
    await expectAllHealthy(stack);
    const after = await schema(stack, probes);
    expect(after).toMatchObject({ "users.is_password_expired": "1", saml_sso_connector_signing_keys: "1" });
    expect(Number(after.alterationState)).toBeGreaterThan(Number(before.alterationState));
    expect(await stack.sql("select json_agg(json_build_object('id', id, 'identities', identities) order by id) from users where tenant_id = 'default'")).toBe(usersBefore);
    expect(dumps(stack).filter((f) => f.includes(`-before-logto-${PINNED}`))).toHaveLength(1);
  });
});
