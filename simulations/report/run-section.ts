/**
 * One run's section of the report: its heading and replay command, the four
 * time plots, the message timeline of its chosen user, and its check
 * results (failing ones first, highlighted, each with its figures as pretty
 * JSON).
 *
 * Guarantees: every string from the run is escaped; an empty timeline or a
 * run with no checks says so instead of rendering an empty table; the
 * timeline scrolls inside a box of fixed height, so a long one does not
 * push the rest of the page away.
 */
import type { RunResult } from '../types.ts';
import { availabilityChart, fmtS, latencyChart, nodesChart, throughputChart } from './charts.ts';
import { escapeHtml as esc } from './escape.ts';
import { checksFailingFirst, figuresOf, jsonText, paramsText } from './figures.ts';

export function runSection(run: RunResult, index: number): string {
  const n = index + 1;
  const params = paramsText(run);
  return (
    `<section class="run" id="run-${n}" data-run="${n}">` +
    `<h2>Run #${n}: ${esc(run.scenario)} · seed ${esc(run.seed)}${params ? ` · ${esc(params)}` : ''} <span class="${run.ok ? 'badge ok' : 'badge fail'}">${run.ok ? 'ok' : 'FAIL'}</span></h2>` +
    commandBlock(run.command) +
    `<div class="plots">${latencyChart(run)}${throughputChart(run)}${availabilityChart(run)}${nodesChart(run)}</div>` +
    timeline(run) +
    checks(run) +
    '</section>'
  );
}

export function commandBlock(command: string): string {
  return `<div class="command"><code>${esc(command)}</code><button type="button" class="copy" title="copy the replay command">copy</button></div>`;
}

function timeline(run: RunResult): string {
  const { user, events } = run.timeline;
  const heading = `<h3>Timeline of ${esc(user)} <small>(${events.length} events)</small></h3>`;
  if (events.length === 0) return `${heading}<p class="empty">no events for ${esc(user)}</p>`;
  const rows = events
    .map((e) => `<tr><td>${fmtS(e.t)}</td><td>${esc(e.kind)}</td><td>${esc(e.text)}</td></tr>`)
    .join('');
  return `${heading}<div class="timeline"><table data-timeline="${esc(user)}"><thead><tr><th>time (s)</th><th>kind</th><th>event</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

function checks(run: RunResult): string {
  const list = checksFailingFirst(run);
  if (list.length === 0) return '<h3>Checks</h3><p class="empty">no checks ran</p>';
  const items = list
    .map(
      ([name, check]) =>
        `<div class="check ${check.ok ? 'ok' : 'fail'}" data-check="${esc(name)}"><h4>${check.ok ? '✓' : '✗'} ${esc(name)}</h4><pre>${esc(jsonText(figuresOf(check)))}</pre></div>`,
    )
    .join('');
  return `<h3>Checks</h3><div class="checks">${items}</div>`;
}
