// Small statistics for the bench: medians, percentiles (nearest rank), spreads, formatting.

export function sorted(values: number[]): number[] {
  return [...values].sort((a, b) => a - b);
}

/** Nearest-rank percentile (p in 0..100) of a non-empty sample. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1]!;
}

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = sorted(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  p95: number;
}

export function summarize(values: number[]): Summary {
  return { n: values.length, median: median(values), min: Math.min(...values), max: Math.max(...values), p95: percentile(values, 95) };
}

/** "1.23 s" / "456 ms" */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

export function mb(bytes: number): string {
  if (!Number.isFinite(bytes)) return "n/a";
  return `${(bytes / 1024 / 1024).toFixed(bytes < 10 * 1024 * 1024 ? 1 : 0)} MB`;
}

/** "min–max (n=5)" in the unit of `fmt`. */
export function spread(s: Summary, fmt: (v: number) => string = ms): string {
  if (s.n === 0) return "n/a";
  return `${fmt(s.min)}–${fmt(s.max)} (n=${s.n})`;
}
