/**
 * The sweep section: for each parameter the runs sweep (its value differs
 * between runs), a table of every run by that value with each check's ok
 * and key figure, and, when the values are all numbers, a small plot per
 * check of its key figure against the value (the mean over the runs of one
 * value; each run's own figure is in the table).
 * Checks whose key figure is the same in every run get no plot (a flat line
 * says nothing the table does not).
 *
 * Guarantees: nothing is rendered when no parameter varies; every value is
 * escaped; a run without the parameter shows "—" and is left out of plots.
 */
import type { RunResult } from '../types.ts';
import { escapeHtml as esc } from './escape.ts';
import { checkNames, keyFigure, sweptParams } from './figures.ts';
import { lineChart } from './svg.ts';

const MAX_PLOTS = 9;

export function sweepSection(runs: readonly RunResult[]): string {
  const params = sweptParams(runs);
  if (params.length === 0) return '';
  return `<section id="sweep"><h2>Sweep</h2>${params.map((p) => sweepOf(p, runs)).join('')}</section>`;
}

function sweepOf(param: string, runs: readonly RunResult[]): string {
  const rows = runs
    .map((run, index) => ({ run, index, value: run.params?.[param] }))
    .sort((a, b) => compare(a.value, b.value) || a.index - b.index);
  const checks = checkNames(runs);
  // Each check's column is headed by its key figure's name; the cells hold the values.
  const figureOf = (name: string) =>
    runs
      .map((r) => r.checks[name])
      .flatMap((c) => (c === undefined ? [] : [keyFigure(name, c)]))
      .find((k) => k !== undefined)?.name;
  const head = `<tr><th>${esc(param)}</th><th>run</th><th>seed</th><th>ok</th>${checks
    .map((c) => {
      const figure = figureOf(c);
      return `<th>${esc(c)}${figure === undefined ? '' : `<br><small>${esc(figure)}</small>`}</th>`;
    })
    .join('')}</tr>`;
  const body = rows
    .map(({ run, index, value }) => {
      const cells = checks.map((name) => {
        const check = run.checks[name];
        if (check === undefined) return '<td>—</td>';
        const key = keyFigure(name, check);
        const text = key === undefined ? '' : String(Number(key.value.toPrecision(6)));
        return `<td class="${check.ok ? 'ok' : 'fail'}">${check.ok ? '✓' : '✗'} ${esc(text)}</td>`;
      });
      return `<tr><td>${value === undefined ? '—' : esc(value)}</td><td><a href="#run-${index + 1}">#${index + 1}</a></td><td>${esc(run.seed)}</td><td class="${run.ok ? 'ok' : 'fail'}">${run.ok ? 'ok' : 'FAIL'}</td>${cells.join('')}</tr>`;
    })
    .join('');
  const table = `<div class="scroll-x"><table class="sweep-table" data-param="${esc(param)}"><thead>${head}</thead><tbody>${body}</tbody></table></div>`;
  return `<h3>${esc(param)}</h3>${table}${plots(param, rows, checks)}`;
}

function plots(
  param: string,
  rows: readonly { run: RunResult; value: unknown }[],
  checks: readonly string[],
): string {
  const numeric = rows.filter(
    (r): r is { run: RunResult; value: number } => typeof r.value === 'number',
  );
  if (numeric.length < 2 || numeric.length !== rows.filter((r) => r.value !== undefined).length)
    return '';
  const xs = numeric.map((r) => r.value);
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  if (!(xMax > xMin)) return '';
  const charts: string[] = [];
  for (const name of checks) {
    const byValue = new Map<number, number[]>();
    let figure = '';
    for (const { run, value } of numeric) {
      const check = run.checks[name];
      const key = check === undefined ? undefined : keyFigure(name, check);
      if (key === undefined) continue;
      figure ||= key.name;
      byValue.set(value, [...(byValue.get(value) ?? []), key.value]);
    }
    const all = [...byValue.values()].flat();
    if (all.length < 2 || all.every((v) => v === all[0]) || charts.length >= MAX_PLOTS) continue;
    const points = [...byValue]
      .sort(([a], [b]) => a - b)
      .map(([x, ys]) => ({ x, y: ys.reduce((a, b) => a + b, 0) / ys.length }));
    const pad = (xMax - xMin) * 0.05;
    charts.push(
      lineChart({
        id: 'sweep',
        title: `${name}: ${figure} vs ${param}`,
        width: 440,
        height: 220,
        x: { label: param, unit: 'value', min: xMin - pad, max: xMax + pad },
        y: { label: figure, unit: figure.endsWith('Ms') ? 'ms' : 'figure' },
        series: [{ name: figure, color: '#d62728', points, markers: true }],
      }),
    );
  }
  return charts.length === 0 ? '' : `<div class="sweep-plots">${charts.join('')}</div>`;
}

function compare(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}
