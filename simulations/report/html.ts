/**
 * The simulator's HTML report: one self-contained page for one or more runs
 * (`--runs K`, sweeps). Top to bottom: a summary table (scenario, seed,
 * params, ok, trace hash, simulated and wall seconds, speedup, each check's
 * ok with its figures in a tooltip and a `<details>`, the replay command in
 * a copyable block), the sweep section when parameters vary, then one
 * section per run (`run-section.ts`).
 *
 * Guarantees:
 * - self-contained: inline CSS and SVG, one small inline script (the copy
 *   buttons) and no external URL anywhere, so it opens from `file://` with
 *   no network;
 * - every string from the runs (scenario names, user ids, texts, figures)
 *   is escaped: data can never open a tag or run script;
 * - node samples are merged into intervals (`intervals.ts`), so the page
 *   stays small: about 100–150 KB per 600 s run.
 * Throws `invalid_argument` for an empty list of runs (nothing to report).
 */
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import type { RunResult } from '../types.ts';
import { REPORT_CSS } from './css.ts';
import { escapeHtml as esc } from './escape.ts';
import { checksFailingFirst, figuresOf, jsonText, paramsText } from './figures.ts';
import { commandBlock, runSection } from './run-section.ts';
import { sweepSection } from './sweep.ts';

export interface HtmlOptions {
  /** The page's title; default from the scenarios and the number of runs. */
  readonly title?: string;
}

/** Copies the command next to a `button.copy`; says so when the browser refuses the clipboard. */
const COPY_SCRIPT = `document.addEventListener('click', function (e) {
  var b = e.target && e.target.closest ? e.target.closest('button.copy') : null;
  if (!b) return;
  var code = b.parentElement.querySelector('code');
  var done = function (t) { b.textContent = t; };
  if (navigator.clipboard) navigator.clipboard.writeText(code.textContent).then(function () { done('copied'); }, function () { done('select and copy'); });
  else done('select and copy');
});`;

export function renderHtml(runs: readonly RunResult[], options: HtmlOptions = {}): string {
  if (runs.length === 0)
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      'renderHtml: runs is empty ([]); a report needs at least one RunResult',
    );
  const title = options.title ?? defaultTitle(runs);
  const nav =
    runs.length > 1
      ? `<nav><strong>Runs:</strong> ${runs.map((r, i) => `<a href="#run-${i + 1}">#${i + 1} seed ${esc(r.seed)}${r.ok ? '' : ' ✗'}</a>`).join(' ')}</nav>`
      : '';
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(title)}</title><style>${REPORT_CSS}</style></head><body>`,
    `<header><h1>${esc(title)}</h1>${nav}</header><main>`,
    summary(runs),
    sweepSection(runs),
    ...runs.map(runSection),
    `</main><script>${COPY_SCRIPT}</script></body></html>\n`,
  ].join('');
}

function defaultTitle(runs: readonly RunResult[]): string {
  const names = [...new Set(runs.map((r) => r.scenario))].join(', ');
  return runs.length === 1
    ? `Parley simulation: ${names}, seed ${runs[0]?.seed}`
    : `Parley simulation: ${names}, ${runs.length} runs`;
}

function summary(runs: readonly RunResult[]): string {
  const head =
    '<tr><th>run</th><th>scenario</th><th>seed</th><th>params</th><th>ok</th><th>trace</th>' +
    '<th>simulated s</th><th>wall s</th><th>speedup</th><th>checks</th><th>replay</th></tr>';
  const rows = runs
    .map((run, i) => {
      const checks = checksFailingFirst(run)
        .map(([name, check]) => {
          const figures = jsonText(figuresOf(check));
          return `<details class="check-badge ${check.ok ? 'ok' : 'fail'}" title="${esc(`${name}: ${jsonText(figuresOf(check), 0)}`)}"><summary>${check.ok ? '✓' : '✗'} ${esc(name)}</summary><pre>${esc(figures)}</pre></details>`;
        })
        .join('');
      return (
        `<tr data-run="${i + 1}"><td><a href="#run-${i + 1}">#${i + 1}</a></td><td>${esc(run.scenario)}</td>` +
        `<td class="seed">${esc(run.seed)}</td><td>${esc(paramsText(run)) || '—'}</td>` +
        `<td class="${run.ok ? 'ok' : 'fail'}">${run.ok ? 'ok' : 'FAIL'}</td><td class="trace"><code>${esc(run.trace)}</code></td>` +
        `<td class="num">${num(run.simulatedS)}</td><td class="num">${num(run.wallS)}</td><td class="num">${num(run.speedup)}×</td>` +
        `<td class="checks-cell">${checks}</td><td>${commandBlock(run.command)}</td></tr>`
      );
    })
    .join('');
  return `<section id="summary"><h2>Summary</h2><div class="scroll-x"><table class="summary"><thead>${head}</thead><tbody>${rows}</tbody></table></div></section>`;
}

function num(v: number): string {
  return Number.isFinite(v) ? esc(Number(v.toPrecision(6))) : esc(v);
}
