import { mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resolveCredentials } from "./credentials";

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "app-creds-"));
  file = path.join(dir, "logto-client.json");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  vi.restoreAllMocks();
});

/** As the seed writes it: a temporary file renamed over the old one. */
function seedWrites(credentials: unknown) {
  writeFileSync(`${file}.tmp`, JSON.stringify(credentials), { mode: 0o600 });
  renameSync(`${file}.tmp`, file);
}

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

  it("picks up credentials a later seed run rotated, without a restart, and says so once", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    seedWrites({ clientId: "first-id", clientSecret: "first-secret" });
    expect(resolveCredentials({ APP_CREDENTIALS_FILE: file })).toMatchObject({ ok: true, credentials: { clientId: "first-id" } });

    // The application was deleted in the console; the next seed run made a new one.
    seedWrites({ clientId: "second-id", clientSecret: "second-secret" });
    expect(resolveCredentials({ APP_CREDENTIALS_FILE: file })).toEqual({
      ok: true,
      credentials: { clientId: "second-id", clientSecret: "second-secret", source: "file" },
    });
    // Only the secret rotated (same size, in place, within the same clock tick).
    writeFileSync(file, JSON.stringify({ clientId: "second-id", clientSecret: "second-secreT" }));
    expect(resolveCredentials({ APP_CREDENTIALS_FILE: file })).toMatchObject({ ok: true, credentials: { clientSecret: "second-secreT" } });
    expect(resolveCredentials({ APP_CREDENTIALS_FILE: file })).toMatchObject({ ok: true, credentials: { clientSecret: "second-secreT" } });

    expect(log.mock.calls.map(([line]) => line)).toEqual([
      `[app] ${file} changed: client credentials reloaded (client id first-id -> second-id)`,
      `[app] ${file} changed: client credentials reloaded (client id unchanged)`,
    ]);
    expect(JSON.stringify(log.mock.calls)).not.toMatch(/secret/i);
  });

  it("says what is wrong when the file goes away or is damaged, and recovers when it is fixed", () => {
    seedWrites({ clientId: "id", clientSecret: "s" });
    expect(resolveCredentials({ APP_CREDENTIALS_FILE: file }).ok).toBe(true);
    rmSync(file);
    const gone = resolveCredentials({ APP_CREDENTIALS_FILE: file });
    expect(!gone.ok && gone.problem).toMatch(/does not exist yet/);
    writeFileSync(file, "{half");
    const damaged = resolveCredentials({ APP_CREDENTIALS_FILE: file });
    expect(!damaged.ok && damaged.problem).toMatch(/not valid JSON/);
    seedWrites({ clientId: "id", clientSecret: "s" });
    expect(resolveCredentials({ APP_CREDENTIALS_FILE: file }).ok).toBe(true);
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
