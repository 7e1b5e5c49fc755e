/**
 * Where to go after sign-in: only paths of this app. Auth.js's proxy passes an absolute
 * callbackUrl (built from AUTH_URL); a relative one comes from our own links. Anything else
 * (another origin, `//host`, garbage) falls back.
 */
export function safeRedirectPath(
  callbackUrl: string | string[] | undefined,
  authUrl: string | undefined,
  fallback = "/account",
): string {
  const value = Array.isArray(callbackUrl) ? callbackUrl[0] : callbackUrl;
  if (!value) return fallback;
  if (value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\")) return value;
  try {
    const url = new URL(value);
    if (authUrl && url.origin === new URL(authUrl).origin) return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    // not a URL
  }
  return fallback;
}
