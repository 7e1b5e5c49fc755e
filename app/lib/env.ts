import { readFileSync } from "node:fs";
import { z } from "zod";
import { publicUrlProblem, publicUrlSources } from "../../seed/src/env-rules";

/**
 * The app's configuration, read from the environment when the server starts (never at build
 * time, so one image serves any domain). Empty strings count as unset: Compose passes `VAR=` for
 * variables left empty in `.env`.
 */
const emptyToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
/**
 * A public URL compose.yaml builds from a domain of .env (x-public-urls), held to that domain's
 * rule (seed/src/env-rules.ts, as make check-env and the seed); `path` follows the origin.
 */
const publicUrl = (name: "AUTH_URL" | "AUTH_LOGTO_ISSUER", path: string, example: string) =>
  z.preprocess(
    emptyToUndefined,
    z
      .string()
      .superRefine((value, context) => {
        const problem = publicUrlProblem(value, path);
        if (problem) {
          context.addIssue({ code: "custom", message: `${problem}: set it like ${example} (Compose builds it from ${publicUrlSources[name]} in .env)` });
        }
      })
      .optional(),
  );

export const DEFAULT_CREDENTIALS_FILE = "/run/app-credentials/logto-client.json";
export const DEFAULT_LOGTO_TIMEOUT_MS = 10_000;

export const envSchema = z.object({
  /** Public URL of the app, e.g. https://app.example.com (Auth.js reads it too). */
  AUTH_URL: publicUrl("AUTH_URL", "", "https://app.example.com"),
  /** Auth.js cookie encryption secret (Auth.js reads it directly). */
  AUTH_SECRET: optionalString,
  /** Logto's OIDC issuer, exactly `https://${LOGTO_DOMAIN}/oidc`. */
  AUTH_LOGTO_ISSUER: publicUrl("AUTH_LOGTO_ISSUER", "/oidc", "https://auth.example.com/oidc"),
  AUTH_LOGTO_ID: optionalString,
  AUTH_LOGTO_SECRET: optionalString,
  /** JSON `{"clientId","clientSecret"}` written by the seed; used when AUTH_LOGTO_ID/SECRET are unset. */
  APP_CREDENTIALS_FILE: z.preprocess(emptyToUndefined, z.string().default(DEFAULT_CREDENTIALS_FILE)),
  /** Timeout of each server-side call to Logto (discovery, token, refresh). */
  LOGTO_TIMEOUT_MS: z.preprocess(
    emptyToUndefined,
    z.coerce
      .number({ error: `not a number: a whole number of milliseconds, e.g. ${DEFAULT_LOGTO_TIMEOUT_MS}` })
      .int({ error: `a whole number of milliseconds, e.g. ${DEFAULT_LOGTO_TIMEOUT_MS}` })
      .positive({ error: `a positive number of milliseconds, e.g. ${DEFAULT_LOGTO_TIMEOUT_MS}` })
      .default(DEFAULT_LOGTO_TIMEOUT_MS),
  ),
  /** "true" shows the WeChat button (Compose derives it from WECHAT_APP_ID). */
  WECHAT_ENABLED: z.preprocess(
    emptyToUndefined,
    z
      .string()
      .optional()
      .transform((value) => value?.trim().toLowerCase() === "true"),
  ),
  /** ICP filing number shown in the footer, e.g. 京ICP备12345678号-1. */
  ICP_LICENSE: optionalString,
  /** Folder with operator-supplied privacy/terms texts (see README). */
  LEGAL_DIR: optionalString,
});

export type AppEnv = z.infer<typeof envSchema>;

class EnvError extends Error {
  override name = "EnvError";
}

/**
 * The secrets: compose.yaml hands each over as a file (NAME_FILE=/run/secrets/...) so that no
 * secret is in `docker inspect`; the test harness passes NAME itself.
 */
export const SECRET_VARIABLES = ["AUTH_SECRET", "AUTH_LOGTO_SECRET"] as const;

/** NAME from NAME_FILE: the file's content without its final newline (an empty file = unset). */
function withSecretFiles(source: Record<string, string | undefined>): { env: Record<string, string | undefined>; problems: string[] } {
  const env = { ...source };
  const problems: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const file = source[`${name}_FILE`]?.trim();
    if (!file) continue;
    if (source[name]?.trim()) {
      problems.push(`${name} and ${name}_FILE are both set: set one of them`);
      continue;
    }
    try {
      env[name] = readFileSync(file, "utf8").replace(/\r?\n$/, "");
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? String(error);
      problems.push(`${name}_FILE: ${file} cannot be read (${reason}); it must hold ${name} (compose.yaml hands it over from .env)`);
    }
  }
  return { env, problems };
}

/** Parses the environment; throws one EnvError naming every invalid variable and its fix. */
export function readEnv(source: Record<string, string | undefined>): AppEnv {
  const { env, problems } = withSecretFiles(source);
  const parsed = envSchema.safeParse(env);
  const names = [...problems, ...(parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`))];
  if (!parsed.success || names.length > 0) {
    throw new EnvError(`invalid environment: ${names.join("; ")}`);
  }
  return parsed.data;
}

// On globalThis: the proxy, the pages and instrumentation.ts are separate bundles in one process.
const store = globalThis as typeof globalThis & { __appEnv?: AppEnv };

/**
 * Parses the environment and keeps the result for the life of the process. instrumentation.ts
 * calls it when the server starts, so a bad value stops the server there instead of failing
 * every request.
 */
export function loadAppEnv(source: Record<string, string | undefined> = process.env): AppEnv {
  store.__appEnv = readEnv(source);
  return store.__appEnv;
}

/** The configuration parsed at start (or now, the first time, outside a started server). */
export function appEnv(): AppEnv {
  return store.__appEnv ?? loadAppEnv();
}

/**
 * The issuer exactly as Logto announces it: Auth.js compares discovery's `issuer` byte for byte,
 * and Logto's never ends with a slash, so a trailing slash typed by an operator is dropped.
 */
export function normalizeIssuer(issuer: string): string {
  return issuer.replace(/\/+$/, "");
}
