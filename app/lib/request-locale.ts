import { headers } from "next/headers";
import { dictionaries, negotiateLocale, type Dictionary, type Locale } from "./i18n";

/** The visitor's language from Accept-Language (makes the page dynamic). */
export async function getRequestLocale(): Promise<{ locale: Locale; t: Dictionary }> {
  const locale = negotiateLocale((await headers()).get("accept-language"));
  return { locale, t: dictionaries[locale] };
}
