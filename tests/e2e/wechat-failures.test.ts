// Scenario 5 of issue 6: WeChat says no or fails. The user sees a message (WeChat's own page for a
// denial; Logto's sign-in page with a toast for WeChat errors and for a WeChat slower than the
// connector waits, which never reach the app; the app's error page for errors that do reach the
// app), no half-made account is left in Logto, and a retry then succeeds.
import type { Page } from "playwright-core";
import { beforeEach, describe, expect, inject, it } from "vitest";
import type { EmulatorFault } from "../harness/index.js";
import { LOGTO_TOAST, testUsers, utils } from "./utils.js";

describe("WeChat failures", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.reset(stack);
  });

  /** After a failure shown on Logto's sign-in page: Continue with WeChat there, confirm, land on /account. */
  async function retryFromLogtoSignIn(page: Page) {
    await utils.logtoWeChatButton(page).click();
    await utils.waitForQrPage(page);
    await utils.confirmOnQrPage(page, "alice");
    await utils.waitForAppPage(page, stack, "/account");
    const account = await utils.account(page);
    expect(account.nickname).toBe(testUsers.alice.nickname);
    expect((await utils.users(stack)).map((u) => u.id)).toEqual([account.userId]);
  }

  /** Confirm on the QR page with `fault` queued; expect Logto's sign-in page with a toast, and no user. */
  async function failOnLogtoSignIn(fault: EmulatorFault, toast: string | RegExp) {
    const { page } = await utils.browser(stack);
    await utils.startWeChatSignIn(page, stack);
    await utils.addFault(stack, fault);
    await utils.confirmOnQrPage(page, "alice");
    const shown = await utils.waitForToast(page);
    expect(shown.path).toBe("/sign-in");
    expect(new URL(page.url()).origin).toBe(new URL(stack.urls.logto).origin);
    if (typeof toast === "string") expect(shown.text).toBe(toast);
    else expect(shown.text).toMatch(toast);
    // Logto's page offers WeChat again, and no account was made.
    await utils.logtoWeChatButton(page).waitFor();
    expect(await utils.users(stack)).toEqual([]);
    return page;
  }

  it("5a. denying on WeChat's page: WeChat says so, no account, signing in again works", async () => {
    const { page } = await utils.browser(stack);
    await utils.startWeChatSignIn(page, stack);
    await page.getByTestId("deny").click();
    await page.getByTestId("wechat-denied").waitFor();
    await expect(page.getByTestId("wechat-denied").innerText()).resolves.toContain("你已取消此次登录");
    expect((await utils.calls(stack)).access_token ?? 0).toBe(0);
    expect(await utils.users(stack)).toEqual([]);

    await utils.signInWithWeChat(page, stack, "alice");
    expect((await utils.account(page)).nickname).toBe(testUsers.alice.nickname);
    expect(await utils.users(stack)).toHaveLength(1);
  });

  it("5b. token endpoint errcode 40029 (invalid code): toast on Logto's sign-in page, then a retry succeeds", async () => {
    const page = await failOnLogtoSignIn({ endpoint: "access_token", errcode: 40029 }, LOGTO_TOAST.invalidCode);
    expect((await utils.calls(stack)).userinfo ?? 0).toBe(0);
    await retryFromLogtoSignIn(page);
  });

  it("5c. token endpoint errcode -1 (system busy): toast on Logto's sign-in page, then a retry succeeds", async () => {
    const page = await failOnLogtoSignIn({ endpoint: "access_token", errcode: -1 }, LOGTO_TOAST.general);
    expect((await utils.calls(stack)).userinfo ?? 0).toBe(0);
    await retryFromLogtoSignIn(page);
  });

  /**
   * Every stack runs the stack's own connector, `wechat-web-oa` (connectors/wechat: 5 s per call,
   * never retried, since a WeChat code is single-use): the harness copies it into its Logto,
   * compose.yaml builds Logto's image with it.
   */
  async function expectStackConnector() {
    const connectors = await (await utils.api(stack)).connectors.list({ target: "wechat" });
    expect(connectors.find((c) => c.id === "wechat")?.connectorId).toBe("wechat-web-oa");
  }

  it("5d. user-info HTTP 500: toast after the connector's one attempt, no account, then a retry succeeds", async () => {
    await expectStackConnector();
    const page = await failOnLogtoSignIn({ endpoint: "userinfo", httpStatus: 500 }, LOGTO_TOAST.general);
    expect((await utils.calls(stack)).userinfo).toBe(1);
    await retryFromLogtoSignIn(page);
  });

  it("5e. WeChat slower than 5 s: the connector gives up, a toast on Logto's sign-in page, no account, a new sign-in succeeds", async () => {
    await expectStackConnector();
    // The attempt is held far past the connector's 5 s timeout (the emulator's longest delay), so it
    // cannot land on either side of it however loaded the machine is.
    const { page } = await utils.browser(stack);
    await utils.startWeChatSignIn(page, stack);
    await utils.addFault(stack, { endpoint: "access_token", delayMs: 120_000 });
    const started = Date.now();
    await utils.confirmOnQrPage(page, "alice");
    const shown = await utils.waitForToast(page);
    expect(Date.now() - started).toBeGreaterThan(4_900);
    expect(shown.path).toBe("/sign-in");
    expect(shown.text).toMatch(LOGTO_TOAST.general);
    expect((await utils.calls(stack)).access_token).toBe(1);
    await utils.emulator(stack).clearFaults();
    expect(await utils.users(stack)).toEqual([]);

    await utils.signInWithWeChat(page, stack, "alice");
    const account = await utils.account(page);
    expect(account.nickname).toBe(testUsers.alice.nickname);
    expect((await utils.users(stack)).map((u) => u.id)).toEqual([account.userId]);
  });

  it("5f. an error that reaches the app (the sign-in attempt expired in the app): its error page, then retry succeeds", async () => {
    const { page, context } = await utils.browser(stack);
    await utils.startWeChatSignIn(page, stack);
    // Auth.js's state/PKCE cookies live 15 minutes: a user who confirms later comes back without them.
    const appHost = new URL(stack.urls.app).hostname;
    const cookies = await context.cookies(stack.urls.app);
    expect(cookies.some((c) => c.name.includes("pkce") || c.name.includes("state"))).toBe(true);
    await context.clearCookies({ domain: appHost });
    await utils.confirmOnQrPage(page, "alice");
    await utils.waitForAppPage(page, stack, "/auth/error");
    const message = page.getByTestId("error-message");
    await message.waitFor();
    expect((await message.innerText()).length).toBeGreaterThan(10);
    expect(await page.getByTestId("account-nickname").count()).toBe(0);

    await page.getByTestId("retry").click();
    // Logto finished its part the first time and keeps its session: no second trip to WeChat.
    await utils.waitForAppPage(page, stack, "/account");
    expect((await utils.calls(stack)).qrconnect).toBe(1);
    const account = await utils.account(page);
    expect(account.nickname).toBe(testUsers.alice.nickname);
    expect((await utils.users(stack)).map((u) => u.id)).toEqual([account.userId]);
  });
});
