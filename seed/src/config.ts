/**
 * The seed's configuration: read once from the environment and checked by one zod guard that
 * reports every bad variable at once. Messages name variables, never echo secret values.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

import { z } from 'zod4';

import { defaults } from './constant.js';
import {
  crossProblems,
  defaultDomains,
  defaultWechatScope,
  publicUrlProblem,
  publicUrlSources,
  signInMethods,
  usernamePattern,
  wechatAppIdMessage,
  wechatAppIdPattern,
  wechatAppSecretMessage,
  wechatAppSecretPattern,
  wechatOaAppIdMessage,
  wechatOaAppSecretMessage,
  wechatOaAppIdPattern,
  wechatScopes,
} from './env-rules.js';
import { ConfigError } from './errors.js';

export type SignInMethod = (typeof signInMethods)[number];

/** Compose passes unset variables as empty strings: treat those as unset. */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));

/** A public URL compose.yaml builds from a domain of .env (x-public-urls); the default's otherwise. */
const publicUrl = (name: 'LOGTO_URL' | 'APP_URL' | 'ADMIN_URL') =>
  optionalText.pipe(
    z
      .string()
      .superRefine((value, context) => {
        const problem = publicUrlProblem(value);
        if (problem) context.addIssue({ code: 'custom', message: `${problem} (compose.yaml builds it from ${publicUrlSources[name]} in .env)` });
      })
      .default(`https://${defaultDomains[publicUrlSources[name]]}`)
  );

const origin = (what: string) =>
  z.string().superRefine((value, context) => {
    const url = URL.canParse(value) ? new URL(value) : undefined;
    if (!url || !['http:', 'https:'].includes(url.protocol)) {
      context.addIssue({ code: 'custom', message: `must be an http(s) URL (${what})` });
      return;
    }
    if (url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      context.addIssue({
        code: 'custom',
        message: `must be an origin only, like https://host[:port] (${what})`,
      });
    }
  });

const environmentGuard = z
  .object({
    LOGTO_INTERNAL_URL: optionalText.pipe(
      origin('how the seed reaches Logto').default(defaults.logtoInternalUrl)
    ),
    LOGTO_DB_URL: optionalText.pipe(
      z
        .string({ error: 'is required: the Postgres URL of Logto\'s database (same as Logto\'s DB_URL)' })
        .refine(
          (value) => URL.canParse(value) && /^postgres(ql)?:$/.test(new URL(value).protocol),
          'must be a postgres:// or postgresql:// URL'
        )
    ),
    LOGTO_URL: publicUrl('LOGTO_URL'),
    APP_URL: publicUrl('APP_URL'),
    ADMIN_URL: publicUrl('ADMIN_URL'),
    WECHAT_APP_ID: optionalText.pipe(
      z
        .string()
        .regex(wechatAppIdPattern, wechatAppIdMessage)
        .optional()
    ),
    WECHAT_APP_SECRET: optionalText.pipe(
      z
        .string()
        .regex(wechatAppSecretPattern, wechatAppSecretMessage)
        .optional()
    ),
    WECHAT_OA_APP_ID: optionalText.pipe(
      z
        .string()
        .regex(wechatOaAppIdPattern, wechatOaAppIdMessage)
        .optional()
    ),
    WECHAT_OA_APP_SECRET: optionalText.pipe(
      z
        .string()
        .regex(wechatAppSecretPattern, wechatOaAppSecretMessage)
        .optional()
    ),
    WECHAT_SANDBOX: optionalText.pipe(
      z
        .enum(['true'], { error: 'must be "true" (set by compose.sandbox.yaml only) or empty' })
        .optional()
    ),
    WECHAT_SCOPE: optionalText.pipe(
      z
        .enum(wechatScopes, { error: `must be one of ${wechatScopes.join(', ')}` })
        .default(defaultWechatScope)
    ),
    SIGN_IN_METHODS: optionalText.pipe(
      z
        .string()
        .transform((value) => value.split(',').map((item) => item.trim().toLowerCase()))
        .pipe(
          z
            .array(
              z.enum(signInMethods, {
                error: (issue) =>
                  `has unknown method "${String(issue.input)}": use a comma-separated list of ${signInMethods.join(', ')}`,
              })
            )
            .refine((items) => new Set(items).size === items.length, 'lists a method twice')
        )
        .optional()
    ),
    LOGTO_PWNED_PASSWORD_CHECK: optionalText.pipe(
      z
        .enum(['true', 'false'], {
          error:
            'must be true or false (false where api.pwnedpasswords.com cannot be reached, as in mainland China: there setting a password fails with a 500)',
        })
        .default('true')
        .transform((value) => value === 'true')
    ),
    LOGTO_ADMIN_USERNAME: optionalText.pipe(
      z
        .string()
        .max(128, 'must be at most 128 characters')
        .regex(usernamePattern, 'must start with a letter or _ and contain only letters, digits and _')
        .default(defaults.adminUsername)
    ),
    LOGTO_ADMIN_PASSWORD: z
      .string()
      .optional()
      .transform((value) => (value ? value : undefined))
      .pipe(
        z
          .string()
          .min(8, 'must be at least 8 characters (run `make up` to generate one)')
          .max(256, 'must be at most 256 characters')
          .optional()
      ),
    APP_CREDENTIALS_FILE: optionalText.pipe(
      z.string().default(defaults.appCredentialsFile).transform((value) => path.resolve(value))
    ),
    CONSOLE_READY_FILE: optionalText.pipe(
      z
        .string()
        .transform((value) => path.resolve(value))
        .optional()
    ),
    SEED_TIMEOUT_SECONDS: optionalText.pipe(
      z.coerce
        .number<string | undefined>({ error: 'must be a whole number of seconds' })
        .int('must be a whole number of seconds')
        .min(1, 'must be at least 1')
        .max(3600, 'must be at most 3600')
        .default(defaults.timeoutSeconds)
    ),
    /** Put into LOGTO_DB_URL as its password when set (compose.yaml passes the URL without it). */
    POSTGRES_PASSWORD: z
      .string()
      .optional()
      .transform((value) => (value ? value : undefined)),
    AUTH_LOGTO_ID: optionalText,
    AUTH_LOGTO_SECRET: optionalText,
  });

