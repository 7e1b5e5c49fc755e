// Smoke: the app's landing page opens in Chromium through Caddy, with a trusted certificate.
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { launchBrowser, type Browser } from "../harness/index.js";

describe("smoke", () => {
  const stack = inject("stack");
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser(stack);
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("opens the app's landing page through Caddy over trusted HTTPS", async () => {
    const { page } = browser;
    const response = await page.goto(`${stack.urls.app}/`);
    expect(response?.status()).toBe(200);
    expect(page.url()).toBe(`${stack.urls.app}/`);
    // Caddy's common snippet, so the request really went through it.
    const headers = response!.headers();
    expect(headers.server).toBeUndefined();
    expect(headers["x-content-type-options"]).toBe("nosniff");
    const security = await response!.securityDetails();
    // Chromium verified Caddy's internal-CA leaf through the profile's NSS trust (no certificate flags).
    expect(security?.issuer).toMatch(/Caddy Local Authority/);
    await expect(page.title()).resolves.toContain("WeChat");
    const signIn = page.getByTestId("signin-wechat");
    await signIn.waitFor();
    expect(await signIn.isVisible()).toBe(true);
  });
});
