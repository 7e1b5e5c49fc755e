import NextAuth, { customFetch, type NextAuthConfig } from "next-auth";
import Logto from "next-auth/providers/logto";
import { resolveCredentials } from "@/lib/credentials";
import { appEnv, normalizeIssuer, type AppEnv } from "@/lib/env";
import { createLogtoFetch, LogtoRequestError, needsRefresh, refreshOnce, refreshTokens } from "@/lib/logto";

/** Paths that need a signed-in user; everything else is public. */
const PROTECTED_PATHS = ["/account"];

function isProtected(pathname: string): boolean {
  return PROTECTED_PATHS.some((path) => pathname === path || pathname.startsWith(`${path}/`));
}

/**
 * The only Auth.js configuration. Built per request (lazy init) from the configuration read at
 * start, so the image carries no domain or secret, and the seed's credentials file is picked up
 * as soon as it appears or changes.
 */
export function createAuthConfig(env: AppEnv = appEnv()): NextAuthConfig {
  const issuer = env.AUTH_LOGTO_ISSUER ? normalizeIssuer(env.AUTH_LOGTO_ISSUER) : undefined;
  const credentials = resolveCredentials(env);
  const logtoFetch = createLogtoFetch({ timeoutMs: env.LOGTO_TIMEOUT_MS });

  // Without an issuer or client credentials, every call to Logto fails with the reason; Auth.js
  // then sends the browser to our error page (error=Configuration), which names the problem.
  const problem = !issuer
    ? "AUTH_LOGTO_ISSUER is not set"
    : !credentials.ok
      ? credentials.problem
      : undefined;
  const providerFetch: typeof fetch = problem
    ? async () => {
        throw new LogtoRequestError(`sign-in is not configured: ${problem}`);
      }
    : logtoFetch;

  return {
    providers: [
      Logto({
        issuer: issuer ?? "http://logto.invalid/oidc",
        clientId: credentials.ok ? credentials.credentials.clientId : "missing-client-id",
        clientSecret: credentials.ok ? credentials.credentials.clientSecret : "missing-client-secret",
        // Logto (oidc-provider) drops offline_access, so issues no refresh token, unless the
        // user is asked for consent; first-party apps consent automatically. Merged with the
        // provider's default scope "offline_access openid email profile".
        authorization: { params: { prompt: "consent" } },
        [customFetch]: providerFetch,
      }),
    ],
    // From the configuration read at start (AUTH_SECRET or the file AUTH_SECRET_FILE names), not
    // Auth.js's own read of process.env.AUTH_SECRET.
    secret: env.AUTH_SECRET,
    pages: { signIn: "/auth/signin", error: "/auth/error" },
    session: { strategy: "jwt" },
    callbacks: {
      authorized({ request, auth }) {
        if (!isProtected(request.nextUrl.pathname)) return true;
        if (auth?.error) return Response.redirect(new URL("/auth/expired", request.nextUrl));
        // false: Auth.js redirects to pages.signIn?callbackUrl=<this page>.
        return Boolean(auth?.user);
      },
      async jwt({ token, account }) {
        if (account) {
          // Sign-in. Without an adapter Auth.js's token.sub is a new random UUID on every
          // sign-in: Logto's `sub` is account.providerAccountId.
          return {
            ...token,
            logtoId: account.providerAccountId,
            accessToken: account.access_token,
            refreshToken: account.refresh_token,
            expiresAt:
              account.expires_at ??
              (account.expires_in ? Math.floor(Date.now() / 1000 + account.expires_in) : undefined),
            idToken: account.id_token,
            error: undefined,
          };
        }
        if (token.error || !needsRefresh(token.expiresAt)) return token;

        // The access token is (about to be) expired: refresh it, or end the session cleanly.
        try {
          if (!token.refreshToken) throw new LogtoRequestError("no refresh token was issued");
          if (!issuer || !credentials.ok) throw new LogtoRequestError(problem ?? "not configured");
          const { clientId, clientSecret } = credentials.credentials;
          const refreshToken = token.refreshToken;
          const refreshed = await refreshOnce(refreshToken, () =>
            refreshTokens(refreshToken, { issuer, clientId, clientSecret, fetch: logtoFetch }),
          );
          return { ...token, ...refreshed, idToken: refreshed.idToken ?? token.idToken };
        } catch (error) {
          console.error(`[auth] token refresh failed for user ${token.logtoId ?? "?"}: ${(error as Error).message}`);
          return {
            ...token,
            accessToken: undefined,
            refreshToken: undefined,
            expiresAt: undefined,
            error: "RefreshTokenError" as const,
          };
        }
      },
      session({ session, token }) {
        session.user.id = token.logtoId ?? "";
        if (token.error) session.error = token.error;
        return session;
      },
    },
  };
}

export const { handlers, auth, signIn, signOut } = NextAuth(() => createAuthConfig());

declare module "next-auth" {
  interface Session {
    /** Set when the access token could not be refreshed: treat the user as signed out. */
    error?: "RefreshTokenError";
  }
}

declare module "next-auth/jwt" {
  interface JWT {
    /** Logto's user id (`sub`), stable across sign-ins. */
    logtoId?: string;
    accessToken?: string | undefined;
    refreshToken?: string | undefined;
    /** Access token expiry, seconds since the epoch. */
    expiresAt?: number | undefined;
    /** Kept for RP-initiated logout (`id_token_hint`). */
    idToken?: string | undefined;
    error?: "RefreshTokenError" | undefined;
  }
}
