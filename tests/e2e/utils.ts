// Helpers of the end-to-end specs, in one `utils` object (as immich's e2e/src/utils.ts): resets,
// a fresh browser per spec, the sign-in steps a user takes, and what the user sees.
// Selectors that work on the stand-in and on a real Logto: tests/logto-standin/README.md.
import { readFileSync } from "node:fs";
import pg from "pg";
import type { Page } from "playwright-core";
import { testUsers, type TestUserKey } from "wechat-emulator/users";
import {
  emulatorControl,
  launchBrowser,
  managementApi,
  runProcess,
  runSeed,
  type Browser,
  type BrowserDevice,
  type EmulatorFault,
  type LogtoUser,
  type ManagementApi,
  type StackInfo,
} from "../harness/index.js";

export { testUsers, type TestUserKey };

/**
 * Extra fields a stack description written for Compose (scripts/e2e-compose.sh) carries: how to run
 * the seed again there (`docker compose ... run --rm seed`) instead of `npm --workspace seed start`.
 */
export interface ComposeInfo {
  compose?: { files: string[]; projectDirectory: string; project?: string; envFile?: string; env?: Record<string, string> };
}

/** What the user reads, per UI language: the app (app/lib/i18n.ts), Logto, the emulator. */
export const TEXT = {
  en: {
    appSignInWeChat: "Sign in with WeChat",
    appSignInOther: "Other sign-in methods",
    accountTitle: "My account",
    logtoWeChatButton: "Continue with WeChat",
    logtoSignInTitle: "Sign in to your account",
    logtoCreateAccount: "Create account",
    logtoWrongPassword: "Incorrect account or password. Please check your input.",
    logtoNoSession: "Session not found. Please go back and sign in again.",
  },
  "zh-CN": {
    appSignInWeChat: "使用微信登录",
    appSignInOther: "其他登录方式",
    accountTitle: "我的账户",
    logtoWeChatButton: "通过 微信 继续",
    logtoSignInTitle: "登录你的账号",
    logtoCreateAccount: "注册",
    logtoWrongPassword: "账号或密码错误，请重新输入。",
    logtoNoSession: "未找到会话，请返回并重新登录。",
  },
} as const;
export type UiLanguage = keyof typeof TEXT;

/** Logto's toast texts for WeChat failures (phrases of @logto/phrases, en). */
export const LOGTO_TOAST = {
  /** connector.invalid_auth_code: errcodes 40029 / 40163 of the token endpoint. */
  invalidCode: "Unable to get access token, please check authorization code.",
  /** connector.general: any other errcode, HTTP errors and timeouts. */
  general: /Error occurred in connector/,
} as const;

let current: Browser | undefined;

const BROWSER_STEP_MS = 60_000;

