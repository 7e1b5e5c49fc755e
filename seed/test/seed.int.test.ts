/**
 * The seed as Compose runs it (a process, configured by environment, judged by its exit code)
 * against a Logto and its Postgres from the shared harness: the real Logto when the environment
 * names one (LOGTO_DIR, or LOGTO_ENDPOINT + LOGTO_ADMIN_ENDPOINT + LOGTO_DB_URL), else the
 * project's stand-in. State is checked in Logto's own tables.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type Logto,
  DNS_PRELOAD,
  type Postgres,
  freePort,
  makeTempDir,
  removeTempDir,
  runSeed,
  startLogto,
  startPostgres,
} from '../../tests/harness/index.js';

/** A real-looking website app (not the emulator's, which only the sandbox accepts). */
const wechat = { appId: 'wx1234567890abcdef', appSecret: 'real-looking-secret-0000000000001' };
/** The emulator's app (wechat-emulator/src/users.ts), as compose.sandbox.yaml gives it to the seed. */
const sandbox = {
  WECHAT_SANDBOX: 'true',
  WECHAT_APP_ID: 'wx0000000000000001',
  WECHAT_APP_SECRET: 'emulator-secret-0000000000000001',
};
const adminPassword = 'Int-test-admin-password-1';

let postgres: Postgres | undefined;
let logto: Logto;
let dbUrl: string;
let directory: string;
let credentialsFile: string;
let consoleReadyFile: string;

const env = (overrides: Record<string, string> = {}): Record<string, string> => ({
  LOGTO_INTERNAL_URL: logto.internalUrl,
  LOGTO_DB_URL: dbUrl,
  LOGTO_URL: 'https://auth.stack.test',
  APP_URL: 'https://app.stack.test:8443',
  ADMIN_URL: 'https://admin.stack.test',
  WECHAT_APP_ID: wechat.appId,
  WECHAT_APP_SECRET: wechat.appSecret,
  WECHAT_SCOPE: 'snsapi_login',
  SIGN_IN_METHODS: 'wechat',
  LOGTO_ADMIN_USERNAME: 'admin',
  LOGTO_ADMIN_PASSWORD: adminPassword,
  APP_CREDENTIALS_FILE: credentialsFile,
  CONSOLE_READY_FILE: consoleReadyFile,
  SEED_TIMEOUT_SECONDS: '30',
  ...overrides,
});

const query = async <Row extends pg.QueryResultRow>(sql: string, parameters: unknown[] = []) => {
  const client = new pg.Client({ connectionString: dbUrl });
  await client.connect();
  try {
    return (await client.query<Row>(sql, parameters)).rows;
  } finally {
    await client.end();
  }
};

/** Whether Caddy would serve the console (caddy/snippets/console-guard). */
const markerPresent = async () => stat(consoleReadyFile).then((info) => info.isFile(), () => false);

/** Everything the seed may create, as plain data, to compare before and after. */
const snapshot = async () => ({
  apps: await query(
    `select id, type::text, oidc_client_metadata, custom_data from applications
     where tenant_id = 'default' order by id`
  ),
  secrets: await query(
    `select application_id, name, value from application_secrets where tenant_id = 'default' order by 1, 2`
  ),
  connectors: await query(`select id, connector_id, config from connectors where tenant_id = 'default' order by id`),
  signInExperiences: await query(
    `select tenant_id, sign_up, sign_in, social_sign_in_connector_targets, social_sign_in, sign_in_mode::text, password_policy
     from sign_in_experiences order by tenant_id`
  ),
  adminUsers: await query(`select id, username from users where tenant_id = 'admin' order by id`),
  identityIndex: await query(
    `select i.indexrelid::regclass::text as name, i.indisvalid as valid, pg_get_indexdef(i.indexrelid) as definition
     from pg_index i where i.indrelid = 'users'::regclass and i.indexrelid::regclass::text = 'wls_users_wechat_user_id'`
  ),
  leakproof: await query(
    `select proname, proleakproof from pg_proc where proname in ('json_in', 'jsonb_out', 'json_extract_path_text') order by proname`
  ),
  file: await readFile(credentialsFile, 'utf8').catch(() => undefined),
  consoleReady: await markerPresent(),
});

const managedApps = async () =>
  query<{ id: string; oidc_client_metadata: { redirectUris: string[]; postLogoutRedirectUris: string[] } }>(
    `select id, oidc_client_metadata from applications
     where tenant_id = 'default' and type = 'Traditional' and custom_data->>'managedBy' = 'wechat-logto-stack'`
  );

const wechatConnectors = async () =>
  query<{ id: string; config: Record<string, string> }>(
    `select id, config from connectors where tenant_id = 'default' and connector_id = 'wechat-web-oa' order by id`
  );

const socialTargets = async () =>
  (
    await query<{ targets: string[] }>(
      `select social_sign_in_connector_targets as targets from sign_in_experiences where tenant_id = 'default'`
    )
  )[0]?.targets ?? [];

