/**
 * The one definition of the `.env` values that more than one consumer checks: their defaults, rules
 * and messages. The seed (./config.ts), the app (app/lib/env.ts) and the doctor
 * (scripts/src/doctor/types.ts) build their zod guards from it; `make check-env`
 * (scripts/env/validate.sh) runs on a host without Node, and tests/static/config-agreement.test.ts
 * holds it to the same verdicts. No imports and only erasable TypeScript: the app's bundle and the
 * doctor's image (Node's type stripping) load this file as it is.
 */

/** The three public host names when .env sets none; .env.example holds the same (a test says so). */
export const defaultDomains = {
  LOGTO_DOMAIN: 'auth.localhost',
  APP_DOMAIN: 'app.localhost',
  ADMIN_DOMAIN: 'admin.localhost',
} as const;
export type DomainVariable = keyof typeof defaultDomains;

/**
 * The public URLs, as compose.yaml builds them once from the domains (x-public-urls) and hands them
 * to every service: the variable each is built from, for messages that name what the user edits.
 */
export const publicUrlSources = {
  LOGTO_URL: 'LOGTO_DOMAIN',
  APP_URL: 'APP_DOMAIN',
  ADMIN_URL: 'ADMIN_DOMAIN',
  AUTH_URL: 'APP_DOMAIN',
  AUTH_LOGTO_ISSUER: 'LOGTO_DOMAIN',
} as const satisfies Record<string, DomainVariable>;

/** RFC 1123 labels, lower case only: the OIDC issuer and WeChat's callback domain are compared exactly. */
export const hostNamePattern =
  /^(?=.{1,253}$)[\da-z](?:[\da-z-]{0,61}[\da-z])?(?:\.[\da-z](?:[\da-z-]{0,61}[\da-z])?)*$/;
export const hostNameMessage =
  'must be a bare lower-case host name such as auth.example.com (no scheme, port or path; the OIDC issuer is compared exactly)';

/**
 * The problem of a public URL built from a domain (https://<domain>, a port only where tests run
 * Caddy elsewhere, and `path` after it for the issuer), or undefined. The host is checked on the
 * text itself: `new URL` would lower-case it and hide what the OIDC issuer comparison sees.
 */
