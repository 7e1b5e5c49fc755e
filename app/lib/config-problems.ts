import { resolveCredentials } from "./credentials";
import type { AppEnv } from "./env";

/** Local reasons why sign-in cannot work, in words for the operator (no secrets). */
export function configProblems(env: AppEnv): string[] {
  const problems: string[] = [];
  if (!env.AUTH_SECRET) problems.push("AUTH_SECRET is not set");
  if (!env.AUTH_URL) problems.push("AUTH_URL is not set (the public URL of the app, e.g. https://app.example.com)");
  if (!env.AUTH_LOGTO_ISSUER) problems.push("AUTH_LOGTO_ISSUER is not set (e.g. https://auth.example.com/oidc)");
  const credentials = resolveCredentials(env);
  if (!credentials.ok) problems.push(credentials.problem);
  return problems;
}
