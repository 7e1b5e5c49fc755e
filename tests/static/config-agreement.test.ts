// One verdict per value (issue 13, "One configuration, one set of rules"): the same .env checked by
// every consumer, each on exactly what it gets: `make check-env` (scripts/env/validate.sh, what `make
// up` runs first) on the file; the seed (seed/src/config.ts) and the app (app/lib/env.ts) on what
// Compose hands them (`docker compose config` of their service, each /run/secrets file replaced by a
// file holding the .env value); the doctor (scripts/src/doctor) on the .env values doctor.sh hands it.
// All accept a value, or all refuse it naming the variable the user edits: `make up` starts nothing
// the seed or the app would then refuse. The rules are seed/src/env-rules.ts; validate.sh runs on a
// host without Node and is held to them here.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../seed/src/config.js";
import { defaultDomains, publicUrlSources } from "../../seed/src/env-rules.js";
import { ConfigError } from "../../seed/src/errors.js";
import { ConfigError as DoctorConfigError, loadConfig } from "../../scripts/src/doctor/config.ts";
import { defaultApp, defaultOaApp } from "../../wechat-emulator/src/users.js";
import { FILLED_SECRETS, REPO, run, scratchDir, scratchStack } from "./util.js";

const SANDBOX = "compose.yaml:compose.sandbox.yaml";

type Project = {
  services: Record<string, { environment?: Record<string, string | null> }>;
  secrets: Record<string, { environment?: string; file?: string }>;
};

function composeConfig(envFile: string, composeFile: string): Project {
  const r = run("docker", ["compose", "--env-file", envFile, "config", "--format", "json"], { env: { COMPOSE_FILE: composeFile } });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Project;
}

/** The .env values (plain KEY=value lines, surrounding double quotes removed), as Compose reads them. */
function dotenvValues(envFile: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(envFile, "utf8")
      .split("\n")
      .filter((line) => /^[A-Z0-9_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1).replace(/^"(.*)"$/, "$1")] as const),
  );
}

/** A service's environment as Compose resolves it for this .env, secrets as files. */
function serviceEnvironment(envFile: string, composeFile: string, service: string): Record<string, string> {
  const project = composeConfig(envFile, composeFile);
  const dotenv = dotenvValues(envFile);
  const files = scratchDir(`${service}-secrets-`);
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(project.services[service]!.environment ?? {})) {
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

/** A consumer's variable as the .env variable it comes from (a URL from its domain, NAME_FILE from NAME). */
const source = (name: string) => (publicUrlSources as Record<string, string>)[name] ?? name.replace(/_FILE$/, "");
const verdict = (names: string[]) => [...new Set(names.map(source))].sort();

/** The variables a verdict names: validate.sh's ERROR lines. */
function checkEnvVerdict(dir: string, envFile: string, composeFile: string): string[] {
  const r = run("sh", [join(REPO, "scripts/env/validate.sh"), envFile], { env: { STACK_DIR: dir, COMPOSE_FILE: composeFile } });
  expect([0, 2], r.stderr).toContain(r.code);
  return verdict(r.stderr.split("\n").flatMap((l) => /^ERROR ([A-Z_]+)/.exec(l)?.[1] ?? []));
}

function seedVerdict(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return verdict(error.issues.map((issue) => issue.split(/[ =]/)[0]!));
  }
}

// Imported by path: the app's modules resolve as its bundler does (extensionless), not as NodeNext.
const { readEnv } = (await import(join(REPO, "app/lib/env.ts"))) as { readEnv: (env: Record<string, string | undefined>) => unknown };

function appVerdict(env: Record<string, string>): string[] {
  try {
    readEnv(env);
    return [];
  } catch (error) {
    // "invalid environment: NAME: problem; NAME: problem"
    return verdict([...String((error as Error).message).matchAll(/(?:: |; )([A-Z][A-Z0-9_]*)[: ]/g)].map((m) => m[1]!));
  }
}

/** What doctor.sh hands the doctor's checks: these .env values (its TS_VARS, env_get each). */
const DOCTOR_VARIABLES = /^TS_VARS="([^"]*)"/m.exec(readFileSync(join(REPO, "scripts/doctor.sh"), "utf8"))![1]!.split(" ");

function doctorVerdict(envFile: string): string[] {
  const dotenv = dotenvValues(envFile);
  try {
    loadConfig(Object.fromEntries(DOCTOR_VARIABLES.map((name) => [name, dotenv[name] ?? ""])));
    return [];
  } catch (error) {
    if (!(error instanceof DoctorConfigError)) throw error;
    return verdict(error.message.split("\n").slice(1).map((line) => line.trim().split(":")[0]!));
  }
}

