// Leaving the WeChat sandbox (issue 11, point 3), on the Docker engine, as an operator does it:
// `make up-sandbox`, a WeChat sign-in through the emulator, real-looking credentials in .env, then
// `make down` and `make up`. Afterwards nothing of the sandbox is left: no emulator container, no
// network alias (WeChat's names lead to no container of the project), no connector holding the
// emulator's AppID, and Logto's sign-in page offers exactly what .env asks for. On the way, both
// guards refuse real credentials while the emulator still runs: `make up` (up.sh exits 3) and, when the
// stack is started around make (`docker compose up` without --remove-orphans), the seed (exit 2).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { BlockList } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, runProcess } from "../harness/index.js";
import { utils, testUsers } from "../e2e/utils.js";
import { composeStack, withDotenv } from "./stack.js";

const NAME = "wls-leave-sandbox";
const SANDBOX_FILES = { COMPOSE_FILE: "compose.yaml:compose.sandbox.yaml" };
const REAL_WECHAT = { WECHAT_APP_ID: "wx1234567890abcdef", WECHAT_APP_SECRET: "real-looking-secret-0000000000001" };
const EMULATOR_APP_ID = "wx0000000000000001";
/** The emulator's Official Account (wechat-emulator/src/users.ts, defaultOaApp), which the sandbox adds. */
const EMULATOR_OA_APP_ID = "wx0000000000000002";
/** The WeChat connector as the seed made it: id, factory (the stack's own), website AppID, Official Account AppID. */
const CONNECTOR_ROW = "select id || '|' || connector_id || '|' || (config->>'appId') || '|' || coalesce(config->>'oaAppId', '') from connectors where id = 'wechat'";
const WECHAT_HOSTS = ["open.weixin.qq.com", "api.weixin.qq.com"];

// .env.example as a fresh clone has it (WeChat empty), internal TLS.
const stack = composeStack({ name: NAME, dotenv: { TLS_MODE: "internal" } });

