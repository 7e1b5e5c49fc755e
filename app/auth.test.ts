import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { customFetch } from "next-auth";
import type { JWT } from "next-auth/jwt";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createAuthConfig } from "./auth";
import { readEnv } from "./lib/env";

const ISSUER = "https://auth.example.com/oidc";
const baseEnv = {
  AUTH_URL: "https://app.example.com",
  AUTH_SECRET: "a-test-secret-of-at-least-32-chars",
  AUTH_LOGTO_ISSUER: ISSUER,
  AUTH_LOGTO_ID: "client-id",
  AUTH_LOGTO_SECRET: "client-secret",
};

type ProviderOptions = {
  issuer: string;
  clientId: string;
  clientSecret: string;
  authorization: { params: Record<string, string> };
  [customFetch]: typeof fetch;
};

function setup(env: Record<string, string> = baseEnv) {
  const config = createAuthConfig(readEnv(env));
  const provider = (config.providers[0] as unknown as () => { id: string; options: ProviderOptions }) as unknown as {
    id: string;
    options: ProviderOptions;
    authorization: { params: Record<string, string> };
  };
  const callbacks = config.callbacks!;
  const jwt = (args: Record<string, unknown>) =>
    (callbacks.jwt as unknown as (a: Record<string, unknown>) => Promise<JWT | null>)(args);
  return { config, provider, callbacks, jwt };
}

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("Logto provider", () => {
  it("uses the issuer exactly as Logto announces it", () => {
    expect(setup().provider.options.issuer).toBe(ISSUER);
    expect(setup({ ...baseEnv, AUTH_LOGTO_ISSUER: `${ISSUER}/` }).provider.options.issuer).toBe(ISSUER);
  });

  it("asks for consent so Logto issues a refresh token, keeping the default scope", () => {
    const { provider } = setup();
    expect(provider.id).toBe("logto");
    expect(provider.options.authorization.params).toEqual({ prompt: "consent" });
    expect(provider.authorization.params.scope).toBe("offline_access openid email profile");
  });

  it("takes client credentials from AUTH_LOGTO_ID/AUTH_LOGTO_SECRET", () => {
    const { provider } = setup();
    expect(provider.options.clientId).toBe("client-id");
    expect(provider.options.clientSecret).toBe("client-secret");
  });

  it("takes client credentials from the seed's file when the env has none", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "app-auth-"));
    const file = path.join(dir, "logto-client.json");
    writeFileSync(file, JSON.stringify({ clientId: "seeded-id", clientSecret: "seeded-secret" }));
    const { AUTH_LOGTO_ID: _id, AUTH_LOGTO_SECRET: _secret, ...rest } = baseEnv;
    const { provider } = setup({ ...rest, APP_CREDENTIALS_FILE: file });
    rmSync(dir, { recursive: true });
    expect(provider.options.clientId).toBe("seeded-id");
    expect(provider.options.clientSecret).toBe("seeded-secret");
  });

  it("a request picks up credentials the seed rotated since the last one", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "app-auth-"));
    const file = path.join(dir, "logto-client.json");
    const { AUTH_LOGTO_ID: _id, AUTH_LOGTO_SECRET: _secret, ...rest } = baseEnv;
    vi.spyOn(console, "log").mockImplementation(() => {});
    writeFileSync(file, JSON.stringify({ clientId: "old-id", clientSecret: "old-secret" }));
    expect(setup({ ...rest, APP_CREDENTIALS_FILE: file }).provider.options.clientId).toBe("old-id");
    writeFileSync(file, JSON.stringify({ clientId: "new-id", clientSecret: "new-secret" }));
    const { provider } = setup({ ...rest, APP_CREDENTIALS_FILE: file });
    rmSync(dir, { recursive: true });
    expect(provider.options.clientId).toBe("new-id");
    expect(provider.options.clientSecret).toBe("new-secret");
  });

  it("server-side calls go to the issuer through the timed fetch", async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => Response.json({}));
    vi.stubGlobal("fetch", fetchMock);
    const { provider } = setup({ ...baseEnv, LOGTO_TIMEOUT_MS: "1234" });
    const timeoutSpy = vi.spyOn(AbortSignal, "timeout");
    await provider.options[customFetch](`${ISSUER}/.well-known/openid-configuration`);
    expect(timeoutSpy).toHaveBeenCalledWith(1234);
    expect(fetchMock.mock.calls[0]?.[0]).toBe(`${ISSUER}/.well-known/openid-configuration`);
    expect(fetchMock.mock.calls[0]?.[1]?.signal).toBeInstanceOf(AbortSignal);
  });

  it("without credentials, pages still work and every Logto call fails with the reason", async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    const { AUTH_LOGTO_ID: _id, AUTH_LOGTO_SECRET: _secret, ...rest } = baseEnv;
    const { provider } = setup({ ...rest, APP_CREDENTIALS_FILE: "/nonexistent/logto-client.json" });
    await expect(provider.options[customFetch](`${ISSUER}/.well-known/openid-configuration`)).rejects.toThrow(
      /sign-in is not configured: no Logto client credentials: \/nonexistent\/logto-client.json does not exist yet/,
    );
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("sends errors to the app's own pages", () => {
    expect(setup().config.pages).toEqual({ signIn: "/auth/signin", error: "/auth/error" });
  });
});

