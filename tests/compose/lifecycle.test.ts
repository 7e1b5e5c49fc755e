// Issue 12, item 3: one stack through a user's life on the engine, in order: cold `make up-sandbox`,
// the app's server reaching Logto through Caddy, `make down` + `make up`, `make seed`, backup and
// restore, Logto killed from outside, `make doctor`. Each step starts from where the last one left
// the stack. Browser steps and engine steps never overlap (ERR_NETWORK_CHANGED, README.md).
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Cookie } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, type Browser } from "../harness/index.js";
import { testUsers } from "../e2e/utils.js";
import { composeStack } from "./stack.js";

const stack = composeStack({ name: "wls-compose-lifecycle", sandbox: true });
const d = () => stack.domains();
const url = (host: string, path = "/") => `https://${host}${path}`;

/** Services and their state: "healthy" for the long-running ones, "exited (0)" for one-shots. */
async function services(): Promise<Record<string, string>> {
  const r = await stack.compose(["ps", "-a", "--format", "{{.Service}} {{.State}} {{.Health}} {{.ExitCode}}"]);
  return Object.fromEntries(
    r.stdout
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => {
        const [service, state, health, code] = line.split(" ");
        return [service!, state === "exited" ? `exited (${code})` : health || state!];
      }),
  );
}

const HEALTHY = {
  app: "healthy",
  // The backup service (issue 17): on by default, a crond waiting for its schedule.
  backup: "healthy",
  caddy: "healthy",
  logto: "healthy",
  "logto-connectors": "exited (0)",
  postgres: "healthy",
  prepare: "exited (0)",
  seed: "exited (0)",
  "wechat-emulator": "healthy",
};

