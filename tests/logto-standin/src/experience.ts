/**
 * The sign-in experience, server-rendered. Real Logto serves a React app (packages/experience)
 * that talks to /api/experience; here the same URLs, field names, button labels and toast are
 * produced by plain HTML so a browser test observes the same thing:
 *   /sign-in                 WeChat button "Continue with WeChat" (zh-CN "通过 微信 继续"),
 *                            username/password form (input[name=identifier], input[name=password],
 *                            button[name=submit]) when the sign-in experience has password sign-in
 *   /direct/social/:target   straight to the connector's authorization URI (direct_sign_in)
 *   /callback/:connectorId   -> /callback/social/:connectorId (query kept), which runs the
 *                            connector's getUserInfo, signs in or registers silently; a failure
 *                            goes back to /sign-in with Logto's message in a toast; past 10 s the
 *                            toast "Request timeout." on an empty page there (the app's ky timeout)
 *   /register                username + password (admin console first admin)
 *   /continue/username       missing mandatory username after a social sign-up
 *   /consent                 automatic for first-party apps (koaAutoConsent)
 */
import crypto from "node:crypto";

import { argon2Verify, argon2i } from "hash-wasm";
import { z } from "zod";

import { getLogtoConnectorById, getLogtoConnectors, toRequestError, type LogtoConnector } from "./connectors.ts";
import { type Db, type Row, generateUserId, insertRow } from "./db.ts";
import { RequestError } from "./errors.ts";
import { type Ctx, Router, escapeHtml, redirect, sendHtml, setCookie, sendJson } from "./http.ts";

export type ExperienceTenant = {
  id: string;
  db: Db;
  provider: any;
};

type ExpCtx = Ctx & { tenant: ExperienceTenant };

const toastCookie = "_standin_toast";
const socialStateCookie = "_standin_social";
const formErrorCookie = "_standin_form_error";

// ---------------------------------------------------------------- phrases (packages/phrases-experience)
export type Language = "en" | "zh-CN";
const phrases = {
  en: {
    sign_in: "Sign in",
    create_account: "Create account",
    sign_in_with: "Continue with {{name}}",
    username: "Username",
    password: "Password",
    confirm_password: "Confirm password",
    continue: "Continue",
    or: "or",
    no_account: "No account yet? ",
    have_account: "Already have an account?",
    invalid_session: "Session not found. Please go back and sign in again.",
    invalid_credentials: "Incorrect account or password. Please check your input.",
    password_mismatch: "Your passwords don’t match.",
    enter_username: "Enter your username",
    set_username: "Set username",
    username_in_use: "This username is already in use.",
    invalid_username: "Username is invalid. Use only letters, numbers, or underscores, and start with a letter.",
    signed_in_console: "Welcome to Logto Console",
    get_started: "Get started",
    sign_out: "Sign out",
    request_timeout: "Request timeout.",
    sign_in_to_your_account: "Sign in to your account",
    not_found: "404 Not Found",
    nav_back: "Back",
  },
  "zh-CN": {
    sign_in: "登录",
    create_account: "注册",
    sign_in_with: "通过 {{name}} 继续",
    username: "用户名",
    password: "密码",
    confirm_password: "确认密码",
    continue: "继续",
    or: "或",
    no_account: "还没有账号？",
    have_account: "已有账号？",
    invalid_session: "未找到会话，请返回并重新登录。",
    invalid_credentials: "账号或密码错误，请重新输入。",
    password_mismatch: "两次输入的密码不一致。",
    enter_username: "输入你的用户名",
    set_username: "设置用户名",
    username_in_use: "该用户名已被使用。",
    invalid_username: "用户名无效。只能包含字母、数字或下划线，并以字母开头。",
    signed_in_console: "欢迎使用 Logto Console",
    get_started: "开始使用",
    sign_out: "退出登录",
    request_timeout: "请求超时，请稍后重试。",
    sign_in_to_your_account: "登录你的账号",
    not_found: "404 页面不存在",
    nav_back: "返回",
  },
} as const;

