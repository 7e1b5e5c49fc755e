/**
 * Runs once when the server starts, before it listens: reads and validates the configuration (a
 * bad value stops the server here, naming the variable, instead of failing every request), then
 * says how sign-in is configured. Missing pieces of sign-in are only warnings: pages work without
 * them, and the seed may still be writing the credentials file (/api/health says not ready).
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { loadAppEnv } = await import("./lib/env");
  const { configProblems } = await import("./lib/config-problems");
  const { resolveCredentials } = await import("./lib/credentials");
  let env;
  try {
    env = loadAppEnv();
  } catch (error) {
    console.error(`[app] not starting: ${(error as Error).message}`);
    process.exit(1);
  }
  const credentials = resolveCredentials(env);
  const source = credentials.ok
    ? credentials.credentials.source === "env"
      ? "AUTH_LOGTO_ID/AUTH_LOGTO_SECRET"
      : env.APP_CREDENTIALS_FILE
    : "none";
  console.log(
    `[app] issuer ${env.AUTH_LOGTO_ISSUER ?? "(unset)"}, client credentials from ${source}, WeChat button ${env.WECHAT_ENABLED ? "on" : "off"}`,
  );
  for (const problem of configProblems(env)) console.warn(`[app] sign-in will fail until fixed: ${problem}`);
}
