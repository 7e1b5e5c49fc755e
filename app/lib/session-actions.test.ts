import { encode } from "next-auth/jwt";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadAppEnv } from "./env";
import { clearEndSessionCache } from "./logto";

// The sign-out server action as a browser's POST runs it: the request's cookie header, Auth.js's
// own cookie encryption, the real redirect (a thrown NEXT_REDIRECT), only signOut stubbed.
const state = vi.hoisted(() => ({ cookie: "", signOut: { calls: 0 } }));
vi.mock("next/headers", () => ({ headers: async () => new Headers(state.cookie ? { cookie: state.cookie } : {}) }));
vi.mock("@/auth", () => ({
  auth: vi.fn(),
  signIn: vi.fn(),
  signOut: async () => {
    state.signOut.calls++;
  },
}));
const { signOutEverywhere } = await import("./session-actions");

const ISSUER = "https://auth.example.com/oidc";
const SECRET = "the-current-auth-secret-32-chars";
const COOKIE = "__Secure-authjs.session-token";
const env = {
  AUTH_URL: "https://app.example.com",
  AUTH_SECRET: SECRET,
  AUTH_LOGTO_ISSUER: ISSUER,
  AUTH_LOGTO_ID: "client",
  AUTH_LOGTO_SECRET: "client-secret",
};

async function signedInWith(secret: string) {
  const jwt = await encode({ token: { sub: "s", logtoId: "u", idToken: "id.token.jwt" }, secret, salt: COOKIE });
  state.cookie = `${COOKIE}=${jwt}`;
}

/** Where the action sends the browser (Next's redirect() throws it as the error's digest). */
async function signOutTarget(): Promise<URL> {
  const thrown = await signOutEverywhere().then(
    () => undefined,
    (error: unknown) => error as { digest?: string },
  );
  const target = thrown?.digest?.split(";")[2];
  if (!target) throw new Error(`no redirect: ${String(thrown)}`);
  return new URL(target, "https://app.example.com");
}

beforeEach(() => {
  state.cookie = "";
  state.signOut.calls = 0;
  loadAppEnv(env);
  vi.stubGlobal("fetch", async () => Response.json({ end_session_endpoint: `${ISSUER}/session/end` }));
});
afterEach(() => {
  clearEndSessionCache();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe("sign-out", () => {
  it("ends the app's session and Logto's, with the ID token as hint and the app's / to return to", async () => {
    await signedInWith(SECRET);
    const url = await signOutTarget();
    expect(url.origin + url.pathname).toBe(`${ISSUER}/session/end`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      id_token_hint: "id.token.jwt",
      post_logout_redirect_uri: "https://app.example.com/",
      client_id: "client",
    });
    expect(state.signOut.calls).toBe(1);
  });

  it("still ends Logto's session when the session cookie cannot be read, and logs why", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    await signedInWith("the-secret-before-it-was-changed");
    const url = await signOutTarget();
    expect(url.origin + url.pathname).toBe(`${ISSUER}/session/end`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      post_logout_redirect_uri: "https://app.example.com/",
      client_id: "client",
    });
    expect(state.signOut.calls).toBe(1);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/could not be decrypted with AUTH_SECRET.*ended by client_id/);
    expect(warn.mock.calls[0]?.[0]).not.toContain(SECRET);
  });

  it("without a session goes home, asking Logto nothing", async () => {
    const fetchSpy = vi.fn();
    vi.stubGlobal("fetch", fetchSpy);
    expect((await signOutTarget()).href).toBe("https://app.example.com/");
    expect(fetchSpy).not.toHaveBeenCalled();
  });

  it("tells the user and logs why when Logto's session cannot be ended (no issuer)", async () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    loadAppEnv({ ...env, AUTH_LOGTO_ISSUER: "" });
    await signedInWith(SECRET);
    const url = await signOutTarget();
    expect(url.pathname + url.search).toBe("/auth/error?error=Configuration");
    expect(error.mock.calls[0]?.[0]).toMatch(/ended only the app's session: AUTH_LOGTO_ISSUER is not set/);
    expect(state.signOut.calls).toBe(1);
  });
});
