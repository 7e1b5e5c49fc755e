// The report format shared with scripts/doctor.sh: "STATUS name: message", then "      fix: ...".
import type { CheckResult, Status } from "./types.ts";

export function formatResult(r: CheckResult): string {
  const head = `${r.status.padEnd(5)} ${r.name}: ${r.message}`;
  return r.fix && (r.status === "FAIL" || r.status === "WARN") ? `${head}\n      fix: ${r.fix}` : head;
}

export function countByStatus(results: CheckResult[]): Record<Status, number> {
  const counts: Record<Status, number> = { OK: 0, WARN: 0, FAIL: 0, SKIP: 0 };
  for (const r of results) counts[r.status] += 1;
  return counts;
}

/** Not "N passed, N failed": CI reads that phrase as a test summary. */
export const formatSummary = (c: Record<Status, number>) =>
  `doctor: ${c.OK} OK, ${c.WARN} WARN, ${c.FAIL} FAIL, ${c.SKIP} SKIP`;
