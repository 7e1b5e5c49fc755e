import { auth } from "@/auth";
import { HomeView } from "@/components/views";
import { readEnv } from "@/lib/env";
import { getRequestLocale } from "@/lib/request-locale";

export default async function HomePage() {
  const [{ t }, session] = await Promise.all([getRequestLocale(), auth()]);
  const signedIn = session?.user && !session.error;
  return (
    <HomeView
      t={t}
      wechatEnabled={readEnv().WECHAT_ENABLED}
      user={signedIn ? { name: session.user?.name || session.user?.id || "" } : undefined}
      redirectTo="/account"
    />
  );
}