type PhraseKey = keyof (typeof phrases)["en"];

/** Logto's `_logto` cookie, where the experience app keeps the chosen UI locale. */
const logtoCookieGuard = z.object({ uiLocales: z.string().optional() });

export const detectLanguage = (ctx: Ctx, signInExperience: Row | undefined): Language => {
  const info = (signInExperience?.languageInfo ?? { autoDetect: true, fallbackLanguage: "en" }) as {
    autoDetect: boolean;
    fallbackLanguage: string;
  };
  let uiLocales = ctx.url.searchParams.get("ui_locales") ?? undefined;
  try {
    uiLocales ??= logtoCookieGuard.safeParse(JSON.parse(ctx.cookies._logto ?? "{}")).data?.uiLocales;
  } catch {
    // A malformed cookie is ignored, as Logto's experience app does.
  }
  const candidates = [
    ...(uiLocales ? uiLocales.split(" ") : []),
    ...(info.autoDetect
      ? String(ctx.req.headers["accept-language"] ?? "")
          .split(",")
          .map((part) => part.split(";")[0]?.trim() ?? "")
      : []),
    info.fallbackLanguage,
  ];
  for (const candidate of candidates) {
    if (/^zh(-CN|-Hans)?$/i.test(candidate) || /^zh$/i.test(candidate.split("-")[0] ?? "")) return "zh-CN";
    if (/^en\b/i.test(candidate)) return "en";
  }
  return "en";
};

export const t = (language: Language, key: PhraseKey, values: Record<string, string> = {}) =>
  (phrases[language][key] as string).replace(/{{(\w+)}}/g, (_, name: string) => values[name] ?? "");

// ---------------------------------------------------------------- data helpers
export const findSignInExperience = async (tenant: Pick<ExperienceTenant, "id" | "db">) =>
  tenant.db.one("select * from sign_in_experiences where tenant_id = $1 and id = 'default'", [tenant.id]);

/** Social connectors shown on the sign-in page: in the SIE targets and configured in the DB. */
const findSocialConnectors = async (tenant: ExperienceTenant, signInExperience: Row | undefined) => {
  const targets = new Set((signInExperience?.socialSignInConnectorTargets as string[] | undefined) ?? []);
  const connectors = await getLogtoConnectors(tenant.db, tenant.id);
  return connectors.filter(({ type, metadata }) => type === "Social" && targets.has(String(metadata.target)));
};

const interactionDetails = async (ctx: ExpCtx) => {
  try {
    return await ctx.tenant.provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    return undefined;
  }
};

const withToast = (ctx: Ctx, message: string, location = "/sign-in") => {
  setCookie(ctx, toastCookie, message, { httpOnly: false, maxAge: 60 });
  redirect(ctx, location, 303);
};

const finishLogin = async (ctx: ExpCtx, accountId: string) => {
  await ctx.tenant.db.query("update users set last_sign_in_at = now() where tenant_id = $1 and id = $2", [ctx.tenant.id, accountId]);
  const location = await ctx.tenant.provider.interactionResult(
    ctx.req,
    ctx.res,
    { login: { accountId } },
    { mergeWithLastSubmission: false },
  );
  redirect(ctx, location, 303);
};

