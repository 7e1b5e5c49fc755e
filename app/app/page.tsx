import { auth } from "@/auth";
import { HomeView } from "@/components/views";
import { appEnv } from "@/lib/env";
import { getRequestLocale } from "@/lib/request-locale";
import { signedInUser } from "@/lib/signed-in-user";

export default async function HomePage() {
  const [{ t }, session] = await Promise.all([getRequestLocale(), auth()]);
  return (
    <HomeView
      t={t}
      wechatEnabled={appEnv().WECHAT_ENABLED}
      user={signedInUser(session)}
      redirectTo="/account"
    />
  );
}