/** Row counts of every table of Logto's database. */
async function rowCounts(): Promise<Record<string, number>> {
  const out = await stack.sql(
    `select table_name || '=' || (xpath('/row/c/text()', query_to_xml(format('select count(*) as c from public.%I', table_name), false, true, '')))[1]::text
       from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  return Object.fromEntries(out.split("\n").map((l) => [l.split("=")[0]!, Number(l.split("=")[1])]));
}

/**
 * What the seed provisions and the users own, from Logto's tables (default and admin tenants). The
 * seed's own M2M app gets a fresh secret per run by design: its secrets are left out.
 */
async function provisioned(): Promise<string> {
  return stack.sql(`select json_build_object(
    'applications', (select json_agg(json_build_object('id', id, 'name', name, 'type', type, 'oidc', oidc_client_metadata, 'custom', custom_data) order by tenant_id, id) from applications),
    'secrets', (select json_agg(json_build_object('app', s.application_id, 'name', s.name, 'value', s.value) order by s.tenant_id, s.application_id, s.name)
                  from application_secrets s join applications a on a.tenant_id = s.tenant_id and a.id = s.application_id where a.type <> 'MachineToMachine'),
    'connectors', (select json_agg(json_build_object('id', id, 'connector', connector_id, 'config', config) order by tenant_id, id) from connectors),
    'signInExperiences', (select json_agg(row_to_json(e) order by tenant_id) from sign_in_experiences e),
    'users', (select json_agg(json_build_object('id', id, 'username', username, 'name', name, 'avatar', avatar, 'identities', identities, 'password', password_encrypted) order by tenant_id, id) from users)
  )`);
}

/** A seed run that changed nothing: its summary says so, and what it provisions is as before. */
function expectNoOp(summary: string, before: string, after: string) {
  expect(summary).toMatch(/seed: done in .*\b0 updated\b/);
  expect(JSON.parse(after)).toEqual(JSON.parse(before));
}

let caFile: string;
let browser: Browser | undefined;

/** A browser that trusts Caddy's root and maps the stack's names (and WeChat's, the sandbox's Caddy site) to 127.0.0.1. */
async function openBrowser(cookies: Cookie[] = []): Promise<Browser> {
  const hosts = Object.fromEntries([d().logto, d().app, d().admin, "open.weixin.qq.com"].map((h) => [h, "127.0.0.1"]));
  browser = await launchBrowser({ hosts, caFiles: [caFile] });
  if (cookies.length) await browser.context.addCookies(cookies);
  return browser;
}

/** The cookies a user's browser keeps, then the browser closed (no browser runs during engine steps). */
async function closeBrowser(): Promise<Cookie[]> {
  const cookies = (await browser?.context.cookies()) ?? [];
  await browser?.close();
  browser = undefined;
  return cookies;
}

/** What /account shows, or null when the app is not signed in (it redirects away). */
async function account(b: Browser): Promise<{ nickname: string; userId: string } | null> {
  await b.page.goto(url(d().app, "/account"));
  await b.page.waitForLoadState("load");
  if (new URL(b.page.url()).pathname !== "/account") return null;
  await b.page.getByTestId("account-nickname").waitFor();
  return {
    nickname: (await b.page.getByTestId("account-nickname").innerText()).trim(),
    userId: (await b.page.getByTestId("account-user-id").innerText()).trim(),
  };
}

beforeAll(() => {
  console.log(`[compose] Logto image: ${process.env.LOGTO_IMAGE || "the official svhd/logto:<LOGTO_VERSION> (LOGTO_IMAGE unset)"}`);
});

afterAll(async () => {
  await closeBrowser();
  await stack.down();
});

describe("the stack's life on the engine", () => {
  it("cold `make up-sandbox` (no .env yet): every service healthy, one-shots exited 0", async () => {
    const up = await stack.make("up-sandbox");
    console.log(`[compose] cold make up-sandbox: ${Math.round(up.durationMs / 1000)} s to healthy (exit ${up.code})`);
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(up.stdout).toContain("The stack is up.");
    expect(await services()).toEqual(HEALTHY);
    caFile = join(stack.dir, ".caddy-root.pem");
    writeFileSync(caFile, await stack.caddyRoot());
  });

  it("the app's server reaches https://LOGTO_DOMAIN through Caddy's network alias, trusting the copied root", async () => {
    // The copy the app trusts is Caddy's root itself.
    const copied = await stack.compose(["exec", "-T", "app", "cat", "/run/caddy-ca/root.crt"]);
    expect(copied.stdout.trim()).toBe((await stack.caddyRoot()).trim());
    const script = `fetch(${JSON.stringify(url(d().logto, "/oidc/.well-known/openid-configuration"))}).then(r=>r.json()).then(j=>console.log(j.issuer),e=>{console.error(e.cause??e);process.exit(1)})`;
    const r = await stack.compose(["exec", "-T", "app", "node", "-e", script]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(url(d().logto, "/oidc"));
  });

  let cookies: Cookie[] = [];
  let signedIn: { nickname: string; userId: string } | null = null;

  it("WeChat sign-in through the sandbox (the user whose session the next steps keep)", async () => {
    const b = await openBrowser();
    await b.page.goto(url(d().app));
    await b.page.getByTestId("signin-wechat").click();
    await b.page.waitForURL((u) => u.hostname === "open.weixin.qq.com", { timeout: 60_000 });
    await b.page.getByTestId("confirm-alice").click();
    await b.page.waitForURL((u) => u.hostname === d().app && u.pathname === "/account", { timeout: 60_000 });
    signedIn = await account(b);
    expect(signedIn?.nickname).toBe(testUsers.alice.nickname);
    cookies = await closeBrowser();
  });

  it("`make down` then `make up-sandbox`: data, Caddy's root and both sessions kept, the seed a no-op", async () => {
    const rootBefore = await stack.caddyRoot();
    const usersBefore = await stack.sql("select id from users where tenant_id = 'default' order by id");
    const before = await provisioned();
    const down = await stack.make("down");
    expect(down.code, down.stderr).toBe(0);
    expect(await services()).toEqual({});
    const up = await stack.make("up-sandbox");
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(await services()).toEqual(HEALTHY);
    expect(await stack.sql("select id from users where tenant_id = 'default' order by id")).toBe(usersBefore);
    expect(await stack.caddyRoot()).toBe(rootBefore);

    // The app's session: /account shows the same user without signing in.
    const b = await openBrowser(cookies);
    expect(await account(b)).toEqual(signedIn);
    // Logto's session: without the app's cookies, signing in again needs no trip to WeChat.
    await b.context.clearCookies({ domain: d().app });
    const visited: string[] = [];
    b.page.on("framenavigated", (frame) => visited.push(new URL(frame.url()).hostname));
    await b.page.goto(url(d().app));
    await b.page.getByTestId("signin-wechat").click();
    await b.page.waitForURL((u) => u.hostname === d().app && u.pathname === "/account", { timeout: 60_000 });
    expect(visited).not.toContain("open.weixin.qq.com");
    expect(await account(b)).toEqual(signedIn);
    cookies = await closeBrowser();

    // The seed of that `up` (its log): a no-op on a provisioned stack.
    const seed = await stack.compose(["logs", "--no-log-prefix", "seed"]);
    expectNoOp(seed.stdout, before, await provisioned());
  });

  it("`make seed` on the running stack: exit 0, nothing provisioned changes", async () => {
    const before = await provisioned();
    const seed = await stack.make("seed");
    expect(seed.code, `${seed.stdout}\n${seed.stderr}`).toBe(0);
    expectNoOp(seed.stdout, before, await provisioned());
  });

  it("`make backup`, a user deleted, `make restore`: 0 rows lost", async () => {
    const backup = await stack.make("backup");
    expect(backup.code, `${backup.stdout}\n${backup.stderr}`).toBe(0);
    const before = await rowCounts();
    const dumps = execFileSync("sh", ["-c", "ls backups/*.dump"], { cwd: stack.dir, encoding: "utf8" }).trim().split("\n");
    expect(dumps).toHaveLength(1);
    const user = signedIn!.userId;
    expect(await stack.sql(`with gone as (delete from users where tenant_id = 'default' and id = '${user}' returning id) select id from gone`)).toBe(user);

    const restore = await stack.make("restore", { FILE: dumps[0]!, YES: "1" });
    expect(restore.code, `${restore.stdout}\n${restore.stderr}`).toBe(0);
    expect(await services()).toEqual(HEALTHY);
    const after = await rowCounts();
    // Logto keeps writing while it runs (logs, sessions): a table may have gained rows, none lost any.
    const lost = Object.entries(before).filter(([table, n]) => (after[table] ?? 0) < n);
    expect(lost).toEqual([]);
    expect(await stack.sql(`select id from users where tenant_id = 'default' and id = '${user}'`)).toBe(user);
  });

  it("Logto's process SIGKILLed from the host: the container restarts by itself and is healthy again", async () => {
    const id = await stack.containerId("logto");
    const restarts = () => execFileSync("docker", ["inspect", "--format", "{{.RestartCount}}", id], { encoding: "utf8" }).trim();
    const before = Number(restarts());
    // The server is the `node .` under docker-init (compose.yaml: init: true, exec node).
    const top = execFileSync("docker", ["top", id, "-eo", "pid,args"], { encoding: "utf8" });
    const server = top.split("\n").find((l) => /\bnode \.$/.test(l.trim()));
    expect(server, top).toBeDefined();
    execFileSync("kill", ["-9", server!.trim().split(/\s+/)[0]!]);
    // Not healthy until it has been restarted (the restart count moves first).
    const deadline = Date.now() + 180_000;
    while (Number(restarts()) === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 500));
    expect(Number(restarts())).toBe(before + 1);
    await stack.waitHealthy("logto");
    const status = await stack.https(url(d().logto, "/api/status"));
    expect(status.status).toBe(204);
  });

  it("`make doctor` on the running stack: Logto, the issuer and the certificates OK", async () => {
    const r = await stack.make("doctor", {}, { timeoutMs: 600_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    console.log(`[compose] make doctor (exit ${r.code}):\n${out}`);
    const fails = out.split("\n").filter((l) => l.startsWith("FAIL"));
    // The lab's engine (Debian's dockerd 20.10) is older than the stack asks for (24+): doctor says
    // so, and that is the one failure allowed here.
    expect(fails.filter((l) => !/^FAIL\s+docker:/.test(l))).toEqual([]);
    expect(out).toMatch(/^OK\s+stack:/m);
    expect(out).not.toMatch(/^SKIP\s+checks:/m);
  });
});
