import { LegalView } from "@/components/views";
import { appEnv } from "@/lib/env";
import { loadLegalText, parseLegalText } from "@/lib/legal";
import { getRequestLocale } from "@/lib/request-locale";

/** Text from LEGAL_DIR when the operator mounted one (read per request), else the built-in one. */
export default async function LegalPage() {
  const { locale } = await getRequestLocale();
  const { text } = await loadLegalText("terms", locale, appEnv().LEGAL_DIR);
  return <LegalView doc="terms" blocks={parseLegalText(text)} />;
}
