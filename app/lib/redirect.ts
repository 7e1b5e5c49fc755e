/**
 * Where to go after sign-in: only paths of this app. Auth.js's proxy passes an absolute
 * callbackUrl (its host taken from the Host header); our own links pass a path. Only the path of
 * an absolute URL is kept, so another origin can never be the target; `//host` and garbage fall
 * back.
 */
export function safeRedirectPath(
  callbackUrl: string | string[] | undefined,
  fallback = "/account",
): string {
  const value = Array.isArray(callbackUrl) ? callbackUrl[0] : callbackUrl;
  if (!value) return fallback;
  if (value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\")) return value;
  try {
    const url = new URL(value);
    if (url.protocol === "https:" || url.protocol === "http:") return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    // not a URL
  }
  return fallback;
}
