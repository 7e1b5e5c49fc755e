import { z } from "zod";

/** Refresh this many seconds before the access token expires. */
const REFRESH_MARGIN_SECONDS = 60;

type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export type LogtoFetchOptions = {
  timeoutMs: number;
  fetchImpl?: FetchLike;
};

export class LogtoRequestError extends Error {
  override name = "LogtoRequestError";
}

/**
 * The fetch used for every server-side call to Logto (Auth.js's `[customFetch]`, refresh,
 * discovery for sign-out): with a timeout, since oauth4webapi sets none and undici would wait
 * 300 s for a silent Logto, and a failure that names the URL and the cause.
 */
export function createLogtoFetch(options: LogtoFetchOptions): FetchLike {
  const fetchImpl = options.fetchImpl ?? fetch;
  return async (input, init = {}) => {
    const url = new URL(input instanceof Request ? input.url : input.toString());
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    try {
      return await fetchImpl(input, { ...init, signal });
    } catch (error) {
      const reason =
        error instanceof Error && error.name === "TimeoutError"
          ? `no answer within ${options.timeoutMs} ms`
          : error instanceof Error
            ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ""}`
            : String(error);
      throw new LogtoRequestError(`Logto request ${url.origin}${url.pathname} failed: ${reason}`, { cause: error });
    }
  };
}

const tokenResponseSchema = z.object({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().positive(),
  refresh_token: z.string().min(1).optional(),
  id_token: z.string().min(1).optional(),
  token_type: z.string().optional(),
});

const tokenErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

export type TokenSet = {
  accessToken?: string | undefined;
  refreshToken?: string | undefined;
  /** Seconds since the epoch. */
  expiresAt?: number | undefined;
  idToken?: string | undefined;
};

export type RefreshOptions = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  fetch: FetchLike;
  now?: () => number;
};

/** True when the access token is expired or expires within the margin. */
export function needsRefresh(expiresAt: number | undefined, now: number = Date.now()): boolean {
  if (expiresAt === undefined) return false;
  return now >= (expiresAt - REFRESH_MARGIN_SECONDS) * 1000;
}

/**
 * `grant_type=refresh_token` at `${issuer}/token` with HTTP Basic client authentication
 * (Logto's Traditional apps use client_secret_basic). Logto rotates refresh tokens: keep the new
 * one, or the old one when none is returned. Throws LogtoRequestError on any failure.
 */
export async function refreshTokens(refreshToken: string, options: RefreshOptions): Promise<Required<Pick<TokenSet, "accessToken" | "expiresAt" | "refreshToken">> & Pick<TokenSet, "idToken">> {
  const now = options.now ?? Date.now;
  const basic = Buffer.from(
    `${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`,
  ).toString("base64");
  const response = await options.fetch(`${options.issuer}/token`, {
    method: "POST",
    headers: {
      authorization: `Basic ${basic}`,
      "content-type": "application/x-www-form-urlencoded",
      accept: "application/json",
    },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: refreshToken }).toString(),
  });
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const err = tokenErrorSchema.safeParse(json);
    const detail = err.success ? `${err.data.error}${err.data.error_description ? `: ${err.data.error_description}` : ""}` : `HTTP ${response.status}`;
    throw new LogtoRequestError(`refresh token rejected (${detail})`);
  }
  const parsed = tokenResponseSchema.safeParse(json);
  if (!parsed.success) throw new LogtoRequestError("refresh answer is not a token response");
  return {
    accessToken: parsed.data.access_token,
    expiresAt: Math.floor(now() / 1000 + parsed.data.expires_in),
    refreshToken: parsed.data.refresh_token ?? refreshToken,
    idToken: parsed.data.id_token,
  };
}

type RefreshResult = Awaited<ReturnType<typeof refreshTokens>>;
type Inflight = Map<string, { promise: Promise<RefreshResult>; until: number }>;
const INFLIGHT_MS = 30_000;

/**
 * One refresh per refresh token. A page load runs the jwt callback twice with the same old
 * cookie (in the proxy, then in the server component, which cannot set cookies), and Logto
 * rotates refresh tokens: both get the result of one call. Kept on globalThis because the
 * proxy and the pages are separate bundles in the same process.
 */
export function refreshOnce(refreshToken: string, refresh: () => Promise<RefreshResult>, now: number = Date.now()): Promise<RefreshResult> {
  const store = globalThis as typeof globalThis & { __logtoRefreshInflight?: Inflight };
  const inflight = (store.__logtoRefreshInflight ??= new Map());
  for (const [key, entry] of inflight) if (entry.until <= now) inflight.delete(key);
  const hit = inflight.get(refreshToken);
  if (hit) return hit.promise;
  const promise = refresh();
  inflight.set(refreshToken, { promise, until: now + INFLIGHT_MS });
  // A failure is not kept: the next request may try again only if the token is still unused.
  promise.catch(() => inflight.delete(refreshToken));
  return promise;
}

const discoverySchema = z.object({ end_session_endpoint: z.url().optional() });
const endSessionCache = new Map<string, { url: string; until: number }>();

/**
 * Logto's end_session_endpoint from discovery (cached 10 min). When discovery fails or names
 * none, `${issuer}/session/end` (Logto's path), and the log says why.
 */
export async function getEndSessionEndpoint(issuer: string, fetchFn: FetchLike, now: number = Date.now()): Promise<string> {
  const hit = endSessionCache.get(issuer);
  if (hit && hit.until > now) return hit.url;
  const fallback = (why: string) => {
    console.warn(`[auth] sign-out: ${why}; sending the browser to ${issuer}/session/end`);
    return `${issuer}/session/end`;
  };
  const discoveryUrl = `${issuer}/.well-known/openid-configuration`;
  let body: unknown;
  try {
    const response = await fetchFn(discoveryUrl, { headers: { accept: "application/json" } });
    if (!response.ok) return fallback(`discovery ${discoveryUrl} answered HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    return fallback(`discovery ${discoveryUrl} failed (${(error as Error).message})`);
  }
  const parsed = discoverySchema.safeParse(body);
  if (!parsed.success || !parsed.data.end_session_endpoint) {
    return fallback(`discovery ${discoveryUrl} names no end_session_endpoint`);
  }
  const url = parsed.data.end_session_endpoint;
  endSessionCache.set(issuer, { url, until: now + 10 * 60_000 });
  return url;
}

export function clearEndSessionCache(): void {
  endSessionCache.clear();
}

/**
 * RP-initiated logout URL: Logto ends its session, then sends the browser to the app's `/`.
 * Logto (oidc-provider) accepts post_logout_redirect_uri only with id_token_hint or client_id;
 * with neither, it ends the session and shows its own page.
 */
export function buildEndSessionUrl(o: {
  endSessionEndpoint: string;
  idToken?: string | undefined;
  postLogoutRedirectUri: string;
  clientId?: string | undefined;
}): string {
  const url = new URL(o.endSessionEndpoint);
  if (o.idToken) url.searchParams.set("id_token_hint", o.idToken);
  if (o.idToken || o.clientId) url.searchParams.set("post_logout_redirect_uri", o.postLogoutRedirectUri);
  if (o.clientId) url.searchParams.set("client_id", o.clientId);
  return url.href;
}

/** `https://app.example.com/` from AUTH_URL (the post-logout URI the seed registers). */
export function postLogoutRedirectUri(authUrl: string): string {
  return `${new URL(authUrl).origin}/`;
}
