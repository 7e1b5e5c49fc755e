// scripts/env: the secret generator, the .env validation and the `make up` flow, run with dash
// (Debian's /bin/sh, a strict POSIX shell) as a user on a VPS would run them.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FILLED_SECRETS, parseEnv, REPO, run, scratchDir, scratchStack, VPS_ENV } from "./util.js";

const SH = "dash";
const script = (name: string) => join(REPO, "scripts/env", name);

function generate(dir: string, envFile?: string) {
  return run(SH, [script("generate-secrets.sh"), ...(envFile ? [envFile] : [])], { env: { STACK_DIR: dir } });
}
function validate(overrides: Record<string, string | undefined>, extraEnv: Record<string, string> = {}) {
  const { dir, envFile } = scratchStack({ ...FILLED_SECRETS, ...overrides });
  return run(SH, [script("validate.sh"), envFile], { env: { STACK_DIR: dir, ...extraEnv } });
}

describe("generate-secrets.sh (make secrets)", () => {
  it("creates .env from .env.example with three random secrets, owner-only, printing no secret", () => {
    const { dir, envFile } = scratchStack();
    const r = generate(dir);
    expect(r.code, r.stderr).toBe(0);
    const env = parseEnv(readFileSync(envFile, "utf8"));
    expect(env.POSTGRES_PASSWORD).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(env.AUTH_SECRET).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(env.LOGTO_ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(statSync(envFile).mode & 0o777).toBe(0o600);
    for (const v of [env.POSTGRES_PASSWORD!, env.AUTH_SECRET!, env.LOGTO_ADMIN_PASSWORD!]) expect(r.stdout + r.stderr).not.toContain(v);
    // everything else is .env.example unchanged
    const example = parseEnv(readFileSync(join(REPO, ".env.example"), "utf8"));
    expect({ ...env, ...FILLED_SECRETS }).toEqual({ ...example, ...FILLED_SECRETS });
    expect(readdirSync(dir).filter((f) => f.endsWith(".bak"))).toEqual([]);
  });

  it("two runs give different secrets", () => {
    const a = scratchStack();
    const b = scratchStack();
    generate(a.dir);
    generate(b.dir);
    expect(parseEnv(readFileSync(a.envFile, "utf8")).AUTH_SECRET).not.toBe(parseEnv(readFileSync(b.envFile, "utf8")).AUTH_SECRET);
  });

  it("a second run changes nothing and writes no backup", () => {
    const { dir, envFile } = scratchStack();
    generate(dir);
    const before = readFileSync(envFile, "utf8");
    const r = generate(dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("nothing changed");
    expect(readFileSync(envFile, "utf8")).toBe(before);
    expect(readdirSync(dir).filter((f) => f.endsWith(".bak"))).toEqual([]);
  });

  it("fills only empty secrets, keeps set ones and other edits, and keeps a backup of the previous file", () => {
    const { dir, envFile } = scratchStack({ POSTGRES_PASSWORD: "KeepThisPostgresPassword1", AUTH_SECRET: '""', LOGTO_DOMAIN: "auth.example.cn" });
    writeFileSync(envFile, readFileSync(envFile, "utf8").replace(/^LOGTO_ADMIN_PASSWORD=.*\n/m, "") + "# my note\nICP_LICENSE=x"); // no final newline
    const before = readFileSync(envFile, "utf8");
    const r = generate(dir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/kept POSTGRES_PASSWORD/);
    expect(r.stdout).toMatch(/generated AUTH_SECRET/);
    expect(r.stdout).toMatch(/generated LOGTO_ADMIN_PASSWORD/);
    const env = parseEnv(readFileSync(envFile, "utf8"));
    expect(env.POSTGRES_PASSWORD).toBe("KeepThisPostgresPassword1");
    expect(env.AUTH_SECRET).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(env.LOGTO_ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9]{24}$/); // was absent: appended
    expect(env.LOGTO_DOMAIN).toBe("auth.example.cn");
    expect(env.ICP_LICENSE).toBe("x");
    expect(readFileSync(envFile, "utf8")).toContain("# my note\n");
    const backups = readdirSync(dir).filter((f) => /^\.env\.\d{8}T\d{6}Z\.bak$/.test(f));
    expect(backups).toHaveLength(1);
    expect(readFileSync(join(dir, backups[0]!), "utf8")).toBe(before);
    expect(statSync(join(dir, backups[0]!)).mode & 0o777).toBe(0o600);
  });

  // `ps` shows every process's arguments to every user: a secret must only travel through pipes,
  // files and environments. Each external command the scripts run is a wrapper logging its argv.
  it("never passes a secret as a command's argument (generate-secrets.sh filling and appending, validate.sh)", () => {
    const bin = scratchDir("argv-bin-");
    const argvLog = join(bin, "argv.log");
    for (const cmd of ["awk", "chmod", "cp", "date", "dirname", "grep", "head", "mktemp", "mv", "od", "printenv", "rm", "sed", "sort", "tail", "tr"]) {
      const real = run("sh", ["-c", `command -v ${cmd}`]).stdout.trim();
      expect(real, cmd).toMatch(/^\//);
      writeFileSync(join(bin, cmd), `#!/bin/sh\nprintf '%s\\n' "${cmd} $*" >>"${argvLog}"\nexec ${real} "$@"\n`);
      chmodSync(join(bin, cmd), 0o755);
    }
    const path = `${bin}:${process.env.PATH}`;
    const { dir, envFile } = scratchStack({ AUTH_SECRET: undefined }); // two to fill, one to append
    expect(run(SH, [script("generate-secrets.sh")], { env: { STACK_DIR: dir, PATH: path } }).code).toBe(0);
    expect(run(SH, [script("validate.sh"), envFile], { env: { STACK_DIR: dir, PATH: path } }).code).toBe(0);
    const env = parseEnv(readFileSync(envFile, "utf8"));
    const secrets = [env.POSTGRES_PASSWORD!, env.AUTH_SECRET!, env.LOGTO_ADMIN_PASSWORD!];
    const argv = readFileSync(argvLog, "utf8");
    expect(argv).toMatch(/^awk /m); // the wrappers did see the scripts' commands
    for (const secret of secrets) {
      expect(secret).toMatch(/^[A-Za-z0-9]{24,}$/);
      expect(argv.split("\n").filter((l) => l.includes(secret))).toEqual([]);
    }
  });

  it("without .env and without .env.example it says what is missing", () => {
    const dir = scratchDir("empty-");
    const r = generate(dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(".env.example");
  });
});

describe("validate.sh (what `make up` checks before starting anything)", () => {
  it("accepts the no-edit default and a full VPS configuration", () => {
    for (const env of [{}, VPS_ENV]) {
      const r = validate(env);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/valid \(0 warning/);
      expect(r.code).toBe(0);
    }
  });

  it("accepts a registry, a mirror with a path, the npm mirror and pinned image references (tag or digest)", () => {
    for (const env of [
      { IMAGE_REGISTRY: "127.0.0.1:5000", NPM_REGISTRY: "https://registry.npmmirror.com" },
      { IMAGE_REGISTRY: "mirror.example.cn/dockerhub", NPM_REGISTRY: "http://npm.internal:4873/" },
      { IMAGE_REGISTRY: "localhost", LOGTO_IMAGE: "ghcr.io/logto-io/logto:1.42.0", POSTGRES_IMAGE: `registry.example.cn:5000/pg@sha256:${"a".repeat(64)}`, CADDY_IMAGE: "registry.example.cn/ns/caddy-dns:2.11.2" },
    ]) {
      const r = validate({ ...VPS_ENV, ...env });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    }
  });

  const WEBSITE_APP = { WECHAT_APP_ID: "wx0123456789abcdef", WECHAT_APP_SECRET: "s3cret" };
  // [what, overrides, the variable the message must name, a word of the fix]
  const bad: Array<[string, Record<string, string | undefined>, string, RegExp]> = [
    ["a domain with a scheme", { LOGTO_DOMAIN: "https://auth.example.cn" }, "LOGTO_DOMAIN", /scheme.*LOGTO_DOMAIN=auth\.example\.cn/],
    ["a domain with a path", { APP_DOMAIN: "www.example.cn/app" }, "APP_DOMAIN", /path.*APP_DOMAIN=www\.example\.cn/],
    ["a domain with a port", { ADMIN_DOMAIN: "console.example.cn:8443" }, "ADMIN_DOMAIN", /port.*ADMIN_DOMAIN=console\.example\.cn/],
    ["a domain in upper case", { LOGTO_DOMAIN: "Auth.Example.cn" }, "LOGTO_DOMAIN", /LOGTO_DOMAIN=auth\.example\.cn/],
    ["an invalid host name", { APP_DOMAIN: "my_app.example.cn" }, "APP_DOMAIN", /not a valid host name/],
    ["an empty domain", { LOGTO_DOMAIN: "" }, "LOGTO_DOMAIN", /is empty/],
    ["APP_DOMAIN == LOGTO_DOMAIN", { APP_DOMAIN: "auth.localhost" }, "APP_DOMAIN equals LOGTO_DOMAIN", /own host name/],
    ["ADMIN_DOMAIN == LOGTO_DOMAIN", { ADMIN_DOMAIN: "auth.localhost" }, "ADMIN_DOMAIN equals LOGTO_DOMAIN", /refuses one origin/],
    ["ADMIN_DOMAIN == APP_DOMAIN", { ADMIN_DOMAIN: "app.localhost" }, "ADMIN_DOMAIN equals APP_DOMAIN", /own host name/],
    ["a missing POSTGRES_PASSWORD", { POSTGRES_PASSWORD: "" }, "POSTGRES_PASSWORD", /make secrets/],
    ["a missing AUTH_SECRET", { AUTH_SECRET: undefined }, "AUTH_SECRET", /make secrets/],
    ["no WECHAT_APP_SECRET line (Compose would refuse to create its secret)", { WECHAT_APP_SECRET: undefined }, "WECHAT_APP_SECRET", /add the line WECHAT_APP_SECRET=$/],
    ["no WECHAT_OA_APP_SECRET line", { WECHAT_OA_APP_SECRET: undefined }, "WECHAT_OA_APP_SECRET", /add the line WECHAT_OA_APP_SECRET=$/],
    ["no AUTH_LOGTO_SECRET line", { AUTH_LOGTO_SECRET: undefined }, "AUTH_LOGTO_SECRET", /add the line AUTH_LOGTO_SECRET=$/],
    ["a missing LOGTO_ADMIN_PASSWORD", { LOGTO_ADMIN_PASSWORD: '""' }, "LOGTO_ADMIN_PASSWORD", /make secrets/],
    ["a short AUTH_SECRET", { AUTH_SECRET: "short" }, "AUTH_SECRET", /at least 32/],
    ["a POSTGRES_PASSWORD that breaks DB_URL", { POSTGRES_PASSWORD: "p@ss/word:1234567890" }, "POSTGRES_PASSWORD", /DB_URL/],
    ["a value with $", { LOGTO_ADMIN_PASSWORD: "pa$word12" }, "LOGTO_ADMIN_PASSWORD", /\$\$/],
    ["an unknown TLS_MODE", { TLS_MODE: "letsencrypt" }, "TLS_MODE", /internal.*acme/],
    ["acme for .localhost names", { TLS_MODE: "acme" }, "LOGTO_DOMAIN", /not a public name/],
    ["an invalid ACME e-mail", { ACME_EMAIL: "ops-at-example.cn" }, "ACME_EMAIL", /valid e-mail/],
    ["an ACME e-mail Let's Encrypt refuses", { ACME_EMAIL: "me@example.com" }, "ACME_EMAIL", /refuses/],
    ["an ACME CA over plain HTTP", { ACME_CA: "http://ca.example.net/acme/directory" }, "ACME_CA", /https:\/\/ only|HTTPS only/],
    ["an ACME CA that is no URL", { ACME_CA: "letsencrypt" }, "ACME_CA", /ACME_CA=https:\/\/acme-v02\.api\.letsencrypt\.org\/directory$/],
    ["an ACME CA root without the CA", { ACME_CA_ROOT: "./acme-ca-root.pem" }, "ACME_CA_ROOT is set but ACME_CA is empty", /empty ACME_CA_ROOT/],
    ["an ACME CA root file that is not there", { ACME_CA: "https://ca.example.net/dir", ACME_CA_ROOT: "./nope.pem" }, "ACME_CA_ROOT", /no readable file .*\/nope\.pem/],
    ["a comma-separated allowlist", { ADMIN_ALLOW_FROM: "10.0.0.0/8,192.168.0.0/16" }, "ADMIN_ALLOW_FROM", /spaces/],
    ["an allowlist entry that is not a range", { ADMIN_ALLOW_FROM: "office" }, "ADMIN_ALLOW_FROM", /CIDR/],
    ["an allowlist of spaces only (Caddy would let nobody in)", { ADMIN_ALLOW_FROM: '"   "' }, "ADMIN_ALLOW_FROM", /only spaces.*empty it/],
    ["LOGTO_VERSION=latest", { LOGTO_VERSION: "latest" }, "LOGTO_VERSION", /1\.42\.0/],
    ["an invalid admin username", { LOGTO_ADMIN_USERNAME: "9admin" }, "LOGTO_ADMIN_USERNAME", /letters, digits/],
    ["an unknown sign-in method", { SIGN_IN_METHODS: "wechat,sms" }, "SIGN_IN_METHODS", /wechat and password/],
    ["a breach check that is not true or false", { LOGTO_PWNED_PASSWORD_CHECK: "no" }, "LOGTO_PWNED_PASSWORD_CHECK", /api\.pwnedpasswords\.com/],
    ["a malformed WeChat AppID", { WECHAT_APP_ID: "123456", WECHAT_APP_SECRET: "s" }, "WECHAT_APP_ID", /wx followed by 16 hex/],
    ["a WeChat AppID without secret", { WECHAT_APP_ID: "wx0123456789abcdef" }, "WECHAT_APP_SECRET", /AppSecret/],
    ["a WeChat secret without AppID", { WECHAT_APP_SECRET: "0123" }, "WECHAT_APP_ID", /empty both/],
    ["a WeChat scope websites cannot use", { WECHAT_SCOPE: "snsapi_userinfo" }, "WECHAT_SCOPE", /snsapi_login/],
    ["a malformed Official Account AppID", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wx-oa", WECHAT_OA_APP_SECRET: "s" }, "WECHAT_OA_APP_ID", /wx followed by 16 letters or digits/],
    ["an Official Account AppID without secret", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wxABCDEF0123456789" }, "WECHAT_OA_APP_SECRET", /AppSecret/],
    ["an Official Account secret without AppID", { ...WEBSITE_APP, WECHAT_OA_APP_SECRET: "0123" }, "WECHAT_OA_APP_ID", /empty both/],
    ["an Official Account without the website app", { WECHAT_OA_APP_ID: "wxABCDEF0123456789", WECHAT_OA_APP_SECRET: "s3cret" }, "WECHAT_OA_APP_ID", /WECHAT_APP_ID/],
    ["the emulator's Official Account outside the sandbox", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wx0000000000000002", WECHAT_OA_APP_SECRET: "s3cret" }, "WECHAT_OA_APP_ID", /make up-sandbox/],
    ["a client id without secret", { AUTH_LOGTO_ID: "abc" }, "AUTH_LOGTO_SECRET", /both/],
    ["BACKUP_RETENTION=0", { BACKUP_RETENTION: "0" }, "BACKUP_RETENTION", /positive integer/],
    ["a schedule of four fields", { BACKUP_SCHEDULE: "0 3 * *" }, "BACKUP_SCHEDULE", /has 4 fields.*BACKUP_SCHEDULE=0 3 \* \* \*/],
    ["a day-of-week name (crond implementations differ)", { BACKUP_SCHEDULE: "0 3 * * mon" }, "BACKUP_SCHEDULE", /"mon" is not \*, a number/],
    ["BACKUP_MAX_AGE_HOURS=1.5", { BACKUP_MAX_AGE_HOURS: "1.5" }, "BACKUP_MAX_AGE_HOURS", /positive integer/],
    ["credentials in the repository URL", { BACKUP_OFFSITE_REPOSITORY: "rest:https://backup:pw@h.example.cn:8000/s", BACKUP_OFFSITE_PASSWORD: "0123456789abcdef" }, "BACKUP_OFFSITE_REPOSITORY", /without user:password@/],
    ["a repository kind the stack does not copy to", { BACKUP_OFFSITE_REPOSITORY: "/mnt/usb", BACKUP_OFFSITE_PASSWORD: "0123456789abcdef" }, "BACKUP_OFFSITE_REPOSITORY", /s3:https:\/\/<endpoint>/],
    ["an S3 bucket without its key id", { BACKUP_OFFSITE_REPOSITORY: "s3:https://cos.ap-shanghai.myqcloud.com/b/s", BACKUP_OFFSITE_SECRET: "x", BACKUP_OFFSITE_PASSWORD: "0123456789abcdef" }, "BACKUP_OFFSITE_KEY_ID", /access key id/],
    ["an off-site repository without its password", { BACKUP_OFFSITE_REPOSITORY: "rest:https://h.example.cn:8000/s" }, "BACKUP_OFFSITE_PASSWORD", /keep a copy off this machine/],
    ["a short off-site password", { BACKUP_OFFSITE_REPOSITORY: "rest:https://h.example.cn:8000/s", BACKUP_OFFSITE_PASSWORD: "short" }, "BACKUP_OFFSITE_PASSWORD", /at least 16/],
    ["a REST user without password", { BACKUP_OFFSITE_REPOSITORY: "rest:https://h.example.cn:8000/s", BACKUP_OFFSITE_KEY_ID: "u", BACKUP_OFFSITE_PASSWORD: "0123456789abcdef" }, "BACKUP_OFFSITE_SECRET", /empty both/],
    ["a restic option that is not key=value", { BACKUP_OFFSITE_OPTIONS: "bucket-lookup" }, "BACKUP_OFFSITE_OPTIONS", /key=value/],
    ["an .env from before the backup service (no BACKUP_OFFSITE_SECRET line)", { BACKUP_OFFSITE_SECRET: undefined }, "BACKUP_OFFSITE_SECRET", /add the line BACKUP_OFFSITE_SECRET=/],
    ["a registry with a scheme", { IMAGE_REGISTRY: "https://Registry.example.cn:5000/" }, "IMAGE_REGISTRY", /scheme.*IMAGE_REGISTRY=registry\.example\.cn:5000$/],
    ["a registry with a trailing slash", { IMAGE_REGISTRY: "registry.example.cn/" }, "IMAGE_REGISTRY", /IMAGE_REGISTRY=registry\.example\.cn$/],
    ["a registry Docker reads as a Docker Hub account", { IMAGE_REGISTRY: "myregistry" }, "IMAGE_REGISTRY", /Docker Hub account.*IMAGE_REGISTRY=myregistry:5000$/],
    ["a registry that is no host name", { IMAGE_REGISTRY: "my_registry.example.cn" }, "IMAGE_REGISTRY", /IMAGE_REGISTRY=registry\.example\.cn:5000$/],
    ["an npm registry without scheme", { NPM_REGISTRY: "registry.npmmirror.com" }, "NPM_REGISTRY", /NPM_REGISTRY=https:\/\/registry\.npmmirror\.com$/],
    ["an image without tag", { POSTGRES_IMAGE: "registry.example.cn/library/postgres" }, "POSTGRES_IMAGE", /no tag.*POSTGRES_IMAGE=registry\.example\.cn\/library\/postgres:17\.9-alpine3\.22$/],
    ["an image at latest", { CADDY_IMAGE: "registry.example.cn/caddy:latest" }, "CADDY_IMAGE", /latest.*CADDY_IMAGE=registry\.example\.cn\/caddy:2\.11\.2-alpine$/],
    ["a Logto image without tag", { LOGTO_IMAGE: "ghcr.io/logto-io/logto" }, "LOGTO_IMAGE", /LOGTO_IMAGE=ghcr\.io\/logto-io\/logto:1\.42\.0$/],
    ["an image reference with a scheme", { LOGTO_IMAGE: "https://ghcr.io/logto-io/logto:1.42.0" }, "LOGTO_IMAGE", /LOGTO_IMAGE=ghcr\.io\/logto-io\/logto:1\.42\.0$/],
    ["an image reference in upper case", { CADDY_IMAGE: "Registry.example.cn/Caddy:2.11.2" }, "CADDY_IMAGE", /not an image reference/],
  ];
  it.each(bad)("refuses %s, naming the variable and the fix", (_what, overrides, name, fix) => {
    const r = validate(overrides);
    expect(r.code).toBe(2);
    const line = r.stderr.split("\n").find((l) => l.startsWith("ERROR") && l.includes(name));
    expect(line, `no ERROR line naming ${name} in:\n${r.stderr}`).toBeDefined();
    expect(line).toMatch(/Fix:/);
    expect(line).toMatch(fix);
    expect(r.stderr).toMatch(/Nothing was started/);
  });

  // Every range Caddy's remote_ip refuses is refused here first (Caddy would stop after `make up`
  // began); each verdict is checked against Debian's caddy 2.6.2 running the stack's Caddyfile.
  // [ADMIN_ALLOW_FROM, Caddy 2.6.2 starts, check-env accepts, why they differ]
  const ranges: Array<[string, boolean, boolean, string?]> = [
    ["203.0.113.7/32 2001:db8::/32", true, true],
    ["1.2.3.4", true, true],
    ["10.0.0.1/8", true, true],
    ["0.0.0.0/0 ::/0", true, true],
    ["::", true, true],
    ["::1", true, true],
    ["fe80::/10", true, true],
    ["1:2:3:4:5:6:7:8", true, true],
    ["::ffff:1.2.3.4", true, true],
    ["::1.2.3.4/128", true, true],
    ["1:2:3:4:5:6:1.2.3.4", true, true],
    ["::FFFF:a", true, true],
    ["private_ranges", true, true],
    ["999.1.1.1/32", false, false],
    ["fe80::1/129", false, false],
    [":", false, false],
    ["1.2.3.4/33", false, false],
    ["1.2.3.4/-1", false, false],
    ["1.2.3.4/", false, false],
    ["/24", false, false],
    ["01.2.3.4", false, false],
    ["1.2.3.04", false, false],
    ["0x1.2.3.4", false, false],
    ["1.2.3", false, false],
    ["1.2.3.4.5", false, false],
    ["1.2.3.4/8/8", false, false],
    ["1::2::3", false, false],
    [":1::", false, false],
    ["1:::2", false, false],
    ["1.2.3.4::", false, false],
    ["12345::", false, false],
    ["1:2:3:4:5:6:7:8:9", false, false],
    ["1:2:3:4:5:6:7::8", false, false],
    ["1:2:3:4:5:6:7:1.2.3.4", false, false],
    ["::1.2.3.256", false, false],
    ["10.0.0.0/8 office", false, false],
    ["*", false, false],
    ["forwarded 203.0.113.7/32", true, false, "2.6's remote_ip then trusts X-Forwarded-For, which any client sets"],
    ["1.2.3.4/08", true, false, "later Go releases (the image's Caddy) refuse leading zeros in a prefix length"],
    ["1.2.3.4/+8", true, false, "later Go releases refuse a sign in a prefix length"],
    ["fe80::1%eth0/64", true, false, "later Go releases refuse zones in prefixes"],
    ["fe80::1%", true, false, "later Go releases refuse an empty zone"],
    ["fe80::1%eth0", true, false, "a client address never has a zone: it would match nothing"],
  ];
  it.each(ranges)("ADMIN_ALLOW_FROM=%s: Caddy starts %s, check-env accepts %s", (value, caddyStarts, accepted, why) => {
    const home = scratchDir("caddy-allow-");
    const caddy = run("caddy", ["validate", "--config", join(REPO, "caddy/Caddyfile"), "--adapter", "caddyfile"], {
      env: {
        HOME: home,
        XDG_DATA_HOME: join(home, "data"),
        XDG_CONFIG_HOME: join(home, "config"),
        LOGTO_DOMAIN: "auth.example.cn",
        APP_DOMAIN: "www.example.cn",
        ADMIN_DOMAIN: "console.example.cn",
        TLS_MODE: "internal",
        CADDY_ADMIN: "off",
        ADMIN_ALLOW_FROM: value,
      },
    });
    expect(caddy.code === 0, caddy.stderr.slice(-400)).toBe(caddyStarts);
    const r = validate({ ADMIN_ALLOW_FROM: value });
    expect(r.code === 0, r.stderr).toBe(accepted);
    if (accepted === caddyStarts) expect(why).toBeUndefined();
    if (!accepted) {
      const line = r.stderr.split("\n").find((l) => l.startsWith("ERROR ADMIN_ALLOW_FROM has"));
      expect(line, r.stderr).toMatch(/Fix: /);
    }
  });

  it("warns when TLS_MODE=acme leaves the console open to the whole internet, naming ADMIN_ALLOW_FROM and an example", () => {
    for (const allow of ["", "0.0.0.0/0 ::/0", "::/0", "203.0.113.7/32 0.0.0.0/0"]) {
      const r = validate({ ...VPS_ENV, ADMIN_ALLOW_FROM: allow });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^WARN +TLS_MODE=acme and ADMIN_ALLOW_FROM .*open to the whole internet\. Fix: .*e\.g\. ADMIN_ALLOW_FROM=203\.0\.113\.7\/32/m);
    }
    expect(validate({ ...VPS_ENV, ADMIN_ALLOW_FROM: "203.0.113.7/32 2001:db8::/48" }).stderr).toBe("");
    expect(validate({ ADMIN_ALLOW_FROM: "" }).stderr).toBe(""); // internal TLS: a laptop or a test
  });

  // issue 13: each message names the variable the user changed and ends with a value that passes,
  // with no full stop glued to it (pasted, it would be refused again).
  const changed: Array<[string, Record<string, string | undefined>]> = [
    ["LOGTO_DOMAIN", { LOGTO_DOMAIN: "https://auth.example.cn/" }],
    ["LOGTO_DOMAIN", { LOGTO_DOMAIN: "Auth.Example.cn" }],
    ["APP_DOMAIN", { APP_DOMAIN: "www.example.cn:8443" }],
    ["APP_DOMAIN", { APP_DOMAIN: "admin.localhost" }],
    ["APP_DOMAIN", { APP_DOMAIN: "auth.localhost" }],
    ["ADMIN_DOMAIN", { ADMIN_DOMAIN: "app.localhost" }],
    ["ADMIN_DOMAIN", { ADMIN_DOMAIN: "auth.localhost" }],
    ["ADMIN_DOMAIN", { ADMIN_DOMAIN: "" }],
    ["ADMIN_ALLOW_FROM", { ADMIN_ALLOW_FROM: "10.0.0.0/8,192.168.0.0/16" }],
    ["ADMIN_ALLOW_FROM", { ADMIN_ALLOW_FROM: "1.2.3.4/33" }],
    ["LOGTO_ADMIN_USERNAME", { LOGTO_ADMIN_USERNAME: "9admin" }],
    ["SIGN_IN_METHODS", { SIGN_IN_METHODS: "password,sms" }],
    ["SIGN_IN_METHODS", { SIGN_IN_METHODS: "wechat" }],
    ["WECHAT_APP_ID", { WECHAT_APP_ID: "wxABCDEFGHIJKLMNOP", WECHAT_APP_SECRET: "s3cret" }],
    ["WECHAT_OA_APP_ID", { ...WEBSITE_APP, WECHAT_OA_APP_ID: "wx0123", WECHAT_OA_APP_SECRET: "s3cret" }],
    ["WECHAT_SCOPE", { WECHAT_SCOPE: "snsapi_userinfo" }],
    ["BACKUP_RETENTION", { BACKUP_RETENTION: "0" }],
    ["BACKUP_SCHEDULE", { BACKUP_SCHEDULE: "0 3 * * 7" }],
    ["BACKUP_MAX_AGE_HOURS", { BACKUP_MAX_AGE_HOURS: "0" }],
    ["LOGTO_VERSION", { LOGTO_VERSION: "latest" }],
    ["LOGTO_VERSION", { LOGTO_VERSION: undefined }],
    ["ACME_CA", { ACME_CA: "http://ca.example.net/acme/directory" }],
    ["ACME_EMAIL", { ACME_EMAIL: "ops@example" }],
    ["TLS_MODE", { TLS_MODE: "letsencrypt" }],
    ["IMAGE_REGISTRY", { IMAGE_REGISTRY: "https://Registry.example.cn/" }],
    ["IMAGE_REGISTRY", { IMAGE_REGISTRY: "mirror" }],
    ["NPM_REGISTRY", { NPM_REGISTRY: "registry.npmmirror.com" }],
    ["POSTGRES_IMAGE", { POSTGRES_IMAGE: "postgres" }],
    ["CADDY_IMAGE", { CADDY_IMAGE: "caddy:latest" }],
    ["BACKUP_OFFSITE_OPTIONS", { BACKUP_OFFSITE_OPTIONS: "bucket-lookup" }],
    ["LOGTO_DOMAIN", { LOGTO_DOMAIN: "auth.example.cn." }],
    ["APP_DOMAIN", { APP_DOMAIN: "app.example.cn/path" }],
    ["GOPROXY", { GOPROXY: "goproxy.cn" }],
  ];
  it.each(changed)("a bad %s (%o): the one error names it and ends with a value that passes, no full stop after it", (name, overrides) => {
    const r = validate(overrides);
    expect(r.code).toBe(2);
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("ERROR"));
    expect(errors, r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^ERROR ${name}\\b`));
    const fix = new RegExp(`Fix: .*\\b(${name})=(\\S+(?: \\S+)*)$`).exec(errors[0]!);
    expect(fix, errors[0]).not.toBeNull();
    expect(fix![2]).not.toMatch(/[.,;]$/);
    const again = validate({ ...overrides, [name]: fix![2]! });
    expect(again.stderr, `${name}=${fix![2]} from the fix`).not.toMatch(new RegExp(`^ERROR ${name}\\b`, "m"));
  });

  describe("a private ACME CA's root file (ACME_CA_ROOT, relative to the stack's directory)", () => {
    const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    const withRootFile = (content: string, overrides: Record<string, string> = {}) => {
      const { dir, envFile } = scratchStack({ ...VPS_ENV, ADMIN_ALLOW_FROM: "203.0.113.7/32", ACME_CA: "https://ca.example.net/acme/acme/directory", ACME_CA_ROOT: "./acme-ca-root.pem", ...overrides });
      writeFileSync(join(dir, "acme-ca-root.pem"), content);
      return run(SH, [script("validate.sh"), envFile], { env: { STACK_DIR: dir } });
    };

    it("certificates only: valid, no warning", () => {
      const r = withRootFile(`${CERT}${CERT}`);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toBe("");
    });

    it.each([
      ["a private key next to the certificate", `${CERT}-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n`, /holds a private key.*Fix: a file with the CA's certificate\(s\) only/],
      ["an EC private key", `-----BEGIN EC PRIVATE KEY-----\nMIIB\n-----END EC PRIVATE KEY-----\n${CERT}`, /holds a private key/],
      ["no PEM certificate (DER, or the wrong file)", "0\x82\x01\n", /holds no PEM certificate.*Fix: .*or empty ACME_CA_ROOT/],
    ])("refuses a file with %s, naming ACME_CA_ROOT", (_what, content, message) => {
      const r = withRootFile(content);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^ERROR ACME_CA_ROOT=\\./acme-ca-root\\.pem ${message.source}`, "m"));
    });

    it("an absolute path works as well", () => {
      const { dir, envFile } = scratchStack({ ...VPS_ENV, ADMIN_ALLOW_FROM: "203.0.113.7/32", ACME_CA: "https://ca.example.net/acme/acme/directory" });
      writeFileSync(join(dir, "root.pem"), CERT);
      writeFileSync(envFile, `${readFileSync(envFile, "utf8")}\nACME_CA_ROOT=${join(dir, "root.pem")}\n`);
      const r = run(SH, [script("validate.sh"), envFile], { env: { STACK_DIR: dir } });
      expect(r.code, r.stderr).toBe(0);
    });

    it("ACME_CA with TLS_MODE=internal: a warning that Caddy never asks it", () => {
      const r = validate({ ACME_CA: "https://ca.example.net/acme/acme/directory" });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^WARN +ACME_CA is set but TLS_MODE=internal.*Fix: TLS_MODE=acme, or empty ACME_CA$/m);
    });
  });

  describe("DNS-01 (ACME_DNS_PROVIDER): the provider's key, and compose.dns.yaml through COMPOSE_FILE", () => {
    const DNS_ENV = { ...VPS_ENV, COMPOSE_FILE: "compose.yaml:compose.dns.yaml" };
    const KEYS: Record<string, { ACME_DNS_KEY_ID: string; ACME_DNS_SECRET: string }> = {
      alidns: { ACME_DNS_KEY_ID: "LTAI5tExampleAccessKeyId", ACME_DNS_SECRET: "ExampleAccessKeySecret0123456789" },
      tencentcloud: { ACME_DNS_KEY_ID: "AKIDExampleSecretId0123456789abcdef", ACME_DNS_SECRET: "ExampleSecretKey0123456789abcdef" },
      cloudflare: { ACME_DNS_KEY_ID: "", ACME_DNS_SECRET: "Example-Cloudflare_Api-Token-0123456789" },
    };
    const errors = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("ERROR"));

    it.each(Object.keys(KEYS))("%s with its key and compose.dns.yaml in .env's COMPOSE_FILE: valid, no warning", (provider) => {
      const r = validate({ ...DNS_ENV, ACME_DNS_PROVIDER: provider, ...KEYS[provider], GOPROXY: "https://goproxy.cn,direct" });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    });

    it("a cloudflare token of the new format (cfut_...) is accepted; COMPOSE_FILE from the shell counts as Compose reads it", () => {
      const env = { ...VPS_ENV, ACME_DNS_PROVIDER: "cloudflare", ACME_DNS_SECRET: `cfut_${"a1B2".repeat(10)}` };
      const r = validate(env, { COMPOSE_FILE: "compose.yaml:compose.dns.yaml" });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    });

    it.each([
      ["alidns", ["ACME_DNS_KEY_ID", "ACME_DNS_SECRET"], /AccessKey ID of a RAM user/],
      ["tencentcloud", ["ACME_DNS_KEY_ID", "ACME_DNS_SECRET"], /SecretId of a CAM sub-user/],
      ["cloudflare", ["ACME_DNS_SECRET"], /Cloudflare API token with Zone:Read and DNS:Edit/],
    ])("%s without its credentials is refused, one error naming each missing variable", (provider, missing, what) => {
      const r = validate({ ...DNS_ENV, ACME_DNS_PROVIDER: provider, ACME_DNS_KEY_ID: "", ACME_DNS_SECRET: undefined });
      expect(r.code).toBe(2);
      const lines = errors(r.stderr);
      expect(lines.map((l) => /^ERROR (\S+)/.exec(l)![1])).toEqual(missing);
      for (const line of lines) expect(line).toMatch(new RegExp(`is empty.* while ACME_DNS_PROVIDER=${provider}\\. Fix: set \\S+ to `));
      expect(r.stderr).toMatch(what);
      expect(r.stderr).toContain(`${missing.length} error(s)`);
    });

    it.each([
      ["an unknown provider", { ACME_DNS_PROVIDER: "aliyun" }, "ACME_DNS_PROVIDER=aliyun", /alidns \(Alibaba Cloud DNS\), tencentcloud \(Tencent Cloud DNSPod\) or cloudflare/],
      ["a provider without compose.dns.yaml", { ACME_DNS_PROVIDER: "alidns", ...KEYS.alidns, COMPOSE_FILE: undefined }, "ACME_DNS_PROVIDER=alidns needs the Caddy build", /Fix: COMPOSE_FILE=compose\.yaml:compose\.dns\.yaml$/],
      ["compose.dns.yaml without a provider", { ACME_DNS_PROVIDER: "" }, "COMPOSE_FILE names compose.dns.yaml", /ACME_DNS_PROVIDER=alidns/],
      ["a key id for cloudflare", { ACME_DNS_PROVIDER: "cloudflare", ...KEYS.cloudflare, ACME_DNS_KEY_ID: "abc" }, "ACME_DNS_KEY_ID is set", /Fix: ACME_DNS_KEY_ID=$/],
      ["a Cloudflare token's id instead of its value", { ACME_DNS_PROVIDER: "cloudflare", ACME_DNS_SECRET: "0123456789abcdef0123456789abcdef" }, "ACME_DNS_SECRET is not a Cloudflare API token", /not its 32-character id/],
      ["a secret with a space", { ACME_DNS_PROVIDER: "alidns", ...KEYS.alidns, ACME_DNS_SECRET: '"abc def"' }, "ACME_DNS_SECRET has spaces", /copy that AccessKey's Secret again/],
      ["a key id with a quote inside", { ACME_DNS_PROVIDER: "tencentcloud", ...KEYS.tencentcloud, ACME_DNS_KEY_ID: "AKID'x" }, "ACME_DNS_KEY_ID is not a key id", /SecretId/],
    ])("%s is refused, naming it", (_what, overrides, message, fix) => {
      const r = validate({ ...DNS_ENV, ...overrides });
      expect(r.code, r.stderr).toBe(2);
      const lines = errors(r.stderr);
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toContain(`ERROR ${message}`);
      expect(lines[0]).toMatch(fix);
    });

    it("a provider with TLS_MODE=internal: a warning that no certificate is asked for", () => {
      const r = validate({ COMPOSE_FILE: "compose.yaml:compose.dns.yaml", ACME_DNS_PROVIDER: "alidns", ...KEYS.alidns });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/^WARN +ACME_DNS_PROVIDER=alidns but TLS_MODE=internal.*Fix: TLS_MODE=acme, or empty ACME_DNS_PROVIDER$/m);
    });
  });

  it("a URL in LOGTO_DOMAIN is one error, without a TLS warning about a name that will change", () => {
    const r = validate({ LOGTO_DOMAIN: "https://auth.example.cn" });
    expect(r.stderr).not.toMatch(/^WARN/m);
    expect(validate({ LOGTO_DOMAIN: "auth.example.cn" }).stderr).toMatch(/^WARN +TLS_MODE=internal with LOGTO_DOMAIN=auth\.example\.cn/m);
  });

  it("reports every problem at once", () => {
    const r = validate({ LOGTO_DOMAIN: "https://a.example.cn", TLS_MODE: "x", AUTH_SECRET: "" });
    expect(r.stderr.split("\n").filter((l) => l.startsWith("ERROR"))).toHaveLength(3);
    expect(r.stderr).toContain("3 error(s)");
  });

  it("warns (without failing) about unknown names, internal TLS on public names, and shell overrides", () => {
    const r = validate({ LOGTO_DOMIAN: "x", LOGTO_DOMAIN: "auth.example.cn", APP_DOMAIN: "www.example.cn", ADMIN_DOMAIN: "console.example.cn" }, { APP_DOMAIN: "other.example.cn" });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/WARN +LOGTO_DOMIAN is not a variable of \.env\.example/);
    expect(r.stderr).toMatch(/WARN +TLS_MODE=internal with LOGTO_DOMAIN=auth\.example\.cn.*TLS_MODE=acme/);
    expect(r.stderr).toMatch(/WARN +APP_DOMAIN is set in your shell and overrides/);
  });

  it("accepts $$ (Compose's literal $) and single-quoted values", () => {
    expect(validate({ LOGTO_ADMIN_PASSWORD: "pa$$word12" }).code).toBe(0);
    expect(validate({ LOGTO_ADMIN_PASSWORD: "'pa$word12'" }).code).toBe(0);
  });

  it("an .env without LOGTO_VERSION: no default version, the fix names the one make upgrade moved the database to", () => {
    const fresh = validate({ LOGTO_VERSION: undefined });
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toMatch(/^ERROR LOGTO_VERSION is not set \(no default: .*\)\. Fix: .*never upgraded.*: LOGTO_VERSION=1\.42\.0$/m);

    const { dir, envFile } = scratchStack({ ...FILLED_SECRETS, LOGTO_VERSION: undefined });
    mkdirSync(join(dir, "backups"));
    for (const f of ["20261101T020000Z-before-logto-1.42.0.dump", "20261201T020000Z-before-logto-1.43.0.dump", "20261202T030000Z.dump"]) {
      writeFileSync(join(dir, "backups", f), "");
    }
    const upgraded = run(SH, [script("validate.sh"), envFile], { env: { STACK_DIR: dir } });
    expect(upgraded.code).toBe(2);
    expect(upgraded.stderr).toMatch(/^ERROR LOGTO_VERSION is not set .*before moving to 1\.43\.0\)\. Fix: unless you rolled that upgrade back, LOGTO_VERSION=1\.43\.0$/m);
  });

  it("says how to create a missing .env", () => {
    const r = run(SH, [script("validate.sh"), "/nonexistent/.env"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/make up/);
  });
});