/** The outcome word of each step line (`seed: <step> <outcome> ...`). */
const outcomes = (stdout: string) =>
  Object.fromEntries(
    stdout
      .split('\n')
      .map((line) => /^seed: (\S+)\s+(created|updated|unchanged|skipped|would create|would update)\s/.exec(line))
      .filter((match): match is RegExpExecArray => match !== null)
      .map((match) => [match[1], match[2]])
  );

/** Runs the seed and expects exit 0; SEED_INT_VERBOSE=1 prints each run's log. */
const seedOk = async (overrides: Record<string, string> = {}, args: string[] = []) => {
  const result = await runSeed(env(overrides), args);
  if (process.env.SEED_INT_VERBOSE) {
    console.info(result.stdout);
  }
  expect(result.code, result.stderr).toBe(0);
  return result;
};

const expectNoSecrets = (output: string, extra: string[] = []) => {
  for (const secret of [wechat.appSecret, adminPassword, ...extra]) {
    expect(output).not.toContain(secret);
  }
};

/**
 * Sign in to the console as Logto's own console does (tenant `admin`, app `admin-console`),
 * through Logto's experience API. `interactionEvent` Register checks that registration is closed.
 */
const consoleExperience = async (username: string, password: string) => {
  const adminOrigin = 'https://admin.stack.test';
  const cookies = new Map<string, string>();
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${logto.adminInternalUrl}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        // Logto picks tenant `admin` from the public URL (TRUST_PROXY_HEADER=1).
        'x-forwarded-host': 'admin.stack.test',
        'x-forwarded-proto': 'https',
        'logto-app-id': 'admin-console',
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (pair && index > 0) {
        cookies.set(pair.slice(0, index), pair.slice(index + 1));
      }
    }
    const text = await response.text();
    return { status: response.status, location: response.headers.get('location'), text };
  };
  const authorization = await call(
    'GET',
    `/oidc/auth?client_id=admin-console&redirect_uri=${encodeURIComponent(`${adminOrigin}/console/callback`)}` +
      '&response_type=code&scope=openid&state=s&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256'
  );
  // Registration: the event is accepted, creating the user is refused (auth.forbidden).
  await call('PUT', '/api/experience', { interactionEvent: 'Register' });
  const register = await call('POST', '/api/experience/identification', {});
  const signIn = await call('PUT', '/api/experience', { interactionEvent: 'SignIn' });
  const verification = await call('POST', '/api/experience/verification/password', {
    identifier: { type: 'username', value: username },
    password,
  });
  const { verificationId } = JSON.parse(verification.text || '{}') as { verificationId?: string };
  const identification = await call('POST', '/api/experience/identification', { verificationId });
  const submit = await call('POST', '/api/experience/submit');
  return { authorization, register, signIn, verification, identification, submit };
};

beforeAll(async () => {
  directory = makeTempDir('seed-int');
  credentialsFile = join(directory, 'app-credentials', 'logto-client.json');
  consoleReadyFile = join(directory, 'stack-state', 'console-ready');
  if (process.env.LOGTO_ENDPOINT && process.env.LOGTO_DB_URL) {
    dbUrl = process.env.LOGTO_DB_URL;
  } else {
    postgres = await startPostgres();
    dbUrl = await postgres.createDatabase('logto_seed_int');
  }
  logto = await startLogto({
    dbUrl,
    endpoint: 'https://auth.stack.test',
    adminEndpoint: 'https://admin.stack.test',
  });
  console.info(`[seed int] against the ${logto.kind} Logto at ${logto.internalUrl}`);
}, 300_000);

afterAll(async () => {
  await logto?.stop();
  await postgres?.stop();
  if (directory) {
    removeTempDir(directory);
  }
}, 60_000);

