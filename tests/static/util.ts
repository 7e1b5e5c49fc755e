// Helpers of the static checks: run a command with a clean environment, make scratch .env files.
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll } from "vitest";
import { withDotenv } from "../harness/dotenv.js";

export const REPO = resolve(import.meta.dirname, "../..");

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command with only PATH and HOME from this process plus `env`: nothing leaks from the caller's shell. */
export function run(cmd: string, args: string[], opts: { env?: Record<string, string>; cwd?: string } = {}): Result {
  const home = opts.env?.HOME ?? scratchDir("home-");
  const r = spawnSync(cmd, args, {
    cwd: opts.cwd ?? REPO,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, LANG: "C.UTF-8", ...opts.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const scratchDirs: string[] = [];
// Each test file imports this module afresh: its scratch directories go when the file is done.
afterAll(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function scratchDir(prefix = "static-"): string {
  const dir = mkdtempSync(join(tmpdir(), `wls-${prefix}`));
  scratchDirs.push(dir);
  return dir;
}

/**
 * A scratch "repository" for the env scripts: a copy of .env.example and compose.yaml (and optionally an .env made
 * from it with `overrides` applied: a value replaces the variable's line, undefined deletes it).
 */
export function scratchStack(overrides?: Record<string, string | undefined>): { dir: string; envFile: string } {
  const dir = scratchDir("stack-");
  cpSync(join(REPO, ".env.example"), join(dir, ".env.example"));
  // validate.sh reads the pinned image tags from it (their one definition) for its examples.
  cpSync(join(REPO, "compose.yaml"), join(dir, "compose.yaml"));
  const envFile = join(dir, ".env");
  if (overrides) writeFileSync(envFile, withDotenv(readFileSync(join(REPO, ".env.example"), "utf8"), overrides));
  return { dir, envFile };
}

/** Parse KEY=value lines (the subset .env.example uses). */
export function parseEnv(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
}

/** Secrets as `make secrets` makes them, for tests that need a valid .env without running the script. */
export const FILLED_SECRETS = {
  POSTGRES_PASSWORD: "Pg0123456789abcdefABCDEF",
  AUTH_SECRET: "As0123456789abcdefABCDEF0123456789abcdef",
  LOGTO_ADMIN_PASSWORD: "Adm1nPassw0rd",
} as const;

/** A complete VPS configuration: every optional value set. */
export const VPS_ENV: Record<string, string> = {
  ...FILLED_SECRETS,
  LOGTO_DOMAIN: "auth.example.cn",
  APP_DOMAIN: "www.example.cn",
  ADMIN_DOMAIN: "console.example.cn",
  TLS_MODE: "acme",
  ACME_EMAIL: "ops@example.cn",
  ADMIN_ALLOW_FROM: "203.0.113.7/32 2001:db8::/32",
  LOGTO_VERSION: "1.42.0",
  LOGTO_ADMIN_USERNAME: "root_admin",
  SIGN_IN_METHODS: "wechat,password",
  WECHAT_APP_ID: "wx0123456789abcdef",
  WECHAT_APP_SECRET: "0123456789abcdef0123456789abcdef",
  WECHAT_SCOPE: "snsapi_login",
  WECHAT_OA_APP_ID: "wxABCDEF0123456789",
  WECHAT_OA_APP_SECRET: "fedcba9876543210fedcba9876543210",
  AUTH_LOGTO_ID: "my-client-id",
  AUTH_LOGTO_SECRET: "my-client-secret",
  ICP_LICENSE: "京ICP备12345678号-1",
  BACKUP_RETENTION: "14",
  BACKUP_SCHEDULE: "30 19 * * *",
  BACKUP_MAX_AGE_HOURS: "25",
  BACKUP_OFFSITE_REPOSITORY: "s3:https://oss-cn-hangzhou.aliyuncs.com/my-bucket/wechat-logto-stack",
  BACKUP_OFFSITE_KEY_ID: "LTAI5tExampleKeyId",
  BACKUP_OFFSITE_SECRET: "oss-secret-access-key-0123456789",
  BACKUP_OFFSITE_PASSWORD: "restic-repository-password-0123",
  BACKUP_OFFSITE_OPTIONS: "s3.bucket-lookup=dns",
};
