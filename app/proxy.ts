// Next 16's name for middleware.ts. Access rules live in auth.ts (callbacks.authorized).
export { auth as proxy } from "@/auth";

export const config = {
  // Skip Auth.js's own routes, the health check and static files.
  matcher: ["/((?!api/|_next/static|_next/image|favicon.ico|.*\\.(?:png|jpg|svg|ico|txt)$).*)"],
};
