/**
 * Just enough of the admin console (admin tenant, ADMIN_ENDPOINT) for a browser test:
 * `/console` sends a signed-out visitor through the admin tenant's OIDC sign-in with the
 * `admin-console` client (PKCE, like the real SPA), `/console/callback` exchanges the code in the
 * browser, `/console/get-started` is the landing page; `/console/welcome` is where the first
 * visitor registers while the admin tenant has no user and is in `Register` mode.
 */
import crypto from "node:crypto";

import { adminConsoleApplicationId, getManagementApiResourceIndicator } from "@logto/schemas";
import { createLocalJWKSet, jwtVerify, type JWK } from "jose";
import { z } from "zod";

import type { Db, Row } from "./db.ts";
import { detectLanguage, findSignInExperience, page, t, type Language } from "./experience.ts";
import { type Ctx, Router, escapeHtml, redirect, sendHtml, sendJson, setCookie } from "./http.ts";

export type ConsoleTenant = { id: string; db: Db; issuer: string; publicJwks: JWK[]; sessionKey: Buffer };

type ConsoleCtx = Ctx & { tenant: ConsoleTenant };

const sessionCookie = "_standin_console";
const pkceCookie = "_standin_console_pkce";

const sign = (key: Buffer, value: string) => `${value}.${crypto.createHmac("sha256", key).update(value).digest("base64url")}`;
const unsign = (key: Buffer, signed: string | undefined) => {
  if (!signed) return undefined;
  const index = signed.lastIndexOf(".");
  const value = signed.slice(0, index);
  return index > 0 && sign(key, value) === signed ? value : undefined;
};

const startSignIn = (ctx: ConsoleCtx, firstScreen?: string) => {
  const verifier = crypto.randomBytes(32).toString("base64url");
  const state = crypto.randomBytes(12).toString("base64url");
  const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  setCookie(ctx, pkceCookie, sign(ctx.tenant.sessionKey, `${verifier}:${state}`), { path: "/console", maxAge: 3600 });
  const search = new URLSearchParams({
    client_id: adminConsoleApplicationId,
    redirect_uri: `${ctx.url.origin}/console/callback`,
    response_type: "code",
    scope: "openid offline_access profile all",
    resource: getManagementApiResourceIndicator("default"),
    prompt: "consent",
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
    ...(firstScreen ? { first_screen: firstScreen } : {}),
  });
  redirect(ctx, `/oidc/auth?${search.toString()}`);
};

/** The console page's own POST after its code exchange: anything else is unauthorized. */
const sessionRequestGuard = z.object({ idToken: z.string() });

export const consoleRouter = () => {
  const router = new Router<{ tenant: ConsoleTenant }>();

  const hasAdmin = async (ctx: ConsoleCtx) =>
    Boolean(await ctx.tenant.db.one("select 1 from users where tenant_id = $1 and is_suspended = false limit 1", [ctx.tenant.id]));

  /** Logto's first-run screen is open while the admin tenant has no user and lets one register. */
  const welcomeState = async (ctx: ConsoleCtx) => {
    const signInExperience = await findSignInExperience(ctx.tenant);
    return { signInExperience, welcome: !(await hasAdmin(ctx)) && signInExperience?.signInMode === "Register" };
  };

  const consolePage = (ctx: ConsoleCtx, signInExperience: Row | undefined, body: (language: Language) => string) => {
    const language = detectLanguage(ctx, signInExperience);
    sendHtml(ctx, 200, page(language, "Logto Console", body(language)));
  };

  const landing = async (ctx: ConsoleCtx) => {
    const { signInExperience, welcome } = await welcomeState(ctx);
    if (welcome) {
      redirect(ctx, "/console/welcome");
      return;
    }
    const session = unsign(ctx.tenant.sessionKey, ctx.cookies[sessionCookie]);
    if (!session) {
      startSignIn(ctx);
      return;
    }
    const { username, name } = JSON.parse(session) as { sub: string; username?: string; name?: string };
    consolePage(
      ctx,
      signInExperience,
      (language) => `<h1>${t(language, "get_started")}</h1><p data-testid="console-user">${escapeHtml(username ?? name ?? "")}</p>
<p>${t(language, "signed_in_console")}</p>
<form method="post" action="/console/sign-out"><button type="submit">${t(language, "sign_out")}</button></form>`,
    );
  };

  router.get("/console", async (ctx) => redirect(ctx, "/console/get-started"));
  router.get("/console/get-started", landing);

  router.get("/console/welcome", async (ctx) => {
    const { signInExperience, welcome } = await welcomeState(ctx);
    if (!welcome) {
      redirect(ctx, "/console/get-started");
      return;
    }
    consolePage(
      ctx,
      signInExperience,
      (language) =>
        `<h1>Welcome to Logto Console</h1><form method="post" action="/console/welcome"><button type="submit">${t(language, "create_account")}</button></form>`,
    );
  });

  router.post("/console/welcome", async (ctx) => startSignIn(ctx, "register"));

  router.get("/console/callback", async (ctx) => {
    const pkce = unsign(ctx.tenant.sessionKey, ctx.cookies[pkceCookie]);
    const [verifier, state] = pkce?.split(":") ?? [];
    if (!verifier || ctx.url.searchParams.get("state") !== state) {
      redirect(ctx, "/console/get-started");
      return;
    }
    const tokenRequest = {
      grant_type: "authorization_code",
      code: ctx.url.searchParams.get("code") ?? "",
      redirect_uri: `${ctx.url.origin}/console/callback`,
      client_id: adminConsoleApplicationId,
      code_verifier: verifier,
    };
    // The real console is an SPA: the browser exchanges the code itself.
    sendHtml(
      ctx,
      200,
      `<!DOCTYPE html><html><head><meta charset="UTF-8"><title>Logto Console</title></head><body>
<script>
fetch('/oidc/token', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(${JSON.stringify(tokenRequest)}) })
  .then(function (r) { return r.json(); })
  .then(function (t) { return fetch('/console/session', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ idToken: t.id_token }) }); })
  .then(function () { location.replace('/console/get-started'); });
</script></body></html>`,
    );
  });

  router.post("/console/session", async (ctx) => {
    try {
      const { idToken } = sessionRequestGuard.parse(ctx.body);
      const { payload } = await jwtVerify(idToken, createLocalJWKSet({ keys: ctx.tenant.publicJwks }), {
        issuer: ctx.tenant.issuer,
        audience: adminConsoleApplicationId,
      });
      setCookie(
        ctx,
        sessionCookie,
        sign(ctx.tenant.sessionKey, JSON.stringify({ sub: payload.sub, username: payload.username, name: payload.name })),
        { path: "/console" },
      );
      sendJson(ctx, 204, undefined);
    } catch {
      sendJson(ctx, 401, { code: "auth.unauthorized", message: "Unauthorized. Please check credentials and its scope." });
    }
  });

  router.post("/console/sign-out", async (ctx) => {
    setCookie(ctx, sessionCookie, "", { path: "/console", maxAge: 0 });
    redirect(ctx, "/oidc/session/end", 303);
  });

  return router;
};
