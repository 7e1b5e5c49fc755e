// Sign-in inside WeChat's own browser: the stack's connector (connectors/wechat) sends a visitor
// whose user agent says MicroMessenger to the Official Account's web authorization, not to a QR
// code they would have to scan with the phone showing it. The same person by QR on a computer is
// the same Logto user (the website app and the OA share one Open Platform account: one unionid).
import { beforeEach, describe, expect, inject, it } from "vitest";
import type { BrowserDevice } from "../harness/index.js";
import { WECHAT_OA_APP } from "../harness/stack.js";
import { testUsers, utils } from "./utils.js";

/** WeChat 8 on an Android phone: its in-app browser, as WeChat sends it. */
const wechatPhone: BrowserDevice = {
  userAgent:
    "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/122.0.6261.120 Mobile Safari/537.36 XWEB/1220099 MMWEBSDK/20240404 MMWEBID/1234 MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN ABI/arm64",
  viewport: { width: 412, height: 915 },
  deviceScaleFactor: 2.625,
  isMobile: true,
  hasTouch: true,
};

/** Chrome on the same phone, outside WeChat. */
const phone: BrowserDevice = {
  ...wechatPhone,
  userAgent: "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
};

describe("Sign in with WeChat inside WeChat", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.reset(stack);
  });

  it("inside WeChat's browser: the Official Account's consent, no QR code, /account; the same person by QR on a computer is the same Logto user", async () => {
    const { page } = await utils.browser(stack, { device: wechatPhone });
    const visited: URL[] = [];
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) visited.push(new URL(frame.url()));
    });

    await page.goto(`${stack.urls.app}/`);
    await page.getByTestId("signin-wechat").click();
    await page.waitForURL((url) => url.hostname === "open.weixin.qq.com" && url.pathname === "/connect/oauth2/authorize");
    expect(new URL(page.url()).searchParams.get("appid")).toBe(WECHAT_OA_APP.appId);
    expect(new URL(page.url()).searchParams.get("scope")).toBe("snsapi_userinfo");
    await page.getByTestId("oa-consent").waitFor();
    await page.getByTestId("allow-alice").tap();
    await utils.waitForAppPage(page, stack, "/account");

    const inWechat = await utils.account(page);
    expect(inWechat.nickname).toBe(testUsers.alice.nickname);
    // WeChat's avatar CDN is out of the harness's reach: the initial shows instead of a broken image.
    await page.getByTestId("account-avatar-fallback").waitFor();
    await expect(page.getByTestId("account-avatar").isHidden()).resolves.toBe(true);
    await expect(page.getByTestId("account-avatar-fallback").innerText()).resolves.toBe(testUsers.alice.nickname.slice(0, 1));
    expect(visited.filter((url) => url.pathname === "/connect/qrconnect")).toEqual([]);

    // The code was exchanged with the OA's credentials (the website app's would get 40029).
    const requests = (await fetch(`${stack.emulator!.controlUrl}/requests`).then((res) => res.json())) as Array<{
      endpoint: string;
      query: Record<string, string>;
    }>;
    expect(requests.filter(({ endpoint }) => endpoint === "access_token").map(({ query }) => query.appid)).toEqual([WECHAT_OA_APP.appId]);

    // A computer: the website app's QR code, the same WeChat user.
    const desktop = await utils.browser(stack);
    await utils.signInWithWeChat(desktop.page, stack, "alice");
    const byQr = await utils.account(desktop.page);
    expect(byQr.userId).toBe(inWechat.userId);

    const everyone = await utils.users(stack);
    expect(everyone.map((user) => user.id)).toEqual([inWechat.userId]);
    expect(everyone[0]!.identities.wechat!.userId).toBe(testUsers.alice.unionid);
  });

  it("a phone outside WeChat: the page says the QR code cannot be scanned there and offers the link for WeChat and the other methods", async () => {
    const { page } = await utils.browser(stack, { device: phone });
    await page.goto(`${stack.urls.app}/`);
    const guidance = page.getByTestId("phone-guidance");
    await guidance.waitFor();
    await expect(guidance.innerText()).resolves.toContain("a phone cannot scan its own screen");
    await expect(page.getByTestId("page-link").inputValue()).resolves.toBe(`${stack.urls.app}/`);
    await expect(page.getByTestId("signin-other").isVisible()).resolves.toBe(true);
    await expect(page.getByTestId("signin-wechat").innerText()).resolves.toBe("Show the QR code anyway (scan it with another device)");
    // The favicon is there (no 404 in every tab's console).
    await expect(page.evaluate(async () => (await fetch("/favicon.ico")).status)).resolves.toBe(200);
  });
});
