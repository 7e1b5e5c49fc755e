import { auth } from "@/auth";
import { ErrorView, HomeView } from "@/components/views";
import { configProblems } from "@/lib/config-problems";
import { readEnv } from "@/lib/env";
import { toErrorCode } from "@/lib/i18n";
import { safeRedirectPath } from "@/lib/redirect";
import { getRequestLocale } from "@/lib/request-locale";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * pages.signIn: where the proxy sends a signed-out visitor of /account (with callbackUrl), and
 * where Auth.js sends sign-in errors of kind "signIn" (e.g. ?error=OAuthCallbackError when Logto
 * answers the callback with error=access_denied).
 */
export default async function SignInPage({ searchParams }: Props) {
  const [{ t }, params, session] = await Promise.all([getRequestLocale(), searchParams, auth()]);
  const env = readEnv();
  if (params.error) {
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
  const signedIn = session?.user && !session.error;
  return (
    <HomeView
      t={t}
      wechatEnabled={env.WECHAT_ENABLED}
      user={signedIn ? { name: session.user?.name || session.user?.id || "" } : undefined}
      redirectTo={safeRedirectPath(params.callbackUrl)}
      notice={t.signInToContinue}
    />
  );
}
