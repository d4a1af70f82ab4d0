// Types for stats.mjs (nearest-rank percentiles).
export interface Summary {
  n: number;
  min: number | null;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}
export function percentile(sorted: ArrayLike<number>, p: number): number | null;
export function summarize(values: Iterable<number> | ArrayLike<number>): Summary;