const isSet = (value: string | undefined) => Boolean(value?.trim());

/** The host of a public URL as text (lower-cased by `new URL`, so compared as the user wrote it). */
const hostOf = (value: string | undefined, name: keyof typeof publicUrlSources) =>
  /^https?:\/\/([^/:?#]*)/.exec(value?.trim() || `https://${defaultDomains[publicUrlSources[name]]}`)?.[1] ?? '';

/** Checks across variables (env-rules.ts), on the raw values, so they are reported with all the others. */
const crossChecks = (env: Record<string, string | undefined>): string[] =>
  crossProblems(
    env,
    { LOGTO_DOMAIN: hostOf(env.LOGTO_URL, 'LOGTO_URL'), APP_DOMAIN: hostOf(env.APP_URL, 'APP_URL'), ADMIN_DOMAIN: hostOf(env.ADMIN_URL, 'ADMIN_URL') },
    env.WECHAT_SANDBOX?.trim() === 'true'
  );

export type SeedConfig = {
  logtoInternalUrl: string;
  dbUrl: string;
  /** Host (and port, in tests) of LOGTO_URL and ADMIN_URL: WeChat's callback domain, the console's. */
  logtoDomain: string;
  adminDomain: string;
  /** The app's public origin, no trailing slash. */
  appUrl: string;
  /** The website app; `oa`: the Official Account for sign-in inside WeChat (WECHAT_OA_*), when set. */
  wechat: { appId: string; appSecret: string; scope: string; oa: { appId: string; appSecret: string } | undefined } | undefined;
  /** WECHAT_SANDBOX=true (compose.sandbox.yaml only): WeChat is the emulator on the project network. */
  wechatSandbox: boolean;
  /** The sign-up/sign-in policy the seed applies: SIGN_IN_METHODS, else the default below. */
  signInMethods: SignInMethod[];
  /** True when SIGN_IN_METHODS was empty and `signInMethods` is that default. */
  signInMethodsDefaulted: boolean;
  /** LOGTO_PWNED_PASSWORD_CHECK: Logto checks each new password against api.pwnedpasswords.com. */
  pwnedPasswordCheck: boolean;
  admin: { username: string; password: string | undefined };
  credentialsFile: string;
  /** Where the seed tells Caddy the console is safe to serve (undefined: nowhere, Caddy keeps 503). */
  consoleReadyFile: string | undefined;
  /** True when AUTH_LOGTO_ID / AUTH_LOGTO_SECRET are set: the app uses those, no file is written. */
  operatorCredentials: boolean;
  timeoutMs: number;
};

const trimOrigin = (value: string) => new URL(value).origin;

/**
 * SIGN_IN_METHODS empty: WeChat only when WeChat is configured (nobody can self-register a
 * password account), else username + password with open sign-up, so a laptop without WeChat
 * can still be tried.
 */
export const defaultSignInMethods = (wechat: boolean): SignInMethod[] => (wechat ? ['wechat'] : ['password']);

/**
 * The secrets: compose.yaml hands each over as a file (NAME_FILE=/run/secrets/...), so that no
 * secret is in `docker inspect`; the harness and `node dist/index.js` may still pass NAME itself.
 */
export const secretVariables = [
  'POSTGRES_PASSWORD',
  'LOGTO_ADMIN_PASSWORD',
  'WECHAT_APP_SECRET',
  'WECHAT_OA_APP_SECRET',
  'AUTH_LOGTO_SECRET',
] as const;

/**
 * NAME from NAME_FILE (the file's content without its final newline; an empty file is an empty
 * value, as Compose's `NAME=`). The issues name the variable and the file, never its content.
 */
export const readSecretFiles = (
  env: Record<string, string | undefined>
): { env: Record<string, string | undefined>; issues: string[] } => {
  const resolved = { ...env };
  const issues: string[] = [];
  for (const name of secretVariables) {
    const file = env[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (isSet(env[name])) {
      issues.push(`${name} and ${name}_FILE are both set: set one of them`);
      continue;
    }
    try {
      resolved[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error: unknown) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      issues.push(`${name}_FILE=${file} cannot be read (${reason}): it must hold ${name} (compose.yaml hands it over from .env)`);
      continue;
    }
    if (name === 'POSTGRES_PASSWORD' && !resolved[name]) {
      issues.push(`POSTGRES_PASSWORD is empty (${name}_FILE=${file}): set it in .env, e.g. with \`make secrets\``);
    }
  }
  return { env: resolved, issues };
};

/** LOGTO_DB_URL with POSTGRES_PASSWORD as its password, when that is given apart (compose.yaml). */
const withDatabasePassword = (dbUrl: string, password: string | undefined) => {
  if (!password) return dbUrl;
  const url = new URL(dbUrl);
  url.password = password;
  return url.toString();
};

/** Parse the environment. Throws `ConfigError` listing every bad variable, in a stable order. */
export const parseConfig = (source: Record<string, string | undefined>): SeedConfig => {
  const { env, issues: fileIssues } = readSecretFiles(source);
  const result = environmentGuard.safeParse(env);
  const issues = [
    ...fileIssues,
    ...(result.success
      ? []
      : result.error.issues.map((issue) => `${String(issue.path[0] ?? 'environment')} ${issue.message}`)),
    ...crossChecks(env),
  ];

  if (!result.success || issues.length > 0) {
    throw new ConfigError([...new Set(issues)]);
  }

  const value = result.data;
  const { WECHAT_APP_ID: appId, WECHAT_APP_SECRET: appSecret } = value;

  return {
    logtoInternalUrl: trimOrigin(value.LOGTO_INTERNAL_URL),
    dbUrl: withDatabasePassword(value.LOGTO_DB_URL, value.POSTGRES_PASSWORD),
    logtoDomain: new URL(value.LOGTO_URL).host,
    adminDomain: new URL(value.ADMIN_URL).host,
    appUrl: trimOrigin(value.APP_URL),
    wechat:
      appId && appSecret
        ? {
            appId,
            appSecret,
            scope: value.WECHAT_SCOPE,
            oa:
              value.WECHAT_OA_APP_ID && value.WECHAT_OA_APP_SECRET
                ? { appId: value.WECHAT_OA_APP_ID, appSecret: value.WECHAT_OA_APP_SECRET }
                : undefined,
          }
        : undefined,
    wechatSandbox: value.WECHAT_SANDBOX === 'true',
    signInMethods: value.SIGN_IN_METHODS ?? defaultSignInMethods(Boolean(appId && appSecret)),
    signInMethodsDefaulted: value.SIGN_IN_METHODS === undefined,
    pwnedPasswordCheck: value.LOGTO_PWNED_PASSWORD_CHECK,
    admin: { username: value.LOGTO_ADMIN_USERNAME, password: value.LOGTO_ADMIN_PASSWORD },
    credentialsFile: value.APP_CREDENTIALS_FILE,
    consoleReadyFile: value.CONSOLE_READY_FILE,
    operatorCredentials: Boolean(value.AUTH_LOGTO_ID && value.AUTH_LOGTO_SECRET),
    timeoutMs: value.SEED_TIMEOUT_SECONDS * 1000,
  };
};

export type CliOptions = { dryRun: boolean; help: boolean };

export const parseArguments = (argv: readonly string[]): CliOptions => {
  const unknown = argv.filter((argument) => !['--dry-run', '--help', '-h'].includes(argument));
  if (unknown.length > 0) {
    throw new ConfigError(unknown.map((argument) => `argument ${argument} is unknown (use --dry-run or --help)`));
  }
  return {
    dryRun: argv.includes('--dry-run'),
    help: argv.includes('--help') || argv.includes('-h'),
  };
};
