// One verdict per value (issue 13, "One configuration, one set of rules"): the same .env checked by
// `make check-env` (scripts/env/validate.sh, what `make up` runs first) and by the seed
// (seed/src/config.ts) on exactly what Compose hands it (`docker compose config` of the seed service,
// each /run/secrets file replaced by a file holding the .env value). Both accept it, or both refuse
// it naming the same variable: `make up` starts nothing the seed would then refuse.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../seed/src/config.js";
import { ConfigError } from "../../seed/src/errors.js";
import { FILLED_SECRETS, REPO, run, scratchDir, scratchStack } from "./util.js";

const SANDBOX = "compose.yaml:compose.sandbox.yaml";

/** The seed's environment as Compose resolves it for this .env, secrets as files. */
function seedEnvironment(envFile: string, composeFile: string): Record<string, string> {
  const r = run("docker", ["compose", "--env-file", envFile, "config", "--format", "json"], { env: { COMPOSE_FILE: composeFile } });
  expect(r.code, r.stderr).toBe(0);
  const project = JSON.parse(r.stdout) as {
    services: { seed: { environment: Record<string, string | null> } };
    secrets: Record<string, { environment?: string; file?: string }>;
  };
  // The .env values Compose would copy into the secret files (plain KEY=value lines, quotes removed).
  const dotenv = Object.fromEntries(
    readFileSync(envFile, "utf8")
      .split("\n")
      .filter((line) => /^[A-Z0-9_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1).replace(/^"(.*)"$/, "$1")] as const),
  );
  const files = scratchDir("seed-secrets-");
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(project.services.seed.environment)) {
    const secret = /^\/run\/secrets\/(.+)$/.exec(value ?? "")?.[1];
    if (!secret) {
      env[name] = value ?? "";
      continue;
    }
    const source = project.secrets[secret]!;
    const content = source.environment ? (dotenv[source.environment] ?? "") : undefined;
    env[name] = content === undefined ? source.file! : join(files, secret);
    if (content !== undefined) writeFileSync(env[name], content);
  }
  return env;
}

/** The variables a verdict names: validate.sh's ERROR lines, the seed's issues (first word each). */
function checkEnvVerdict(dir: string, envFile: string, composeFile: string): string[] {
  const r = run("sh", [join(REPO, "scripts/env/validate.sh"), envFile], { env: { STACK_DIR: dir, COMPOSE_FILE: composeFile } });
  expect([0, 2], r.stderr).toContain(r.code);
  return [...new Set(r.stderr.split("\n").flatMap((l) => (/^ERROR ([A-Z_]+)/.exec(l)?.[1] ? [/^ERROR ([A-Z_]+)/.exec(l)![1]!] : [])))].sort();
}

function seedVerdict(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...new Set(error.issues.map((issue) => issue.split(/[ =]/)[0]!.replace(/_FILE$/, "")))].sort();
  }
}