// ---------------------------------------------------------------- HTML
export const page = (language: Language, title: string, body: string, toast?: string) => `<!DOCTYPE html>
<html lang="${language}">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,sans-serif;background:#f5f5f7;margin:0;display:flex;justify-content:center}
main{background:#fff;margin:64px 16px;padding:32px;border-radius:16px;width:100%;max-width:400px;box-shadow:0 2px 12px #0001}
h1{font-size:22px;margin:0 0 24px}
form{display:flex;flex-direction:column;gap:12px;margin:0}
label{display:flex;flex-direction:column;font-size:14px;gap:4px}
input{padding:10px 12px;border:1px solid #ccc;border-radius:8px;font-size:16px}
button{padding:12px;border-radius:8px;font-size:16px;cursor:pointer;border:1px solid #5d34f2;background:#5d34f2;color:#fff}
button.secondary{background:#fff;color:#222;border-color:#ccc;display:flex;align-items:center;justify-content:center;gap:8px}
button.secondary img{width:24px;height:24px}
.divider{text-align:center;color:#888;margin:16px 0}
.error{color:#c00;font-size:14px}
.ReactModal__Content[role=toast]{position:fixed;top:24px;left:50%;transform:translateX(-50%);background:#333;color:#fff;padding:12px 20px;border-radius:8px;max-width:80%}
</style>
</head>
<body>
<main>${body}</main>
${
  toast
    ? `<div class="ReactModalPortal"><div class="ReactModal__Overlay"><div class="ReactModal__Content" role="toast" tabindex="-1">${escapeHtml(toast)}</div></div></div>
<script>setTimeout(function(){var p=document.querySelector('.ReactModalPortal');if(p)p.remove();},3000);</script>`
    : ""
}
</body>
</html>`;

const socialButtons = (language: Language, connectors: LogtoConnector[]) =>
  connectors
    .map(({ dbEntry, metadata }) => {
      const names = metadata.name as Record<string, string>;
      const name = names[language] ?? names.en ?? String(metadata.target);
      return `<form method="post" action="/sign-in/social/${encodeURIComponent(dbEntry.id)}">
<button type="submit" class="secondary">${metadata.logo ? `<img src="${escapeHtml(String(metadata.logo))}" alt="${escapeHtml(String(metadata.target))}">` : ""}<span>${escapeHtml(
        t(language, "sign_in_with", { name }),
      )}</span></button></form>`;
    })
    .join("\n");

const takeToast = (ctx: Ctx) => {
  const message = ctx.cookies[toastCookie];
  if (message) setCookie(ctx, toastCookie, "", { httpOnly: false, maxAge: 0 });
  return message;
};

const passwordSignInEnabled = (signInExperience: Row | undefined) =>
  ((signInExperience?.signIn as { methods?: Array<{ identifier: string; password: boolean }> } | undefined)?.methods ?? []).some(
    ({ identifier, password }) => identifier === "username" && password,
  );

const renderSignIn = async (ctx: ExpCtx, error?: string) => {
  const signInExperience = await findSignInExperience(ctx.tenant);
  const language = detectLanguage(ctx, signInExperience);
  const connectors = await findSocialConnectors(ctx.tenant, signInExperience);
  const password = passwordSignInEnabled(signInExperience);
  const passwordForm = password
    ? `<form method="post" action="/sign-in/password${escapeHtml(ctx.url.search)}">
<label>${t(language, "username")}<input name="identifier" type="text" autocomplete="username" placeholder="${t(language, "username")}" required></label>
<label>${t(language, "password")}<input name="password" type="password" autocomplete="current-password" placeholder="${t(language, "password")}" required></label>
${error ? `<div class="error" role="alert">${escapeHtml(error)}</div>` : ""}
<button type="submit" name="submit">${t(language, "sign_in")}</button>
</form>
${
  signInExperience?.signInMode === "SignInAndRegister"
    ? `<p>${t(language, "no_account")}<a href="/register">${t(language, "create_account")}</a></p>`
    : ""
}`
    : "";
  const body = `<h1>${t(language, "sign_in_to_your_account")}</h1>
${passwordForm}
${password && connectors.length > 0 ? `<div class="divider">${t(language, "or")}</div>` : ""}
${socialButtons(language, connectors)}`;
  sendHtml(ctx, 200, page(language, t(language, "sign_in_to_your_account"), body, takeToast(ctx)));
};

