// Nobody but the seed can claim the admin console (issue 11, point 1), on the Docker engine. The
// stack is started with a seed that fails at once (an override whose seed exits 1 before doing
// anything): Logto is up with a fresh database whose admin tenant lets the first visitor register,
// and a registration through Logto's own experience API on ADMIN_DOMAIN is refused by Caddy (503
// "provisioning") at its first request; no console user appears. Then the real seed runs (`make
// up`): the console serves its admin, who signs in, and it offers no registration.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser } from "../harness/index.js";
import { TEXT } from "../e2e/utils.js";
import { composeStack } from "./stack.js";

const NAME = "wls-console-guard";
const FAILING_SEED = "compose.failing-seed.yaml";
const GOOD = { COMPOSE_FILE: "compose.yaml" };

// .env.example as a fresh clone has it (console open to every address), internal TLS.
const stack = composeStack({ name: NAME, dotenv: { TLS_MODE: "internal" }, env: { COMPOSE_FILE: `compose.yaml:${FAILING_SEED}` } });

const adminOrigin = () => `https://${stack.domains().admin}`;
const adminUsers = () => stack.sql("select count(*) from users where tenant_id = 'admin'");
const adminSignInMode = () => stack.sql("select sign_in_mode from sign_in_experiences where tenant_id = 'admin'");

/** The requests Logto's console and experience app make to register the first admin, in order. */
async function registerFirstAdmin() {
  const admin = adminOrigin();
  const json = { "content-type": "application/json" };
  const authorize =
    `${admin}/oidc/auth?client_id=admin-console&redirect_uri=${encodeURIComponent(`${admin}/console/callback`)}` +
    "&response_type=code&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256";
  return [
    await stack.https(`${admin}/console`),
    await stack.https(`${admin}/console/welcome`),
    await stack.https(authorize),
    await stack.https(`${admin}/api/experience`, { method: "PUT", headers: json, body: JSON.stringify({ interactionEvent: "Register" }) }),
    await stack.https(`${admin}/api/experience/verification/new-password-identity`, {
      method: "POST",
      headers: json,
      body: JSON.stringify({ identifier: { type: "username", value: "intruder" }, password: "Intruder-password-1" }),
    }),
    await stack.https(`${admin}/api/experience/submit`, { method: "POST" }),
  ];
}

beforeAll(() => {
  console.info(`[compose ${NAME}] Logto image: ${stack.env.LOGTO_IMAGE ?? "svhd/logto (official)"}`);
  // The seed's image with its entrypoint replaced: it exits 1 before touching anything.
  writeFileSync(
    join(stack.dir, FAILING_SEED),
    'services:\n  seed:\n    entrypoint: ["node", "-e", "console.error(\'seed: failing at once (test override)\'); process.exit(1)"]\n',
  );
});

afterAll(() => stack.down());

describe("the admin console before and after the seed", () => {
  it("with a seed that fails at once, Logto's fresh admin tenant is open to registration, but nothing reaches it", async () => {
    const up = await stack.make("up");
    expect(up.code, `${up.stdout}\n${up.stderr}`).not.toBe(0);
    const seed = await stack.compose(["ps", "-a", "--format", "{{.ExitCode}}", "seed"]);
    expect(seed.stdout.trim()).toBe("1");
    await stack.waitHealthy("logto");
    await stack.waitHealthy("caddy");
    // What a visitor would claim if the console were served: Logto's first-admin registration.
    expect(await adminSignInMode()).toBe("Register");
    expect(await adminUsers()).toBe("0");

    for (const reply of await registerFirstAdmin()) {
      expect(reply.status, reply.body.slice(0, 200)).toBe(503);
      expect(reply.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(reply.headers["retry-after"]).toBe("30");
      expect(reply.body).toContain("The admin console is being provisioned");
    }
    expect(await adminUsers()).toBe("0");
    // Only the console is held back: Logto's user endpoint answers.
    const discovery = await stack.https(`https://${stack.domains().logto}/oidc/.well-known/openid-configuration`);
    expect(discovery.status).toBe(200);
  });

  it("once the real seed has run, the console serves the seeded admin and still offers no registration", async () => {
    const up = await stack.make("up", {}, { env: GOOD });
    expect(up.code, `${up.stdout}\n${up.stderr}`).toBe(0);
    expect(await adminSignInMode()).toBe("SignIn");
    expect(await stack.sql("select string_agg(username, ',') from users where tenant_id = 'admin'")).toBe("admin");
    const logs = await stack.compose(["logs", "--no-color", "--no-log-prefix", "seed"], { env: GOOD });
    expect(logs.stdout).toMatch(/seed: console-admin\s+created[\s\S]*seed: console-ready\s+created[\s\S]*seed: bootstrap/);
    expect((await stack.https(`${adminOrigin()}/console`)).status).not.toBe(503);

    await stack.caddyRoot();
    const d = stack.domains();
    const b = await launchBrowser({
      hosts: Object.fromEntries([d.logto, d.app, d.admin].map((h) => [h, "127.0.0.1"])),
      caFiles: [join(stack.dir, ".caddy-root.crt")],
    });
    try {
      const { page } = b;
      await page.goto(`${adminOrigin()}/console`);
      await page.waitForURL((url) => url.origin === adminOrigin() && url.pathname === "/sign-in", { timeout: 60_000 });
      await page.getByText(TEXT.en.logtoSignInTitle, { exact: true }).first().waitFor();
      expect(await page.getByRole("link", { name: TEXT.en.logtoCreateAccount }).count()).toBe(0);
      await page.locator('input[name="identifier"]').fill("admin");
      await page.locator('input[name="password"]').fill(stack.dotenvValue("LOGTO_ADMIN_PASSWORD") ?? "");
      await page.locator('button[name="submit"]').click();
      await page.waitForURL((url) => url.origin === adminOrigin() && url.pathname.startsWith("/console"), { timeout: 60_000 });
      expect(new URL(page.url()).pathname).not.toMatch(/^\/console\/welcome/);
    } finally {
      await b.close();
    }
    const marker = await stack.compose(["exec", "-T", "caddy", "test", "-f", "/run/stack-state/console-ready"], { env: GOOD });
    expect(marker.code, marker.stderr).toBe(0);
    expect(await adminUsers()).toBe("1");
  });
});
