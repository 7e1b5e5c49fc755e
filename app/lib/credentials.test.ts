import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resetCredentialsCache, resolveCredentials } from "./credentials";

let dir: string;
let file: string;
beforeEach(() => {
  resetCredentialsCache();
  dir = mkdtempSync(path.join(tmpdir(), "app-creds-"));
  file = path.join(dir, "logto-client.json");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("resolveCredentials", () => {
  it("prefers AUTH_LOGTO_ID/AUTH_LOGTO_SECRET over the file", () => {
    writeFileSync(file, JSON.stringify({ clientId: "from-file", clientSecret: "s" }));
    const result = resolveCredentials({ AUTH_LOGTO_ID: "id", AUTH_LOGTO_SECRET: "secret", APP_CREDENTIALS_FILE: file });
    expect(result).toEqual({ ok: true, credentials: { clientId: "id", clientSecret: "secret", source: "env" } });
  });

  it("reads the seed's JSON file when the env is unset", () => {
    writeFileSync(file, JSON.stringify({ clientId: "abc", clientSecret: "def" }));
    const result = resolveCredentials({ APP_CREDENTIALS_FILE: file });
    expect(result).toEqual({ ok: true, credentials: { clientId: "abc", clientSecret: "def", source: "file" } });
  });

  it("explains a missing file, and finds it once the seed has written it", () => {
    const missing = resolveCredentials({ APP_CREDENTIALS_FILE: file });
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.problem).toMatch(/does not exist yet \(the seed writes it\)/);
    writeFileSync(file, JSON.stringify({ clientId: "late", clientSecret: "x" }));
    expect(resolveCredentials({ APP_CREDENTIALS_FILE: file })).toMatchObject({ ok: true, credentials: { clientId: "late" } });
  });

  it("keeps a file read once (read at start, not per request)", () => {
    writeFileSync(file, JSON.stringify({ clientId: "first", clientSecret: "x" }));
    resolveCredentials({ APP_CREDENTIALS_FILE: file });
    rmSync(file);
    expect(resolveCredentials({ APP_CREDENTIALS_FILE: file })).toMatchObject({ ok: true, credentials: { clientId: "first" } });
  });

  it("rejects a half-set env pair and a malformed file", () => {
    const half = resolveCredentials({ AUTH_LOGTO_ID: "id", APP_CREDENTIALS_FILE: file });
    expect(!half.ok && half.problem).toMatch(/AUTH_LOGTO_ID is set but AUTH_LOGTO_SECRET is not/);
    writeFileSync(file, "{not json");
    const bad = resolveCredentials({ APP_CREDENTIALS_FILE: file });
    expect(!bad.ok && bad.problem).toMatch(/not valid JSON/);
    writeFileSync(file, JSON.stringify({ clientId: "" }));
    const empty = resolveCredentials({ APP_CREDENTIALS_FILE: file });
    expect(!empty.ok && empty.problem).toMatch(/clientId.*clientSecret/);
  });
});