const renderRegister = async (ctx: ExpCtx, error?: string) => {
  const signInExperience = await findSignInExperience(ctx.tenant);
  const language = detectLanguage(ctx, signInExperience);
  const connectors = await findSocialConnectors(ctx.tenant, signInExperience);
  const body = `<h1>${t(language, "create_account")}</h1>
<form method="post" action="/register">
<label>${t(language, "username")}<input name="identifier" type="text" autocomplete="username" placeholder="${t(language, "username")}" required></label>
<label>${t(language, "password")}<input name="newPassword" type="password" autocomplete="new-password" placeholder="${t(language, "password")}" required></label>
<label>${t(language, "confirm_password")}<input name="confirmPassword" type="password" autocomplete="new-password" placeholder="${t(language, "confirm_password")}" required></label>
${error ? `<div class="error" role="alert">${escapeHtml(error)}</div>` : ""}
<button type="submit" name="submit">${t(language, "create_account")}</button>
</form>
${connectors.length > 0 ? `<div class="divider">${t(language, "or")}</div>${socialButtons(language, connectors)}` : ""}
${signInExperience?.signInMode === "SignInAndRegister" ? `<p>${t(language, "have_account")} <a href="/sign-in">${t(language, "sign_in")}</a></p>` : ""}`;
  sendHtml(ctx, 200, page(language, t(language, "create_account"), body, takeToast(ctx)));
};

// ---------------------------------------------------------------- social sign-in
/** Logto's experience: POST .../social/:connectorId/authorization-uri, then the browser goes there. */
const startSocialSignIn = async (ctx: ExpCtx, connector: LogtoConnector) => {
  const state = crypto.randomBytes(12).toString("base64url");
  const redirectUri = `${ctx.url.origin}/callback/${connector.dbEntry.id}`;
  try {
    const details = await interactionDetails(ctx);
    if (!details) throw new RequestError({ code: "session.not_found", status: 404 });
    const authorizationUri = await connector.raw.getAuthorizationUri!(
      {
        state,
        redirectUri,
        connectorId: connector.dbEntry.id,
        connectorFactoryId: connector.metadata.id,
        jti: details.jti,
        headers: { userAgent: ctx.req.headers["user-agent"] },
      },
      // Logto keeps it in the interaction (assignConnectorSessionResult) for getUserInfo.
      async (session) => {
        connectorSessions.set(String(details.jti), session);
      },
    );
    setCookie(ctx, socialStateCookie, `${connector.dbEntry.id}:${state}`, { maxAge: 3600 });
    redirect(ctx, authorizationUri, 303);
  } catch (error: unknown) {
    const converted = toRequestError(error);
    withToast(ctx, converted instanceof RequestError ? converted.message : "Internal server error.");
  }
};

/** What a connector's getAuthorizationUri kept with setSession, by interaction id. */
const connectorSessions = new Map<string, unknown>();

/** Pending social profiles waiting for a mandatory username, by interaction id. */
const pendingSocialProfiles = new Map<string, { target: string; userInfo: Record<string, unknown> }>();

const registerSocialUser = async (
  tenant: ExperienceTenant,
  target: string,
  userInfo: Record<string, unknown>,
  username?: string,
) => {
  const row = await insertRow(tenant.db, "users", {
    tenantId: tenant.id,
    id: generateUserId(),
    username,
    name: typeof userInfo.name === "string" && userInfo.name ? userInfo.name : undefined,
    avatar: typeof userInfo.avatar === "string" && userInfo.avatar ? userInfo.avatar : undefined,
    identities: { [target]: { userId: userInfo.id, details: userInfo } },
  });
  return String(row.id);
};

/**
 * Logto's experience app calls /api/experience/verification/social/:id/verify with ky, whose
 * default timeout is 10 s; past it the app shows the toast `error.timeout` ("Request timeout.") on
 * /callback/social/:id and stays there (packages/experience/src/hooks/use-error-handler.ts), while
 * the server may still be retrying WeChat (the connector's 5 s timeout, retried twice by got).
 */
