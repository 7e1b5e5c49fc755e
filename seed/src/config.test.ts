import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { parseArguments, parseConfig } from './config.js';
import { ConfigError } from './errors.js';

const base = { LOGTO_DB_URL: 'postgres://logto:pw@postgres:5432/logto' };

const issuesOf = (env: Record<string, string | undefined>) => {
  try {
    parseConfig(env);
  } catch (error: unknown) {
    if (error instanceof ConfigError) {
      return error.issues;
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('parseConfig', () => {
  it('applies the documented defaults', () => {
    const config = parseConfig(base);
    expect(config).toEqual({
      logtoInternalUrl: 'http://logto:3001',
      dbUrl: base.LOGTO_DB_URL,
      logtoDomain: 'auth.localhost',
      adminDomain: 'admin.localhost',
      appUrl: 'https://app.localhost',
      wechat: undefined,
      wechatSandbox: false,
      signInMethods: ['password'],
      signInMethodsDefaulted: true,
      pwnedPasswordCheck: true,
      admin: { username: 'admin', password: undefined },
      credentialsFile: '/run/app-credentials/logto-client.json',
      consoleReadyFile: undefined,
      operatorCredentials: false,
      timeoutMs: 120_000,
    });
  });

  it('treats empty strings as unset, as Compose passes them', () => {
    const config = parseConfig({
      ...base,
      LOGTO_INTERNAL_URL: '',
      WECHAT_APP_ID: '',
      WECHAT_APP_SECRET: ' ',
      WECHAT_SCOPE: '',
      SIGN_IN_METHODS: '',
      LOGTO_ADMIN_PASSWORD: '',
      SEED_TIMEOUT_SECONDS: '',
      AUTH_LOGTO_ID: '',
      AUTH_LOGTO_SECRET: ' ',
    });
    expect(config.wechat).toBeUndefined();
    expect(config.operatorCredentials).toBe(false);
    expect(config.signInMethods).toEqual(['password']);
    expect(config.signInMethodsDefaulted).toBe(true);
    expect(config.admin.password).toBeUndefined();
    expect(config.timeoutMs).toBe(120_000);
  });

  it('reads every variable', () => {
    const config = parseConfig({
      ...base,
      LOGTO_INTERNAL_URL: 'http://127.0.0.1:4001/',
      LOGTO_URL: 'https://auth.stack.test:8443',
      APP_URL: 'https://app.stack.test:8443',
      ADMIN_URL: 'https://admin.stack.test:8443',
      WECHAT_APP_ID: 'wx0000000000000001',
      WECHAT_APP_SECRET: 'emulator-secret-0000000000000001',
      WECHAT_SCOPE: 'snsapi_login',
      WECHAT_SANDBOX: 'true',
      SIGN_IN_METHODS: 'wechat, Password',
      LOGTO_ADMIN_USERNAME: 'root_1',
      LOGTO_ADMIN_PASSWORD: 'correct horse battery',
      APP_CREDENTIALS_FILE: '/tmp/creds/logto.json',
      CONSOLE_READY_FILE: '/run/stack-state/console-ready',
      SEED_TIMEOUT_SECONDS: '5',
      LOGTO_PWNED_PASSWORD_CHECK: 'false',
      AUTH_LOGTO_ID: 'id',
      AUTH_LOGTO_SECRET: 'secret',
    });
    expect(config.logtoInternalUrl).toBe('http://127.0.0.1:4001');
    expect(config.appUrl).toBe('https://app.stack.test:8443');
    expect(config.logtoDomain).toBe('auth.stack.test:8443');
    expect(config.adminDomain).toBe('admin.stack.test:8443');
    expect(config.wechat).toEqual({
      appId: 'wx0000000000000001',
      appSecret: 'emulator-secret-0000000000000001',
      scope: 'snsapi_login',
    });
    expect(config.wechatSandbox).toBe(true);
    expect(config.signInMethods).toEqual(['wechat', 'password']);
    expect(config.signInMethodsDefaulted).toBe(false);
    expect(config.consoleReadyFile).toBe('/run/stack-state/console-ready');
    expect(config.admin).toEqual({ username: 'root_1', password: 'correct horse battery' });
    expect(config.timeoutMs).toBe(5000);
    expect(config.operatorCredentials).toBe(true);
    expect(config.pwnedPasswordCheck).toBe(false);
  });

  it('LOGTO_PWNED_PASSWORD_CHECK: on when empty, as Logto; true or false, nothing else', () => {
    expect(parseConfig({ ...base, LOGTO_PWNED_PASSWORD_CHECK: '' }).pwnedPasswordCheck).toBe(true);
    expect(parseConfig({ ...base, LOGTO_PWNED_PASSWORD_CHECK: 'true' }).pwnedPasswordCheck).toBe(true);
    expect(parseConfig({ ...base, LOGTO_PWNED_PASSWORD_CHECK: ' false ' }).pwnedPasswordCheck).toBe(false);
    expect(issuesOf({ ...base, LOGTO_PWNED_PASSWORD_CHECK: 'off' })).toEqual([
      expect.stringMatching(/^LOGTO_PWNED_PASSWORD_CHECK must be true or false \(false where api\.pwnedpasswords\.com cannot be reached/),
    ]);
  });

  it('SIGN_IN_METHODS empty: WeChat only when WeChat is configured, else username + password', () => {
    const wechat = { WECHAT_APP_ID: 'wx1234567890abcdef', WECHAT_APP_SECRET: 'secret' };
    expect(parseConfig({ ...base, ...wechat, SIGN_IN_METHODS: '' })).toMatchObject({
      signInMethods: ['wechat'],
      signInMethodsDefaulted: true,
    });
    expect(parseConfig({ ...base, SIGN_IN_METHODS: ' ' })).toMatchObject({
      signInMethods: ['password'],
      signInMethodsDefaulted: true,
    });
  });

  it('defaults the public URLs to https:// and the default domains (env-rules.ts)', () => {
    expect(parseConfig(base)).toMatchObject({ appUrl: 'https://app.localhost', logtoDomain: 'auth.localhost', adminDomain: 'admin.localhost' });
  });

  it('a public URL with an upper-case or invalid host, or a path, names the URL and the .env variable it is built from', () => {
    expect(issuesOf({ ...base, LOGTO_URL: 'https://Auth.example.com' })).toEqual([
      expect.stringMatching(/^LOGTO_URL has a host that must be a bare lower-case host name .*\(compose\.yaml builds it from LOGTO_DOMAIN in \.env\)$/),
    ]);
    expect(issuesOf({ ...base, ADMIN_URL: 'https://my_admin.example.com' })[0]).toMatch(/^ADMIN_URL .*ADMIN_DOMAIN/);
    expect(issuesOf({ ...base, APP_URL: 'https://app.example.com/path' })[0]).toMatch(/^APP_URL must be an origin/);
  });

  it('lists every bad variable at once', () => {
    const issues = issuesOf({
      LOGTO_INTERNAL_URL: 'logto:3001',
      ADMIN_URL: 'admin.example.com',
      APP_URL: 'https://app.example.com/path',
      WECHAT_APP_ID: 'not-an-appid',
      WECHAT_APP_SECRET: 'x',
      WECHAT_SCOPE: 'snsapi_everything',
      SIGN_IN_METHODS: 'wechat,email',
      LOGTO_ADMIN_USERNAME: '1admin',
      LOGTO_ADMIN_PASSWORD: 'short',
      SEED_TIMEOUT_SECONDS: 'soon',
      AUTH_LOGTO_ID: 'only-one',
    });
    const names = issues.map((issue) => issue.split(' ')[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        'LOGTO_INTERNAL_URL',
        'LOGTO_DB_URL',
        'ADMIN_URL',
        'APP_URL',
        'WECHAT_APP_ID',
        'WECHAT_SCOPE',
        'SIGN_IN_METHODS',
        'AUTH_LOGTO_SECRET',
        'LOGTO_ADMIN_USERNAME',
        'LOGTO_ADMIN_PASSWORD',
        'SEED_TIMEOUT_SECONDS',
      ])
    );
    expect(issues.find((issue) => issue.startsWith('LOGTO_DB_URL'))).toMatch(/is required/);
  });

  it.each([
    [{ WECHAT_APP_ID: 'wx1234567890abcdef' }, 'WECHAT_APP_SECRET'],
    [{ WECHAT_APP_ID: 'wx0000000000000001', WECHAT_APP_SECRET: 'emulator-secret-0000000000000001' }, 'WECHAT_APP_ID'],
    [{ WECHAT_SANDBOX: 'yes' }, 'WECHAT_SANDBOX'],
    [{ WECHAT_APP_SECRET: 'secret' }, 'WECHAT_APP_ID'],
    [{ SIGN_IN_METHODS: 'wechat' }, 'SIGN_IN_METHODS'],
    [{ SIGN_IN_METHODS: 'password,password' }, 'SIGN_IN_METHODS'],
    [{ AUTH_LOGTO_SECRET: 'secret' }, 'AUTH_LOGTO_ID'],
    [{ LOGTO_DB_URL: 'mysql://x@y/z' }, 'LOGTO_DB_URL'],
    [{ SEED_TIMEOUT_SECONDS: '0' }, 'SEED_TIMEOUT_SECONDS'],
    [{ APP_CREDENTIALS_FILE: '' , LOGTO_URL: 'https://auth..example' }, 'LOGTO_URL'],
    [{ APP_URL: 'https://auth.localhost' }, 'APP_DOMAIN'],
  ])('rejects %o naming %s', (env, name) => {
    const issues = issuesOf({ ...base, ...env });
    expect(issues).toHaveLength(1);
    expect(issues[0]?.startsWith(name)).toBe(true);
  });

  it("refuses the emulator's AppID outside the sandbox, naming the sandbox and the fix", () => {
    const emulator = { WECHAT_APP_ID: 'wx0000000000000001', WECHAT_APP_SECRET: 'emulator-secret-0000000000000001' };
    expect(issuesOf({ ...base, ...emulator })).toEqual([
      expect.stringMatching(/^WECHAT_APP_ID is the WeChat emulator's test app .*make up-sandbox.*: set your website app's AppID and AppSecret, or empty both$/),
    ]);
    expect(parseConfig({ ...base, ...emulator, WECHAT_SANDBOX: 'true' }).wechat?.appId).toBe('wx0000000000000001');
  });

  it('never echoes secret values in its messages', () => {
    const secret = 'p@ss';
    const issues = issuesOf({ ...base, LOGTO_ADMIN_PASSWORD: secret, WECHAT_APP_SECRET: 'has space' });
    expect(issues.join('\n')).not.toContain(secret);
    expect(issues.join('\n')).not.toContain('has space');
  });
});

describe('secrets from files (compose.yaml: NAME_FILE=/run/secrets/...)', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'seed-config-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, content);
    return at;
  };

  it('reads each secret from its file, without the final newline, and puts POSTGRES_PASSWORD into LOGTO_DB_URL', () => {
    const config = parseConfig({
      LOGTO_DB_URL: 'postgres://postgres@postgres:5432/logto',
      POSTGRES_PASSWORD_FILE: file('pg', 'Pg.pass_word~1234567\n'),
      LOGTO_ADMIN_PASSWORD_FILE: file('admin', 'admin-password-1'),
      WECHAT_APP_ID: 'wx0123456789abcdef',
      WECHAT_APP_SECRET_FILE: file('wechat', 'wechat-secret-0123'),
      AUTH_LOGTO_ID: 'client',
      AUTH_LOGTO_SECRET_FILE: file('client', 'client-secret\n'),
    });
    expect(config.dbUrl).toBe('postgres://postgres:Pg.pass_word~1234567@postgres:5432/logto');
    expect(config.admin.password).toBe('admin-password-1');
    expect(config.wechat?.appSecret).toBe('wechat-secret-0123');
    expect(config.operatorCredentials).toBe(true);
  });

  it('an empty file is an empty value (Compose passes an empty .env secret so); an empty POSTGRES_PASSWORD is refused', () => {
    const config = parseConfig({ ...base, WECHAT_APP_SECRET_FILE: file('empty1', ''), AUTH_LOGTO_SECRET_FILE: file('empty2', '\n') });
    expect(config.wechat).toBeUndefined();
    expect(config.operatorCredentials).toBe(false);
    expect(issuesOf({ ...base, POSTGRES_PASSWORD_FILE: file('empty3', '') })).toEqual([
      expect.stringMatching(/^POSTGRES_PASSWORD is empty \(POSTGRES_PASSWORD_FILE=.*empty3\): set it in \.env, e\.g\. with `make secrets`$/),
    ]);
  });

  it('a missing file and a secret given twice are refused by name, never with the content', () => {
    const missing = path.join(dir, 'nope');
    const issues = issuesOf({ ...base, LOGTO_ADMIN_PASSWORD_FILE: missing, AUTH_LOGTO_ID: 'client', AUTH_LOGTO_SECRET: 'inline-secret-value', AUTH_LOGTO_SECRET_FILE: file('c2', 'x') });
    expect(issues).toEqual([
      `LOGTO_ADMIN_PASSWORD_FILE=${missing} cannot be read (ENOENT): it must hold LOGTO_ADMIN_PASSWORD (compose.yaml hands it over from .env)`,
      'AUTH_LOGTO_SECRET and AUTH_LOGTO_SECRET_FILE are both set: set one of them',
    ]);
    expect(issues.join('\n')).not.toContain('inline-secret-value');
  });
});

describe('parseArguments', () => {
  it('knows --dry-run and --help', () => {
    expect(parseArguments(['--dry-run'])).toEqual({ dryRun: true, help: false });
    expect(parseArguments([])).toEqual({ dryRun: false, help: false });
    expect(parseArguments(['-h'])).toEqual({ dryRun: false, help: true });
  });

  it('refuses anything else', () => {
    expect(() => parseArguments(['--force'])).toThrow(ConfigError);
  });
});
