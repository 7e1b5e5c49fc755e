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

afterEach(() => {
  clearEndSessionCache();
  vi.restoreAllMocks();
});

describe("createLogtoFetch", () => {
  it("gives every call a timeout", async () => {
    const hang = vi.fn(
      (_input: string | URL | Request, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
        }),
    );
    const logtoFetch = createLogtoFetch({ timeoutMs: 50, fetchImpl: hang });
    const started = Date.now();
    await expect(logtoFetch(`${issuer}/token`, { method: "POST" })).rejects.toThrow(
      /Logto request https:\/\/auth\.example\.com\/oidc\/token failed: no answer within 50 ms/,
    );
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("keeps the caller's own abort signal working", async () => {
    const { fetchImpl, calls } = recorder();
    const controller = new AbortController();
    await createLogtoFetch({ timeoutMs: 10_000, fetchImpl })(`${issuer}/jwks`, { signal: controller.signal });
    controller.abort();
    expect(calls[0]?.init.signal?.aborted).toBe(true);
  });

  it("passes the call through unchanged and names the URL and the cause when it fails", async () => {
    const { fetchImpl, calls } = recorder();
    const logtoFetch = createLogtoFetch({ timeoutMs: 1000, fetchImpl });
    await logtoFetch(`${issuer}/token?x=1`, { method: "POST", headers: { authorization: "Basic abc" }, body: "a=b" });
    expect(calls[0]?.url).toBe(`${issuer}/token?x=1`);
    expect(new Headers(calls[0]?.init.headers).get("authorization")).toBe("Basic abc");
    expect(calls[0]?.init.method).toBe("POST");
    expect(calls[0]?.init.body).toBe("a=b");

    const refused = createLogtoFetch({
      timeoutMs: 1000,
      fetchImpl: async () => {
        throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:443") });
      },
    });
    await expect(refused(`${issuer}/jwks`)).rejects.toThrow(
      new LogtoRequestError("Logto request https://auth.example.com/oidc/jwks failed: fetch failed (connect ECONNREFUSED 127.0.0.1:443)"),
    );
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

  it("without an ID token, returns by client_id, or not at all when there is none (Logto would refuse the URI)", () => {
    const base = { endSessionEndpoint: `${issuer}/session/end`, postLogoutRedirectUri: "https://app.example.com/" };
    expect(Object.fromEntries(new URL(buildEndSessionUrl({ ...base, clientId: "client" })).searchParams)).toEqual({
      post_logout_redirect_uri: "https://app.example.com/",
      client_id: "client",
    });
    expect(buildEndSessionUrl(base)).toBe(`${issuer}/session/end`);
  });

  it("post-logout URI is the app's origin with a slash", () => {
    expect(postLogoutRedirectUri("https://app.example.com")).toBe("https://app.example.com/");
    expect(postLogoutRedirectUri("https://app.example.com:8443/some/path")).toBe("https://app.example.com:8443/");
  });

  it("reads end_session_endpoint from discovery, cached", async () => {
    const found = recorder(() => Response.json({ end_session_endpoint: `${issuer}/session/end` }));
    expect(await getEndSessionEndpoint(issuer, found.fetchImpl)).toBe(`${issuer}/session/end`);
    expect(await getEndSessionEndpoint(issuer, found.fetchImpl)).toBe(`${issuer}/session/end`);
    expect(found.calls).toHaveLength(1);
  });

  it.each([
    [
      "a failed fetch",
      async () => {
        throw new Error("ECONNREFUSED");
      },
      /discovery https:\/\/auth\.example\.com\/oidc\/\.well-known\/openid-configuration failed \(ECONNREFUSED\)/,
    ],
    ["an error status", async () => new Response("down", { status: 502 }), /answered HTTP 502/],
    ["a discovery without the endpoint", async () => Response.json({ issuer }), /names no end_session_endpoint/],
  ])("falls back to /session/end after %s, and says so in the log", async (_case, fetchFn, why) => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(await getEndSessionEndpoint(issuer, fetchFn)).toBe(`${issuer}/session/end`);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(why);
    expect(warn.mock.calls[0]?.[0]).toContain(`sending the browser to ${issuer}/session/end`);
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
