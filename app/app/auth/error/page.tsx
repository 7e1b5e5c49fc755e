import { ErrorView } from "@/components/views";
import { configProblems } from "@/lib/config-problems";
import { readEnv } from "@/lib/env";
import { toErrorCode } from "@/lib/i18n";
import { getRequestLocale } from "@/lib/request-locale";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** pages.error: every Auth.js error lands here (?error=Configuration|AccessDenied|...). */
export default async function AuthErrorPage({ searchParams }: Props) {
  const [{ t }, params] = await Promise.all([getRequestLocale(), searchParams]);
  const env = readEnv();
  const code = toErrorCode(params.error);
  return (
    <ErrorView
      t={t}
      code={code}
      rawCode={Array.isArray(params.error) ? params.error[0] : params.error}
      operatorProblems={code === "Configuration" || code === "MissingCredentials" ? configProblems(env) : []}
      wechatEnabled={env.WECHAT_ENABLED}
    />
  );
}
