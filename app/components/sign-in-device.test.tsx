// The sign-in choices per device (lib/device.ts) and the avatar's fallback, rendered as the server
// sends them.
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

const state = vi.hoisted(() => ({
  userAgent: undefined as string | undefined,
  session: null as null | { user: { id?: string; name?: string | null; image?: string | null }; expires: string },
}));

vi.mock("next/headers", () => ({
  headers: async () => new Headers({ "accept-language": "en", ...(state.userAgent ? { "user-agent": state.userAgent } : {}) }),
}));
vi.mock("@/auth", () => ({ auth: async () => state.session, signIn: vi.fn(), signOut: vi.fn() }));

const { loadAppEnv } = await import("@/lib/env");
const { default: HomePage } = await import("@/app/page");
const { default: SignInPage } = await import("@/app/auth/signin/page");
const { default: AccountPage } = await import("@/app/account/page");

const PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
const WECHAT = `${PHONE} MicroMessenger/8.0.49.2600(0x28003133) WeChat/arm64 Weixin NetType/WIFI Language/zh_CN`;
const DESKTOP = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

const testIds = (markup: string) => [...markup.matchAll(/data-testid="([^"]+)"/g)].map((match) => match[1]);

const ENV = { ...process.env };
beforeEach(() => {
  state.userAgent = undefined;
  state.session = null;
  Object.assign(process.env, {
    AUTH_URL: "https://app.example.com",
    AUTH_SECRET: "a-cookie-secret-of-32-characters",
    AUTH_LOGTO_ISSUER: "https://auth.example.com/oidc",
    AUTH_LOGTO_ID: "id",
    AUTH_LOGTO_SECRET: "secret",
    WECHAT_ENABLED: "true",
  });
  loadAppEnv();
});
afterEach(() => {
  process.env = { ...ENV };
});

describe("sign-in choices by device", () => {
  it.each([
    ["a computer", DESKTOP],
    ["WeChat's browser (the button signs in there without a QR code)", WECHAT],
    ["no user agent", undefined],
  ])("%s: the WeChat button first, no phone guidance", async (_, userAgent) => {
    state.userAgent = userAgent;
    const markup = renderToStaticMarkup(await HomePage());
    expect(testIds(markup)).toEqual(["signin-wechat", "signin-other"]);
    expect(markup).toContain('class="button primary wechat"');
  });

  it("a phone outside WeChat: says the QR code cannot be scanned there, offers the link for WeChat and other methods first, the QR code last", async () => {
    state.userAgent = PHONE;
    for (const page of [await HomePage(), await SignInPage({ searchParams: Promise.resolve({}) })]) {
      const markup = renderToStaticMarkup(page);
      expect(testIds(markup).filter((id) => id !== "signin-notice")).toEqual(["phone-guidance", "page-link", "copy-link", "signin-other", "signin-wechat"]);
      expect(markup).toContain("a phone cannot scan its own screen");
      expect(markup).toContain("Show the QR code anyway (scan it with another device)");
      expect(markup).toContain('class="button secondary wechat"');
    }
  });

  it("a phone without WeChat configured: just the sign-in button", async () => {
    process.env.WECHAT_ENABLED = "";
    loadAppEnv();
    state.userAgent = PHONE;
    expect(testIds(renderToStaticMarkup(await HomePage()))).toEqual(["signin-other"]);
  });
});

describe("avatar", () => {
  it("the WeChat avatar as an <img> without referrer; the fallback only after it fails to load", async () => {
    state.session = { user: { id: "u1", name: "Alice", image: "https://thirdwx.qlogo.cn/mmopen/vi_32/a/132" }, expires: "2030-01-01T00:00:00.000Z" };
    const markup = renderToStaticMarkup(await AccountPage());
    expect(markup).toMatch(/<img[^>]*src="https:\/\/thirdwx\.qlogo\.cn\/mmopen\/vi_32\/a\/132"[^>]*referrerPolicy="no-referrer"[^>]*data-testid="account-avatar"/);
    expect(markup).not.toContain("account-avatar-fallback");
  });

  it("no avatar: the nickname's first letter", async () => {
    state.session = { user: { id: "u1", name: "Bob", image: null }, expires: "2030-01-01T00:00:00.000Z" };
    const markup = renderToStaticMarkup(await AccountPage());
    expect(markup).toMatch(/<span class="avatar empty"[^>]*data-testid="account-avatar"[^>]*>B<\/span>/);
  });
});
