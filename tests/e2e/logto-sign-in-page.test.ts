// Scenario 6 of issue 6: Logto's own sign-in page (the app's "other sign-in methods", no
// direct_sign_in) shows the WeChat button, and signing in with it works.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { testUsers, utils } from "./utils.js";

describe("Logto's sign-in page", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.reset(stack);
  });

  it("6. shows the WeChat button, and it signs the user in", async () => {
    const { page } = await utils.browser(stack);
    await page.goto(`${stack.urls.app}/`);
    await page.getByTestId("signin-other").click();
    await utils.waitForLogtoSignIn(page, stack);
    const button = utils.logtoWeChatButton(page);
    await button.waitFor();
    expect(await button.count()).toBe(1);
    // Not yet at WeChat: Logto shows its page first.
    expect((await utils.calls(stack)).qrconnect ?? 0).toBe(0);

    await button.click();
    await utils.waitForQrPage(page);
    await utils.confirmOnQrPage(page, "alice");
    await utils.waitForAppPage(page, stack, "/account");
    const account = await utils.account(page);
    expect(account.nickname).toBe(testUsers.alice.nickname);
    expect(account.avatar).toBe(testUsers.alice.headimgurl);
    expect((await utils.wechatUsers(stack, "alice")).map((u) => u.id)).toEqual([account.userId]);
  });
});
