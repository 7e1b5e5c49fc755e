// Issue 11, point 5: after the flows that handle secrets (a WeChat sign-in and sign-out, the console
// admin's password sign-in, the seed run again), no secret of the stack is in any service log, in any
// artefact under tests/.artifacts/, or on any process's command line (`ps` shows those to every user).
// The secrets: those of the env (the harness's, or the e2e .env of make e2e) and every client secret
// in Logto's database. The files whose job is to hold them (the app's credentials file, the e2e .env,
// stack descriptions) are owner-only and are not uploaded by CI (tests/static/secret-files.test.ts).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { artifactsDir, stackFileFromEnv, type StackInfo } from "../harness/index.js";
import { TEXT, utils, type ComposeInfo } from "./utils.js";

/** KEY=value lines of an env file (the subset .env.example uses; quotes removed). */
function envFile(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.replace(/^(["'])(.*)\1$/, "$2");
  }
  return out;
}

/** name -> value of every secret of the stack. */
async function stackSecrets(stack: StackInfo & ComposeInfo): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  const add = (name: string, value: string | undefined) => {
    // Shorter values would match by chance; every secret the stack makes is longer.
    if (value && value.length >= 12) secrets.set(name, value);
  };
  if (stack.compose?.envFile) {
    const env = envFile(stack.compose.envFile);
    for (const name of ["POSTGRES_PASSWORD", "AUTH_SECRET", "LOGTO_ADMIN_PASSWORD", "WECHAT_APP_SECRET", "AUTH_LOGTO_SECRET"]) add(name, env[name]);
  } else {
    add("AUTH_SECRET", stack.appEnv.AUTH_SECRET);
    add("LOGTO_ADMIN_PASSWORD", stack.seedEnv.LOGTO_ADMIN_PASSWORD);
    add("AUTH_LOGTO_SECRET", stack.appEnv.AUTH_LOGTO_SECRET);
    const credentials = utils.credentials(stack);
    if (credentials) add("credentials file clientSecret", (JSON.parse(credentials) as { clientSecret: string }).clientSecret);
  }
  add("console admin password", stack.admin.password);
  add("WECHAT_APP_SECRET (the emulator's app)", stack.wechat.appSecret);
  const rows = await utils.sql<{ app: string; secret: string }>(
    stack,
    `select tenant_id || '/' || id as app, secret from applications where secret <> ''
     union all select tenant_id || '/' || application_id || ' (' || name || ')', value from application_secrets`,
  );
  for (const { app, secret } of rows) add(`client secret of ${app}`, secret);
  return secrets;
}

function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).map((f) => join(dir, f)).filter((f) => {
    try {
      return statSync(f).isFile();
    } catch {
      return false; // removed meanwhile (another run's log rotation)
    }
  });
}

/** The command line of every process on the machine (what `ps -ef` shows to any user). */
function commandLines(): Array<{ pid: string; args: string }> {
  return readdirSync("/proc")
    .filter((pid) => /^\d+$/.test(pid))
    .flatMap((pid) => {
      try {
        return [{ pid, args: readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ") }];
      } catch {
        return []; // ended meanwhile
      }
    });
}

describe("Secrets stay out of logs, artefacts and command lines", () => {
  const stack = inject("stack") as StackInfo & ComposeInfo;

  it("after sign-in, sign-out, the console admin's sign-in and a second seed run: no secret in any of them", async () => {
    await utils.reset(stack);
    const { page } = await utils.browser(stack);
    await utils.signInWithWeChat(page, stack, "alice");
    await page.getByTestId("signout").click();
    await utils.waitForAppPage(page, stack, "/");

    const admin = new URL(stack.urls.admin).origin;
    await page.goto(`${stack.urls.admin}/console`);
    await page.waitForURL((url) => url.origin === admin && url.pathname === "/sign-in", { timeout: 60_000 });
    await page.getByText(TEXT.en.logtoSignInTitle, { exact: true }).first().waitFor();
    await page.locator('input[name="identifier"]').fill(stack.admin.username);
    await page.locator('input[name="password"]').fill(stack.admin.password);
    await page.locator('button[name="submit"]').click();
    await page.waitForURL((url) => url.origin === admin && url.pathname.startsWith("/console/"), { timeout: 60_000 });

    const seed = await utils.rerunSeed(stack);
    expect(seed.code, seed.output).toBe(0);

    const secrets = await stackSecrets(stack);
    // The env's secrets and at least the app's and the seed's clients.
    expect([...secrets.keys()].filter((k) => k.startsWith("client secret of")).length).toBeGreaterThanOrEqual(2);
    expect(secrets.has("AUTH_SECRET") && secrets.has("LOGTO_ADMIN_PASSWORD")).toBe(true);

    // Files that exist to hold secrets: owner-only, checked for that instead of searched.
    const holders = new Set<string>(
      [
        stack.origin === "harness" ? stack.credentialsFile : undefined,
        stack.compose?.envFile,
        stackFileFromEnv(),
        ...filesUnder(artifactsDir).filter((f) => /(^|\/)(\.env[^/]*|stack\.json)$/.test(f) || f.includes("/app-credentials/")),
      ].filter((f): f is string => Boolean(f)),
    );
    for (const file of holders) {
      try {
        expect(statSync(file).mode & 0o077, `${file} is readable by others`).toBe(0);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      }
    }

    const found: string[] = [];
    const logs = filesUnder(stack.logDir);
    expect(logs.length, `no service logs in ${stack.logDir}`).toBeGreaterThanOrEqual(4);
    const artefacts = filesUnder(artifactsDir).filter((f) => !holders.has(f));
    for (const file of new Set([...logs, ...artefacts])) {
      if (holders.has(file)) continue;
      const content = readFileSync(file);
      for (const [name, value] of secrets) if (content.includes(value)) found.push(`${name} in ${relative(artifactsDir, file)}`);
    }
    for (const { pid, args } of commandLines()) {
      for (const [name, value] of secrets) if (args.includes(value)) found.push(`${name} on the command line of pid ${pid}: ${args.slice(0, 120)}`);
    }
    expect(found).toEqual([]);
  });
});
