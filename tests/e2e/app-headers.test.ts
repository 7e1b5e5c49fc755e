// Issue 11, point 4: the app's Content-Security-Policy and Permissions-Policy (caddy/snippets/app-headers)
// as Chromium applies them through Caddy. The sign-in, the QR page, every page of the app and the
// sign-out keep working, and Chromium reports no violation of the app's policy on the way.
import type { Page, Response } from "playwright-core";
import { beforeEach, describe, expect, inject, it } from "vitest";
import type { StackInfo } from "../harness/index.js";
import { TEXT, utils } from "./utils.js";

interface Violation {
  source: "event" | "console";
  page: string;
  detail: string;
}

/**
 * Watches a tab for CSP violations on the app's origin: the `securitypolicyviolation` events of its
 * documents (an init script reporting through a binding, which no page policy can block) and the
 * "Refused to ..." lines Chromium logs (a blocked form-action redirect is reported there). Also
 * records the headers of every app document the tab loads.
 */
async function watchApp(page: Page, stack: StackInfo) {
  const appOrigin = new URL(stack.urls.app).origin;
  const violations: Violation[] = [];
  const documents: Array<{ url: string; csp: string | undefined; permissions: string | undefined }> = [];
  await page.exposeBinding("__reportCspViolation", (source, detail: string) => {
    const url = source.frame.url();
    if (url.startsWith(appOrigin)) violations.push({ source: "event", page: url, detail });
  });
  await page.addInitScript(() => {
    type Event = { violatedDirective: string; blockedURI: string; sourceFile: string; lineNumber: number };
    const g = globalThis as unknown as {
      document: { addEventListener(type: string, cb: (e: Event) => void): void };
      __reportCspViolation(detail: string): void;
    };
    g.document.addEventListener("securitypolicyviolation", (e) =>
      g.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || "(inline)"} at ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  page.on("console", (message) => {
    const where = message.location().url || page.url();
    if (/Content Security Policy|Permissions-Policy|Permissions policy/i.test(message.text()) && where.startsWith(appOrigin)) {
      violations.push({ source: "console", page: where, detail: message.text() });
    }
  });
  page.on("response", (response: Response) => {
    if (response.request().resourceType() !== "document" || !response.url().startsWith(appOrigin)) return;
    if (response.status() >= 300 && response.status() < 400) return;
    const headers = response.headers();
    documents.push({ url: response.url(), csp: headers["content-security-policy"], permissions: headers["permissions-policy"] });
  });
  return { violations, documents };
}

describe("The app's Content-Security-Policy and Permissions-Policy in Chromium", () => {
  const stack = inject("stack");
  beforeEach(async () => {
    await utils.reset(stack);
  });

  it("sign-in with WeChat, every app page and sign-out work with no CSP violation; every app page carries both policies", async () => {
    const { page } = await utils.browser(stack);
    const watched = await watchApp(page, stack);

    await utils.signInWithWeChat(page, stack, "alice");
    await page.getByTestId("account-nickname").waitFor();
    for (const path of ["/", "/privacy", "/terms", "/auth/error?error=Configuration", "/account"]) {
      await page.goto(`${stack.urls.app}${path}`);
      await page.waitForLoadState("load");
    }
    await page.getByTestId("signout").click();
    await utils.waitForAppPage(page, stack, "/");
    await page.getByTestId("signin-wechat").waitFor();
    await page.goto(`${stack.urls.app}/account`);
    await utils.waitForAppPage(page, stack, "/auth/signin");
    await page.waitForLoadState("load");

    expect(watched.violations).toEqual([]);
    expect(watched.documents.length).toBeGreaterThanOrEqual(8);
    for (const d of watched.documents) {
      expect(d.csp, d.url).toMatch(/default-src 'self'/);
      expect(d.csp, d.url).toMatch(/form-action 'self' https:\/\/\S+:\* https:\/\/open\.weixin\.qq\.com/);
      expect(d.permissions, d.url).toMatch(/camera=\(\)/);
    }
  });

  // Without JavaScript (or before the page is hydrated) the sign-in form is a real form POST, redirected
  // to Logto and on to WeChat's QR page: Chromium checks form-action on each of those redirects.
  // Logto sends its own Strict-Transport-Security; with internal TLS (the harness's, make e2e's) the
  // stack sends none on any host (caddy/snippets/tls-internal).
  it("no document of the app, Logto or the console carries Strict-Transport-Security (TLS_MODE=internal)", async () => {
    const { page } = await utils.browser(stack);
    const seen: Array<{ url: string; hsts: string | undefined }> = [];
    page.on("response", (response) => {
      if (response.request().resourceType() === "document") seen.push({ url: response.url(), hsts: response.headers()["strict-transport-security"] });
    });
    await utils.startWeChatSignIn(page, stack);
    await page.goto(`${stack.urls.admin}/console`);
    await page.getByText(TEXT.en.logtoSignInTitle, { exact: true }).first().waitFor();

    const origins = new Set(seen.map((r) => new URL(r.url).origin));
    for (const url of [stack.urls.app, stack.urls.logto, stack.urls.admin]) expect(origins).toContain(new URL(url).origin);
    expect(seen.filter((r) => r.hsts !== undefined)).toEqual([]);
  });

  it("the sign-in form submitted natively (no JavaScript) reaches WeChat's QR page and signs in", async () => {
    const { page } = await utils.browser(stack);
    const watched = await watchApp(page, stack);

    await page.goto(`${stack.urls.app}/`);
    // HTMLFormElement.submit() skips the submit event, so React cannot turn it into a fetch.
    await page.getByTestId("signin-wechat").evaluate((button) => {
      (button as unknown as { form: { submit(): void } }).form.submit();
    });
    await utils.waitForQrPage(page);
    await utils.confirmOnQrPage(page, "alice");
    await utils.waitForAppPage(page, stack, "/account");
    await page.getByTestId("account-nickname").waitFor();

    expect(watched.violations).toEqual([]);
  });
});
