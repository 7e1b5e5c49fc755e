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

let cached: { file: string; credentials: ClientCredentials } | undefined;

/** Forget a file read earlier (tests; a new seed run is picked up at the next start). */
export function resetCredentialsCache(): void {
  cached = undefined;
}

/**
 * AUTH_LOGTO_ID/AUTH_LOGTO_SECRET win when both are set; otherwise the seed's JSON file at
 * APP_CREDENTIALS_FILE. A file found once is kept for the life of the process; a missing file is
 * looked for again at the next call (the seed may still be running), so the app serves pages
 * meanwhile and sign-in explains what is missing.
 */
export function resolveCredentials(
  env: Pick<AppEnv, "AUTH_LOGTO_ID" | "AUTH_LOGTO_SECRET" | "APP_CREDENTIALS_FILE">,
  readFile: (path: string) => string = (path) => readFileSync(path, "utf8"),
): CredentialsResult {
  const { AUTH_LOGTO_ID: id, AUTH_LOGTO_SECRET: secret, APP_CREDENTIALS_FILE: file } = env;
  if (id && secret) return { ok: true, credentials: { clientId: id, clientSecret: secret, source: "env" } };
  if (id || secret) {
    return {
      ok: false,
      problem: `${id ? "AUTH_LOGTO_ID" : "AUTH_LOGTO_SECRET"} is set but ${id ? "AUTH_LOGTO_SECRET" : "AUTH_LOGTO_ID"} is not: set both, or neither to use ${file}`,
    };
  }
  if (cached?.file === file) return { ok: true, credentials: cached.credentials };

  let text: string;
  try {
    text = readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      return {
        ok: false,
        problem: `no Logto client credentials: ${file} does not exist yet (the seed writes it) and AUTH_LOGTO_ID/AUTH_LOGTO_SECRET are not set`,
      };
    }
    return { ok: false, problem: `cannot read ${file} (${code ?? String(error)}): the app runs as uid 1000` };
  }
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
  const credentials: ClientCredentials = { ...parsed.data, source: "file" };
  cached = { file, credentials };
  return { ok: true, credentials };
}
