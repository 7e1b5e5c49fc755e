import { ErrorView } from "@/components/views";
import { configProblems } from "@/lib/config-problems";
import type { AppEnv } from "@/lib/env";
import { toErrorCode, type Dictionary } from "@/lib/i18n";

/**
 * The card for an Auth.js `?error=` value. Only configuration errors carry the operator's hints:
 * any other error says nothing about how the server is set up.
 */
export function AuthError({ t, env, error }: { t: Dictionary; env: AppEnv; error: string | string[] | undefined }) {
  const code = toErrorCode(error);
  return (
    <ErrorView
      t={t}
      code={code}
      rawCode={Array.isArray(error) ? error[0] : error}
      operatorProblems={code === "Configuration" || code === "MissingCredentials" ? configProblems(env) : []}
      wechatEnabled={env.WECHAT_ENABLED}
    />
  );
}
