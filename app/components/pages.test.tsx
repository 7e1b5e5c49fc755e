import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { renderToStaticMarkup } from "react-dom/server";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

// The pages are async server components: await them, then render what they return.
const state = vi.hoisted(() => ({
  acceptLanguage: "en" as string | null,
  session: null as null | { user: { id?: string; name?: string | null; image?: string | null }; expires: string; error?: string },
}));

vi.mock("next/headers", () => ({
  headers: async () => new Headers(state.acceptLanguage ? { "accept-language": state.acceptLanguage } : {}),
}));
vi.mock("@/auth", () => ({
  auth: async () => state.session,
  signIn: vi.fn(),
  signOut: vi.fn(),
}));

const { loadAppEnv } = await import("@/lib/env");
const { default: RootLayout } = await import("@/app/layout");
const { default: HomePage } = await import("@/app/page");
const { default: AccountPage } = await import("@/app/account/page");
const { default: AuthErrorPage } = await import("@/app/auth/error/page");
const { default: SignInPage } = await import("@/app/auth/signin/page");
const { default: PrivacyPage } = await import("@/app/privacy/page");
const { default: TermsPage } = await import("@/app/terms/page");
const { GET: health } = await import("@/app/api/health/route");
const { GET: expiredRoute } = await import("@/app/auth/expired/route");

const html = (element: React.ReactElement) => renderToStaticMarkup(element);
const params = (p: Record<string, string>) => ({ searchParams: Promise.resolve(p) });
/** Text of the element carrying data-testid (first one). */
function byTestId(markup: string, id: string): string | undefined {
  const match = new RegExp(`<([a-z]+)[^>]*data-testid="${id}"[^>]*>([\\s\\S]*?)</\\1>`).exec(markup);
  return match?.[2]?.replace(/<[^>]+>/g, "");
}

const ENV = { ...process.env };
beforeEach(() => {
  state.acceptLanguage = "en";
  state.session = null;
  process.env.AUTH_URL = "https://app.example.com";
  process.env.AUTH_SECRET = "secret";
  process.env.AUTH_LOGTO_ISSUER = "https://auth.example.com/oidc";
  process.env.AUTH_LOGTO_ID = "id";
  process.env.AUTH_LOGTO_SECRET = "secret";
  process.env.WECHAT_ENABLED = "true";
  delete process.env.ICP_LICENSE;
  delete process.env.LEGAL_DIR;
  loadAppEnv();
});
afterEach(() => {
  process.env = { ...ENV };
});

describe("home page", () => {
  it("offers WeChat first and Logto's page second, in English", async () => {
    const markup = html(await HomePage());
    expect(byTestId(markup, "signin-wechat")).toBe("Sign in with WeChat");
    expect(byTestId(markup, "signin-other")).toBe("Other sign-in methods");
    expect(markup.indexOf("signin-wechat")).toBeLessThan(markup.indexOf("signin-other"));
  });

  it("speaks Simplified Chinese to zh browsers", async () => {
    state.acceptLanguage = "zh-CN,zh;q=0.9,en;q=0.8";
    const markup = html(await HomePage());
    expect(byTestId(markup, "signin-wechat")).toBe("使用微信登录");
    expect(byTestId(markup, "signin-other")).toBe("其他登录方式");
  });

  it("hides the WeChat button when WeChat is not configured", async () => {
    process.env.WECHAT_ENABLED = "";
    loadAppEnv();
    const markup = html(await HomePage());
    expect(markup).not.toContain("signin-wechat");
    expect(byTestId(markup, "signin-other")).toBe("Sign in");
  });

  it("greets a signed-in user and offers the account and sign-out", async () => {
    state.session = { user: { id: "u1", name: "Alice 爱丽丝" }, expires: "2030-01-01T00:00:00.000Z" };
    const markup = html(await HomePage());
    expect(byTestId(markup, "signed-in-as")).toBe("Signed in as Alice 爱丽丝");
    expect(markup).toContain('data-testid="signout"');
    expect(markup).not.toContain("signin-wechat");
  });

  it("treats a session whose refresh failed as signed out", async () => {
    state.session = { user: { id: "u1", name: "Alice" }, expires: "2030-01-01T00:00:00.000Z", error: "RefreshTokenError" };
    const markup = html(await HomePage());
    expect(markup).toContain('data-testid="signin-wechat"');
  });
});

