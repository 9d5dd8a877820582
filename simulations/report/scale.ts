/**
 * Axis arithmetic for the report's plots: linear scales, "nice" ticks
 * (1, 2 or 5 times a power of ten) and their labels.
 *
 * Guarantees: pure and deterministic; `niceTicks` returns at most
 * `target * 2 + 1` ticks, all within [min, max], rising; a degenerate domain
 * (min >= max, or not finite) gives a single tick instead of a loop.
 */

/** Maps [d0, d1] onto [r0, r1]; a zero-width domain maps everything to r0. */
export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0;
  if (span === 0) return () => r0;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

/** The tick step for about `target` intervals over `span`: 1, 2 or 5 times a power of ten. */
export function niceStep(span: number, target = 5): number {
  const raw = span / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / magnitude;
  return (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * magnitude;
}

/** Ticks for [min, max], at a nice step. */
export function niceTicks(min: number, max: number, target = 5): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) return [min];
  const step = niceStep(max - min, target);
  const ticks: number[] = [];
  const first = Math.ceil(min / step - 1e-9);
  for (let i = first; i * step <= max + step * 1e-9 && ticks.length <= target * 2; i++)
    ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

/** `max` rounded up to the next nice tick (so the top of the axis is labelled); 1 when nothing is positive. */
export function niceMax(max: number): number {
  if (!Number.isFinite(max) || max <= 0) return 1;
  const step = niceStep(max);
  return Number((Math.ceil(max / step - 1e-9) * step).toPrecision(12));
}

/** A tick label: at most 3 significant decimals, no trailing zeros, thousands as `k`. */
export function formatTick(v: number): string {
  if (Math.abs(v) >= 10_000) return `${Number((v / 1000).toPrecision(4))}k`;
  return String(Number(v.toPrecision(4)));
}

/** A coordinate rounded to 0.1 px: smaller files, same picture. */
export function px(v: number): string {
  return String(Math.round(v * 10) / 10);
}

/** The decade bounds of the positive values (min 10^k ≤ every value ≤ max 10^m, m > k); [1, 10] when none. */
export function logDomain(values: readonly number[]): [number, number] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return [1, 10];
  const lo = 10 ** Math.floor(Math.log10(Math.min(...positive)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...positive)));
  return [lo, hi > lo ? hi : lo * 10];
}

/** Ticks of a log axis over [min, max] (powers of ten): every decade, plus 2 and 5 within it when there are fewer than 3 decades. */
export function logTicks(min: number, max: number): number[] {
  if (!(min > 0) || !(max > min) || !Number.isFinite(max)) return [min];
  const decades = Math.round(Math.log10(max / min));
  const steps = decades < 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let d = 0; d <= decades && ticks.length < 40; d++)
    for (const s of steps) {
      const v = Number((min * 10 ** d * s).toPrecision(12));
      if (v <= max * (1 + 1e-9)) ticks.push(v);
    }
  return ticks;
}

/** A log10 scale from [d0, d1] onto [r0, r1]; values at or below 0 map to r0. */
export function logarithmic(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const inner = linear(Math.log10(d0), Math.log10(d1), r0, r1);
  return (v) => (v > 0 ? inner(Math.log10(v)) : r0);
}