describe('seed against a Logto', () => {
  it('refuses each bad variable with exit 2 and writes nothing', async () => {
    const before = await snapshot();
    const cases: Array<[string, Record<string, string>]> = [
      ['LOGTO_DB_URL', { LOGTO_DB_URL: '' }],
      ['LOGTO_DB_URL', { LOGTO_DB_URL: 'mysql://nope' }],
      ['LOGTO_INTERNAL_URL', { LOGTO_INTERNAL_URL: 'logto:3001' }],
      ['LOGTO_URL', { LOGTO_URL: 'auth.stack.test' }],
      ['APP_URL', { APP_URL: 'https://app.stack.test/sub' }],
      ['WECHAT_APP_ID', { WECHAT_APP_ID: 'not-an-app-id' }],
      ['WECHAT_APP_SECRET', { WECHAT_APP_SECRET: '' }],
      ['WECHAT_SCOPE', { WECHAT_SCOPE: 'snsapi_everything' }],
      ['SIGN_IN_METHODS', { SIGN_IN_METHODS: 'wechat,email' }],
      ['LOGTO_ADMIN_USERNAME', { LOGTO_ADMIN_USERNAME: '1-admin' }],
      ['LOGTO_ADMIN_PASSWORD', { LOGTO_ADMIN_PASSWORD: 'short' }],
      ['SEED_TIMEOUT_SECONDS', { SEED_TIMEOUT_SECONDS: 'soon' }],
      ['AUTH_LOGTO_SECRET', { AUTH_LOGTO_ID: 'only-the-id' }],
    ];
    for (const [name, overrides] of cases) {
      const result = await runSeed(env(overrides), [], { timeoutMs: 60_000 });
      expect(result.code, `${name}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(name);
      expectNoSecrets(result.stdout + result.stderr);
    }
    expect(await snapshot()).toEqual(before);
  }, 180_000);

  it('with --dry-run on a fresh database, reports everything and leaves nothing behind', async () => {
    const before = await snapshot();
    const result = await seedOk({}, ['--dry-run']);
    expect(outcomes(result.stdout)).toMatchObject({
      connector: 'would create',
      app: 'would create',
      'console-admin': 'would create',
      'console-ready': 'would create',
      credentials: 'would create',
      'identity-index': 'would create',
      'identity-lookup': 'would update',
    });
    expect(await snapshot()).toEqual(before);
    expect(before.consoleReady).toBe(false);
    expect(await query(`select 1 from applications where id = 'wls-seed'`)).toEqual([]);
  }, 60_000);

  it('creates everything on a fresh database', async () => {
    const result = await seedOk();
    expect(outcomes(result.stdout)).toEqual({
      'console-admin': 'created',
      'console-ready': 'created',
      bootstrap: 'created',
      connector: 'created',
      app: 'created',
      'sign-in-exp': 'updated',
      credentials: 'created',
      'identity-index': 'created',
      'identity-lookup': 'updated',
    });
    // The console is closed before the seed does anything else, then Caddy may serve it.
    expect(Object.keys(outcomes(result.stdout)).slice(0, 3)).toEqual(['console-admin', 'console-ready', 'bootstrap']);
    expect(await markerPresent()).toBe(true);
    // Last, SQL only: the index for Logto's WeChat identity lookup, and what lets Logto use it
    // (seed/test/identity-index.int.test.ts).
    expect(Object.keys(outcomes(result.stdout)).slice(-2)).toEqual(['identity-index', 'identity-lookup']);
    expect((await snapshot()).identityIndex).toEqual([expect.objectContaining({ name: 'wls_users_wechat_user_id', valid: true })]);
    expect(result.stdout.match(/^seed: sign-in policy: .*$/gm)).toEqual([
      'seed: sign-in policy: WeChat only (a new WeChat user is registered at first sign-in); password sign-up closed (SIGN_IN_METHODS=wechat)',
    ]);

    const [app, ...others] = await managedApps();
    expect(others).toEqual([]);
    expect(app?.oidc_client_metadata.redirectUris).toEqual([
      'https://app.stack.test:8443/api/auth/callback/logto',
    ]);
    expect(app?.oidc_client_metadata.postLogoutRedirectUris).toEqual(['https://app.stack.test:8443/']);

    const [secret] = await query<{ value: string }>(
      `select value from application_secrets where tenant_id = 'default' and application_id = $1`,
      [app?.id]
    );
    expect(JSON.parse(await readFile(credentialsFile, 'utf8'))).toEqual({
      clientId: app?.id,
      clientSecret: secret?.value,
    });
    expect((await stat(credentialsFile)).mode % 0o1000).toBe(0o600);
    expectNoSecrets(result.stdout + result.stderr, [secret?.value ?? 'x']);

    const connectors = await query<{ id: string; config: Record<string, string> }>(
      `select id, config from connectors where tenant_id = 'default' and connector_id = 'wechat-web-oa'`
    );
    expect(connectors).toEqual([{ id: 'wechat', config: { ...wechat, scope: 'snsapi_login' } }]);

    const [signIn] = await query<{
      social_sign_in_connector_targets: string[];
      social_sign_in: unknown;
      sign_up: unknown;
      sign_in: unknown;
    }>(
      `select social_sign_in_connector_targets, social_sign_in, sign_up, sign_in
       from sign_in_experiences where tenant_id = 'default'`
    );
    expect(signIn?.social_sign_in_connector_targets).toContain('wechat');
    expect(signIn?.social_sign_in).toEqual({ skipRequiredIdentifiers: true });
    expect(signIn?.sign_up).toMatchObject({ identifiers: [], password: false });
    expect(signIn?.sign_in).toEqual({ methods: [] });

    const admins = await query<{ username: string; password_encrypted: string; roles: string[]; org_roles: string[] }>(
      `select u.username, u.password_encrypted,
         array(select r.name from users_roles ur join roles r on r.id = ur.role_id where ur.user_id = u.id order by 1) as roles,
         array(select orr.organization_role_id from organization_role_user_relations orr
               where orr.user_id = u.id and orr.organization_id = 't-default') as org_roles
       from users u where u.tenant_id = 'admin'`
    );
    expect(admins).toHaveLength(1);
    expect(admins[0]).toMatchObject({ username: 'admin', org_roles: ['admin'] });
    expect(admins[0]?.roles).toEqual(expect.arrayContaining(['default:admin', 'user']));
    expect(admins[0]?.password_encrypted).toMatch(/^\$argon2i\$v=19\$m=8192,t=8,p=1\$/);
    // Logto checks passwords with hash-wasm's argon2Verify (libraries/user-password-verification.ts).
    const { argon2Verify } = await import('hash-wasm');
    await expect(argon2Verify({ password: adminPassword, hash: admins[0]?.password_encrypted ?? '' })).resolves.toBe(true);
    const [adminSignIn] = await query<{ mode: string }>(
      `select sign_in_mode::text as mode from sign_in_experiences where tenant_id = 'admin'`
    );
    expect(adminSignIn?.mode).toBe('SignIn');

    // The run's own secret is gone: nothing long-lived is left to leak.
    expect(
      await query(`select 1 from application_secrets where tenant_id = 'default' and application_id = 'wls-seed'`)
    ).toEqual([]);
  }, 120_000);

  // The stand-in has no /api/experience (its pages post to forms of its own): against it, the
  // seeded admin's console sign-in and the closed registration are e2e scenario 8
  // (tests/e2e/admin-console.test.ts), which `npm test` runs.
  it('gives a console admin who can sign in, and nobody can register', async (context) => {
    if (logto.kind !== 'real') {
      context.skip("needs Logto's experience API: on the stand-in, e2e scenario 8 covers this");
    }
    const flow = await consoleExperience('admin', adminPassword);
    expect(flow.authorization.location).toMatch(/\/sign-in/);
    expect(flow.register.status, flow.register.text).toBe(403);
    expect(JSON.parse(flow.register.text)).toMatchObject({ code: 'auth.forbidden' });
    expect(flow.signIn.status, flow.signIn.text).toBe(204);
    expect(flow.verification.status, flow.verification.text).toBe(200);
    expect(flow.identification.status, flow.identification.text).toBe(204);
    expect(flow.submit.status, flow.submit.text).toBe(200);
    expect(JSON.parse(flow.submit.text)).toMatchObject({ redirectTo: expect.stringContaining('/oidc/auth') });
  }, 60_000);

  it('changes nothing on a second run', async () => {
    const before = await snapshot();
    const result = await seedOk();
    expect(Object.values(outcomes(result.stdout))).toEqual(Array.from({ length: 9 }, () => 'unchanged'));
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('with --dry-run, reports changes and makes none', async () => {
    const before = await snapshot();
    const result = await seedOk({ APP_URL: 'https://app.example.com' }, ['--dry-run']);
    expect(outcomes(result.stdout)).toMatchObject({ app: 'would update', connector: 'unchanged' });
    expect(await snapshot()).toEqual(before);
  }, 60_000);

  it('updates exactly the fields whose variables changed', async () => {
    const before = await snapshot();
    const result = await seedOk({
      APP_URL: 'https://app.example.com',
      WECHAT_APP_SECRET: 'another-secret-000000000000000002',
    });
    expect(outcomes(result.stdout)).toEqual({
      bootstrap: 'unchanged',
      connector: 'updated',
      app: 'updated',
      'sign-in-exp': 'unchanged',
      'console-admin': 'unchanged',
      'console-ready': 'unchanged',
      credentials: 'unchanged',
      'identity-index': 'unchanged',
      'identity-lookup': 'unchanged',
    });
    expect(result.stdout).toMatch(/connector\s+updated\s+.*appSecret/);
    expect(result.stdout).toMatch(/app\s+updated\s+.*redirectUris and postLogoutRedirectUris/);
    expectNoSecrets(result.stdout, ['another-secret-000000000000000002']);

    const after = await snapshot();
    expect(after.apps).toHaveLength(before.apps.length);
    const [app] = await managedApps();
    expect(app?.oidc_client_metadata).toMatchObject({
      redirectUris: ['https://app.example.com/api/auth/callback/logto'],
      postLogoutRedirectUris: ['https://app.example.com/'],
    });
    const [connector] = await query<{ config: Record<string, string> }>(
      `select config from connectors where tenant_id = 'default' and id = 'wechat'`
    );
    expect(connector?.config).toEqual({ ...wechat, appSecret: 'another-secret-000000000000000002', scope: 'snsapi_login' });
    // Everything else is as it was.
    expect(after.signInExperiences).toEqual(before.signInExperiences);
    expect(after.adminUsers).toEqual(before.adminUsers);
    expect(after.file).toEqual(before.file);
  }, 60_000);

  it('with SIGN_IN_METHODS=wechat,password, lets new WeChat users skip Logto\'s username step unless the operator chose', async () => {
    const defaultSignInExperience = async () =>
      (
        await query<{ sign_up: unknown; sign_in: unknown; social_sign_in: unknown }>(
          `select sign_up, sign_in, social_sign_in from sign_in_experiences where tenant_id = 'default'`
        )
      )[0];
    const setSocialSignIn = async (value: unknown) =>
      query(`update sign_in_experiences set social_sign_in = $1 where tenant_id = 'default'`, [
        JSON.stringify(value),
      ]);
    // Logto's seeded policy (packages/schemas/src/seeds/sign-in-experience.ts): username + password.
    const logtoDefault = {
      signUp: { identifiers: ['username'], password: true, verify: false },
      signIn: {
        methods: [{ identifier: 'username', password: true, verificationCode: false, isPasswordPrimary: true }],
      },
    };
    await query(
      `update sign_in_experiences set sign_up = $1, sign_in = $2, social_sign_in = '{}' where tenant_id = 'default'`,
      [JSON.stringify(logtoDefault.signUp), JSON.stringify(logtoDefault.signIn)]
    );

    // Fresh: the field is absent, so the seed sets it; the policy is already this one.
    const first = await seedOk({ SIGN_IN_METHODS: 'wechat,password' });
    expect(outcomes(first.stdout)['sign-in-exp']).toBe('updated');
    expect(first.stdout).toMatch(/sign-in-exp\s+updated\s+social sign-up skips required identifiers/);
    expect(await defaultSignInExperience()).toEqual({
      sign_up: logtoDefault.signUp,
      sign_in: logtoDefault.signIn,
      social_sign_in: { skipRequiredIdentifiers: true },
    });

    // Second run: nothing to do.
    const before = await snapshot();
    const second = await seedOk({ SIGN_IN_METHODS: 'wechat,password' });
    expect(outcomes(second.stdout)['sign-in-exp']).toBe('unchanged');
    expect(await snapshot()).toEqual(before);

    // The operator turned it off (console: "Skip required identifiers" unchecked): it stays off.
    await setSocialSignIn({ skipRequiredIdentifiers: false, automaticAccountLinking: true });
    const third = await seedOk({ SIGN_IN_METHODS: 'wechat,password' });
    expect(outcomes(third.stdout)['sign-in-exp']).toBe('unchanged');
    expect((await defaultSignInExperience())?.social_sign_in).toEqual({
      skipRequiredIdentifiers: false,
      automaticAccountLinking: true,
    });

    // Another key of the operator's is kept when the seed adds the field.
    await setSocialSignIn({ automaticAccountLinking: true });
    const fourth = await seedOk({ SIGN_IN_METHODS: 'wechat,password' });
    expect(outcomes(fourth.stdout)['sign-in-exp']).toBe('updated');
    expect((await defaultSignInExperience())?.social_sign_in).toEqual({
      automaticAccountLinking: true,
      skipRequiredIdentifiers: true,
    });
  }, 120_000);

  it('with LOGTO_PWNED_PASSWORD_CHECK=false, turns off the breach check in the sign-in experience and keeps the operator\'s other rules', async () => {
    // Logto's own column, the policy its password checker reads.
    const pwned = async (tenant = 'default') => {
      const [row] = await query<{ policy: { rejects?: { pwned?: boolean } } }>(
        `select password_policy as policy from sign_in_experiences where tenant_id = $1`,
        [tenant]
      );
      return row?.policy;
    };
    await seedOk();
    // An operator's rule set in the console, without the field (Logto's default: on).
    await query(`update sign_in_experiences set password_policy = $1 where tenant_id = 'default'`, [
      JSON.stringify({ length: { min: 12, max: 64 }, rejects: { words: ['wechat'] } }),
    ]);
    const unset = await seedOk();
    expect(outcomes(unset.stdout)['sign-in-exp']).toBe('unchanged');

    const off = await seedOk({ LOGTO_PWNED_PASSWORD_CHECK: 'false' });
    expect(off.stdout).toMatch(
      /sign-in-exp\s+updated\s+password breach check \(api\.pwnedpasswords\.com\) and console admin's password breach check/
    );
    expect(await pwned()).toMatchObject({ length: { min: 12, max: 64 }, rejects: { words: ['wechat'], pwned: false } });
    // The console's own tenant too: there the admin changes their password (Logto's routes-me).
    expect((await pwned('admin'))?.rejects?.pwned).toBe(false);
    const again = await seedOk({ LOGTO_PWNED_PASSWORD_CHECK: 'false' });
    expect(outcomes(again.stdout)['sign-in-exp']).toBe('unchanged');
    expect(again.stdout).toMatch(/sign-in-exp\s+unchanged\s+.*password breach check off/);

    // Empty again is on: Logto's default, written back.
    const on = await seedOk({ LOGTO_PWNED_PASSWORD_CHECK: '' });
    expect(outcomes(on.stdout)['sign-in-exp']).toBe('updated');
    expect(await pwned()).toMatchObject({ length: { min: 12, max: 64 }, rejects: { words: ['wechat'], pwned: true } });
    expect((await pwned('admin'))?.rejects?.pwned).toBe(true);
  }, 120_000);

  it('with the WeChat variables emptied, removes its connector and WeChat leaves the sign-in page', async () => {
    expect(await wechatConnectors()).toEqual([{ id: 'wechat', config: { ...wechat, scope: 'snsapi_login' } }]);
    const noWechat = { WECHAT_APP_ID: '', WECHAT_APP_SECRET: '', SIGN_IN_METHODS: 'password' };
    const first = await seedOk(noWechat);
    expect(outcomes(first.stdout).connector).toBe('updated');
    expect(first.stdout).toMatch(/connector\s+updated\s+removed WeChat connector "wechat" \(WECHAT_APP_ID \/ WECHAT_APP_SECRET are empty\)/);
    expect(await wechatConnectors()).toEqual([]);
    expect(await socialTargets()).not.toContain('wechat');

    const second = await seedOk(noWechat);
    expect(outcomes(second.stdout).connector).toBe('skipped');
  }, 60_000);

  it("outside the sandbox, refuses the emulator's AppID and removes a connector left holding it", async () => {
    // What `make up-sandbox` leaves in Logto's database.
    const inSandbox = await seedOk(sandbox);
    expect(outcomes(inSandbox.stdout).connector).toBe('created');
    expect(await wechatConnectors()).toEqual([
      { id: 'wechat', config: { appId: sandbox.WECHAT_APP_ID, appSecret: sandbox.WECHAT_APP_SECRET, scope: 'snsapi_login' } },
    ]);
    expect(await socialTargets()).toContain('wechat');

    // The emulator's app in .env without the sandbox: refused before anything is touched.
    const before = await snapshot();
    const refused = await runSeed(env({ WECHAT_APP_ID: sandbox.WECHAT_APP_ID, WECHAT_APP_SECRET: sandbox.WECHAT_APP_SECRET }));
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/WECHAT_APP_ID is the WeChat emulator's test app .*make up-sandbox/);
    expect(await snapshot()).toEqual(before);

    // WeChat left empty: the emulator's connector goes, and WeChat with it from the sign-in page.
    const empty = await seedOk({ WECHAT_APP_ID: '', WECHAT_APP_SECRET: '', SIGN_IN_METHODS: 'password' });
    expect(empty.stdout).toMatch(/connector\s+updated\s+removed WeChat connector "wechat" \(it holds the WeChat emulator's AppID wx0000000000000001, outside the sandbox\)/);
    expect(await wechatConnectors()).toEqual([]);
    expect(await socialTargets()).not.toContain('wechat');

    // Real credentials after the sandbox: the emulator's connector is replaced, nothing of it kept.
    await seedOk(sandbox);
    const real = await seedOk();
    expect(outcomes(real.stdout).connector).toBe('created');
    expect(real.stdout).toMatch(/removed WeChat connector "wechat" \(it holds the WeChat emulator's AppID/);
    expect(await wechatConnectors()).toEqual([{ id: 'wechat', config: { ...wechat, scope: 'snsapi_login' } }]);
    expect(await socialTargets()).toContain('wechat');
    expectNoSecrets(real.stdout + real.stderr, [sandbox.WECHAT_APP_SECRET]);
  }, 120_000);

  it("switches an install's wechat-web connector to the stack's under the same id, the Official Account added: its users keep their WeChat identity", async () => {
    await seedOk();
    // What an install from before connectors/wechat has: Logto's own connector, and a WeChat user.
    await query(`delete from connectors where tenant_id = 'default' and id = 'wechat'`);
    await query(`insert into connectors (tenant_id, id, connector_id, config) values ('default', 'wechat', 'wechat-web', $1)`, [
      { ...wechat, scope: 'snsapi_login' },
    ]);
    await query(`insert into users (tenant_id, id, identities) values ('default', 'wlsswitch001', $1)`, [
      { wechat: { userId: 'u-switch', details: { id: 'u-switch', name: 'Switch' } } },
    ]);
    const oaEnv = { WECHAT_OA_APP_ID: 'wxfedcba0987654321', WECHAT_OA_APP_SECRET: 'oa-secret-0123' };
    try {
      const switched = await seedOk(oaEnv);
      expect(outcomes(switched.stdout).connector).toBe('created');
      expect(switched.stdout).toMatch(
        /removed WeChat connector "wechat" \(replaced by the stack's connector wechat-web-oa under the same id: users keep their WeChat identity\)/
      );
      expect(await query(`select id, connector_id, config from connectors where tenant_id = 'default' and config->>'appId' = $1`, [wechat.appId])).toEqual([
        {
          id: 'wechat',
          connector_id: 'wechat-web-oa',
          config: { ...wechat, scope: 'snsapi_login', oaAppId: oaEnv.WECHAT_OA_APP_ID, oaAppSecret: oaEnv.WECHAT_OA_APP_SECRET },
        },
      ]);
      expect(await socialTargets()).toContain('wechat');
      expectNoSecrets(switched.stdout + switched.stderr, [oaEnv.WECHAT_OA_APP_SECRET]);
      expect(await query(`select id from users where tenant_id = 'default' and identities->'wechat'->>'userId' = 'u-switch'`)).toEqual([
        { id: 'wlsswitch001' },
      ]);
      expect(outcomes((await seedOk(oaEnv)).stdout).connector).toBe('unchanged');
      // The Official Account's variables emptied: its keys go, the connector stays.
      const withoutOa = await seedOk();
      expect(outcomes(withoutOa.stdout).connector).toBe('updated');
      expect(await wechatConnectors()).toEqual([{ id: 'wechat', config: { ...wechat, scope: 'snsapi_login' } }]);
    } finally {
      await query(`delete from users where tenant_id = 'default' and id = 'wlsswitch001'`);
    }
  }, 120_000);

  it("refuses real credentials while WeChat's host names lead to its own network (an emulator left attached)", async () => {
    // As Docker's DNS answers for the emulator's network aliases: here a loopback address, through
    // the harness's dns.lookup preload.
    const emulatorOnNetwork = {
      NODE_OPTIONS: `--require ${DNS_PRELOAD}`,
      HARNESS_HOSTS: 'api.weixin.qq.com=127.0.0.2,open.weixin.qq.com=127.0.0.2',
    };
    const before = await snapshot();
    const refused = await runSeed(env(emulatorOnNetwork));
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toContain('open.weixin.qq.com -> 127.0.0.2, api.weixin.qq.com -> 127.0.0.2');
    expect(refused.stderr).toMatch(/a WeChat emulator is still attached/);
    expect(refused.stderr).toMatch(/fix: Stop the whole stack with `make down`/);
    expectNoSecrets(refused.stdout + refused.stderr);
    expect(await snapshot()).toEqual(before);

    // The sandbox itself is that network on purpose.
    const inSandbox = await seedOk({ ...emulatorOnNetwork, ...sandbox });
    expect(outcomes(inSandbox.stdout).connector).toBe('updated');
    await seedOk();
  }, 60_000);

  it('with SIGN_IN_METHODS empty: WeChat only when WeChat is configured, else password with sign-up open', async () => {
    const policy = async () =>
      (await query<{ sign_up: unknown; sign_in: unknown }>(
        `select sign_up, sign_in from sign_in_experiences where tenant_id = 'default'`
      ))[0];
    // Logto's seeded policy (username + password) as an operator may have left it.
    await seedOk({ SIGN_IN_METHODS: 'password' });
    const withWechat = await seedOk({ SIGN_IN_METHODS: '' });
    expect(withWechat.stdout).toMatch(/sign-in-exp\s+updated\s+sign-up policy and sign-in policy/);
    expect(withWechat.stdout.match(/^seed: sign-in policy: .*$/gm)).toEqual([
      'seed: sign-in policy: WeChat only (a new WeChat user is registered at first sign-in); password sign-up closed (SIGN_IN_METHODS empty: the default with WeChat)',
    ]);
    expect(await policy()).toEqual({
      sign_up: { identifiers: [], password: false, verify: false },
      sign_in: { methods: [] },
    });

    const laptop = await seedOk({ SIGN_IN_METHODS: '', WECHAT_APP_ID: '', WECHAT_APP_SECRET: '' });
    expect(laptop.stdout.match(/^seed: sign-in policy: .*$/gm)).toEqual([
      'seed: sign-in policy: username and password; password sign-up OPEN: anyone who reaches the sign-in page can create an account (SIGN_IN_METHODS empty: the default without WeChat)',
    ]);
    expect(await policy()).toMatchObject({ sign_up: { identifiers: ['username'], password: true } });
    await seedOk();
  }, 120_000);

  it('in Register mode, takes the console marker away first and closes registration even without a password', async () => {
    // A database reset next to a marker that survived: no admin, registration open.
    await query(`delete from users where tenant_id = 'admin'`);
    await query(`update sign_in_experiences set sign_in_mode = 'Register' where tenant_id = 'admin'`);
    expect(await markerPresent()).toBe(true);

    const noPassword = await seedOk({ LOGTO_ADMIN_PASSWORD: '' });
    expect(outcomes(noPassword.stdout)).toMatchObject({ 'console-admin': 'updated', 'console-ready': 'skipped' });
    expect(noPassword.stdout).toMatch(/console-ready\s+skipped\s+the console has no active admin: Caddy answers 503/);
    expect(await markerPresent()).toBe(false);
    expect(await query(`select sign_in_mode::text as mode from sign_in_experiences where tenant_id = 'admin'`)).toEqual([
      { mode: 'SignIn' },
    ]);
    expect(await query(`select id from users where tenant_id = 'admin'`)).toEqual([]);

    const withPassword = await seedOk();
    expect(outcomes(withPassword.stdout)).toMatchObject({ 'console-admin': 'created', 'console-ready': 'created' });
    expect(await markerPresent()).toBe(true);
  }, 120_000);

  it('a seed whose Management API access then fails has still closed the console first', async () => {
    await query(`delete from users where tenant_id = 'admin'`);
    await query(`update sign_in_experiences set sign_in_mode = 'Register' where tenant_id = 'admin'`);
    // A "Logto" that is healthy and refuses everything else: the seed fails at its bootstrap.
    const broken = createServer((request, response) => {
      response.writeHead(request.url === '/api/status' ? 204 : 500).end();
    });
    await new Promise<void>((resolve) => broken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = broken.address() as AddressInfo;
      const result = await runSeed(env({ LOGTO_INTERNAL_URL: `http://127.0.0.1:${port}` }));
      expect(result.code, result.stdout).toBe(1);
      expect(outcomes(result.stdout)).toEqual({ 'console-admin': 'created', 'console-ready': 'created' });
    } finally {
      await new Promise((resolve) => broken.close(resolve));
    }
    expect(await query(`select username from users where tenant_id = 'admin'`)).toEqual([{ username: 'admin' }]);
    expect(await query(`select sign_in_mode::text as mode from sign_in_experiences where tenant_id = 'admin'`)).toEqual([
      { mode: 'SignIn' },
    ]);
    expect(await markerPresent()).toBe(true);
    await seedOk();
  }, 120_000);

  it('makes one set of objects when two seeds start at once', async () => {
    // Back to a database without the seed's objects (the console admin stays: it is made once).
    await query(`delete from applications where tenant_id = 'default' and (custom_data->>'managedBy' = 'wechat-logto-stack' or id = 'wls-seed')`);
    await query(`delete from connectors where tenant_id = 'default' and id = 'wechat'`);
    await rm(credentialsFile, { force: true });

    const results = await Promise.all([runSeed(env()), runSeed(env())]);
    for (const result of results) {
      expect(result.code, result.stderr).toBe(0);
    }
    const created = results.filter(({ stdout }) => outcomes(stdout).app === 'created');
    expect(created).toHaveLength(1);
    expect(await managedApps()).toHaveLength(1);
    expect(
      await query(`select 1 from connectors where tenant_id = 'default' and connector_id = 'wechat-web-oa'`)
    ).toHaveLength(1);
    expect(await query(`select 1 from applications where id = 'wls-seed'`)).toHaveLength(1);
  }, 120_000);

  it('exits 3 within the timeout when Logto does not answer', async () => {
    const port = await freePort();
    const result = await runSeed(env({ LOGTO_INTERNAL_URL: `http://127.0.0.1:${port}`, SEED_TIMEOUT_SECONDS: '3' }));
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`Logto at http://127.0.0.1:${port}/api/status`);
    // The timeout plus process start-up (npm + tsx) on a loaded two-core machine.
    expect(result.durationMs).toBeLessThan(3000 + 7000);
  }, 60_000);

  it('exits 3 within the timeout when Postgres does not answer', async () => {
    const port = await freePort();
    const result = await runSeed(
      env({ LOGTO_DB_URL: `postgres://logto:pw@127.0.0.1:${port}/logto`, SEED_TIMEOUT_SECONDS: '3' })
    );
    expect(result.code, result.stderr).toBe(3);
    expect(result.stderr).toContain(`Postgres at 127.0.0.1:${port}/logto`);
    expect(result.durationMs).toBeLessThan(3000 + 7000);
  }, 60_000);

  it('with --dry-run on a partial bootstrap (role without its scope, app not linked), leaves it as it found it', async () => {
    const access = async () =>
      (
        await query<{ links: number; scopes: number }>(
          `select
             (select count(*)::int from applications_roles ar join roles r on r.id = ar.role_id
              where ar.tenant_id = 'default' and ar.application_id = 'wls-seed' and r.name = 'Logto Management API access') as links,
             (select count(*)::int from roles_scopes rs join roles r on r.id = rs.role_id
              where rs.tenant_id = 'default' and r.name = 'Logto Management API access') as scopes`
        )
      )[0];
    await seedOk();
    await query(`delete from applications_roles where tenant_id = 'default' and application_id = 'wls-seed'`);
    await query(
      `delete from roles_scopes where tenant_id = 'default'
       and role_id = (select id from roles where tenant_id = 'default' and name = 'Logto Management API access')`
    );
    expect(await access()).toEqual({ links: 0, scopes: 0 });

    const result = await seedOk({}, ['--dry-run']);
    expect(await access()).toEqual({ links: 0, scopes: 0 });
    expect(outcomes(result.stdout).bootstrap).toBe('would update');
    expect(result.stdout).toContain('dry run: removed again what bootstrap added (grant scope and link role)');

    // A real run restores the access.
    expect(outcomes((await seedOk()).stdout).bootstrap).toBe('updated');
    expect(await access()).toEqual({ links: 1, scopes: 1 });
  }, 60_000);

  it('reports the step that failed, and a failing cleanup as well, not the cleanup instead', async () => {
    // The end-of-run cleanup deletes the run's secret of wls-seed: make Postgres refuse that.
    await query(
      `create function wls_test_refuse_cleanup() returns trigger language plpgsql as
       $$ begin raise exception 'cleanup refused by the test'; end $$`
    );
    await query(
      `create trigger wls_test_refuse_cleanup before delete on application_secrets
       for each row when (old.application_id = 'wls-seed') execute function wls_test_refuse_cleanup()`
    );
    try {
      // The credentials step fails: its folder cannot exist.
      const result = await runSeed(env({ APP_CREDENTIALS_FILE: '/dev/null/not-a-folder/logto-client.json' }));
      expect(result.code, result.stderr).toBe(1);
      expect(result.stderr).toContain('ENOTDIR');
      expect(result.stderr).not.toContain('cleanup refused');
      expect(result.stdout).toContain(
        "undoing the run's Management API access after the failure below also failed: cleanup refused by the test"
      );
    } finally {
      await query('drop trigger wls_test_refuse_cleanup on application_secrets');
      await query('drop function wls_test_refuse_cleanup()');
      await query(`delete from application_secrets where tenant_id = 'default' and application_id = 'wls-seed'`);
    }
  }, 60_000);
});
