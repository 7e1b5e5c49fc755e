import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { getToken, type JWT } from "next-auth/jwt";
import { signIn, signOut } from "@/auth";
import { configProblems } from "./config-problems";
import { appEnv, normalizeIssuer, type AppEnv } from "./env";
import { resolveCredentials } from "./credentials";
import { buildEndSessionUrl, createLogtoFetch, getEndSessionEndpoint, postLogoutRedirectUri } from "./logto";
import { safeRedirectPath } from "./redirect";

/**
 * Starts sign-in at Logto; `wechat` adds `direct_sign_in=social:wechat` (straight to WeChat's QR
 * page), otherwise Logto's own sign-in page. Missing configuration ends on our error page.
 */
export async function startSignIn(o: { wechat: boolean; redirectTo: string }): Promise<void> {
  const env = appEnv();
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

/** The signed-in user's Auth.js token, or why it could not be read (never silently nothing). */
type SessionToken = { token: Pick<JWT, "idToken"> | null; problem?: string };

/**
 * Reads the session cookie as Auth.js wrote it. No cookie: not signed in. A cookie that cannot be
 * decrypted (AUTH_SECRET changed since sign-in, a damaged cookie) or a failing read is a problem,
 * reported, so sign-out still ends the Logto session instead of only the local one.
 */
async function readSessionToken(env: AppEnv, requestHeaders: Headers): Promise<SessionToken> {
  const req = { headers: requestHeaders };
  const secureCookie = env.AUTH_URL ? new URL(env.AUTH_URL).protocol === "https:" : false;
  try {
    if (!(await getToken({ req, secureCookie, raw: true }))) return { token: null };
    if (!env.AUTH_SECRET) return { token: null, problem: "AUTH_SECRET is not set" };
    const token = await getToken({ req, secret: env.AUTH_SECRET, secureCookie });
    return token ? { token } : { token: null, problem: "the session cookie could not be decrypted with AUTH_SECRET (changed since sign-in?)" };
  } catch (error) {
    return { token: null, problem: `the session cookie could not be read (${(error as Error).message})` };
  }
}

/**
 * Where the browser goes after the local sign-out: Logto's end_session_endpoint with the app's
 * `/` as post-logout redirect (registered by the seed) and the ID token as hint, so the next
 * sign-in asks WeChat again. Without the ID token (it could not be read), `client_id` alone lets
 * Logto accept the redirect. Not signed in: the app's `/`. Logto unknown (AUTH_LOGTO_ISSUER or
 * AUTH_URL unset): the error page, which names the missing variable, since Logto's session stays.
 */
async function federatedLogoutUrl(
  env: AppEnv,
  session: SessionToken,
  fetchFn = createLogtoFetch({ timeoutMs: env.LOGTO_TIMEOUT_MS }),
): Promise<string> {
  const signedIn = Boolean(session.token || session.problem);
  if (!signedIn) return "/";
  if (!env.AUTH_LOGTO_ISSUER || !env.AUTH_URL) {
    console.error(
      `[auth] sign-out ended only the app's session: ${!env.AUTH_LOGTO_ISSUER ? "AUTH_LOGTO_ISSUER" : "AUTH_URL"} is not set, so Logto's session cannot be ended`,
    );
    return "/auth/error?error=Configuration";
  }
  const issuer = normalizeIssuer(env.AUTH_LOGTO_ISSUER);
  const credentials = resolveCredentials(env);
  const idToken = session.token?.idToken;
  const clientId = credentials.ok ? credentials.credentials.clientId : undefined;
  if (!idToken) {
    console.warn(
      `[auth] sign-out without an ID token hint (${session.problem ?? "the session holds no ID token"}): ` +
        (clientId ? "Logto's session is ended by client_id" : "Logto ends its session and shows its own page (no client id to return by)"),
    );
  }
  return buildEndSessionUrl({
    endSessionEndpoint: await getEndSessionEndpoint(issuer, fetchFn),
    idToken,
    postLogoutRedirectUri: postLogoutRedirectUri(env.AUTH_URL),
    clientId,
  });
}

/** Clears the Auth.js session, then ends the Logto session (RP-initiated logout). */
export async function signOutEverywhere(): Promise<void> {
  const env = appEnv();
  const target = await federatedLogoutUrl(env, await readSessionToken(env, await headers()));
  await signOut({ redirect: false });
  redirect(target);
}
