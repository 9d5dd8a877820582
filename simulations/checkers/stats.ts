/**
 * Exact percentiles (nearest rank) over a sample, for the latency figures and
 * the series. No histogram: the sample is sorted once, so every figure is a
 * value that was observed.
 */

export interface Summary {
  readonly count: number;
  /** Undefined when `count` is 0. */
  readonly p50?: number;
  readonly p90?: number;
  readonly p99?: number;
  readonly max?: number;
}

/** An ascending (numeric) sorted copy of `values`. */
export function sortNumbers(values: number[]): Float64Array {
  return Float64Array.from(values).sort();
}

/** The nearest-rank `p`-th percentile (0 < p <= 100) of ascending `sorted`; undefined if empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number | undefined {
  const n = sorted.length;
  if (n === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  return sorted[Math.min(n, rank) - 1];
}

/** Count, p50, p90, p99 and max of `values`. */
export function summarize(values: number[]): Summary {
  if (values.length === 0) return { count: 0 };
  const sorted = sortNumbers(values);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1],
  };
}
