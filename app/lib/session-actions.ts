import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getToken, type JWT } from "next-auth/jwt";
import { signIn, signOut } from "@/auth";
import { configProblems } from "./config-problems";
import { normalizeIssuer, readEnv, type AppEnv } from "./env";
import { resolveCredentials } from "./credentials";
import { buildEndSessionUrl, createLogtoFetch, getEndSessionEndpoint, postLogoutRedirectUri } from "./logto";
import { safeRedirectPath } from "./redirect";

/**
 * Starts sign-in at Logto; `wechat` adds `direct_sign_in=social:wechat` (straight to WeChat's QR
 * page), otherwise Logto's own sign-in page. Missing configuration ends on our error page.
 */
export async function startSignIn(o: { wechat: boolean; redirectTo: string }): Promise<void> {
  const env = readEnv();
  const problems = configProblems(env);
  if (problems.length) {
    console.error(`[auth] sign-in refused: ${problems.join("; ")}`);
    redirect(resolveCredentials(env).ok ? "/auth/error?error=Configuration" : "/auth/error?error=MissingCredentials");
  }
  await signIn(
    "logto",
    { redirectTo: safeRedirectPath(o.redirectTo) },
    o.wechat ? { direct_sign_in: "social:wechat" } : undefined,
  );
}

/**
 * Where the browser goes after the local sign-out: Logto's end_session_endpoint with the ID
 * token as hint and the app's `/` as post-logout redirect (registered by the seed), so the next
 * sign-in asks WeChat again. Without an ID token or issuer: the app's `/`.
 */
export async function federatedLogoutUrl(
  env: AppEnv,
  token: Pick<JWT, "idToken"> | null,
  fetchFn = createLogtoFetch({
    issuer: env.AUTH_LOGTO_ISSUER ?? "http://logto.invalid",
    internalUrl: env.LOGTO_INTERNAL_URL,
    timeoutMs: env.LOGTO_TIMEOUT_MS,
  }),
): Promise<string> {
  if (!token?.idToken || !env.AUTH_LOGTO_ISSUER || !env.AUTH_URL) return "/";
  const issuer = normalizeIssuer(env.AUTH_LOGTO_ISSUER);
  const credentials = resolveCredentials(env);
  return buildEndSessionUrl({
    endSessionEndpoint: await getEndSessionEndpoint(issuer, fetchFn),
    idToken: token.idToken,
    postLogoutRedirectUri: postLogoutRedirectUri(env.AUTH_URL),
    clientId: credentials.ok ? credentials.credentials.clientId : undefined,
  });
}

/** Clears the Auth.js session, then ends the Logto session (RP-initiated logout). */
export async function signOutEverywhere(): Promise<void> {
  const env = readEnv();
  const secureCookie = env.AUTH_URL ? new URL(env.AUTH_URL).protocol === "https:" : false;
  const token = env.AUTH_SECRET
    ? await getToken({ req: { headers: await headers() }, secret: env.AUTH_SECRET, secureCookie }).catch(() => null)
    : null;
  const target = await federatedLogoutUrl(env, token);
  await signOut({ redirect: false });
  redirect(target);
}
