// The app's configuration at run time (issue 13): client credentials a later seed run rotated are
// used by the running app without a restart, and a bad variable stops the app at start, naming it.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { startApp, type StackInfo } from "../harness/index.js";
import { testUsers, utils } from "./utils.js";

const managedApps = (stack: StackInfo) =>
  utils.sql<{ id: string }>(
    stack,
    `select id from applications
     where tenant_id = 'default' and type = 'Traditional' and custom_data->>'managedBy' = 'wechat-logto-stack'`,
  );

describe("App configuration", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.reset(stack);
  });

  it("signs in with the credentials a later seed run rotated, without restarting the app", async () => {
    const before = await managedApps(stack);
    expect(before).toHaveLength(1);
    // As if the operator deleted the application in the console (its secrets go with it): the
    // credentials file the running app read now names a client Logto no longer knows.
    await utils.sql(stack, "delete from applications where tenant_id = 'default' and id = $1", [before[0]!.id]);

    const seed = await utils.rerunSeed(stack);
    expect(seed.code, seed.output).toBe(0);
    expect(seed.output).toMatch(/\bapp\s+created\b/);
    const after = await managedApps(stack);
    expect(after).toHaveLength(1);
    expect(after[0]!.id).not.toBe(before[0]!.id);

    const { page } = await utils.browser(stack);
    await utils.signInWithWeChat(page, stack, "alice");
    expect((await utils.account(page)).nickname).toBe(testUsers.alice.nickname);
  });

  it("refuses to start on a bad variable, naming it and a value that would pass", async (ctx) => {
    if (stack.origin !== "harness") {
      ctx.skip("starts the app's standalone build with the harness; a Compose stack's app was started by Compose");
    }
    const started = startApp({ env: { ...stack.appEnv, LOGTO_TIMEOUT_MS: "soon" }, skipBuild: true, timeoutMs: 60_000 });
    const error = await started.then(
      async (app) => {
        await app.stop();
        return new Error("the app started");
      },
      (error: unknown) => error as Error,
    );
    // ServiceError: "app: exited (code 1, ...)" and the app's last log lines.
    expect(error.message).toMatch(/^app: exited \(code 1,/);
    expect(error.message).toContain(
      "[app] not starting: invalid environment: LOGTO_TIMEOUT_MS: not a number: a whole number of milliseconds, e.g. 10000",
    );
  });
});
