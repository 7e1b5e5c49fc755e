import { describe, expect, it } from "vitest";
import { DEFAULT_CREDENTIALS_FILE, DEFAULT_LOGTO_TIMEOUT_MS, normalizeIssuer, readEnv } from "./env";

describe("readEnv", () => {
  it("applies defaults and treats empty strings as unset", () => {
    const env = readEnv({ AUTH_LOGTO_ID: "", ICP_LICENSE: "  ", WECHAT_ENABLED: "" });
    expect(env.AUTH_LOGTO_ID).toBeUndefined();
    expect(env.ICP_LICENSE).toBeUndefined();
    expect(env.WECHAT_ENABLED).toBe(false);
    expect(env.APP_CREDENTIALS_FILE).toBe(DEFAULT_CREDENTIALS_FILE);
    expect(env.LOGTO_TIMEOUT_MS).toBe(DEFAULT_LOGTO_TIMEOUT_MS);
  });

  it("shows the WeChat button only for WECHAT_ENABLED=true", () => {
    expect(readEnv({ WECHAT_ENABLED: "true" }).WECHAT_ENABLED).toBe(true);
    expect(readEnv({ WECHAT_ENABLED: "TRUE" }).WECHAT_ENABLED).toBe(true);
    expect(readEnv({ WECHAT_ENABLED: "1" }).WECHAT_ENABLED).toBe(false);
    expect(readEnv({ WECHAT_ENABLED: "false" }).WECHAT_ENABLED).toBe(false);
  });

  it("names every invalid variable", () => {
    expect(() => readEnv({ AUTH_URL: "app.example.com", LOGTO_TIMEOUT_MS: "soon" })).toThrow(
      /AUTH_URL.*LOGTO_TIMEOUT_MS|LOGTO_TIMEOUT_MS.*AUTH_URL/,
    );
  });
});

describe("normalizeIssuer", () => {
  it("keeps Logto's issuer exactly and only drops trailing slashes", () => {
    expect(normalizeIssuer("https://auth.example.com/oidc")).toBe("https://auth.example.com/oidc");
    expect(normalizeIssuer("https://auth.example.com/oidc/")).toBe("https://auth.example.com/oidc");
  });
});
