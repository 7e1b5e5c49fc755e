import { z } from "zod";

/**
 * The app's configuration, read from the environment at request time (never at build time,
 * so one image serves any domain). Empty strings count as unset: Compose passes `VAR=` for
 * variables left empty in `.env`.
 */
const emptyToUndefined = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

const optionalString = z.preprocess(emptyToUndefined, z.string().trim().optional());
const optionalUrl = z.preprocess(emptyToUndefined, z.url().optional());

export const DEFAULT_CREDENTIALS_FILE = "/run/app-credentials/logto-client.json";
export const DEFAULT_LOGTO_TIMEOUT_MS = 10_000;

export const envSchema = z.object({
  /** Public URL of the app, e.g. https://app.example.com (Auth.js reads it too). */
  AUTH_URL: optionalUrl,
  /** Auth.js cookie encryption secret (Auth.js reads it directly). */
  AUTH_SECRET: optionalString,
  /** Logto's OIDC issuer, exactly `https://${LOGTO_DOMAIN}/oidc`. */
  AUTH_LOGTO_ISSUER: optionalUrl,
  AUTH_LOGTO_ID: optionalString,
  AUTH_LOGTO_SECRET: optionalString,
  /** JSON `{"clientId","clientSecret"}` written by the seed; used when AUTH_LOGTO_ID/SECRET are unset. */
  APP_CREDENTIALS_FILE: z.preprocess(emptyToUndefined, z.string().default(DEFAULT_CREDENTIALS_FILE)),
  /** Where the server reaches Logto when not by its public URL, e.g. http://logto:3001. */
  LOGTO_INTERNAL_URL: optionalUrl,
  /** Timeout of each server-side call to Logto (discovery, token, refresh). */
  LOGTO_TIMEOUT_MS: z.preprocess(
    emptyToUndefined,
    z.coerce.number().int().positive().default(DEFAULT_LOGTO_TIMEOUT_MS),
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

/** Parses the environment; throws one EnvError naming every invalid variable. */
export function readEnv(source: Record<string, string | undefined> = process.env): AppEnv {
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const names = parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
    throw new EnvError(`Invalid environment: ${names.join("; ")}`);
  }
  return parsed.data;
}

/**
 * The issuer exactly as Logto announces it: Auth.js compares discovery's `issuer` byte for byte,
 * and Logto's never ends with a slash, so a trailing slash typed by an operator is dropped.
 */
export function normalizeIssuer(issuer: string): string {
  return issuer.replace(/\/+$/, "");
}