const WEBSITE_APP = { WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: "0123456789abcdef0123456789abcdef" };
// [what, .env overrides, the sandbox?, the variables both must name ([] = both accept)]
const cases: Array<[string, Record<string, string>, boolean, string[]]> = [
  ["the no-edit default", {}, false, []],
  ["the no-edit default in the sandbox", {}, true, []],
  ["a WeChat website app", { WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: "0123456789abcdef0123456789abcdef" }, false, []],
  ["an AppID with letters beyond hex", { WECHAT_APP_ID: "wxABCDEFGHIJKLMNOP", WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"]],
  ["an AppID in upper-case hex", { WECHAT_APP_ID: "wx0123456789ABCDEF", WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"]],
  ["an AppID too short", { WECHAT_APP_ID: "wx0123", WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"]],
  ["the emulator's AppID outside the sandbox", { WECHAT_APP_ID: "wx0000000000000001", WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"]],
  ["an AppID without its secret", { WECHAT_APP_ID: "wx0123456789abcdef" }, false, ["WECHAT_APP_SECRET"]],
  ["a secret without its AppID", { WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"]],
  ["an AppSecret with a space", { WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: '"two words"' }, false, ["WECHAT_APP_SECRET"]],
  ["a website app and its Official Account", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: "0123456789abcdef0123456789abcdef" }, false, []],
  ["an Official Account AppID too short", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wx0123", WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"]],
  ["an Official Account AppID with a character other than letters and digits", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wx0123456789abcde_", WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"]],
  ["an Official Account AppID without its secret", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wxABCDEF0123456789" }, false, ["WECHAT_OA_APP_SECRET"]],
  ["an Official Account secret without its AppID", { ...WEBSITE_APP, WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"]],
  ["an Official Account AppSecret with a space", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: '"two words"' }, false, ["WECHAT_OA_APP_SECRET"]],
  ["an Official Account without the website app", { WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"]],
  ["the emulator's Official Account outside the sandbox", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wx0000000000000002", WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"]],
  ["an Official Account in .env in the sandbox (the emulator's apps instead)", { WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: "s3cret" }, true, []],
  ["WECHAT_SCOPE=snsapi_userinfo", { WECHAT_SCOPE: "snsapi_userinfo" }, false, ["WECHAT_SCOPE"]],
  ["WECHAT_SCOPE=snsapi_base", { WECHAT_SCOPE: "snsapi_base" }, false, ["WECHAT_SCOPE"]],
  ["SIGN_IN_METHODS=wechat without WeChat", { SIGN_IN_METHODS: "wechat" }, false, ["SIGN_IN_METHODS"]],
  ["SIGN_IN_METHODS=wechat without WeChat in the sandbox (the emulator's app)", { SIGN_IN_METHODS: "wechat" }, true, []],
  ["SIGN_IN_METHODS=password", { SIGN_IN_METHODS: "password" }, false, []],
  ["SIGN_IN_METHODS in mixed case with spaces", { SIGN_IN_METHODS: '" Password , wechat"', WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: "s3cret" }, false, []],
  ["SIGN_IN_METHODS with an unknown method", { SIGN_IN_METHODS: "password,sms" }, false, ["SIGN_IN_METHODS"]],
  ["SIGN_IN_METHODS with a method twice", { SIGN_IN_METHODS: "password,password" }, false, ["SIGN_IN_METHODS"]],
  ["SIGN_IN_METHODS with a trailing comma", { SIGN_IN_METHODS: "password," }, false, ["SIGN_IN_METHODS"]],
  ["LOGTO_DOMAIN in upper case", { LOGTO_DOMAIN: "Auth.example.cn" }, false, ["LOGTO_DOMAIN"]],
  ["APP_DOMAIN with an underscore", { APP_DOMAIN: "my_app.example.cn" }, false, ["APP_DOMAIN"]],
  ["ADMIN_DOMAIN with a label of 64 characters", { ADMIN_DOMAIN: `${"a".repeat(64)}.example.cn` }, false, ["ADMIN_DOMAIN"]],
  ["APP_DOMAIN = ADMIN_DOMAIN", { APP_DOMAIN: "admin.localhost" }, false, ["APP_DOMAIN"]],
  ["ADMIN_DOMAIN = LOGTO_DOMAIN", { ADMIN_DOMAIN: "auth.localhost" }, false, ["ADMIN_DOMAIN"]],
  ["LOGTO_ADMIN_USERNAME starting with a digit", { LOGTO_ADMIN_USERNAME: "9admin" }, false, ["LOGTO_ADMIN_USERNAME"]],
  ["LOGTO_ADMIN_USERNAME of 129 characters", { LOGTO_ADMIN_USERNAME: "a".repeat(129) }, false, ["LOGTO_ADMIN_USERNAME"]],
  ["LOGTO_ADMIN_PASSWORD of 7 characters", { LOGTO_ADMIN_PASSWORD: "short12" }, false, ["LOGTO_ADMIN_PASSWORD"]],
  ["LOGTO_ADMIN_PASSWORD of 257 characters", { LOGTO_ADMIN_PASSWORD: "p".repeat(257) }, false, ["LOGTO_ADMIN_PASSWORD"]],
  ["AUTH_LOGTO_ID without its secret", { AUTH_LOGTO_ID: "client" }, false, ["AUTH_LOGTO_SECRET"]],
  ["the app's own client", { AUTH_LOGTO_ID: "client", AUTH_LOGTO_SECRET: "client-secret" }, false, []],
  ["the password breach check off", { LOGTO_PWNED_PASSWORD_CHECK: "false" }, false, []],
  ["the password breach check as a word other than true or false", { LOGTO_PWNED_PASSWORD_CHECK: "off" }, false, ["LOGTO_PWNED_PASSWORD_CHECK"]],
];

describe("make check-env and the seed: one verdict for the same .env", () => {
  it.each(cases)("%s", (_what, overrides, sandbox, named) => {
    const { dir, envFile } = scratchStack({ ...FILLED_SECRETS, ...overrides });
    const composeFile = sandbox ? SANDBOX : "compose.yaml";
    expect(checkEnvVerdict(dir, envFile, composeFile), "make check-env").toEqual(named);
    const env = seedEnvironment(envFile, composeFile);
    expect(seedVerdict(env), "the seed").toEqual(named);
  });
});
