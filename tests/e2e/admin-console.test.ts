// Scenario 8 of issue 6: the console admin the seed created signs in to Logto's admin console on
// ADMIN_DOMAIN; a fresh visitor finds no way to register a second admin.
import { beforeEach, describe, expect, inject, it } from "vitest";
import { TEXT, utils } from "./utils.js";

describe("Admin console", () => {
  const stack = inject("stack");
  const admin = new URL(stack.urls.admin).origin;
  beforeEach(async () => {
    await utils.reset(stack);
  });

  const adminUsers = () => utils.sql<{ username: string }>(stack, "select username from users where tenant_id = 'admin' order by created_at");

  it("8a. the seeded admin signs in to the console on ADMIN_DOMAIN", async () => {
    const { page } = await utils.browser(stack);
    await page.goto(`${stack.urls.admin}/console`);
    await page.waitForURL((url) => url.origin === admin && url.pathname === "/sign-in", { timeout: 60_000 });
    await page.getByText(TEXT.en.logtoSignInTitle, { exact: true }).first().waitFor();

    // A wrong password first: refused, with Logto's message, still on the sign-in page.
    await page.locator('input[name="identifier"]').fill(stack.admin.username);
    await page.locator('input[name="password"]').fill(`${stack.admin.password}-wrong`);
    await page.locator('button[name="submit"]').click();
    await page.getByText(TEXT.en.logtoWrongPassword).waitFor();
    expect(new URL(page.url()).pathname).toBe("/sign-in");

    await page.locator('input[name="identifier"]').fill(stack.admin.username);
    await page.locator('input[name="password"]').fill(stack.admin.password);
    await page.locator('button[name="submit"]').click();
    await page.waitForURL((url) => url.origin === admin && url.pathname === "/console/get-started", { timeout: 60_000 });
    expect(await page.locator('input[name="password"]').count()).toBe(0);
  });

  it("8b. a fresh visitor cannot register a second admin", async () => {
    expect((await adminUsers()).map((u) => u.username)).toEqual([stack.admin.username]);

    // The console's sign-in page offers no registration.
    const { page } = await utils.browser(stack);
    await page.goto(`${stack.urls.admin}/console`);
    await page.waitForURL((url) => url.origin === admin && url.pathname === "/sign-in", { timeout: 60_000 });
    await page.locator('input[name="identifier"]').waitFor();
    expect(await page.getByText(TEXT.en.logtoCreateAccount, { exact: true }).count()).toBe(0);
    expect(await page.getByRole("link", { name: TEXT.en.logtoCreateAccount }).count()).toBe(0);

    // Asking for the registration page during that sign-in: back to the sign-in page.
    await page.goto(`${stack.urls.admin}/register`);
    await page.waitForURL((url) => url.origin === admin && url.pathname === "/sign-in", { timeout: 60_000 });
    await page.locator('input[name="identifier"]').waitFor();
    expect(await page.getByRole("link", { name: TEXT.en.logtoCreateAccount }).count()).toBe(0);

    // The console's first-run welcome (which leads to registration on a fresh Logto) is closed too.
    const other = await utils.extraBrowser(stack);
    await other.page.goto(`${stack.urls.admin}/console/welcome`);
    await other.page.waitForURL((url) => url.origin === admin && url.pathname === "/sign-in", { timeout: 60_000 });
    await other.page.locator('input[name="identifier"]').waitFor();

    // The registration page without a sign-in in progress: "Session not found".
    const third = await utils.extraBrowser(stack);
    await third.page.goto(`${stack.urls.admin}/register`);
    await third.page.getByText(TEXT.en.logtoNoSession).waitFor();
    expect(await third.page.locator('input[name="password"]').count()).toBe(0);

    expect((await adminUsers()).map((u) => u.username)).toEqual([stack.admin.username]);
  });
});
