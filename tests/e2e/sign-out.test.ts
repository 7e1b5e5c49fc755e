// Scenario 3 of issue 6: signing out ends the app's session and Logto's, so the next sign-in asks
// WeChat again (the QR page), and Logto's own sign-in page no longer knows the user.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { testUsers, utils } from "./utils.js";

describe("Sign-out", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.reset(stack);
  });

  it("3. ends both sessions: the next sign-in shows the WeChat QR page again", async () => {
    const { page } = await utils.browser(stack);
    await utils.signInWithWeChat(page, stack, "alice");
    const { userId } = await utils.account(page);

    await page.getByTestId("signout").click();
    // Through Logto's end_session_endpoint back to the app's home page (post_logout_redirect_uri).
    await utils.waitForAppPage(page, stack, "/");
    await page.getByTestId("signin-wechat").waitFor();
    expect(await page.getByTestId("signed-in-as").count()).toBe(0);

    // The app's session is gone: /account sends the visitor to sign in.
    await page.goto(`${stack.urls.app}/account`);
    await utils.waitForAppPage(page, stack, "/auth/signin");

    // Logto's session is gone: "Sign in with WeChat" goes to WeChat's QR page again...
    const before = (await utils.calls(stack)).qrconnect ?? 0;
    await utils.startWeChatSignIn(page, stack);
    expect((await utils.calls(stack)).qrconnect).toBe(before + 1);
    await expect(page.getByTestId("confirm-alice").innerText()).resolves.toContain(testUsers.alice.nickname);

    // ...and Logto's own sign-in page asks again instead of signing the user straight back in.
    await page.goto(`${stack.urls.app}/`);
    await page.getByTestId("signin-other").click();
    await utils.waitForLogtoSignIn(page, stack);
    await utils.logtoWeChatButton(page).waitFor();

    // Signing in again from here gives the same account back.
    await utils.logtoWeChatButton(page).click();
    await utils.waitForQrPage(page);
    await utils.confirmOnQrPage(page, "alice");
    await utils.waitForAppPage(page, stack, "/account");
    expect((await utils.account(page)).userId).toBe(userId);
  });
});