describe("jwt and session callbacks", () => {
  const account = {
    provider: "logto",
    type: "oidc",
    providerAccountId: "logto-user-123",
    access_token: "at1",
    refresh_token: "rt1",
    id_token: "idt1",
    expires_at: Math.floor(Date.now() / 1000) + 3600,
  };

  it("maps the stable user id to Logto's sub, not Auth.js's random token.sub", async () => {
    const { jwt, callbacks } = setup();
    const token = await jwt({ token: { sub: "random-uuid", name: "Alice 爱丽丝" }, account });
    expect(token).toMatchObject({
      logtoId: "logto-user-123",
      accessToken: "at1",
      refreshToken: "rt1",
      idToken: "idt1",
      expiresAt: account.expires_at,
    });
    const session = await (callbacks.session as unknown as (a: unknown) => Promise<{ user: { id: string } }>)({
      session: { user: { name: "Alice 爱丽丝" }, expires: "2030-01-01T00:00:00.000Z" },
      token,
    });
    expect(session.user.id).toBe("logto-user-123");
  });

  it("leaves a fresh access token alone", async () => {
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    const { jwt } = setup();
    const token = { logtoId: "u", accessToken: "at1", refreshToken: "rt1", expiresAt: Math.floor(Date.now() / 1000) + 600 };
    expect(await jwt({ token })).toEqual(token);
    expect(fetchMock).not.toHaveBeenCalled();
  });

  it("refreshes an expiring access token with the refresh token", async () => {
    const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) =>
      Response.json({ access_token: "at2", expires_in: 3600, refresh_token: "rt2", token_type: "Bearer" }),
    );
    vi.stubGlobal("fetch", fetchMock);
    const { jwt } = setup();
    const token = await jwt({
      token: { logtoId: "u", accessToken: "at1", refreshToken: "rt1", idToken: "idt1", expiresAt: Math.floor(Date.now() / 1000) + 10 },
    });
    expect(fetchMock.mock.calls[0]?.[0]).toBe(`${ISSUER}/token`);
    expect(String(fetchMock.mock.calls[0]?.[1]?.body)).toContain("grant_type=refresh_token");
    expect(token).toMatchObject({ accessToken: "at2", refreshToken: "rt2", idToken: "idt1", logtoId: "u" });
    expect(token?.expiresAt).toBeGreaterThan(Math.floor(Date.now() / 1000) + 3500);
    expect(token?.error).toBeUndefined();
  });

  it("a failed refresh drops the tokens and flags the session, which the proxy then ends", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => Response.json({ error: "invalid_grant" }, { status: 400 })),
    );
    const { jwt, callbacks } = setup();
    const token = await jwt({
      token: { logtoId: "u", accessToken: "at1", refreshToken: "rt-rejected", expiresAt: Math.floor(Date.now() / 1000) - 5 },
    });
    expect(token).toMatchObject({ logtoId: "u", error: "RefreshTokenError", accessToken: undefined, refreshToken: undefined });
    // No second attempt on the next request.
    const again = await jwt({ token });
    expect(again).toBe(token);
    const session = await (callbacks.session as unknown as (a: unknown) => Promise<{ error?: string }>)({
      session: { user: {}, expires: "2030-01-01T00:00:00.000Z" },
      token,
    });
    expect(session.error).toBe("RefreshTokenError");
    const authorized = callbacks.authorized as unknown as (a: unknown) => unknown;
    const response = authorized({ request: { nextUrl: new URL("https://app.example.com/account") }, auth: session });
    expect(response).toBeInstanceOf(Response);
    expect((response as Response).headers.get("location")).toBe("https://app.example.com/auth/expired");
  });

  it("an expired token without a refresh token ends the same way", async () => {
    vi.spyOn(console, "error").mockImplementation(() => {});
    const { jwt } = setup();
    const token = await jwt({ token: { logtoId: "u", accessToken: "at1", expiresAt: Math.floor(Date.now() / 1000) - 5 } });
    expect(token?.error).toBe("RefreshTokenError");
  });
});

describe("authorized (proxy access rules)", () => {
  const authorized = (pathname: string, auth: unknown) =>
    (setup().callbacks.authorized as unknown as (a: unknown) => unknown)({
      request: { nextUrl: new URL(`https://app.example.com${pathname}`) },
      auth,
    });

  it("sends a signed-out visitor of /account to sign in (Auth.js adds callbackUrl)", () => {
    expect(authorized("/account", null)).toBe(false);
    expect(authorized("/account/anything", null)).toBe(false);
    expect(authorized("/account", { user: { id: "u" }, expires: "x" })).toBe(true);
  });

  it("lets everyone see the public pages", () => {
    for (const page of ["/", "/privacy", "/terms", "/auth/error", "/auth/signin", "/accounts"]) {
      expect(authorized(page, null)).toBe(true);
    }
  });
});
