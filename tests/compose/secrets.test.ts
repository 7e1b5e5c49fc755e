// Secrets on the Docker engine (issue 11, point 5): the stack started with `make up-sandbox`, a WeChat
// sign-in and sign-out through Caddy and the emulator, then `make seed`. No secret of .env and no
// client secret in Logto's database may appear in any service's log, in `docker inspect` of any of
// the project's containers, in the artefacts under tests/.artifacts/, or on any command line of the
// machine (the containers' processes included: the host's `ps` shows them to every user).
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, runProcess } from "../harness/index.js";
import { artefactFiles, CLIENT_SECRETS_SQL, commandLines, fileTexts, findSecrets, readableByOthers, Secrets, secretHolderFiles, SECRET_VARIABLES } from "../e2e/secret-scan.js";
import { testUsers, utils } from "../e2e/utils.js";
import { composeStack } from "./stack.js";

const NAME = "wls-compose-secrets";
const stack = composeStack({ name: NAME, sandbox: true, dotenv: { TLS_MODE: "internal" } });

async function secretsOfStack(): Promise<Secrets> {
  const secrets = new Secrets();
  for (const name of SECRET_VARIABLES) secrets.add(name, stack.dotenvValue(name));
  // The sandbox gives the seed the emulator's app (compose.sandbox.yaml).
  secrets.add("WECHAT_APP_SECRET (the emulator's app)", "emulator-secret-0000000000000001");
  const rows = await stack.sql(`select app || '=' || secret from (${CLIENT_SECRETS_SQL}) s`);
  for (const row of rows.split("\n").filter(Boolean)) {
    const at = row.indexOf("=");
    secrets.add(`client secret of ${row.slice(0, at)}`, row.slice(at + 1));
  }
  return secrets;
}

async function containers(): Promise<string[]> {
  const r = await runProcess({ name: "docker ps", command: "docker", args: ["ps", "-a", "-q", "--filter", `label=com.docker.compose.project=${NAME}`], env: stack.env });
  expect(r.code, r.stderr).toBe(0);
  return r.stdout.split("\n").filter(Boolean);
}

let secrets: Secrets;

beforeAll(async () => {
  console.info(`[compose ${NAME}] Logto image: ${stack.env.LOGTO_IMAGE ?? "svhd/logto (official)"}`);
  const up = await stack.make("up-sandbox");
  expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);

  // The browser only after the engine is done changing networks (compose/README.md).
  await stack.caddyRoot();
  const d = stack.domains();
  const hosts = Object.fromEntries([d.logto, d.app, d.admin, "open.weixin.qq.com"].map((h) => [h, "127.0.0.1"]));
  const b = await launchBrowser({ hosts, caFiles: [join(stack.dir, ".caddy-root.crt")] });
  try {
    const app = `https://${d.app}`;
    await b.page.goto(`${app}/`);
    await b.page.getByTestId("signin-wechat").click();
    await utils.waitForQrPage(b.page);
    await utils.confirmOnQrPage(b.page, "alice");
    await b.page.waitForURL((url) => url.origin === app && url.pathname === "/account");
    expect((await utils.account(b.page)).nickname).toBe(testUsers.alice.nickname);
    await b.page.getByTestId("signout").click();
    await b.page.waitForURL((url) => url.origin === app && url.pathname === "/");
  } finally {
    await b.close();
  }

  const seed = await stack.make("seed");
  expect(seed.code, `${seed.stdout}\n${seed.stderr}`).toBe(0);
  secrets = await secretsOfStack();
  expect(secrets.has("POSTGRES_PASSWORD") && secrets.has("AUTH_SECRET") && secrets.has("LOGTO_ADMIN_PASSWORD")).toBe(true);
  expect([...secrets.keys()].filter((k) => k.startsWith("client secret of")).length).toBeGreaterThanOrEqual(2);
});

afterAll(async () => {
  await stack.down();
});

describe("secrets on the Docker engine", () => {
  it("no secret in any service's log, any artefact or any command line; the files meant to hold them are owner-only", async () => {
    const logs = await stack.compose(["logs", "--no-color", "--timestamps"]);
    expect(logs.code, logs.stderr).toBe(0);
    expect(logs.stdout).toMatch(/seed/);
    expect(readableByOthers([stack.envFile, ...secretHolderFiles()])).toEqual([]);
    const texts = [{ name: "docker compose logs", text: `${logs.stdout}\n${logs.stderr}` }, ...fileTexts(artefactFiles()), ...commandLines()];
    expect(findSecrets(secrets, texts)).toEqual([]);
  });

  it("no secret in `docker inspect` of any of the project's containers (environment, command, labels, mounts)", async () => {
    const ids = await containers();
    expect(ids.length).toBeGreaterThanOrEqual(6); // postgres, prepare, logto, seed, app, caddy, emulator
    const inspect = await runProcess({ name: "docker inspect", command: "docker", args: ["inspect", ...ids], env: stack.env });
    expect(inspect.code, inspect.stderr).toBe(0);
    const perContainer = (JSON.parse(inspect.stdout) as Array<{ Name: string }>).map((c) => ({ name: `docker inspect ${c.Name}`, text: JSON.stringify(c) }));
    expect(findSecrets(secrets, perContainer)).toEqual([]);
  });
});