const docker = async (args: string[]) => {
  const r = await runProcess({ name: `docker ${args[0]}`, command: "docker", args, env: stack.env, timeoutMs: 120_000 });
  expect(r.code, `docker ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r.stdout.trim();
};

/** Containers / networks of the project, whichever compose files made them. */
const projectContainers = (service?: string) =>
  docker(["ps", "-a", "-q", "--filter", `label=com.docker.compose.project=${NAME}`, ...(service ? ["--filter", `label=com.docker.compose.service=${service}`] : [])]);
const projectNetworks = () => docker(["network", "ls", "-q", "--filter", `label=com.docker.compose.project=${NAME}`]);

/** What WeChat's names resolve to inside the project network, asked from Logto's container. */
async function wechatAddressesSeenByLogto(): Promise<Record<string, string[]>> {
  const script =
    "const dns=require('dns');Promise.all(" +
    JSON.stringify(WECHAT_HOSTS) +
    ".map(h=>dns.promises.lookup(h,{all:true}).then(a=>[h,a.map(x=>x.address)],()=>[h,[]]))).then(r=>console.log(JSON.stringify(Object.fromEntries(r))))";
  const r = await stack.compose(["exec", "-T", "logto", "node", "-e", script]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim()) as Record<string, string[]>;
}

/** The project network's subnets (the default network Compose made for it). */
async function projectSubnets(): Promise<BlockList> {
  const list = new BlockList();
  const out = await docker(["network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}} {{end}}", `${NAME}_default`]);
  for (const cidr of out.split(/\s+/).filter(Boolean)) {
    const [address, prefix] = cidr.split("/");
    list.addSubnet(address!, Number(prefix), address!.includes(":") ? "ipv6" : "ipv4");
  }
  return list;
}

const onProjectNetwork = (subnets: BlockList, addresses: Record<string, string[]>) =>
  Object.values(addresses)
    .flat()
    .filter((a) => subnets.check(a, a.includes(":") ? "ipv6" : "ipv4"));

function setDotenv(values: Record<string, string | undefined>) {
  writeFileSync(stack.envFile, withDotenv(readFileSync(stack.envFile, "utf8"), values), { mode: 0o600 });
}

/** A browser through Caddy on 127.0.0.1:443, trusting Caddy's internal root. */
async function browser(extraHosts: string[] = []) {
  await stack.caddyRoot();
  const d = stack.domains();
  const hosts = Object.fromEntries([d.logto, d.app, d.admin, ...extraHosts].map((h) => [h, "127.0.0.1"]));
  return launchBrowser({ hosts, caFiles: [join(stack.dir, ".caddy-root.crt")] });
}

const appOrigin = () => `https://${stack.domains().app}`;
const logtoOrigin = () => `https://${stack.domains().logto}`;

beforeAll(() => {
  console.info(`[compose ${NAME}] Logto image: ${stack.env.LOGTO_IMAGE ?? "svhd/logto (official)"}`);
});

afterAll(async () => {
  // The emulator's volumes are declared in compose.sandbox.yaml only: remove them with it.
  await stack.compose(["down", "-v", "--remove-orphans"], { env: SANDBOX_FILES });
  await stack.down();
});

describe("leaving the WeChat sandbox", () => {
  it("make up-sandbox: a visitor signs in with WeChat through the emulator, whose aliases are WeChat's names inside the network", async () => {
    const up = await stack.make("up-sandbox");
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(await projectContainers("wechat-emulator")).not.toBe("");
    // The probe used after leaving: here it must find the emulator.
    const subnets = await projectSubnets();
    expect(onProjectNetwork(subnets, await wechatAddressesSeenByLogto())).toHaveLength(2);
    expect(await stack.sql(CONNECTOR_ROW)).toBe(`wechat|wechat-web-oa|${EMULATOR_APP_ID}|${EMULATOR_OA_APP_ID}`);

    const b = await browser(["open.weixin.qq.com"]);
    try {
      const { page } = b;
      await page.goto(`${appOrigin()}/`);
      await page.getByTestId("signin-wechat").click();
      await utils.waitForQrPage(page);
      await utils.confirmOnQrPage(page, "alice");
      await page.waitForURL((url) => url.origin === appOrigin() && url.pathname === "/account");
      expect((await utils.account(page)).nickname).toBe(testUsers.alice.nickname);
    } finally {
      await b.close();
    }
  });

  it("with real credentials in .env while the emulator runs, `make up` refuses (its script exits 3) naming `make down`", async () => {
    setDotenv(REAL_WECHAT);
    const up = await stack.make("up");
    expect(up.code, `${up.stdout}\n${up.stderr}`).not.toBe(0);
    expect(up.stderr).toMatch(/\[Makefile:\d+: up\] Error 3/);
    expect(up.stderr).toMatch(/WeChat emulator of `make up-sandbox` is still running in project wls-leave-sandbox/);
    expect(up.stderr).toMatch(/Fix: `make down`/);
    expect(up.stdout + up.stderr).not.toContain(REAL_WECHAT.WECHAT_APP_SECRET);
    expect(await projectContainers("wechat-emulator")).not.toBe("");
  });

  it("started around make (`docker compose up`, the emulator left attached), the seed refuses them (exit 2) naming `make down`", async () => {
    const up = await stack.compose(["up", "-d", "--wait"]);
    expect(up.code).not.toBe(0);
    const seed = await stack.compose(["ps", "-a", "--format", "{{.ExitCode}}", "seed"]);
    expect(seed.stdout.trim()).toBe("2");
    const logs = await stack.compose(["logs", "--no-color", "--no-log-prefix", "seed"]);
    expect(logs.stdout + logs.stderr).toMatch(/WeChat's host names resolve to this stack's own network \(open\.weixin\.qq\.com -> \S+, api\.weixin\.qq\.com -> \S+\)/);
    expect(logs.stdout + logs.stderr).toMatch(/fix: Stop the whole stack with `make down`/);
    expect(logs.stdout + logs.stderr).not.toContain(REAL_WECHAT.WECHAT_APP_SECRET);
    // Never kept outside the sandbox: the emulator's connector went before the refusal.
    expect(await stack.sql("select count(*) from connectors where config->>'appId' = 'wx0000000000000001'")).toBe("0");
  });

  it("`make down` stops the whole project, emulator and network included", async () => {
    const down = await stack.make("down");
    expect(down.code, `${down.stdout}\n${down.stderr}`).toBe(0);
    expect(down.stdout + down.stderr).not.toMatch(/still in use/i);
    expect(await projectContainers()).toBe("");
    expect(await projectNetworks()).toBe("");
  });

  it("`make up` with real-looking credentials: no emulator, no alias, no emulator connector, the sign-in page as .env asks", async () => {
    const up = await stack.make("up");
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(up.stdout + up.stderr).not.toMatch(/orphan/i);

    expect(await projectContainers("wechat-emulator")).toBe("");
    expect(onProjectNetwork(await projectSubnets(), await wechatAddressesSeenByLogto())).toEqual([]);
    // .env names no Official Account: the emulator's is gone with its website app.
    expect(await stack.sql(CONNECTOR_ROW)).toBe(`wechat|wechat-web-oa|${REAL_WECHAT.WECHAT_APP_ID}|`);
    // SIGN_IN_METHODS empty with WeChat configured: WeChat only.
    expect(await stack.sql("select social_sign_in_connector_targets::text || '|' || (sign_in->'methods')::text from sign_in_experiences where tenant_id = 'default'")).toBe('["wechat"]|[]');

    const b = await browser();
    try {
      const { page } = b;
      // The real WeChat is not reachable from here: answer its QR page ourselves and keep the URL.
      const wechat: string[] = [];
      await page.route("https://open.weixin.qq.com/**", (route) => {
        wechat.push(route.request().url());
        return route.fulfill({ status: 200, contentType: "text/html", body: "<p>WeChat</p>" });
      });
      await page.goto(`${appOrigin()}/`);
      await page.getByTestId("signin-other").click();
      await page.waitForURL((url) => url.origin === logtoOrigin() && url.pathname === "/sign-in");
      const button = utils.logtoWeChatButton(page);
      await button.waitFor();
      expect(await button.count()).toBe(1);
      expect(await page.locator('input[name="identifier"], input[type="password"]').count()).toBe(0);

      await button.click();
      await page.waitForURL((url) => url.hostname === "open.weixin.qq.com");
      const qr = new URL(wechat[0]!);
      expect(qr.pathname).toBe("/connect/qrconnect");
      expect(qr.searchParams.get("appid")).toBe(REAL_WECHAT.WECHAT_APP_ID);
    } finally {
      await b.close();
    }
  });
});
