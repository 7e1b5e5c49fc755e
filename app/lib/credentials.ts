import { readFileSync } from "node:fs";
import { z } from "zod";
import type { AppEnv } from "./env";

/** The seed's credentials file: `{"clientId":"...","clientSecret":"..."}`. */
const credentialsFileSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});

export type ClientCredentials = {
  clientId: string;
  clientSecret: string;
  source: "env" | "file";
};

export type CredentialsResult =
  | { ok: true; credentials: ClientCredentials }
  | { ok: false; problem: string };

// On globalThis: the proxy, the pages and instrumentation.ts are separate bundles in one process.
const store = globalThis as typeof globalThis & {
  __appCredentials?: { file: string; text: string; result: CredentialsResult };
};

/**
 * AUTH_LOGTO_ID/AUTH_LOGTO_SECRET win when both are set; otherwise the seed's JSON file at
 * APP_CREDENTIALS_FILE as it is now. The file is read on every call (a few dozen bytes, some
 * microseconds; parsed again only when its text changed), so a seed run that rotates the client
 * (e.g. after the application was deleted in the console) is picked up without a restart. A
 * missing file is a problem sign-in explains, not a crash: the seed may still be running.
 */
export function resolveCredentials(
  env: Pick<AppEnv, "AUTH_LOGTO_ID" | "AUTH_LOGTO_SECRET" | "APP_CREDENTIALS_FILE">,
): CredentialsResult {
  const { AUTH_LOGTO_ID: id, AUTH_LOGTO_SECRET: secret, APP_CREDENTIALS_FILE: file } = env;
  if (id && secret) return { ok: true, credentials: { clientId: id, clientSecret: secret, source: "env" } };
  if (id || secret) {
    return {
      ok: false,
      problem: `${id ? "AUTH_LOGTO_ID" : "AUTH_LOGTO_SECRET"} is set but ${id ? "AUTH_LOGTO_SECRET" : "AUTH_LOGTO_ID"} is not: set both, or neither to use ${file}`,
    };
  }

  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    return unreadable(file, error);
  }
  const cached = store.__appCredentials;
  if (cached?.file === file && cached.text === text) return cached.result;

  const result = parseCredentials(file, text);
  if (result.ok && cached?.file === file && cached.result.ok) {
    const before = cached.result.credentials.clientId;
    const now = result.credentials.clientId;
    console.log(`[app] ${file} changed: client credentials reloaded (client id ${before === now ? "unchanged" : `${before} -> ${now}`})`);
  }
  store.__appCredentials = { file, text, result };
  return result;
}

function parseCredentials(file: string, text: string): CredentialsResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: `${file} is not valid JSON` };
  }
  const parsed = credentialsFileSchema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problem: `${file} lacks a non-empty "clientId" and "clientSecret"` };
  }
  return { ok: true, credentials: { ...parsed.data, source: "file" } };
}

function unreadable(file: string, error: unknown): CredentialsResult {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === "ENOENT") {
    return {
      ok: false,
      problem: `no Logto client credentials: ${file} does not exist yet (the seed writes it) and AUTH_LOGTO_ID/AUTH_LOGTO_SECRET are not set`,
    };
  }
  return { ok: false, problem: `cannot read ${file} (${code ?? String(error)}): the app runs as uid 1000` };
}
