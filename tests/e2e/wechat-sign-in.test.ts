// Scenarios 1 and 2 of issue 6: a first WeChat sign-in on a fresh stack (default configuration:
// SIGN_IN_METHODS empty, so sign-up must be silent), and the same WeChat user again.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { testUsers, utils } from "./utils.js";

describe("Sign in with WeChat", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.reset(stack);
  });

  it("1. a visitor signs in with WeChat and /account shows the WeChat nickname and avatar", async () => {
    const { page } = await utils.browser(stack);
    const visited: string[] = [];
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) visited.push(frame.url());
    });

    await page.goto(`${stack.urls.app}/`);
    await page.getByTestId("signin-wechat").click();
    await utils.waitForQrPage(page);
    // The emulator's QR page names the WeChat app the operator registered.
    await expect(page.getByTestId("app-name").innerText()).resolves.toContain("WeChat Logto Stack");
    await utils.confirmOnQrPage(page, "alice");
    await utils.waitForAppPage(page, stack, "/account");

    const account = await utils.account(page);
    expect(account.nickname).toBe(testUsers.alice.nickname);
    expect(account.avatar).toBe(testUsers.alice.headimgurl);
    expect(account.userId).not.toBe("");
    expect(Date.parse(account.expires ?? "")).toBeGreaterThan(Date.now());
    await expect(page.getByRole("heading", { name: "My account" }).isVisible()).resolves.toBe(true);

    // Sign-up was silent: no "set a username" (or any other) extra step on Logto's side.
    const logto = new URL(stack.urls.logto).origin;
    const extraSteps = visited.filter((u) => new URL(u).origin === logto && /^\/(continue|register|identifier)/.test(new URL(u).pathname));
    expect(extraSteps).toEqual([]);

    // One Logto user, made from the WeChat profile.
    const users = await utils.wechatUsers(stack, "alice");
    expect(users).toHaveLength(1);
    expect(users[0]).toMatchObject({ id: account.userId, name: testUsers.alice.nickname, avatar: testUsers.alice.headimgurl });
  });

  it("2. the same WeChat user signing in again is the same Logto user (no duplicate)", async () => {
    let { page } = await utils.browser(stack);
    await utils.signInWithWeChat(page, stack, "alice");
    const first = await utils.account(page);

    // A different browser: nothing shared with the first sign-in but the WeChat account.
    ({ page } = await utils.browser(stack));
    await utils.signInWithWeChat(page, stack, "alice");
    const second = await utils.account(page);
    expect(second.userId).toBe(first.userId);
    expect(second.nickname).toBe(testUsers.alice.nickname);

    // A WeChat user without a unionid (Logto keys it by openid) is someone else.
    ({ page } = await utils.browser(stack));
    await utils.signInWithWeChat(page, stack, "bob");
    const bob = await utils.account(page);
    expect(bob.nickname).toBe(testUsers.bob.nickname);
    expect(bob.userId).not.toBe(first.userId);

    const alices = await utils.wechatUsers(stack, "alice");
    expect(alices.map((u) => u.id)).toEqual([first.userId]);
    expect(alices[0]!.identities.wechat!.userId).toBe(testUsers.alice.unionid);
    const everyone = await utils.users(stack);
    expect(everyone.map((u) => u.id).sort()).toEqual([first.userId, bob.userId].sort());
    expect((await utils.wechatUsers(stack, "bob"))[0]!.identities.wechat!.userId).toBe(testUsers.bob.openid);
  });
});
