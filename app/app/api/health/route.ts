import { configProblems } from "@/lib/config-problems";
import { appEnv } from "@/lib/env";

// The container healthcheck: ready when sign-in is configured (never calls Logto). Not ready
// (503) names what is missing, e.g. the seed's credentials file; pages keep working meanwhile.
export const dynamic = "force-dynamic";

export function GET(): Response {
  const problems = configProblems(appEnv());
  return Response.json(problems.length ? { status: "not ready", problems } : { status: "ok" }, {
    status: problems.length ? 503 : 200,
    headers: { "cache-control": "no-store" },
  });
}
