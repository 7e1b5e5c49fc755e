// Issue 11, point 5: after the flows that handle secrets (a WeChat sign-in and sign-out, the console
// admin's password sign-in, the seed run again), no secret of the stack is in any service log, in any
// artefact under tests/.artifacts/, or on any process's command line (`ps` shows those to every user).
// The secrets: those of the env (the harness's, or the e2e .env of make e2e) and every client secret
// in Logto's database. The files whose job is to hold them (the app's credentials file, the e2e .env,
// stack descriptions) are owner-only and are not uploaded by CI (tests/static/secret-files.test.ts).
import { readFileSync } from "node:fs";
import { describe, expect, inject, it } from "vitest";
import { stackFileFromEnv, type StackInfo } from "../harness/index.js";
import { artefactFiles, CLIENT_SECRETS_SQL, commandLines, fileTexts, filesUnder, findSecrets, readableByOthers, Secrets, secretHolderFiles, SECRET_VARIABLES } from "./secret-scan.js";
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

/** Every secret of the stack: its env's (the harness's, or make e2e's .env) and every client secret. */
async function stackSecrets(stack: StackInfo & ComposeInfo): Promise<Secrets> {
  const secrets = new Secrets();
  if (stack.compose?.envFile) {
    const env = envFile(stack.compose.envFile);
    for (const name of SECRET_VARIABLES) secrets.add(name, env[name]);
  } else {
    secrets.add("AUTH_SECRET", stack.appEnv.AUTH_SECRET).add("LOGTO_ADMIN_PASSWORD", stack.seedEnv.LOGTO_ADMIN_PASSWORD);
    secrets.add("AUTH_LOGTO_SECRET", stack.appEnv.AUTH_LOGTO_SECRET);
    const credentials = utils.credentials(stack);
    if (credentials) secrets.add("credentials file clientSecret", (JSON.parse(credentials) as { clientSecret: string }).clientSecret);
  }
  secrets.add("console admin password", stack.admin.password).add("WECHAT_APP_SECRET (the emulator's app)", stack.wechat.appSecret);
  for (const { app, secret } of await utils.sql<{ app: string; secret: string }>(stack, CLIENT_SECRETS_SQL)) secrets.add(`client secret of ${app}`, secret);
  return secrets;
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
    const holders = [
      stack.origin === "harness" ? stack.credentialsFile : undefined,
      stack.compose?.envFile,
      stackFileFromEnv(),
      ...secretHolderFiles(),
    ].filter((f): f is string => Boolean(f));
    expect(readableByOthers(holders)).toEqual([]);

    const logs = filesUnder(stack.logDir);
    expect(logs.length, `no service logs in ${stack.logDir}`).toBeGreaterThanOrEqual(4);
    const found = findSecrets(secrets, [...fileTexts([...logs, ...artefactFiles()]), ...commandLines()]);
    expect(found).toEqual([]);
  });
});
