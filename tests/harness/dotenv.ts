/** `.env` text with `overrides` applied: a value replaces (or appends) NAME=value, undefined deletes the line. */
export function withDotenv(text: string, overrides: Record<string, string | undefined>): string {
  const seen = new Set<string>();
  const lines = text.split("\n").flatMap((line) => {
    const m = /^([A-Z0-9_]+)=/.exec(line);
    if (!m || !(m[1]! in overrides)) return [line];
    seen.add(m[1]!);
    const v = overrides[m[1]!];
    return v === undefined ? [] : [`${m[1]}=${v}`];
  });
  for (const [k, v] of Object.entries(overrides)) if (!seen.has(k) && v !== undefined) lines.push(`${k}=${v}`);
  return lines.join("\n");
}
