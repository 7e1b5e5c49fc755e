import type { Session } from "next-auth";

/** Who to greet, or nobody: a session whose token refresh failed counts as signed out. */
export function signedInUser(session: Session | null): { name: string } | undefined {
  if (!session?.user || session.error) return undefined;
  return { name: session.user.name || session.user.id || "" };
}
