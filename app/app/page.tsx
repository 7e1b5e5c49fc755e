import { headers } from "next/headers";
import { auth } from "@/auth";
import { HomeView } from "@/components/views";
import { deviceKind } from "@/lib/device";
import { appEnv } from "@/lib/env";
import { getRequestLocale } from "@/lib/request-locale";
import { signedInUser } from "@/lib/signed-in-user";

export default async function HomePage() {
  const [{ t }, session, requestHeaders] = await Promise.all([getRequestLocale(), auth(), headers()]);
  return (
    <HomeView
      t={t}
      wechatEnabled={appEnv().WECHAT_ENABLED}
      user={signedInUser(session)}
      redirectTo="/account"
      device={deviceKind(requestHeaders.get("user-agent"))}
    />
  );
}