export const utils = {
  /** The Management API of the stack's default tenant (token cached per stack). */
  async api(stack: StackInfo): Promise<ManagementApi> {
    apis.set(stack.urls.logto, apis.get(stack.urls.logto) ?? (await managementApi(stack)));
    return apis.get(stack.urls.logto)!;
  },

  /** The emulator's control API; halts with instructions when the stack has none. */
  emulator(stack: StackInfo) {
    if (!stack.emulator) {
      throw new Error(
        "This stack has no WeChat emulator: start it with the harness (npm --workspace tests run stack) or, for Compose, scripts/e2e-compose.sh (make e2e), which publish its control API.",
      );
    }
    return emulatorControl(stack.emulator.controlUrl);
  },

  /** Every user of the default tenant (all pages). */
  async users(stack: StackInfo): Promise<LogtoUser[]> {
    const api = await utils.api(stack);
    const all: LogtoUser[] = [];
    for (let page = 1; ; page++) {
      const batch = await api.users.list({ page: String(page), page_size: "100" });
      all.push(...batch);
      if (batch.length < 100) return all;
    }
  },

  /** The users whose WeChat identity is this test user's (unionid ?? openid, as Logto's connector maps it). */
  async wechatUsers(stack: StackInfo, key: TestUserKey): Promise<LogtoUser[]> {
    const u: { openid: string; unionid?: string } = testUsers[key];
    return (await utils.users(stack)).filter((user) => user.identities?.wechat?.userId === (u.unionid ?? u.openid));
  },

  /** Delete every user of the default tenant through the Management API (their sessions go too). */
  async deleteUsers(stack: StackInfo): Promise<number> {
    const api = await utils.api(stack);
    const users = await utils.users(stack);
    for (const user of users) await api.users.delete(user.id);
    return users.length;
  },

  /**
   * The start of every spec: emulator faults, counts and codes forgotten, the default tenant's
   * users deleted (unless `keepUsers`), and a fresh browser (any previous one closed).
   */
  async reset(stack: StackInfo, o: { keepUsers?: boolean; locale?: string } = {}): Promise<Browser> {
    await current?.close();
    current = undefined;
    if (stack.emulator) await utils.emulator(stack).reset();
    if (!o.keepUsers) await utils.deleteUsers(stack);
    return utils.browser(stack, { locale: o.locale });
  },

  /**
   * A fresh browser (own profile: no cookies). The previous one stays open until the next reset,
   * so that a failing test's screenshot (tests/harness/e2e-setup.ts) still sees its tabs.
   */
  async browser(stack: StackInfo, o: { locale?: string | undefined; device?: BrowserDevice } = {}): Promise<Browser> {
    await current?.close();
    current = await launchBrowser(stack, { locale: o.locale ?? "en-US", device: o.device });
    return current;
  },

  /** A second browser that does not replace the current one (closed by the e2e setup after the file). */
  async extraBrowser(stack: StackInfo, o: { locale?: string } = {}): Promise<Browser> {
    return launchBrowser(stack, { locale: o.locale ?? "en-US" });
  },

  async addFault(stack: StackInfo, fault: EmulatorFault): Promise<void> {
    await utils.emulator(stack).addFault(fault);
  },

  async calls(stack: StackInfo) {
    return utils.emulator(stack).calls();
  },

  /** Wait until the tab shows WeChat's QR page (the emulator's, reached through Logto's redirect). */
  async waitForQrPage(page: Page): Promise<void> {
    await page.waitForURL((url) => url.hostname === "open.weixin.qq.com" && url.pathname === "/connect/qrconnect", {
      timeout: BROWSER_STEP_MS,
    });
    await page.getByTestId("qrcode").waitFor({ timeout: BROWSER_STEP_MS });
  },

  /** On the QR page: "确认登录 / Confirm as <nickname>" for a test user. */
  async confirmOnQrPage(page: Page, key: TestUserKey): Promise<void> {
    await page.getByTestId(`confirm-${key}`).click();
  },

  /** Wait until the tab is on the app's page `path` (e.g. /account) after the redirects. */
  async waitForAppPage(page: Page, stack: StackInfo, path: string): Promise<void> {
    const origin = new URL(stack.urls.app).origin;
    await page.waitForURL((url) => url.origin === origin && url.pathname === path, { timeout: BROWSER_STEP_MS });
  },

  /** App home -> "Sign in with WeChat" -> the QR page. */
  async startWeChatSignIn(page: Page, stack: StackInfo): Promise<void> {
    await page.goto(`${stack.urls.app}/`);
    await page.getByTestId("signin-wechat").click();
    await utils.waitForQrPage(page);
  },

  /** The whole happy path: app home -> WeChat -> confirm as `key` -> /account. */
  async signInWithWeChat(page: Page, stack: StackInfo, key: TestUserKey = "alice"): Promise<void> {
    await utils.startWeChatSignIn(page, stack);
    await utils.confirmOnQrPage(page, key);
    await utils.waitForAppPage(page, stack, "/account");
  },

  /** What /account shows. */
  async account(page: Page): Promise<{ nickname: string; avatar: string | null; userId: string; expires: string | null }> {
    await page.getByTestId("account-nickname").waitFor();
    return {
      nickname: (await page.getByTestId("account-nickname").innerText()).trim(),
      avatar: await page.getByTestId("account-avatar").getAttribute("src"),
      userId: (await page.getByTestId("account-user-id").innerText()).trim(),
      expires: await page.getByTestId("account-expires").getAttribute("datetime"),
    };
  },

  /**
   * Wait for Logto's toast on its sign-in page and return its text. The toast disappears after
   * 3 s (real Logto and the stand-in), so its text is read in the same poll that finds it.
   */
  async waitForToast(page: Page, timeoutMs = BROWSER_STEP_MS): Promise<{ text: string; path: string }> {
    // Runs in the page (a function, not a string: Logto's CSP forbids eval). No DOM types here.
    type PageGlobals = { document: { querySelector(s: string): { textContent: string | null } | null }; location: { pathname: string } };
    const handle = await page.waitForFunction(
      () => {
        const { document, location } = globalThis as unknown as PageGlobals;
        const text = document.querySelector('[role="toast"]')?.textContent?.trim();
        return text ? { text, path: location.pathname } : null;
      },
      undefined,
      { timeout: timeoutMs, polling: 100 },
    );
    return (await handle.jsonValue()) as { text: string; path: string };
  },

  /** Logto's sign-in page's WeChat button ("Continue with WeChat" / "通过 微信 继续"; substring: it holds the logo too). */
  logtoWeChatButton(page: Page, language: UiLanguage = "en") {
    return page.getByRole("button", { name: TEXT[language].logtoWeChatButton });
  },

  /** Whether the tab is on Logto's sign-in page (path /sign-in on the Logto host). */
  async waitForLogtoSignIn(page: Page, stack: StackInfo): Promise<void> {
    const origin = new URL(stack.urls.logto).origin;
    await page.waitForURL((url) => url.origin === origin && url.pathname === "/sign-in", { timeout: BROWSER_STEP_MS });
  },

  /** The seed again, as the stack runs it: `npm --workspace seed start`, or `docker compose run --rm seed`. */
  async rerunSeed(stack: StackInfo & ComposeInfo): Promise<{ code: number; output: string }> {
    if (stack.compose) {
      const { files, projectDirectory, project, envFile, env } = stack.compose;
      const args = ["compose", ...(project ? ["-p", project] : []), "--project-directory", projectDirectory];
      if (envFile) args.push("--env-file", envFile);
      for (const f of files) args.push("-f", f);
      const result = await runProcess({
        name: "seed",
        command: "docker",
        args: [...args, "run", "--rm", "seed"],
        env: { ...process.env, ...env },
        timeoutMs: 300_000,
      });
      return { code: result.code, output: `${result.stdout}\n${result.stderr}` };
    }
    const result = await runSeed(stack.seedEnv);
    return { code: result.code, output: `${result.stdout}\n${result.stderr}` };
  },

  /** One SQL query on Logto's database (the stack's DSN; Compose: Postgres published on loopback by compose.e2e.yaml). */
  async sql<T extends Record<string, unknown>>(stack: StackInfo, text: string, values: unknown[] = []): Promise<T[]> {
    const client = new pg.Client({ connectionString: stack.logto.dbUrl });
    await client.connect();
    try {
      return (await client.query<T>(text, values)).rows;
    } finally {
      await client.end();
    }
  },

  /** The app's credentials file as the seed wrote it (harness stacks only; Compose keeps it in a volume). */
  credentials(stack: StackInfo): string | undefined {
    if (stack.origin !== "harness") return undefined;
    return readFileSync(stack.credentialsFile, "utf8");
  },
};

const apis = new Map<string, ManagementApi>();
