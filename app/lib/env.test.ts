import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { appEnv, DEFAULT_CREDENTIALS_FILE, DEFAULT_LOGTO_TIMEOUT_MS, loadAppEnv, normalizeIssuer, readEnv } from "./env";

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

  it("names every invalid variable with a value that would pass", () => {
    expect(() =>
      readEnv({ AUTH_URL: "app.example.com", AUTH_LOGTO_ISSUER: "auth.example.com/oidc", LOGTO_TIMEOUT_MS: "soon" }),
    ).toThrow(
      "invalid environment: AUTH_URL: must be an origin, https://<host> (no other path): set it like https://app.example.com (Compose builds it from APP_DOMAIN in .env); " +
        "AUTH_LOGTO_ISSUER: must be https://<host>/oidc (no other path): set it like https://auth.example.com/oidc (Compose builds it from LOGTO_DOMAIN in .env); " +
        "LOGTO_TIMEOUT_MS: not a number: a whole number of milliseconds, e.g. 10000",
    );
    expect(() => readEnv({ LOGTO_TIMEOUT_MS: "-5" })).toThrow("LOGTO_TIMEOUT_MS: a positive number of milliseconds, e.g. 10000");
  });

  it("holds the URLs' hosts to the rule of the .env domains they are built from (seed/src/env-rules.ts)", () => {
    expect(() => readEnv({ AUTH_URL: "https://My_App.example.com" })).toThrow(
      "invalid environment: AUTH_URL: has a host that must be a bare lower-case host name such as auth.example.com",
    );
    expect(() => readEnv({ AUTH_LOGTO_ISSUER: "https://auth.example.com/" })).toThrow(/AUTH_LOGTO_ISSUER: must be https:\/\/<host>\/oidc/);
    expect(readEnv({ AUTH_URL: "https://app.stack.test:8443", AUTH_LOGTO_ISSUER: "https://auth.example.com/oidc/" })).toMatchObject({
      AUTH_URL: "https://app.stack.test:8443",
    });
  });

  it("never prints a value it refuses (it may be a secret)", () => {
    expect(() => readEnv({ AUTH_URL: "s3cret-typed-in-the-wrong-field" })).toThrow(/^(?!.*s3cret)/s);
  });
});

describe("secrets from files (compose.yaml: AUTH_SECRET_FILE, AUTH_LOGTO_SECRET_FILE)", () => {
  const dir = mkdtempSync(join(tmpdir(), "app-env-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };

  it("reads each secret from its file without the final newline; an empty file is unset", () => {
    const env = readEnv({ AUTH_SECRET_FILE: file("a", "cookie-secret-from-file\n"), AUTH_LOGTO_SECRET_FILE: file("b", "") });
    expect(env.AUTH_SECRET).toBe("cookie-secret-from-file");
    expect(env.AUTH_LOGTO_SECRET).toBeUndefined();
    expect(readEnv({ AUTH_SECRET: "from-the-environment" }).AUTH_SECRET).toBe("from-the-environment");
  });

  it("a missing file or a secret given twice stops the start, naming the variable, never the content", () => {
    const missing = join(dir, "nope");
    expect(() => readEnv({ AUTH_SECRET_FILE: missing })).toThrow(
      `invalid environment: AUTH_SECRET_FILE: ${missing} cannot be read (ENOENT); it must hold AUTH_SECRET (compose.yaml hands it over from .env)`,
    );
    expect(() => readEnv({ AUTH_LOGTO_SECRET: "inline-secret-value", AUTH_LOGTO_SECRET_FILE: file("c", "x") })).toThrow(
      /^(?!.*inline-secret-value).*AUTH_LOGTO_SECRET and AUTH_LOGTO_SECRET_FILE are both set: set one of them$/s,
    );
  });
});

describe("loadAppEnv / appEnv", () => {
  it("parses once: later reads return the configuration loaded at start", () => {
    const loaded = loadAppEnv({ WECHAT_ENABLED: "true", ICP_LICENSE: "京ICP备1号" });
    expect(appEnv()).toBe(loaded);
    expect(appEnv()).toBe(loaded);
    expect(appEnv().ICP_LICENSE).toBe("京ICP备1号");
  });
});

describe("normalizeIssuer", () => {
  it("keeps Logto's issuer exactly and only drops trailing slashes", () => {
    expect(normalizeIssuer("https://auth.example.com/oidc")).toBe("https://auth.example.com/oidc");
    expect(normalizeIssuer("https://auth.example.com/oidc/")).toBe("https://auth.example.com/oidc");
  });
});
