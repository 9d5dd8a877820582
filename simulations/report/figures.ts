/**
 * How the report reads runs and checks: a run's parameters as `k=v;k=v`,
 * a check's figures without its `ok`, a check's key figure (the one number a
 * sweep plots), and which parameters a set of runs sweeps.
 *
 * The key figure of a check is its entry in `KEY_FIGURE_OF` (the shipped
 * checkers' telling figure: `lost` → `missing`, `availability` → `share`,
 * `latency` → `sentMs.p99`...) when that is a finite number, else the first
 * of `KEY_FIGURES` it has, else its first finite number figure, else none:
 * a new checker gets a sensible figure without a change here.
 */
import type { CheckResult, RunResult } from '../types.ts';

export type ParamValue = number | string | boolean;

/** The key figure of each shipped checker (`simulations/checkers/`), a dotted path into its result. */
export const KEY_FIGURE_OF: Readonly<Record<string, string>> = {
  lost: 'missing',
  duplicated: 'duplicates',
  reordered: 'violations',
  receipts: 'violations',
  'seq-owners': 'clashes',
  availability: 'share',
  convergence: 'convergenceMs',
  latency: 'sentMs.p99',
  'messages-per-op': 'busPerMessage',
};

/** For checks not in `KEY_FIGURE_OF`: the usual names, most telling first. */
export const KEY_FIGURES = [
  'share',
  'missing',
  'violations',
  'duplicates',
  'clashes',
  'p99',
  'convergenceMs',
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

export function keyFigure(
  name: string,
  check: CheckResult,
): { name: string; value: number } | undefined {
  const preferred = KEY_FIGURE_OF[name];
  for (const path of preferred === undefined ? KEY_FIGURES : [preferred, ...KEY_FIGURES]) {
    const v = at(check, path);
    if (isNumber(v)) return { name: path, value: v };
  }
  for (const [figure, v] of Object.entries(check))
    if (isNumber(v)) return { name: figure, value: v };
  return undefined;
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

/** The value at a dotted path (`sentMs.p99`), undefined when any step is missing. */
function at(value: unknown, path: string): unknown {
  let here = value;
  for (const step of path.split('.')) {
    if (typeof here !== 'object' || here === null) return undefined;
    here = (here as Record<string, unknown>)[step];
  }
  return here;
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