describe("up.sh (make up)", () => {
  // A stand-in `docker` that records its arguments: proves what `make up` starts, and when it does not.
  // `compose config` answers the project model (with the emulator's service when `sandbox`); `ps`
  // lists a running emulator container of project wechat-logto-stack when `emulatorRunning`;
  // `compose exec -T <service> cat /run/secrets/<secret>` answers `running[service][secret]`, and
  // fails (not running) for a service not in `running`. `image inspect` finds every image but
  // `unpullable`, which is not on the machine and whose `pull` fails as a registry without it does.
  function fakeDocker(
    opts: {
      composeVersion?: boolean;
      daemonDown?: boolean;
      upFails?: boolean;
      sandbox?: boolean;
      emulatorRunning?: boolean;
      running?: Record<string, Record<string, string>>;
      unpullable?: string;
      /** The connector's image (default: the release); `unpullable` is then that one, not the app's. */
      connectorImage?: string;
    } = {},
  ) {
    const secretCopies = Object.entries(opts.running ?? {}).flatMap(([service, files]) =>
      Object.entries(files).map(([secret, value]) => `"compose exec -T ${service} cat /run/secrets/${secret}") printf '%s' '${value}' ;;\n`),
    );
    const bin = scratchDir("bin-");
    const calls = join(bin, "calls.log");
    writeFileSync(
      join(bin, "docker"),
      `#!/bin/sh
echo "$*" >> "${calls}"
case "$*" in
"compose version") ${opts.composeVersion === false ? 'echo "docker: unknown command: docker compose" >&2; exit 1' : 'echo "Docker Compose version v2.26.1"'} ;;
"info"*) ${opts.daemonDown ? 'echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1' : "echo 24.0.7"} ;;
"compose up"*) ${opts.upFails ? "exit 1" : "exit 0"} ;;
"compose config") printf 'name: wechat-logto-stack\nservices:\n  app:\n    image: ${(opts.connectorImage ? undefined : opts.unpullable) ?? "ghcr.io/wechat-logto-stack/app:0.1.0"}\n  logto:\n    image: svhd/logto:1.42.0\n  logto-connectors:\n    build:\n      context: .\n    image: ${opts.connectorImage ?? "ghcr.io/wechat-logto-stack/connector-wechat:0.1.0"}\n${opts.sandbox ? "  wechat-emulator:\\n    image: emulator\\n" : ""}volumes:\n  wechat-emulator-ca: {}\n' ;;
${opts.unpullable ? `"image inspect ${opts.unpullable}") exit 1 ;;\n"pull -q ${opts.unpullable}") echo 'Error response from daemon: manifest for ${opts.unpullable} not found: manifest unknown: manifest unknown' >&2; exit 1 ;;` : ""}
"ps -q --filter label=com.docker.compose.project=wechat-logto-stack --filter label=com.docker.compose.service=wechat-emulator") ${opts.emulatorRunning ? "echo 0123456789ab" : ":"} ;;
${secretCopies.join("")}"compose exec"*) echo "service is not running" >&2; exit 1 ;;
esac
`,
    );
    chmodSync(join(bin, "docker"), 0o755);
    return { path: `${bin}:${process.env.PATH}`, calls: () => (existsSync(calls) ? readFileSync(calls, "utf8").trim().split("\n") : []) };
  }
  function up(dir: string, docker: ReturnType<typeof fakeDocker>, env: Record<string, string> = {}) {
    return run(SH, [script("up.sh")], { env: { STACK_DIR: dir, PATH: docker.path, ...env } });
  }
  const preflight = ["compose version", "info --format {{.ServerVersion}}"];
  // Every image is pulled (Logto's official one, this project's released ones) and on the machine: nothing to pull.
  const imageChecks = ["compose config", "image inspect ghcr.io/wechat-logto-stack/app:0.1.0", "image inspect svhd/logto:1.42.0", "image inspect ghcr.io/wechat-logto-stack/connector-wechat:0.1.0"];
  // Each running service's copies of its secrets, compared with .env; the one-shot seed always afresh.
  const secretChecks = [
    "compose exec -T postgres cat /run/secrets/postgres_password",
    "compose exec -T logto cat /run/secrets/postgres_password",
    "compose exec -T app cat /run/secrets/auth_secret",
    "compose exec -T app cat /run/secrets/auth_logto_secret",
    "compose exec -T backup cat /run/secrets/postgres_password",
    "compose exec -T backup cat /run/secrets/backup_offsite_password",
    "compose exec -T backup cat /run/secrets/backup_offsite_secret",
    "compose exec -T caddy cat /run/secrets/acme_dns_secret",
  ];
  const seedAfresh = "compose --progress quiet rm --force seed";

  it("first run on a fresh clone: creates .env with secrets, starts with --wait, prints URLs and where the admin password is", () => {
    const { dir, envFile } = scratchStack();
    const docker = fakeDocker();
    const r = up(dir, docker);
    expect(r.code, r.stderr).toBe(0);
    expect(parseEnv(readFileSync(envFile, "utf8")).AUTH_SECRET).toMatch(/^[A-Za-z0-9]{48}$/);
    expect(docker.calls()).toEqual([...preflight, ...imageChecks, ...secretChecks, seedAfresh, "compose up -d --wait --remove-orphans"]);
    expect(r.stdout).toContain("https://app.localhost");
    expect(r.stdout).toContain("https://auth.localhost/oidc");
    expect(r.stdout).toContain("https://admin.localhost/console");
    expect(r.stdout).toMatch(/password: +LOGTO_ADMIN_PASSWORD in .*\.env/);
    expect(r.stdout).not.toContain(parseEnv(readFileSync(envFile, "utf8")).LOGTO_ADMIN_PASSWORD!);
    expect(r.stdout).toContain("root.crt"); // internal TLS: how to trust Caddy's root
  });

  it("an invalid .env stops before anything starts, naming the variable", () => {
    const { dir } = scratchStack({ ...FILLED_SECRETS, ADMIN_DOMAIN: "auth.localhost" });
    const docker = fakeDocker();
    const r = up(dir, docker);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("ADMIN_DOMAIN equals LOGTO_DOMAIN");
    expect(docker.calls()).toEqual(preflight);
  });

  it("an existing .env with an empty secret is not silently refilled: it stops and names `make secrets`", () => {
    const { dir } = scratchStack({ ...FILLED_SECRETS, POSTGRES_PASSWORD: "" });
    const docker = fakeDocker();
    const r = up(dir, docker);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/POSTGRES_PASSWORD is empty.*make secrets/);
    expect(docker.calls()).not.toContain("compose up -d --wait --remove-orphans");
  });

  it("an .env without LOGTO_VERSION (no default: Logto 1.42.0 on an upgraded database) starts nothing and names the line to add", () => {
    const { dir } = scratchStack({ ...FILLED_SECRETS, LOGTO_VERSION: undefined });
    const docker = fakeDocker();
    const r = up(dir, docker);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ERROR LOGTO_VERSION is not set .*LOGTO_VERSION=1\.42\.0$/m);
    expect(docker.calls()).toEqual(preflight);
  });

  it("without Compose v2 it says what to install and starts nothing", () => {
    const { dir, envFile } = scratchStack();
    const docker = fakeDocker({ composeVersion: false });
    const r = up(dir, docker);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Compose v2/);
    expect(existsSync(envFile)).toBe(false);
  });

  it("with the Docker daemon down it says so in Docker's words and starts nothing, not even .env", () => {
    const { dir, envFile } = scratchStack();
    const docker = fakeDocker({ daemonDown: true });
    const r = up(dir, docker);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: the Docker daemon is not reachable; nothing was started\.$/m);
    expect(r.stderr).toContain("docker info: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.");
    expect(r.stderr).toContain("sudo systemctl start docker");
    expect(r.stderr).not.toContain("did not become healthy");
    expect(r.stderr).not.toContain("docker compose logs");
    expect(docker.calls()).toEqual(preflight);
    expect(existsSync(envFile)).toBe(false);
  });

  it("an image that is not on the machine and cannot be pulled: exit 4 before anything changes, naming it, its registry and the setting", () => {
    const ref = "127.0.0.1:5000/wechat-logto-stack/app:0.1.0";
    const { dir } = scratchStack({ ...FILLED_SECRETS, IMAGE_REGISTRY: "127.0.0.1:5000" });
    const docker = fakeDocker({ unpullable: ref });
    const r = up(dir, docker);
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`error: image ${ref} (service app) cannot be pulled from 127.0.0.1:5000.`);
    expect(r.stderr).toContain("docker pull: Error response from daemon: manifest for");
    expect(r.stderr).toMatch(/Fix: IMAGE_REGISTRY=127\.0\.0\.1:5000 names it: copy wechat-logto-stack\/app:0\.1\.0 into that registry, or set APP_IMAGE .*`make build`/);
    expect(r.stderr).toContain("Nothing was started.");
    // Nothing removed, nothing started: no secret comparison, no `rm`, no `up`.
    expect(docker.calls()).toEqual([...preflight, "compose config", `image inspect ${ref}`, `pull -q ${ref}`, ...imageChecks.slice(2)]);
  });

  it("the WeChat connector's image, released with the others: its setting CONNECTOR_IMAGE, or `make build`", () => {
    const ref = "127.0.0.1:5000/wechat-logto-stack/connector-wechat:0.1.0";
    const { dir } = scratchStack({ ...FILLED_SECRETS, IMAGE_REGISTRY: "127.0.0.1:5000" });
    const r = up(dir, fakeDocker({ unpullable: ref, connectorImage: ref }));
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`error: image ${ref} (service logto-connectors) cannot be pulled from 127.0.0.1:5000.`);
    expect(r.stderr).toMatch(/Fix: IMAGE_REGISTRY=127\.0\.0\.1:5000 names it: copy wechat-logto-stack\/connector-wechat:0\.1\.0 into that registry, or set CONNECTOR_IMAGE .*`make build`/);
  });

  it("an unpullable image of its own variable names that variable", () => {
    const ref = "registry.example.cn/team/app:2.0.0";
    const { dir } = scratchStack({ ...FILLED_SECRETS, APP_IMAGE: ref });
    const r = up(dir, fakeDocker({ unpullable: ref }));
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`error: image ${ref} (service app) cannot be pulled from registry.example.cn.`);
    expect(r.stderr).toContain(`Fix: APP_IMAGE=${ref} names it: set APP_IMAGE to a reference that can be pulled`);
  });

  it("a stack that does not become healthy: exit 1 with where to look, and `make up` again", () => {
    const { dir } = scratchStack(FILLED_SECRETS);
    const r = up(dir, fakeDocker({ upFails: true }));
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("docker compose logs --tail=100 seed");
    expect(r.stderr).toContain("run `make up` again");
    expect(r.stderr).not.toContain("wechat-emulator");
  });

  it("`make up-sandbox` that does not become healthy suggests `make up-sandbox` again, not `make up` (which drops the sandbox)", () => {
    const { dir } = scratchStack(FILLED_SECRETS);
    const r = up(dir, fakeDocker({ upFails: true, sandbox: true }), { COMPOSE_FILE: "compose.yaml:compose.sandbox.yaml" });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("run `make up-sandbox` again");
    expect(r.stderr).not.toContain("`make up`");
    // the emulator's logs with the overlay that names it (plain `docker compose` knows no such service)
    expect(r.stderr).toMatch(/^ {2}COMPOSE_FILE=compose\.yaml:compose\.sandbox\.yaml docker compose logs --tail=100 wechat-emulator +the WeChat emulator$/m);
  });

  const realWechat = { ...FILLED_SECRETS, WECHAT_APP_ID: "wx1234567890abcdef", WECHAT_APP_SECRET: "real-looking-secret" };
  const upCall = "compose up -d --wait --remove-orphans";

  it("refuses real WeChat credentials while the sandbox's emulator still runs in the project: exit 3 naming `make down`, nothing started", () => {
    const { dir } = scratchStack(realWechat);
    const docker = fakeDocker({ emulatorRunning: true });
    const r = up(dir, docker);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/WeChat emulator of `make up-sandbox` is still running in project wechat-logto-stack/);
    expect(r.stderr).toMatch(/Fix: `make down` .*then `make up`/);
    expect(r.stderr + r.stdout).not.toContain("real-looking-secret");
    expect(docker.calls()).not.toContain(upCall);
  });

  it("starts with real WeChat credentials once no emulator runs", () => {
    const { dir } = scratchStack(realWechat);
    const docker = fakeDocker();
    const r = up(dir, docker);
    expect(r.code, r.stderr).toBe(0);
    expect(docker.calls()).toContain(upCall);
  });

  it("in the sandbox itself (the compose files name the emulator), its running emulator is no obstacle", () => {
    const { dir } = scratchStack(realWechat);
    const docker = fakeDocker({ sandbox: true, emulatorRunning: true });
    const r = up(dir, docker);
    expect(r.code, r.stderr).toBe(0);
    expect(docker.calls()).toContain(upCall);
  });

  it("without WeChat credentials, `make up` after the sandbox starts and removes the emulator as an orphan", () => {
    const { dir } = scratchStack(FILLED_SECRETS);
    const docker = fakeDocker({ emulatorRunning: true });
    const r = up(dir, docker);
    expect(r.code, r.stderr).toBe(0);
    expect(docker.calls()).toEqual([...preflight, ...imageChecks, ...secretChecks, seedAfresh, upCall]);
  });

  it("a secret changed in .env since a running service was created: that service is removed for `up` to create it with the new value, the others stay; no value on a command line", () => {
    const { dir } = scratchStack(FILLED_SECRETS);
    const pg = FILLED_SECRETS.POSTGRES_PASSWORD;
    const oldAuthSecret = "OldAuthSecret0123456789abcdefABCDEF0123";
    const docker = fakeDocker({
      running: {
        postgres: { postgres_password: pg },
        logto: { postgres_password: pg },
        app: { auth_secret: oldAuthSecret, auth_logto_secret: "" },
      },
    });
    const r = up(dir, docker);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("recreating app: a secret it uses changed in .env");
    expect(docker.calls()).toEqual([
      ...preflight,
      ...imageChecks,
      ...secretChecks.slice(0, 3), // app differs at its first secret: no need to read its second
      ...secretChecks.slice(4), // the backup service is not running: nothing to compare
      "compose --progress quiet rm --stop --force app",
      seedAfresh,
      upCall,
    ]);
    for (const value of [pg, oldAuthSecret, FILLED_SECRETS.AUTH_SECRET]) expect(docker.calls().join("\n") + r.stdout + r.stderr).not.toContain(value);
  });

  it("with DNS-01 (compose.dns.yaml), a changed ACME_DNS_SECRET recreates caddy, whose copy is the old key; no value on a command line", () => {
    const token = "New-Cloudflare_Api-Token-0123456789abc";
    const { dir } = scratchStack({ ...VPS_ENV, ACME_DNS_PROVIDER: "cloudflare", ACME_DNS_SECRET: token, COMPOSE_FILE: "compose.yaml:compose.dns.yaml" });
    const oldToken = "Old-Cloudflare_Api-Token-0123456789abc";
    const docker = fakeDocker({ running: { caddy: { acme_dns_secret: oldToken } } });
    const r = up(dir, docker);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("recreating caddy: a secret it uses changed in .env");
    expect(docker.calls()).toContain("compose --progress quiet rm --stop --force caddy");
    for (const value of [token, oldToken]) expect(docker.calls().join("\n") + r.stdout + r.stderr).not.toContain(value);
  });

  it("unchanged secrets: nothing is removed but the one-shot seed", () => {
    const { dir } = scratchStack(FILLED_SECRETS);
    const pg = FILLED_SECRETS.POSTGRES_PASSWORD;
    const docker = fakeDocker({
      running: {
        postgres: { postgres_password: pg },
        logto: { postgres_password: pg },
        app: { auth_secret: FILLED_SECRETS.AUTH_SECRET, auth_logto_secret: "" },
      },
    });
    const r = up(dir, docker);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("recreating");
    expect(docker.calls()).toEqual([...preflight, ...imageChecks, ...secretChecks, seedAfresh, upCall]);
  });

  it("on a VPS it reminds the WeChat callback domain and does not talk about Caddy's local root", () => {
    const { dir } = scratchStack(VPS_ENV);
    const r = up(dir, fakeDocker());
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/authorization callback domain.*auth\.example\.cn/);
    expect(r.stdout).not.toContain("root.crt");
  });
});