export const EXPERIENCE_REQUEST_TIMEOUT_MS = 10_000;

const withinExperienceTimeout = async <T>(work: Promise<T>): Promise<{ value: T } | { error: unknown } | "timeout"> => {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), EXPERIENCE_REQUEST_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work.then((value) => ({ value }), (error: unknown) => ({ error })), timeout]);
  } finally {
    clearTimeout(timer);
  }
};

const handleSocialCallback = async (ctx: ExpCtx) => {
  const connectorId = ctx.params.connectorId ?? "";
  let connector: LogtoConnector;
  try {
    connector = await getLogtoConnectorById(ctx.tenant.db, ctx.tenant.id, connectorId);
  } catch {
    redirect(ctx, "/sign-in");
    return;
  }
  const signInExperience = await findSignInExperience(ctx.tenant);
  const language = detectLanguage(ctx, signInExperience);
  const { state, ...data } = Object.fromEntries(ctx.url.searchParams.entries());
  const expected = ctx.cookies[socialStateCookie];
  setCookie(ctx, socialStateCookie, "", { maxAge: 0 });
  if (!expected || expected !== `${connectorId}:${state ?? ""}`) {
    withToast(ctx, t(language, "invalid_session"));
    return;
  }
  const details = await interactionDetails(ctx);
  if (!details) {
    withToast(ctx, t(language, "invalid_session"));
    return;
  }

  let userInfo: Record<string, unknown> & { id: string };
  const verified = await withinExperienceTimeout(
    connector.raw.getUserInfo!({ redirectUri: `${ctx.url.origin}/callback/${connectorId}`, ...data }, async () => {
      // Logto's getConnectorSessionResult: no session kept for this interaction is an error.
      // It is used once: Logto removes it from the interaction as it reads it.
      const session = connectorSessions.get(String(details.jti));
      connectorSessions.delete(String(details.jti));
      if (session === undefined) throw new RequestError({ code: "session.connector_validation_session_not_found", status: 400 });
      return session as Record<string, unknown>;
    }),
  );
  if (verified === "timeout") {
    // The experience app gave up: its toast over its (still empty) callback page, no redirect.
    sendHtml(ctx, 200, page(language, "", "", t(language, "request_timeout")));
    return;
  }
  if ("error" in verified) {
    const converted = toRequestError(verified.error);
    withToast(ctx, converted instanceof RequestError ? converted.message : "Internal server error.");
    return;
  }
  userInfo = verified.value;

  const target = String(connector.metadata.target);
  const { db, id: tenantId } = ctx.tenant;
  const existing = await db.one("select * from users where tenant_id = $1 and identities->$2->>'userId' = $3", [
    tenantId,
    target,
    userInfo.id,
  ]);
  if (existing) {
    if (existing.isSuspended) {
      withToast(ctx, new RequestError({ code: "user.suspended", status: 401 }).message);
      return;
    }
    const identities = { ...(existing.identities as Record<string, unknown>), [target]: { userId: userInfo.id, details: userInfo } };
    const sync = connector.dbEntry.syncProfile
      ? { name: userInfo.name ?? existing.name, avatar: userInfo.avatar ?? existing.avatar }
      : { name: existing.name, avatar: existing.avatar };
    await db.query("update users set identities = $3, name = $4, avatar = $5 where tenant_id = $1 and id = $2", [
      tenantId,
      existing.id,
      JSON.stringify(identities),
      sync.name,
      sync.avatar,
    ]);
    await finishLogin(ctx, String(existing.id));
    return;
  }

  if (signInExperience?.signInMode === "SignIn") {
    withToast(ctx, new RequestError({ code: "user.identity_not_exist", status: 422 }).message);
    return;
  }
  // Logto: profile.ts assertUserMandatoryProfileFulfilled: a social sign-up skips the policy's required
  // identifiers only when socialSignIn.skipRequiredIdentifiers is true; else a username required as
  // the primary or a secondary identifier is asked for on /continue/username.
  const signUp = (signInExperience?.signUp ?? {}) as {
    identifiers?: string[];
    secondaryIdentifiers?: Array<{ identifier: string }>;
  };
  const socialSignIn = (signInExperience?.socialSignIn ?? {}) as { skipRequiredIdentifiers?: boolean };
  const usernameRequired =
    signUp.identifiers?.includes("username") || signUp.secondaryIdentifiers?.some(({ identifier }) => identifier === "username");
  if (usernameRequired && socialSignIn.skipRequiredIdentifiers !== true) {
    pendingSocialProfiles.set(String(details.jti), { target, userInfo });
    redirect(ctx, "/continue/username", 303);
    return;
  }
  await finishLogin(ctx, await registerSocialUser(ctx.tenant, target, userInfo));
};

