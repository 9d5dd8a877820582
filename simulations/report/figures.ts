/**
 * How the report reads runs and checks: a run's parameters as `k=v;k=v`,
 * a check's figures without its `ok`, a check's key figure (the one number a
 * sweep plots), and which parameters a set of runs sweeps.
 *
 * The key figure is the first of `KEY_FIGURES` the check has as a finite
 * number, else its first finite number figure, else none: checkers name
 * their figures freely, so this prefers the usual names and falls back.
 */
import type { CheckResult, RunResult } from '../types.ts';

export type ParamValue = number | string | boolean;

/** Preferred key figures, most telling first. */
export const KEY_FIGURES = [
  'share',
  'availability',
  'lost',
  'duplicated',
  'reordered',
  'conflicts',
  'nonMonotonic',
  'p99Ms',
  'sentP99Ms',
  'deliverP99Ms',
  'convergedAfterMs',
  'perOp',
  'busPerSend',
] as const;

export function paramsText(run: RunResult): string {
  return Object.entries(run.params ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(';');
}

/** A check's figures, `ok` left out. */
export function figuresOf(check: CheckResult): Record<string, unknown> {
  const { ok: _ok, ...figures } = check;
  return figures;
}

export function keyFigure(check: CheckResult): { name: string; value: number } | undefined {
  const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
  for (const name of KEY_FIGURES) {
    const v = check[name];
    if (isNumber(v)) return { name, value: v };
  }
  for (const [name, v] of Object.entries(check)) if (isNumber(v)) return { name, value: v };
  return undefined;
}

/** Parameter names whose value differs between runs (a run without one counts as its own value). */
export function sweptParams(runs: readonly RunResult[]): string[] {
  const names = new Set(runs.flatMap((r) => Object.keys(r.params ?? {})));
  return [...names].filter((name) => {
    const values = new Set(runs.map((r) => JSON.stringify(r.params?.[name] ?? null)));
    return values.size > 1;
  });
}

/**
 * `value` as (pretty) JSON that never throws: bigints as strings, a cycle
 * or any other failure as a note naming it.
 */
export function jsonText(value: unknown, indent = 2): string {
  try {
    return (
      JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? String(v) : v), indent) ??
      String(value)
    );
  } catch (err) {
    return `(not JSON: ${(err as Error).message})`;
  }
}

/** Check names of all runs, in first-seen order. */
export function checkNames(runs: readonly RunResult[]): string[] {
  return [...new Set(runs.flatMap((r) => Object.keys(r.checks)))];
}

/** A run's checks, failing first, then by name. */
export function checksFailingFirst(run: RunResult): [string, CheckResult][] {
  return Object.entries(run.checks).sort(
    ([a, ca], [b, cb]) => Number(ca.ok) - Number(cb.ok) || (a < b ? -1 : a > b ? 1 : 0),
  );
}
