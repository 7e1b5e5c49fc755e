// Scenario 9 of issue 6: both UI languages render, from the browser's language (Accept-Language):
// the app's pages, Logto's sign-in page, and a WeChat sign-in through them.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { TEXT, testUsers, utils, type UiLanguage } from "./utils.js";

describe("UI languages", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.deleteUsers(stack);
  });

  for (const [locale, language] of [
    ["zh-CN", "zh-CN"],
    ["en-US", "en"],
  ] as const satisfies ReadonlyArray<readonly [string, UiLanguage]>) {
    it(`9. ${locale}: the app and Logto's sign-in page speak ${language}, and sign-in works`, async () => {
      const text = TEXT[language];
      const { page } = await utils.reset(stack, { locale });
      await page.goto(`${stack.urls.app}/`);
      await expect(page.getByTestId("signin-wechat").innerText()).resolves.toBe(text.appSignInWeChat);
      await expect(page.getByTestId("signin-other").innerText()).resolves.toBe(text.appSignInOther);

      await page.getByTestId("signin-other").click();
      await utils.waitForLogtoSignIn(page, stack);
      await page.getByText(text.logtoSignInTitle, { exact: true }).first().waitFor();
      await utils.logtoWeChatButton(page, language).waitFor();
      expect(await page.locator("html").getAttribute("lang")).toBe(language);

      await utils.logtoWeChatButton(page, language).click();
      await utils.waitForQrPage(page);
      await utils.confirmOnQrPage(page, "alice");
      await utils.waitForAppPage(page, stack, "/account");
      await page.getByRole("heading", { name: text.accountTitle }).waitFor();
      expect((await utils.account(page)).nickname).toBe(testUsers.alice.nickname);
      await expect(page.getByTestId("signout").innerText()).resolves.not.toBe("");
    });
  }
});