// ---------------------------------------------------------------- passwords (Argon2i like Logto)
const verifyPassword = async (user: Row, password: string) => {
  if (!user.passwordEncrypted || user.passwordEncryptionMethod !== "Argon2i") return false;
  try {
    return await argon2Verify({ password, hash: String(user.passwordEncrypted) });
  } catch {
    return false;
  }
};

export const hashPassword = async (password: string) =>
  argon2i({
    password,
    salt: crypto.randomBytes(16),
    iterations: 8,
    parallelism: 1,
    memorySize: 8192,
    hashLength: 32,
    outputType: "encoded",
  });

const usernamePattern = /^[A-Z_a-z]\w*$/;

// ---------------------------------------------------------------- routes
export const experienceRouter = () => {
  const router = new Router<{ tenant: ExperienceTenant }>();

  router.get("/sign-in", async (ctx) => {
    if (!(await interactionDetails(ctx))) {
      redirect(ctx, "/unknown-session");
      return;
    }
    const signInExperience = await findSignInExperience(ctx.tenant);
    if (signInExperience?.signInMode === "Register") {
      redirect(ctx, `/register${ctx.url.search}`);
      return;
    }
    const formError = ctx.cookies[formErrorCookie];
    if (formError) setCookie(ctx, formErrorCookie, "", { httpOnly: false, maxAge: 0 });
    await renderSignIn(ctx, formError || undefined);
  });

  router.get("/register", async (ctx) => {
    if (!(await interactionDetails(ctx))) {
      redirect(ctx, "/unknown-session");
      return;
    }
    const signInExperience = await findSignInExperience(ctx.tenant);
    if (signInExperience?.signInMode === "SignIn") {
      redirect(ctx, "/sign-in");
      return;
    }
    await renderRegister(ctx);
  });

  // Logto's experience app, opened without a sign-in in progress (no interaction cookie).
  router.get("/unknown-session", async (ctx) => {
    const signInExperience = await findSignInExperience(ctx.tenant);
    const language = detectLanguage(ctx, signInExperience);
    const body = `<button type="button" onclick="history.back()">${t(language, "nav_back")}</button>
<h1>${t(language, "not_found")}</h1>
<p>${t(language, "invalid_session")}</p>`;
    sendHtml(ctx, 200, page(language, t(language, "not_found"), body));
  });

  router.post("/sign-in/social/:connectorId", async (ctx) => {
    try {
      await startSocialSignIn(ctx, await getLogtoConnectorById(ctx.tenant.db, ctx.tenant.id, ctx.params.connectorId ?? ""));
    } catch {
      redirect(ctx, "/sign-in", 303);
    }
  });

  router.get("/direct/:method/:target", async (ctx) => {
    const fallback = ctx.url.searchParams.get("fallback") ?? "sign-in";
    const signInExperience = await findSignInExperience(ctx.tenant);
    if (ctx.params.method === "social") {
      const connector = (await findSocialConnectors(ctx.tenant, signInExperience)).find(
        ({ metadata }) => metadata.target === ctx.params.target,
      );
      if (connector) {
        await startSocialSignIn(ctx, connector);
        return;
      }
    }
    redirect(ctx, `/${fallback.replace(/^\/+/, "")}`);
  });

  // Logto serves its experience app on /callback/:id, which moves on to /callback/social/:id
  // (query kept) and verifies there: the same two URLs here.
  router.get("/callback/:connectorId", async (ctx) => {
    redirect(ctx, `/callback/social/${encodeURIComponent(ctx.params.connectorId ?? "")}${ctx.url.search}`, 303);
  });
  router.get("/callback/social/:connectorId", handleSocialCallback);

  router.post("/sign-in/password", async (ctx) => {
    const signInExperience = await findSignInExperience(ctx.tenant);
    const language = detectLanguage(ctx, signInExperience);
    const body = (ctx.body ?? {}) as Record<string, string>;
    const details = await interactionDetails(ctx);
    if (!details) {
      withToast(ctx, t(language, "invalid_session"));
      return;
    }
    if (!passwordSignInEnabled(signInExperience) || signInExperience?.signInMode === "Register") {
      withToast(ctx, new RequestError("user.sign_in_method_not_enabled").message);
      return;
    }
    const user = await ctx.tenant.db.one("select * from users where tenant_id = $1 and lower(username) = lower($2)", [
      ctx.tenant.id,
      String(body.identifier ?? ""),
    ]);
    if (!user || !(await verifyPassword(user, String(body.password ?? "")))) {
      // Logto's app shows the error under the form and stays on /sign-in (query kept).
      setCookie(ctx, formErrorCookie, t(language, "invalid_credentials"), { httpOnly: false, maxAge: 60 });
      redirect(ctx, `/sign-in${ctx.url.search}`, 303);
      return;
    }
    if (user.isSuspended) {
      withToast(ctx, new RequestError({ code: "user.suspended", status: 401 }).message);
      return;
    }
    await finishLogin(ctx, String(user.id));
  });

  router.post("/register", async (ctx) => {
    const signInExperience = await findSignInExperience(ctx.tenant);
    const language = detectLanguage(ctx, signInExperience);
    if (signInExperience?.signInMode === "SignIn") {
      redirect(ctx, "/sign-in", 303);
      return;
    }
    const details = await interactionDetails(ctx);
    if (!details) {
      withToast(ctx, t(language, "invalid_session"), "/register");
      return;
    }
    const body = (ctx.body ?? {}) as Record<string, string>;
    const username = String(body.identifier ?? "");
    if (!usernamePattern.test(username)) {
      await renderRegister(ctx, t(language, "invalid_username"));
      return;
    }
    if (String(body.newPassword ?? "") !== String(body.confirmPassword ?? "")) {
      await renderRegister(ctx, t(language, "password_mismatch"));
      return;
    }
    const taken = await ctx.tenant.db.one("select 1 from users where tenant_id = $1 and lower(username) = lower($2)", [
      ctx.tenant.id,
      username,
    ]);
    if (taken) {
      await renderRegister(ctx, t(language, "username_in_use"));
      return;
    }
    const { db, id: tenantId } = ctx.tenant;
    const user = await insertRow(db, "users", {
      tenantId,
      id: generateUserId(),
      username,
      passwordEncrypted: await hashPassword(String(body.newPassword)),
      passwordEncryptionMethod: "Argon2i",
      passwordUpdatedAt: new Date().toISOString(),
    });
    if (tenantId === "admin") {
      // Logto's provision-library for the first console admin (admin tenant).
      await provisionConsoleAdmin(db, String(user.id));
    }
    await finishLogin(ctx, String(user.id));
  });

  router.get("/continue/username", async (ctx) => {
    const signInExperience = await findSignInExperience(ctx.tenant);
    const language = detectLanguage(ctx, signInExperience);
    const body = `<h1>${t(language, "set_username")}</h1>
<form method="post" action="/continue/username">
<label>${t(language, "username")}<input name="identifier" type="text" autocomplete="username" placeholder="${t(language, "username")}" required></label>
<button type="submit" name="submit">${t(language, "continue")}</button>
</form>`;
    sendHtml(ctx, 200, page(language, t(language, "set_username"), body, takeToast(ctx)));
  });

  router.post("/continue/username", async (ctx) => {
    const signInExperience = await findSignInExperience(ctx.tenant);
    const language = detectLanguage(ctx, signInExperience);
    const details = await interactionDetails(ctx);
    const pending = details && pendingSocialProfiles.get(String(details.jti));
    if (!details || !pending) {
      withToast(ctx, t(language, "invalid_session"));
      return;
    }
    const username = String((ctx.body as Record<string, string> | undefined)?.identifier ?? "");
    if (!usernamePattern.test(username)) {
      withToast(ctx, t(language, "invalid_username"), "/continue/username");
      return;
    }
    const taken = await ctx.tenant.db.one("select 1 from users where tenant_id = $1 and lower(username) = lower($2)", [
      ctx.tenant.id,
      username,
    ]);
    if (taken) {
      withToast(ctx, t(language, "username_in_use"), "/continue/username");
      return;
    }
    pendingSocialProfiles.delete(String(details.jti));
    await finishLogin(ctx, await registerSocialUser(ctx.tenant, pending.target, pending.userInfo, username));
  });

  // koaAutoConsent: first-party applications are consented automatically.
  router.get("/consent", async (ctx) => {
    const details = await interactionDetails(ctx);
    if (!details) {
      withToast(ctx, phrases.en.invalid_session);
      return;
    }
    const { provider } = ctx.tenant;
    const { prompt, params, session, grantId } = details;
    const grant = grantId
      ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session?.accountId, clientId: params.client_id });
    const missing = (prompt?.details ?? {}) as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(" "));
    }
    const savedGrantId = await grant.save();
    const location = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { consent: { grantId: savedGrantId } },
      { mergeWithLastSubmission: true },
    );
    redirect(ctx, location, 303);
  });

  // Experience's own settings endpoint (harmless, handy for debugging).
  router.get("/api/.well-known/sign-in-exp", async (ctx) => {
    const signInExperience = await findSignInExperience(ctx.tenant);
    const connectors = await findSocialConnectors(ctx.tenant, signInExperience);
    sendJson(ctx, 200, {
      ...signInExperience,
      socialConnectors: connectors.map(({ dbEntry, metadata }) => ({ id: dbEntry.id, ...metadata })),
    });
  });

  return router;
};