describe("account page", () => {
  const session = {
    user: { id: "logto-user-123", name: "Alice 爱丽丝", image: "https://thirdwx.qlogo.cn/alice.png" },
    expires: "2030-01-02T03:04:05.000Z",
  };

  it("shows nickname, avatar, Logto user id and expiry in English", async () => {
    state.session = session;
    const markup = html(await AccountPage());
    expect(byTestId(markup, "account-nickname")).toBe("Alice 爱丽丝");
    expect(byTestId(markup, "account-user-id")).toBe("logto-user-123");
    expect(markup).toMatch(/<img[^>]*src="https:\/\/thirdwx.qlogo.cn\/alice.png"[^>]*data-testid="account-avatar"/);
    expect(markup).toContain('referrerPolicy="no-referrer"');
    expect(markup).toMatch(/<time dateTime="2030-01-02T03:04:05.000Z" data-testid="account-expires">January 2, 2030/);
    expect(byTestId(markup, "signout")).toBe("Sign out");
    expect(markup).toContain("My account");
  });

  it("in Chinese", async () => {
    state.session = session;
    state.acceptLanguage = "zh";
    const markup = html(await AccountPage());
    expect(markup).toContain("我的账户");
    expect(markup).toContain("会话到期时间");
    expect(byTestId(markup, "account-expires")).toMatch(/^2030年1月2日/);
    expect(byTestId(markup, "signout")).toBe("退出登录");
  });

  it("sends a signed-out visitor to sign in and back", async () => {
    await expect(AccountPage()).rejects.toMatchObject({
      digest: expect.stringContaining("/auth/signin?callbackUrl=%2Faccount"),
    });
  });
});

describe("error page", () => {
  it.each([
    ["Configuration", "could not be reached or is not set up correctly"],
    ["AccessDenied", "cancelled or not allowed"],
    ["OAuthCallbackError", "returned an error"],
    ["MissingCSRF", "form expired"],
    ["RefreshTokenError", "could not be renewed"],
    ["MissingCredentials", "no Logto client credentials"],
    ["SomethingNew", "Something went wrong"],
  ])("explains %s in plain words with a retry", async (error, words) => {
    const markup = html(await AuthErrorPage(params({ error })));
    expect(byTestId(markup, "error-message")).toContain(words);
    expect(byTestId(markup, "error-code")).toBe(error);
    expect(byTestId(markup, "retry")).toBe("Try signing in again");
    expect(markup).not.toContain("Server error");
  });

  it("in Chinese", async () => {
    state.acceptLanguage = "zh-CN";
    const markup = html(await AuthErrorPage(params({ error: "Configuration" })));
    expect(byTestId(markup, "error-message")).toContain("暂时无法连接登录服务");
    expect(byTestId(markup, "retry")).toBe("重试登录");
  });

  it("names local configuration problems for the operator", async () => {
    delete process.env.AUTH_LOGTO_ID;
    delete process.env.AUTH_LOGTO_SECRET;
    process.env.APP_CREDENTIALS_FILE = "/nonexistent/creds.json";
    loadAppEnv();
    const markup = html(await AuthErrorPage(params({ error: "Configuration" })));
    expect(byTestId(markup, "error-operator-hint")).toContain("/nonexistent/creds.json does not exist yet");
  });

  it("retries without WeChat when WeChat is off", async () => {
    process.env.WECHAT_ENABLED = "false";
    loadAppEnv();
    const markup = html(await AuthErrorPage(params({ error: "AccessDenied" })));
    expect(markup).toMatch(/class="button primary" data-testid="retry"/);
  });

  it("sign-in errors of kind signIn (pages.signIn?error=) show the same page", async () => {
    const markup = html(await SignInPage(params({ error: "OAuthCallbackError" })));
    expect(byTestId(markup, "error-message")).toContain("returned an error");
    expect(markup).toContain('data-testid="retry"');
  });
});

describe("sign-in page", () => {
  it("asks to sign in to continue", async () => {
    const markup = html(await SignInPage(params({ callbackUrl: "https://app.example.com/account" })));
    expect(byTestId(markup, "signin-notice")).toBe("Please sign in to continue.");
    expect(markup).toContain('data-testid="signin-wechat"');
  });
});

