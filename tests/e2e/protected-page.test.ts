// Scenario 4 of issue 6: a signed-out visitor to /account goes through sign-in and comes back to /account.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { testUsers, utils } from "./utils.js";

describe("Protected page", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.reset(stack);
  });

  it("4. a signed-out visitor to /account is sent through sign-in and returns to /account", async () => {
    const { page } = await utils.browser(stack);
    await page.goto(`${stack.urls.app}/account`);
    await utils.waitForAppPage(page, stack, "/auth/signin");
    expect(new URL(page.url()).searchParams.get("callbackUrl")).toMatch(/\/account$/);
    await page.getByTestId("signin-notice").waitFor();
    expect(await page.getByTestId("account-nickname").count()).toBe(0);

    await page.getByTestId("signin-wechat").click();
    await utils.waitForQrPage(page);
    await utils.confirmOnQrPage(page, "bob");
    await utils.waitForAppPage(page, stack, "/account");
    expect((await utils.account(page)).nickname).toBe(testUsers.bob.nickname);
  });
});
