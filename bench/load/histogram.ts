/**
 * Latency recording on HdrHistogram: values in microseconds, 3 significant
 * digits, 1 µs to 120 s (a value past the top is clamped to it and counted in
 * `clamped`, never thrown). Summaries are in milliseconds.
 */
import * as hdr from 'hdr-histogram-js';

const HIGHEST_US = 120_000_000;

export interface LatencySummary {
  readonly count: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly meanMs: number;
}

export class Latency {
  private readonly h = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
  clamped = 0;

  /** Records one latency given in milliseconds. */
  recordMs(ms: number): void {
    let us = Math.round(ms * 1000);
    if (us < 1) us = 1;
    if (us > HIGHEST_US) {
      us = HIGHEST_US;
      this.clamped++;
    }
    this.h.recordValue(us);
  }

  get count(): number {
    return this.h.totalCount;
  }

  percentileMs(p: number): number {
    return this.h.totalCount === 0 ? 0 : this.h.getValueAtPercentile(p) / 1000;
  }

  reset(): void {
    this.h.reset();
    this.clamped = 0;
  }

  summary(): LatencySummary {
    const ms = (us: number) => Math.round(us) / 1000;
    const empty = this.h.totalCount === 0;
    return {
      count: this.h.totalCount,
      p50Ms: empty ? 0 : ms(this.h.getValueAtPercentile(50)),
      p90Ms: empty ? 0 : ms(this.h.getValueAtPercentile(90)),
      p99Ms: empty ? 0 : ms(this.h.getValueAtPercentile(99)),
      p999Ms: empty ? 0 : ms(this.h.getValueAtPercentile(99.9)),
      maxMs: empty ? 0 : ms(this.h.maxValue),
      meanMs: empty ? 0 : ms(this.h.mean),
    };
  }
}

/** `p50 1.2 / p99 3.4 / max 9.9 ms`, for progress lines. */
export function brief(s: LatencySummary): string {
  return `p50 ${s.p50Ms} p99 ${s.p99Ms} max ${s.maxMs} ms`;
}