describe("layout", () => {
  it("sets the document language and shows the ICP number when set", async () => {
    process.env.ICP_LICENSE = "京ICP备12345678号-1";
    loadAppEnv();
    state.acceptLanguage = "zh-CN";
    const markup = html(await RootLayout({ children: <p>child</p> }));
    expect(markup).toMatch(/^<html lang="zh-CN">/);
    expect(byTestId(markup, "icp-license")).toBe("京ICP备12345678号-1");
    expect(markup).toContain('href="https://beian.miit.gov.cn/"');
    expect(byTestId(markup, "footer-privacy")).toBe("隐私政策");
    expect(byTestId(markup, "footer-terms")).toBe("用户协议");
  });

  it("has no ICP line without ICP_LICENSE", async () => {
    const markup = html(await RootLayout({ children: <p>child</p> }));
    expect(markup).toMatch(/^<html lang="en">/);
    expect(markup).not.toContain("icp-license");
  });
});

describe("privacy and terms", () => {
  it("show the built-in texts in both languages", async () => {
    expect(html(await PrivacyPage())).toContain("<h1>Privacy policy</h1>");
    expect(html(await TermsPage())).toContain("<h1>Terms of service</h1>");
    state.acceptLanguage = "zh-CN";
    expect(html(await PrivacyPage())).toContain("<h1>隐私政策</h1>");
    expect(html(await TermsPage())).toContain("<h1>用户协议</h1>");
  });

  it("show the operator's files from LEGAL_DIR, re-read on every request", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "legal-"));
    process.env.LEGAL_DIR = dir;
    loadAppEnv();
    writeFileSync(path.join(dir, "privacy.md"), "# Our privacy\n\nWe keep nothing.");
    expect(html(await PrivacyPage())).toContain("<h1>Our privacy</h1><p>We keep nothing.</p>");
    writeFileSync(path.join(dir, "privacy.en.md"), "# English privacy v2");
    expect(html(await PrivacyPage())).toContain("<h1>English privacy v2</h1>");
    state.acceptLanguage = "zh-CN";
    expect(html(await PrivacyPage())).toContain("<h1>Our privacy</h1>");
    expect(html(await TermsPage())).toContain("<h1>用户协议</h1>");
    rmSync(dir, { recursive: true });
  });

  it("never render the operator's text as HTML", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "legal-"));
    process.env.LEGAL_DIR = dir;
    loadAppEnv();
    writeFileSync(path.join(dir, "terms.md"), "<script>alert(1)</script>");
    expect(html(await TermsPage())).toContain("&lt;script&gt;");
    rmSync(dir, { recursive: true });
  });
});

describe("configuration", () => {
  it("is the one read at start: no page or route parses the environment again", async () => {
    process.env.LOGTO_TIMEOUT_MS = "not-a-number";
    process.env.WECHAT_ENABLED = "false";
    process.env.ICP_LICENSE = "京ICP备1号";
    expect(html(await HomePage())).toContain('data-testid="signin-wechat"');
    expect(byTestId(html(await RootLayout({ children: <p>child</p> })), "icp-license")).toBeUndefined();
    expect(html(await SignInPage(params({})))).toContain('data-testid="signin-wechat"');
    expect(byTestId(html(await AuthErrorPage(params({ error: "Configuration" }))), "error-code")).toBe("Configuration");
    expect(html(await PrivacyPage())).toContain("<h1>Privacy policy</h1>");
    expect(html(await TermsPage())).toContain("<h1>Terms of service</h1>");
    expect(health().status).toBe(200);
    const expired = await expiredRoute(new Request("http://127.0.0.1:3000/auth/expired"));
    expect(expired.headers.get("location")).toBe("https://app.example.com/");
  });

  it("/api/health is ready when sign-in is configured", async () => {
    const response = health();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("/api/health is not ready, naming what is missing, while sign-in cannot work", async () => {
    delete process.env.AUTH_SECRET;
    delete process.env.AUTH_LOGTO_ID;
    delete process.env.AUTH_LOGTO_SECRET;
    process.env.APP_CREDENTIALS_FILE = "/nonexistent/creds.json";
    loadAppEnv();
    const response = health();
    expect(response.status).toBe(503);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const body = (await response.json()) as { status: string; problems: string[] };
    expect(body.status).toBe("not ready");
    expect(body.problems).toEqual([
      "AUTH_SECRET is not set",
      expect.stringContaining("/nonexistent/creds.json does not exist yet"),
    ]);
  });
});
