import type { Metadata } from "next";
import type { ReactNode } from "react";
import { Frame } from "@/components/views";
import { appEnv } from "@/lib/env";
import { getRequestLocale } from "@/lib/request-locale";
import "./globals.css";

export const metadata: Metadata = {
  title: "微信登录示例 · WeChat sign-in demo",
  robots: { index: false },
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const { locale, t } = await getRequestLocale();
  return (
    <html lang={locale}>
      <body>
        <Frame t={t} icpLicense={appEnv().ICP_LICENSE}>
          {children}
        </Frame>
      </body>
    </html>
  );
}
