/** Runs once when the server starts: say how sign-in is configured, so the log shows it. */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { readEnv } = await import("./lib/env");
  const { configProblems } = await import("./lib/config-problems");
  const { resolveCredentials } = await import("./lib/credentials");
  try {
    const env = readEnv();
    const credentials = resolveCredentials(env);
    const problems = configProblems(env);
    const source = credentials.ok
      ? credentials.credentials.source === "env"
        ? "AUTH_LOGTO_ID/AUTH_LOGTO_SECRET"
        : env.APP_CREDENTIALS_FILE
      : "none";
    console.log(
      `[app] issuer ${env.AUTH_LOGTO_ISSUER ?? "(unset)"}${env.LOGTO_INTERNAL_URL ? ` via ${env.LOGTO_INTERNAL_URL}` : ""}, client credentials from ${source}, WeChat button ${env.WECHAT_ENABLED ? "on" : "off"}`,
    );
    for (const problem of problems) console.warn(`[app] sign-in will fail until fixed: ${problem}`);
  } catch (error) {
    console.error(`[app] ${(error as Error).message}`);
  }
}