/**
 * What Logto's provision-library does for a new console admin in tenant `admin`: roles `user`
 * and `default:admin`, membership of organization `t-default` with role `admin`, and the admin
 * sign-in experience switched to `SignIn` so nobody else can register.
 */
export const provisionConsoleAdmin = async (db: Db, userId: string) => {
  await db.query(
    `insert into users_roles (tenant_id, id, user_id, role_id)
     select 'admin', substr(md5(random()::text), 1, 21), $1, id from roles
     where tenant_id = 'admin' and name in ('user', 'default:admin') on conflict do nothing`,
    [userId],
  );
  await db.query(
    `insert into organization_user_relations (tenant_id, organization_id, user_id)
     select 'admin', id, $1 from organizations where tenant_id = 'admin' and id = 't-default' on conflict do nothing`,
    [userId],
  );
  await db.query(
    `insert into organization_role_user_relations (tenant_id, organization_id, organization_role_id, user_id)
     select 'admin', 't-default', r.id, $1 from organization_roles r
     where r.tenant_id = 'admin' and r.name = 'admin'
     and exists (select 1 from organizations where tenant_id = 'admin' and id = 't-default') on conflict do nothing`,
    [userId],
  );
  await db.query("update sign_in_experiences set sign_in_mode = 'SignIn' where tenant_id = 'admin' and id = 'default'");
};

