// Scenario 7 of issue 6: the seed run again (as `make seed` / every `docker compose up` does) while a
// user is signed in changes nothing, and the user's sessions (the app's and Logto's) survive.
import { beforeEach, describe, expect, inject, it } from "vitest";
import type { StackInfo } from "../harness/index.js";
import { testUsers, utils, type ComposeInfo } from "./utils.js";

/** What the seed provisions and the user owns, as the Management API shows it. */
async function provisioned(stack: StackInfo) {
  const api = await utils.api(stack);
  const apps = (await api.applications.list()).map(({ id, name, type, oidcClientMetadata, customData }) => ({
    id,
    name,
    type,
    oidcClientMetadata,
    customData,
  }));
  // The app's client (the seed's own M2M app gets a fresh secret per run, by design: not compared).
  const managed = apps.filter((a) => a.customData?.managedBy === "wechat-logto-stack" && a.type === "Traditional");
  const secrets = await Promise.all(managed.map((a) => api.get<Array<{ name: string; value: string }>>(`/api/applications/${a.id}/secrets`)));
  const connectors = (await api.connectors.list()).map(({ id, connectorId, config }) => ({ id, connectorId, config }));
  const signInExperience = await api.get<Record<string, unknown>>("/api/sign-in-exp");
  const users = (await utils.users(stack)).map(({ id, username, name, avatar, identities, isSuspended }) => ({
    id,
    username,
    name,
    avatar,
    identities,
    isSuspended,
  }));
  return { apps, managed, secrets: secrets.map((list) => list.map(({ name, value }) => ({ name, value }))), connectors, signInExperience, users };
}

describe("Seed run again", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.reset(stack);
  });

  it("7. changes nothing while a user is signed in, and the session survives", async () => {
    const { page, context } = await utils.browser(stack);
    await utils.signInWithWeChat(page, stack, "alice");
    const before = await utils.account(page);
    const state = await provisioned(stack);
    expect(state.managed).toHaveLength(1);
    const credentials = utils.credentials(stack);

    const seed = await utils.rerunSeed(stack);
    expect(seed.code, seed.output).toBe(0);
    // Its own report: every step unchanged on a provisioned stack. One exception: under Compose,
    // `docker compose run seed` runs `prepare` first, which removes the console-ready marker on every
    // start by design (caddy/snippets/console-guard), so the seed makes it again ("created").
    const changed = [...seed.output.matchAll(/^seed: (\S+)\s+(created|updated|deleted)\b/gm)].map((m) => m[1]);
    const underCompose = Boolean((stack as StackInfo & ComposeInfo).compose);
    expect(changed.filter((step) => !(underCompose && step === "console-ready")), seed.output).toEqual([]);
    expect(seed.output).toMatch(/\b0 updated\b/);

    expect(await provisioned(stack)).toEqual(state);
    if (credentials !== undefined) expect(utils.credentials(stack)).toBe(credentials);

    // The app's session: /account still shows the same user, without a new sign-in.
    await page.reload();
    await utils.waitForAppPage(page, stack, "/account");
    const after = await utils.account(page);
    // Auth.js sessions roll: the expiry may only move forward.
    expect({ ...after, expires: undefined }).toEqual({ ...before, expires: undefined });
    expect(Date.parse(after.expires ?? "")).toBeGreaterThanOrEqual(Date.parse(before.expires ?? ""));

    // Logto's session: with the app's cookie gone, signing in again needs no trip to WeChat.
    const qrBefore = (await utils.calls(stack)).qrconnect;
    await context.clearCookies({ domain: new URL(stack.urls.app).hostname });
    await page.goto(`${stack.urls.app}/`);
    await page.getByTestId("signin-wechat").click();
    await utils.waitForAppPage(page, stack, "/account");
    expect((await utils.calls(stack)).qrconnect).toBe(qrBefore);
    const again = await utils.account(page);
    expect(again.userId).toBe(before.userId);
    expect(again.nickname).toBe(testUsers.alice.nickname);
  });
});
