import { AuthError } from "@/components/auth-error";
import { appEnv } from "@/lib/env";
import { getRequestLocale } from "@/lib/request-locale";

type Props = { searchParams: Promise<Record<string, string | string[] | undefined>> };

/** pages.error: every Auth.js error lands here (?error=Configuration|AccessDenied|...). */
export default async function AuthErrorPage({ searchParams }: Props) {
  const [{ t }, params] = await Promise.all([getRequestLocale(), searchParams]);
  return <AuthError t={t} env={appEnv()} error={params.error} />;
}
