import { auth, signOut } from "@/auth";
import { appEnv } from "@/lib/env";

export const dynamic = "force-dynamic";

/**
 * The proxy sends a visitor here when their access token could not be refreshed: clear the
 * session (a page cannot set cookies, a route handler can), then show why on the error page.
 * A visitor without a broken session is only redirected, so this is no sign-out link for others.
 */
export async function GET(request: Request): Promise<Response> {
  const session = await auth();
  if (session?.error) await signOut({ redirect: false });
  const base = appEnv().AUTH_URL ?? request.url;
  const target = session?.error ? `/auth/error?error=${session.error}` : "/";
  return Response.redirect(new URL(target, base), 303);
}
