/**
 * What kind of device asks, from its User-Agent, for the one thing the sign-in page must know:
 * whether the visitor can scan a WeChat QR code shown on this screen.
 *   wechat   WeChat's in-app browser (MicroMessenger): the WeChat button signs in there directly
 *            (the stack's connector uses the Official Account; no QR code)
 *   phone    any other phone browser: a QR code on its own screen cannot be scanned by it
 *   desktop  everything else: the QR code, scanned with the phone
 */
export type DeviceKind = "wechat" | "phone" | "desktop";

const wechatBrowser = /MicroMessenger/i;
// "Mobile" covers iOS Safari, Chrome for Android and most Android browsers; the others name the OS.
const phoneBrowser = /Mobile|Android|iPhone|iPod|HarmonyOS|Windows Phone/i;

export function deviceKind(userAgent: string | null | undefined): DeviceKind {
  if (!userAgent) return "desktop";
  if (wechatBrowser.test(userAgent)) return "wechat";
  return phoneBrowser.test(userAgent) ? "phone" : "desktop";
}