describe("seed.sh (make seed)", () => {
  // A stand-in `docker` that prints COMPOSE_FILE with each `compose run`; `ps` lists a running
  // emulator of project wechat-logto-stack when `emulatorRunning`.
  function seedWith(emulatorRunning: boolean, env: Record<string, string> = {}) {
    const bin = scratchDir("bin-");
    writeFileSync(
      join(bin, "docker"),
      `#!/bin/sh
case "$*" in
"compose config") printf 'name: wechat-logto-stack\nservices:\n  seed:\n    image: seed\n' ;;
"ps -q --filter label=com.docker.compose.project=wechat-logto-stack --filter label=com.docker.compose.service=wechat-emulator") ${emulatorRunning ? "echo 0123456789ab" : ":"} ;;
"compose run"*) echo "run [$*] COMPOSE_FILE=\${COMPOSE_FILE:-}" ;;
esac
`,
    );
    chmodSync(join(bin, "docker"), 0o755);
    const { dir } = scratchStack(FILLED_SECRETS);
    return run(SH, [script("seed.sh")], { env: { STACK_DIR: dir, PATH: `${bin}:${process.env.PATH}`, ...env } });
  }

  it("while the sandbox's emulator runs, seeds with the sandbox overlay (the emulator's connector is kept)", () => {
    const r = seedWith(true);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("run [compose run --rm seed] COMPOSE_FILE=compose.yaml:compose.sandbox.yaml");
  });

  it("outside the sandbox, seeds with the default compose file; an explicit COMPOSE_FILE is kept", () => {
    expect(seedWith(false).stdout).toContain("run [compose run --rm seed] COMPOSE_FILE=\n");
    expect(seedWith(true, { COMPOSE_FILE: "compose.yaml" }).stdout).toContain("COMPOSE_FILE=compose.yaml\n");
  });
});

