import { afterEach, describe, expect, it, vi } from "vitest";
import {
  buildEndSessionUrl,
  clearEndSessionCache,
  createLogtoFetch,
  getEndSessionEndpoint,
  LogtoRequestError,
  needsRefresh,
  postLogoutRedirectUri,
  refreshOnce,
  refreshTokens,
} from "./logto";

const issuer = "https://auth.example.com/oidc";
type Call = { url: string; init: RequestInit };

function recorder(respond: (url: string, init: RequestInit) => Response | Promise<Response> = () => Response.json({})) {
  const calls: Call[] = [];
  const fetchImpl = vi.fn(async (input: string | URL | Request, init: RequestInit = {}) => {
    calls.push({ url: String(input), init });
    return respond(String(input), init);
  });
  return { calls, fetchImpl };
}

afterEach(() => clearEndSessionCache());

describe("createLogtoFetch", () => {
  it("gives every call a timeout", async () => {
    const hang = vi.fn(
      (_input: string | URL | Request, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    );
    const logtoFetch = createLogtoFetch({ issuer, timeoutMs: 50, fetchImpl: hang });
    const started = Date.now();
    await expect(logtoFetch(`${issuer}/token`, { method: "POST" })).rejects.toThrow(
      /Logto request https:\/\/auth\.example\.com\/oidc\/token failed: no answer within 50 ms/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("keeps the caller's own abort signal working", async () => {
    const { fetchImpl, calls } = recorder();
    const controller = new AbortController();
    await createLogtoFetch({ issuer, timeoutMs: 10_000, fetchImpl })(`${issuer}/jwks`, { signal: controller.signal });
    controller.abort();
    expect(calls[0]?.init.signal?.aborted).toBe(true);
  });

  it("sends public-issuer calls to LOGTO_INTERNAL_URL with forwarded host and proto", async () => {
    const { fetchImpl, calls } = recorder();
    const logtoFetch = createLogtoFetch({ issuer, internalUrl: "http://logto:3001", timeoutMs: 1000, fetchImpl });
    await logtoFetch(`${issuer}/token?x=1`, { method: "POST", headers: { authorization: "Basic abc" }, body: "a=b" });
    expect(calls[0]?.url).toBe("http://logto:3001/oidc/token?x=1");
    const headers = new Headers(calls[0]?.init.headers);
    expect(headers.get("x-forwarded-host")).toBe("auth.example.com");
    expect(headers.get("x-forwarded-proto")).toBe("https");
    expect(headers.get("authorization")).toBe("Basic abc");
    expect(calls[0]?.init.method).toBe("POST");
    expect(calls[0]?.init.body).toBe("a=b");
  });

  it("leaves other origins and the no-internal-URL case alone", async () => {
    const { fetchImpl, calls } = recorder();
    await createLogtoFetch({ issuer, internalUrl: "http://logto:3001", timeoutMs: 1000, fetchImpl })(
      "https://elsewhere.example.com/x",
    );
    await createLogtoFetch({ issuer, timeoutMs: 1000, fetchImpl })(`${issuer}/token`);
    expect(calls.map((c) => c.url)).toEqual(["https://elsewhere.example.com/x", `${issuer}/token`]);
    expect(new Headers(calls[1]?.init.headers).get("x-forwarded-host")).toBeNull();
  });

  it("maps internal URLs in discovery back to the public origin; the issuer stays public", async () => {
    const { fetchImpl } = recorder(() =>
      Response.json({
        issuer,
        authorization_endpoint: "http://logto:3001/oidc/auth",
        token_endpoint: "http://logto:3001/oidc/token",
      }),
    );
    const logtoFetch = createLogtoFetch({ issuer, internalUrl: "http://logto:3001", timeoutMs: 1000, fetchImpl });
    const body = await (await logtoFetch(`${issuer}/.well-known/openid-configuration`)).json();
    expect(body).toEqual({
      issuer,
      authorization_endpoint: "https://auth.example.com/oidc/auth",
      token_endpoint: "https://auth.example.com/oidc/token",
    });
  });
});

describe("refreshTokens", () => {
  const now = () => 1_700_000_000_000;

  it("posts grant_type=refresh_token with HTTP Basic auth and returns the new tokens", async () => {
    const { fetchImpl, calls } = recorder(() =>
      Response.json({ access_token: "at2", expires_in: 3600, refresh_token: "rt2", id_token: "id2", token_type: "Bearer" }),
    );
    const result = await refreshTokens("rt1", { issuer, clientId: "client", clientSecret: "s3cret", fetch: fetchImpl, now });
    expect(result).toEqual({ accessToken: "at2", refreshToken: "rt2", idToken: "id2", expiresAt: 1_700_000_000 + 3600 });
    expect(calls[0]?.url).toBe(`${issuer}/token`);
    expect(calls[0]?.init.method).toBe("POST");
    const headers = new Headers(calls[0]?.init.headers);
    expect(headers.get("authorization")).toBe(`Basic ${Buffer.from("client:s3cret").toString("base64")}`);
    expect(Object.fromEntries(new URLSearchParams(String(calls[0]?.init.body)))).toEqual({
      grant_type: "refresh_token",
      refresh_token: "rt1",
    });
  });

  it("keeps the old refresh token when none is returned", async () => {
    const { fetchImpl } = recorder(() => Response.json({ access_token: "at2", expires_in: 60 }));
    const result = await refreshTokens("rt1", { issuer, clientId: "c", clientSecret: "s", fetch: fetchImpl, now });
    expect(result.refreshToken).toBe("rt1");
  });

  it("throws with Logto's error when the refresh token is rejected", async () => {
    const { fetchImpl } = recorder(() =>
      Response.json({ error: "invalid_grant", error_description: "grant request is invalid" }, { status: 400 }),
    );
    await expect(
      refreshTokens("rt1", { issuer, clientId: "c", clientSecret: "s", fetch: fetchImpl, now }),
    ).rejects.toThrow(new LogtoRequestError("refresh token rejected (invalid_grant: grant request is invalid)"));
  });

  it("throws on an answer that is not a token response", async () => {
    const { fetchImpl } = recorder(() => Response.json({ hello: "world" }));
    await expect(refreshTokens("rt1", { issuer, clientId: "c", clientSecret: "s", fetch: fetchImpl, now })).rejects.toThrow(
      /not a token response/,
    );
  });
});

describe("needsRefresh", () => {
  it("refreshes within 60 s of expiry, not before", () => {
    const expiresAt = 1_000_000;
    expect(needsRefresh(expiresAt, (expiresAt - 120) * 1000)).toBe(false);
    expect(needsRefresh(expiresAt, (expiresAt - 30) * 1000)).toBe(true);
    expect(needsRefresh(expiresAt, (expiresAt + 10) * 1000)).toBe(true);
    expect(needsRefresh(undefined)).toBe(false);
  });
});

describe("logout URL", () => {
  it("targets end_session with id_token_hint, post_logout_redirect_uri and client_id", () => {
    const url = new URL(
      buildEndSessionUrl({
        endSessionEndpoint: `${issuer}/session/end`,
        idToken: "eyJ.id.token",
        postLogoutRedirectUri: postLogoutRedirectUri("https://app.example.com"),
        clientId: "client",
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe("https://auth.example.com/oidc/session/end");
    expect(Object.fromEntries(url.searchParams)).toEqual({
      id_token_hint: "eyJ.id.token",
      post_logout_redirect_uri: "https://app.example.com/",
      client_id: "client",
    });
  });

  it("post-logout URI is the app's origin with a slash", () => {
    expect(postLogoutRedirectUri("https://app.example.com")).toBe("https://app.example.com/");
    expect(postLogoutRedirectUri("https://app.example.com:8443/some/path")).toBe("https://app.example.com:8443/");
  });

  it("reads end_session_endpoint from discovery and falls back to /session/end", async () => {
    const found = recorder(() => Response.json({ end_session_endpoint: `${issuer}/session/end` }));
    expect(await getEndSessionEndpoint(issuer, found.fetchImpl)).toBe(`${issuer}/session/end`);
    expect(await getEndSessionEndpoint(issuer, found.fetchImpl)).toBe(`${issuer}/session/end`);
    expect(found.calls).toHaveLength(1);
    clearEndSessionCache();
    const down = vi.fn(async () => {
      throw new Error("ECONNREFUSED");
    });
    expect(await getEndSessionEndpoint(issuer, down)).toBe(`${issuer}/session/end`);
  });
});

describe("refreshOnce", () => {
  it("shares one refresh between the proxy and the page for the same refresh token", async () => {
    const result = { accessToken: "at2", refreshToken: "rt2", expiresAt: 1, idToken: undefined };
    const refresh = vi.fn(async () => result);
    const [a, b] = await Promise.all([refreshOnce("rt-shared", refresh), refreshOnce("rt-shared", refresh)]);
    expect(a).toBe(result);
    expect(b).toBe(result);
    expect(refresh).toHaveBeenCalledTimes(1);
  });

  it("does not keep failures", async () => {
    const refresh = vi.fn(async () => {
      throw new Error("down");
    });
    await expect(refreshOnce("rt-failing", refresh)).rejects.toThrow("down");
    await expect(refreshOnce("rt-failing", refresh)).rejects.toThrow("down");
    expect(refresh).toHaveBeenCalledTimes(2);
  });
});
