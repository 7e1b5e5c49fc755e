import { redirect } from "next/navigation";
import { auth } from "@/auth";
import { AccountView } from "@/components/views";
import { getRequestLocale } from "@/lib/request-locale";

export default async function AccountPage() {
  const [{ locale, t }, session] = await Promise.all([getRequestLocale(), auth()]);
  // The proxy already guards /account; this covers a request that bypassed it.
  if (session?.error) redirect("/auth/expired");
  if (!session?.user) redirect("/auth/signin?callbackUrl=%2Faccount");
  return (
    <AccountView
      t={t}
      locale={locale}
      user={{ id: session.user.id ?? "", name: session.user.name, image: session.user.image }}
      expires={session.expires}
    />
  );
}