describe("Makefile", () => {
  it("`make` alone prints the help with every target of the issue", () => {
    const r = run("make", ["--no-print-directory"]);
    expect(r.code, r.stderr).toBe(0);
    for (const t of ["up", "down", "logs", "ps", "seed", "test", "secrets", "check-env"]) {
      expect(r.stdout).toMatch(new RegExp(`^  ${t} +\\S`, "m"));
    }
  });

  it("`make down` stops the whole project whatever overlay started it (orphans too), and `make up-sandbox` needs no own down", () => {
    const docker = scratchDir("bin-");
    writeFileSync(join(docker, "compose"), `#!/bin/sh\necho "$*" > "${docker}/calls.log"\n`);
    chmodSync(join(docker, "compose"), 0o755);
    const r = run("make", ["--no-print-directory", "down", `COMPOSE=${join(docker, "compose")}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(docker, "calls.log"), "utf8").trim()).toBe("down --remove-orphans");
    const help = run("make", ["--no-print-directory"]).stdout;
    expect(help).toMatch(/^  up-sandbox +.*leave it with `make down`/m);
    expect(help).not.toMatch(/down-sandbox/);
  });

  it("every target's recipe is one line", () => {
    const lines = readFileSync(join(REPO, "Makefile"), "utf8").split("\n");
    lines.forEach((l, i) => {
      if (l.startsWith("\t")) expect(lines[i + 1]?.startsWith("\t"), `Makefile:${i + 2} continues a recipe`).toBe(false);
    });
  });
});