const WEBSITE_APP = { WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: "0123456789abcdef0123456789abcdef" };
/**
 * A case decided by a check across variables (a pair, a clash, the sandbox): make check-env's and the
 * seed's. The app and the doctor judge value by value: the doctor reports a missing pair as its own
 * FAIL line, and the app gets no WeChat variable.
 */
const ACROSS = "across";
// [what, .env overrides, the sandbox?, the variables every consumer must name among those it reads
// ([] = all accept), ACROSS?]
const cases: Array<[string, Record<string, string>, boolean, string[], typeof ACROSS?]> = [
  ["the no-edit default", {}, false, []],
  ["the no-edit default in the sandbox", {}, true, []],
  ["a WeChat website app", { WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: "0123456789abcdef0123456789abcdef" }, false, []],
  ["an AppID with letters beyond hex", { WECHAT_APP_ID: "wxABCDEFGHIJKLMNOP", WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"]],
  ["an AppID in upper-case hex", { WECHAT_APP_ID: "wx0123456789ABCDEF", WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"]],
  ["an AppID too short", { WECHAT_APP_ID: "wx0123", WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"]],
  ["the emulator's AppID outside the sandbox", { WECHAT_APP_ID: "wx0000000000000001", WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"], ACROSS],
  ["an AppID without its secret", { WECHAT_APP_ID: "wx0123456789abcdef" }, false, ["WECHAT_APP_SECRET"], ACROSS],
  ["a secret without its AppID", { WECHAT_APP_SECRET: "s3cret" }, false, ["WECHAT_APP_ID"], ACROSS],
  ["an AppSecret with a space", { WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: '"two words"' }, false, ["WECHAT_APP_SECRET"]],
  ["a website app and its Official Account", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: "0123456789abcdef0123456789abcdef" }, false, []],
  ["an Official Account AppID too short", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wx0123", WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"]],
  ["an Official Account AppID with a character other than letters and digits", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wx0123456789abcde_", WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"]],
  ["an Official Account AppID without its secret", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wxABCDEF0123456789" }, false, ["WECHAT_OA_APP_SECRET"], ACROSS],
  ["an Official Account secret without its AppID", { ...WEBSITE_APP, WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"], ACROSS],
  ["an Official Account AppSecret with a space", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: '"two words"' }, false, ["WECHAT_OA_APP_SECRET"]],
  ["an Official Account without the website app", { WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"], ACROSS],
  ["the emulator's Official Account outside the sandbox", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wx0000000000000002", WECHAT_OA_APP_SECRET: "s3cret" }, false, ["WECHAT_OA_APP_ID"], ACROSS],
  ["an Official Account in .env in the sandbox (the emulator's apps instead)", { WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: "s3cret" }, true, [], ACROSS],
  ["WECHAT_SCOPE=snsapi_userinfo", { WECHAT_SCOPE: "snsapi_userinfo" }, false, ["WECHAT_SCOPE"]],
  ["WECHAT_SCOPE=snsapi_base", { WECHAT_SCOPE: "snsapi_base" }, false, ["WECHAT_SCOPE"]],
  ["SIGN_IN_METHODS=wechat without WeChat", { SIGN_IN_METHODS: "wechat" }, false, ["SIGN_IN_METHODS"], ACROSS],
  ["SIGN_IN_METHODS=wechat without WeChat in the sandbox (the emulator's app)", { SIGN_IN_METHODS: "wechat" }, true, [], ACROSS],
  ["SIGN_IN_METHODS=password", { SIGN_IN_METHODS: "password" }, false, []],
  ["SIGN_IN_METHODS in mixed case with spaces", { SIGN_IN_METHODS: '" Password , wechat"', WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: "s3cret" }, false, []],
  ["SIGN_IN_METHODS with an unknown method", { SIGN_IN_METHODS: "password,sms" }, false, ["SIGN_IN_METHODS"]],
  ["SIGN_IN_METHODS with a method twice", { SIGN_IN_METHODS: "password,password" }, false, ["SIGN_IN_METHODS"]],
  ["SIGN_IN_METHODS with a trailing comma", { SIGN_IN_METHODS: "password," }, false, ["SIGN_IN_METHODS"]],
  ["LOGTO_DOMAIN in upper case", { LOGTO_DOMAIN: "Auth.example.cn" }, false, ["LOGTO_DOMAIN"]],
  ["APP_DOMAIN with an underscore", { APP_DOMAIN: "my_app.example.cn" }, false, ["APP_DOMAIN"]],
  ["ADMIN_DOMAIN with a label of 64 characters", { ADMIN_DOMAIN: `${"a".repeat(64)}.example.cn` }, false, ["ADMIN_DOMAIN"]],
  ["APP_DOMAIN = ADMIN_DOMAIN", { APP_DOMAIN: "admin.localhost" }, false, ["APP_DOMAIN"], ACROSS],
  ["ADMIN_DOMAIN = LOGTO_DOMAIN", { ADMIN_DOMAIN: "auth.localhost" }, false, ["ADMIN_DOMAIN"], ACROSS],
  ["LOGTO_ADMIN_USERNAME starting with a digit", { LOGTO_ADMIN_USERNAME: "9admin" }, false, ["LOGTO_ADMIN_USERNAME"]],
  ["LOGTO_ADMIN_USERNAME of 129 characters", { LOGTO_ADMIN_USERNAME: "a".repeat(129) }, false, ["LOGTO_ADMIN_USERNAME"]],
  ["LOGTO_ADMIN_PASSWORD of 7 characters", { LOGTO_ADMIN_PASSWORD: "short12" }, false, ["LOGTO_ADMIN_PASSWORD"]],
  ["LOGTO_ADMIN_PASSWORD of 257 characters", { LOGTO_ADMIN_PASSWORD: "p".repeat(257) }, false, ["LOGTO_ADMIN_PASSWORD"]],
  ["AUTH_LOGTO_ID without its secret", { AUTH_LOGTO_ID: "client" }, false, ["AUTH_LOGTO_SECRET"], ACROSS],
  ["the app's own client", { AUTH_LOGTO_ID: "client", AUTH_LOGTO_SECRET: "client-secret" }, false, []],
  ["the password breach check off", { LOGTO_PWNED_PASSWORD_CHECK: "false" }, false, []],
  ["the password breach check as a word other than true or false", { LOGTO_PWNED_PASSWORD_CHECK: "off" }, false, ["LOGTO_PWNED_PASSWORD_CHECK"]],
  ["LOGTO_DOMAIN with a scheme", { LOGTO_DOMAIN: "https://auth.example.cn" }, false, ["LOGTO_DOMAIN"]],
  ["APP_DOMAIN in upper case", { APP_DOMAIN: "App.example.cn" }, false, ["APP_DOMAIN"]],
  ["LOGTO_DOMAIN with an underscore", { LOGTO_DOMAIN: "my_auth.example.cn" }, false, ["LOGTO_DOMAIN"]],
  ["a VPS's three domains", { LOGTO_DOMAIN: "auth.example.cn", APP_DOMAIN: "www.example.cn", ADMIN_DOMAIN: "console.example.cn" }, false, []],
  ["TLS_MODE not a mode", { TLS_MODE: "letsencrypt" }, false, ["TLS_MODE"]],
  ["TLS_MODE=acme", { TLS_MODE: "acme", LOGTO_DOMAIN: "auth.example.cn", APP_DOMAIN: "www.example.cn", ADMIN_DOMAIN: "console.example.cn", ADMIN_ALLOW_FROM: "203.0.113.7/32" }, false, []],
  ["a WeChat AppSecret of 129 characters", { WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: "s".repeat(129) }, false, ["WECHAT_APP_SECRET"]],
  ["an Official Account AppSecret of 129 characters", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: "s".repeat(129) }, false, ["WECHAT_OA_APP_SECRET"]],
];

describe("every consumer of .env: one verdict for the same value", () => {
  it.each(cases)("%s", (_what, overrides, sandbox, named, across) => {
    const { dir, envFile } = scratchStack({ ...FILLED_SECRETS, ...overrides });
    const composeFile = sandbox ? SANDBOX : "compose.yaml";
    // What each consumer must name: the variables of `named` it reads.
    const among = (reads: string[]) => named.filter((name) => reads.map(source).includes(name));
    expect(checkEnvVerdict(dir, envFile, composeFile), "make check-env").toEqual(named);
    const seed = serviceEnvironment(envFile, composeFile, "seed");
    expect(seedVerdict(seed), "the seed").toEqual(among(Object.keys(seed)));
    if (across) return;
    const app = serviceEnvironment(envFile, composeFile, "app");
    expect(appVerdict(app), "the app").toEqual(among(Object.keys(app)));
    expect(doctorVerdict(envFile), "the doctor").toEqual(among(DOCTOR_VARIABLES));
  });
});

describe("one definition of the defaults, the URLs and the .env reader", () => {
  it("the default domains are env-rules.ts's: .env.example and the WeChat emulator's apps hold the same, no script or service writes its own", () => {
    const example = dotenvValues(join(REPO, ".env.example"));
    expect({ LOGTO_DOMAIN: example.LOGTO_DOMAIN, APP_DOMAIN: example.APP_DOMAIN, ADMIN_DOMAIN: example.ADMIN_DOMAIN }).toEqual(defaultDomains);
    // The emulator (its own image) registers Logto's host as its apps' callback domain, as WeChat does.
    expect([defaultApp.callbackDomain, defaultOaApp.callbackDomain]).toEqual([defaultDomains.LOGTO_DOMAIN, defaultDomains.LOGTO_DOMAIN]);
    const files = run("git", ["ls-files", "*.sh", "*.ts", "*.tsx", "*.mjs", "*.yaml", "Makefile"]).stdout.split("\n");
    const writers = files.filter(
      (file) => file && !/\.test\.tsx?$|(^|\/)test\//.test(file) && /\b(auth|app|admin)\.localhost\b/.test(readFileSync(join(REPO, file), "utf8").replace(/^\s*(\/\/|#|\*).*$/gm, "")),
    );
    expect(writers.sort()).toEqual(["seed/src/env-rules.ts", "wechat-emulator/src/users.ts"]);
  });

  it("Compose builds each public URL once and hands the same to Logto, the seed and the app", () => {
    const { envFile } = scratchStack({ ...FILLED_SECRETS, LOGTO_DOMAIN: "auth.example.cn", APP_DOMAIN: "www.example.cn", ADMIN_DOMAIN: "console.example.cn" });
    const { services } = composeConfig(envFile, "compose.yaml");
    const [logto, seed, app] = [services.logto!.environment!, services.seed!.environment!, services.app!.environment!];
    expect({ logto: logto.ENDPOINT, admin: logto.ADMIN_ENDPOINT }).toEqual({ logto: "https://auth.example.cn", admin: "https://console.example.cn" });
    expect({ LOGTO_URL: seed.LOGTO_URL, APP_URL: seed.APP_URL, ADMIN_URL: seed.ADMIN_URL }).toEqual({
      LOGTO_URL: logto.ENDPOINT,
      APP_URL: "https://www.example.cn",
      ADMIN_URL: logto.ADMIN_ENDPOINT,
    });
    expect({ AUTH_URL: app.AUTH_URL, AUTH_LOGTO_ISSUER: app.AUTH_LOGTO_ISSUER }).toEqual({ AUTH_URL: seed.APP_URL, AUTH_LOGTO_ISSUER: `${logto.ENDPOINT}/oidc` });
    // No service gets a bare domain to rebuild a URL from (Caddy serves the names themselves).
    expect(Object.keys(seed).filter((name) => name.endsWith("_DOMAIN"))).toEqual([]);
    // Written once: every https://${..._DOMAIN} of compose.yaml is in x-public-urls.
    const text = readFileSync(join(REPO, "compose.yaml"), "utf8");
    const urls = text.match(/https:\/\/\$\{[A-Z_]+_DOMAIN/g) ?? [];
    const block = /^x-public-urls:\n((?: .*\n)+)/m.exec(text)?.[1] ?? "";
    expect(urls).toHaveLength((block.match(/https:\/\/\$\{[A-Z_]+_DOMAIN/g) ?? []).length);
    expect(urls.length).toBeGreaterThanOrEqual(3);
  });

  it("one .env reader for every script: doctor.sh, backup.sh, restore.sh and upgrade.sh read each line as make check-env does", () => {
    const dir = scratchDir("dotenv-");
    const envFile = join(dir, ".env");
    // Lines where two readers could part: quotes with spaces after them, comments, export, CRLF, the last assignment.
    writeFileSync(
      envFile,
      [
        'ICP_LICENSE="京ICP备 1号"  ',
        "export LOGTO_DOMAIN=auth.example.cn # the public name",
        "APP_DOMAIN='www.example.cn'\r",
        "ADMIN_DOMAIN=first.example.cn",
        "ADMIN_DOMAIN=console.example.cn",
        "BACKUP_SCHEDULE=0 3 * * *",
        "#TLS_MODE=acme",
      ].join("\n") + "\n",
    );
    const read = (lib: string, fn: string) =>
      // $0 as a script of scripts/ has it: scripts/lib.sh finds its helpers next to it.
      run("sh", ["-c", `. "${join(REPO, lib)}" >/dev/null; for n in ICP_LICENSE LOGTO_DOMAIN APP_DOMAIN ADMIN_DOMAIN BACKUP_SCHEDULE TLS_MODE; do printf '%s=[%s]\\n' "$n" "$(${fn} $n)"; done`, join(REPO, "scripts/reader")], {
        env: { STACK_DIR: dir, ENV_FILE: envFile },
        cwd: dir,
      }).stdout;
    const checkEnv = read("scripts/env/lib.sh", `env_value "${envFile}"`);
    expect(checkEnv).toBe(
      "ICP_LICENSE=[京ICP备 1号]\nLOGTO_DOMAIN=[auth.example.cn]\nAPP_DOMAIN=[www.example.cn]\nADMIN_DOMAIN=[console.example.cn]\nBACKUP_SCHEDULE=[0 3 * * *]\nTLS_MODE=[]\n",
    );
    expect(read("scripts/lib.sh", "env_get")).toBe(checkEnv);
  });
});


