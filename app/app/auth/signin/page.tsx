import { headers } from "next/headers";
import { auth } from "@/auth";
import { AuthError } from "@/components/auth-error";
import { HomeView } from "@/components/views";
import { deviceKind } from "@/lib/device";
import { appEnv } from "@/lib/env";
import { safeRedirectPath } from "@/lib/redirect";
import { getRequestLocale } from "@/lib/request-locale";
import { signedInUser } from "@/lib/signed-in-user";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/**
 * pages.signIn: where the proxy sends a signed-out visitor of /account (with callbackUrl), and
 * where Auth.js sends sign-in errors of kind "signIn" (e.g. ?error=OAuthCallbackError when Logto
 * answers the callback with error=access_denied).
 */
export default async function SignInPage({ searchParams }: Props) {
  const [{ t }, params, session, requestHeaders] = await Promise.all([getRequestLocale(), searchParams, auth(), headers()]);
  const env = appEnv();
  if (params.error) return <AuthError t={t} env={env} error={params.error} />;
  return (
    <HomeView
      t={t}
      wechatEnabled={env.WECHAT_ENABLED}
      user={signedInUser(session)}
      redirectTo={safeRedirectPath(params.callbackUrl)}
      notice={t.signInToContinue}
      device={deviceKind(requestHeaders.get("user-agent"))}
    />
  );
}
