import { afterEach, describe, expect, it, vi } from "vitest";
import { readEnv } from "./env";
import { clearEndSessionCache } from "./logto";

vi.mock("@/auth", () => ({ auth: vi.fn(), signIn: vi.fn(), signOut: vi.fn() }));
const { federatedLogoutUrl } = await import("./session-actions");

const env = readEnv({
  AUTH_URL: "https://app.example.com",
  AUTH_LOGTO_ISSUER: "https://auth.example.com/oidc",
  AUTH_LOGTO_ID: "client",
  AUTH_LOGTO_SECRET: "secret",
});
afterEach(() => clearEndSessionCache());

describe("federatedLogoutUrl", () => {
  it("sends the browser to Logto's end_session_endpoint with the ID token and the app's /", async () => {
    const fetchFn = vi.fn(async () =>
      Response.json({ end_session_endpoint: "https://auth.example.com/oidc/session/end" }),
    );
    const url = new URL(await federatedLogoutUrl(env, { idToken: "id.token.jwt" }, fetchFn));
    expect(url.origin + url.pathname).toBe("https://auth.example.com/oidc/session/end");
    expect(url.searchParams.get("id_token_hint")).toBe("id.token.jwt");
    expect(url.searchParams.get("post_logout_redirect_uri")).toBe("https://app.example.com/");
    expect(url.searchParams.get("client_id")).toBe("client");
  });

  it("only signs out locally without an ID token", async () => {
    const fetchFn = vi.fn();
    expect(await federatedLogoutUrl(env, null, fetchFn)).toBe("/");
    expect(await federatedLogoutUrl(env, {}, fetchFn)).toBe("/");
    expect(fetchFn).not.toHaveBeenCalled();
  });
});