export const publicUrlProblem = (value: string, path = ''): string | undefined => {
  const match = /^(https?):\/\/([^/:?#]*)(?::(\d{1,5}))?(\/[^?#]*)?$/.exec(value);
  const [, , host = '', , rest = ''] = match ?? [];
  if (!match || rest.replace(/\/+$/, '') !== path) {
    return `must be ${path ? `https://<host>${path}` : 'an origin, https://<host>'} (no other path)`;
  }
  // The value itself is not repeated: a secret pasted into the wrong line would be printed.
  return hostNamePattern.test(host) ? undefined : `has a host that ${hostNameMessage}`;
};

/** WeChat Open Platform > website application > AppID. */
export const wechatAppIdPattern = /^wx[\da-f]{16}$/;
export const wechatAppIdMessage =
  'must be wx followed by 16 lower-case hex digits (WeChat Open Platform > website application > AppID)';
/** Official Accounts Platform > Settings and development > Basic configuration > AppID. */
export const wechatOaAppIdPattern = /^wx[\dA-Za-z]{16}$/;
export const wechatOaAppIdMessage =
  'must look like wx followed by 16 letters or digits (WeChat Official Accounts Platform > Settings and development > Basic configuration > AppID)';
/** An AppSecret (website app or Official Account). */
export const wechatAppSecretPattern = /^\S{1,128}$/;
export const wechatAppSecretMessage = 'must be the AppSecret: no spaces, at most 128 characters';
export const wechatOaAppSecretMessage = "must be the Official Account's AppSecret: no spaces, at most 128 characters";

/** Website applications (the QR code sign-in) only support snsapi_login. */
export const wechatScopes = ['snsapi_login'] as const;
export const defaultWechatScope = 'snsapi_login';

/**
 * AppIDs of the WeChat emulator's built-in apps (wechat-emulator/src/users.ts, `defaultApp` and
 * `defaultOaApp`): they work only in the sandbox (compose.sandbox.yaml, which sets WECHAT_SANDBOX).
 */
export const emulatorAppId = 'wx0000000000000001';
export const emulatorOaAppId = 'wx0000000000000002';

/** Values of `SIGN_IN_METHODS` (comma-separated, each trimmed and lower-cased, none twice). */
export const signInMethods = ['wechat', 'password'] as const;

/** `^[A-Z_a-z]\w*$` (Logto's packages/toolkit/core-kit/src/regex.ts `usernameRegEx`), at most 128. */
export const usernamePattern = /^[A-Z_a-z]\w*$/;

/** `TLS_MODE`: Caddy's own CA, or publicly trusted certificates. */
export const tlsModes = ['internal', 'acme'] as const;

const isSet = (value: string | undefined) => Boolean(value?.trim());

/**
 * The checks across variables, on the raw values: one message per problem, starting with the
 * variable to change. `domains` are the three host names (defaults where empty); `sandbox`: WeChat
 * is the emulator's (compose.sandbox.yaml). A consumer passes only what it reads; absent is unset.
 */
export const crossProblems = (
  env: Record<string, string | undefined>,
  domains: Record<DomainVariable, string>,
  sandbox: boolean
): string[] => {
  const issues: string[] = [];
  // Three origins: Logto refuses one for its endpoint and console; the app needs its own.
  for (const [a, b] of [
    ['APP_DOMAIN', 'LOGTO_DOMAIN'],
    ['ADMIN_DOMAIN', 'LOGTO_DOMAIN'],
    ['ADMIN_DOMAIN', 'APP_DOMAIN'],
  ] as const) {
    if (domains[a] !== domains[b]) continue;
    // Blame the one the operator changed (as make check-env does): b when only b left its default.
    const changed = (name: DomainVariable) => domains[name] !== defaultDomains[name];
    const [blamed, other] = !changed(a) && changed(b) ? [b, a] : [a, b];
    issues.push(`${blamed} equals ${other} (${domains[a]}): give it its own host name`);
  }
  if (isSet(env.WECHAT_APP_ID) !== isSet(env.WECHAT_APP_SECRET)) {
    const missing = isSet(env.WECHAT_APP_ID) ? 'WECHAT_APP_SECRET' : 'WECHAT_APP_ID';
    issues.push(
      `${missing} is empty while the other WeChat variable is set: set both, or neither to configure nothing for WeChat`
    );
  }
  if (isSet(env.WECHAT_OA_APP_ID) !== isSet(env.WECHAT_OA_APP_SECRET)) {
    const missing = isSet(env.WECHAT_OA_APP_ID) ? 'WECHAT_OA_APP_SECRET' : 'WECHAT_OA_APP_ID';
    issues.push(
      `${missing} is empty while the other Official Account variable is set: set both (sign-in inside WeChat without a QR code), or neither`
    );
  }
  if (isSet(env.WECHAT_OA_APP_ID) && !isSet(env.WECHAT_APP_ID)) {
    issues.push(
      'WECHAT_OA_APP_ID is set but WECHAT_APP_ID / WECHAT_APP_SECRET are empty: the Official Account only adds sign-in inside WeChat to the website app, set those too'
    );
  }
  if (env.WECHAT_OA_APP_ID?.trim() === emulatorOaAppId && !sandbox) {
    issues.push(
      `WECHAT_OA_APP_ID is the WeChat emulator's test Official Account (${emulatorOaAppId}), which works only in the sandbox (\`make up-sandbox\`): set your Official Account's AppID and AppSecret, or empty both`
    );
  }
  const methods = (env.SIGN_IN_METHODS ?? '').split(',').map((item) => item.trim().toLowerCase());
  if (methods.includes('wechat') && !isSet(env.WECHAT_APP_ID)) {
    issues.push(
      'SIGN_IN_METHODS includes wechat but WECHAT_APP_ID / WECHAT_APP_SECRET are empty: nobody could sign in'
    );
  }
  if (env.WECHAT_APP_ID?.trim() === emulatorAppId && !sandbox) {
    issues.push(
      `WECHAT_APP_ID is the WeChat emulator's test app (${emulatorAppId}), which works only in the sandbox (\`make up-sandbox\`): set your website app's AppID and AppSecret, or empty both`
    );
  }
  if (isSet(env.AUTH_LOGTO_ID) !== isSet(env.AUTH_LOGTO_SECRET)) {
    const missing = isSet(env.AUTH_LOGTO_ID) ? 'AUTH_LOGTO_SECRET' : 'AUTH_LOGTO_ID';
    issues.push(
      `${missing} is empty while the other one is set: set both (your own Logto app) or neither (the seed writes the credentials file)`
    );
  }
  return issues;
};
