/**
 * renderHtml: untrusted strings (user ids, scenario names, texts, figures)
 * are shown as text and never open a tag; the page references nothing
 * outside itself; a run with no traffic, or no series at all, renders with
 * "no data" plots; failing checks come first; the sweep section appears
 * only when parameters vary; and ten 600 s runs stay under 2 MB.
 */
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../runtime/index.ts';
import type { RunResult } from '../types.ts';
import { fixtureRun } from './fixture.ts';
import { renderHtml } from './html.ts';

const EVIL = '<script>window.__pwned=1</script>';

describe('renderHtml', () => {
  it('shows a <script> in a user id, scenario name, event text or figure as text, never as a tag', () => {
    const base = fixtureRun({ user: EVIL, scenario: `"><img src=x onerror=alert(1)>${EVIL}` });
    const run: RunResult = {
      ...base,
      checks: { ...base.checks, [`x${EVIL}`]: { ok: false, example: EVIL } },
      timeline: {
        user: EVIL,
        events: [{ t: 1234, kind: 'deliver', text: `hi ${EVIL} & </table>` }],
      },
      params: { [EVIL]: EVIL },
    };
    const html = renderHtml([run, fixtureRun({ seed: 2 })]);
    // The page's own copy script is the only script element.
    expect(html.match(/<script/gi)).toHaveLength(1);
    expect(html).not.toContain('<img');
    expect(html).not.toContain('</table>"');
    expect(html).toContain('&lt;script&gt;window.__pwned=1&lt;/script&gt;');
    expect(html).toContain('hi &lt;script&gt;window.__pwned=1&lt;/script&gt; &amp; &lt;/table&gt;');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;');
  });

  it('references nothing outside the page (no src, external href, url() or import)', () => {
    const html = renderHtml([fixtureRun(), fixtureRun({ seed: 2, params: { a: 1 } })]);
    expect(html).not.toMatch(/\ssrc=/i);
    expect(html).not.toMatch(/url\(/i);
    expect(html).not.toMatch(/@import/i);
    const hrefs = [...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]);
    expect(hrefs.length).toBeGreaterThan(0);
    for (const href of hrefs) expect(href).toMatch(/^#/);
    // The only absolute URL is the SVG namespace, which is a name, not a fetch.
    const urls = new Set([...html.matchAll(/https?:\/\/[^"'\s)]+/g)].map((m) => m[0]));
    expect([...urls]).toEqual(['http://www.w3.org/2000/svg']);
  });

  it('renders a run with no sends, and one with no series or samples at all, with "no data" plots', () => {
    const quiet = fixtureRun({ sends: false });
    const bare: RunResult = {
      ...quiet,
      series: [],
      nodes: [],
      faults: [],
      timeline: { user: 'u1', events: [] },
      checks: {},
    };
    const html = renderHtml([quiet, bare]);
    const sections = html.split('<section class="run"').slice(1);
    expect(sections).toHaveLength(2);
    // No latency or availability anywhere in the quiet run; throughput is a flat 0.
    expect(sections[0]?.match(/>no data</g)).toHaveLength(2);
    expect(sections[1]?.match(/>no data</g)).toHaveLength(3);
    expect(sections[1]).toContain('no events for u1');
    expect(sections[1]).toContain('no checks ran');
    expect(html).not.toMatch(/NaN|undefined|Infinity/);
  });

  it('lists failing checks first, highlighted, in the summary and in the run', () => {
    const html = renderHtml([fixtureRun({ failing: true })]);
    const order = [...html.matchAll(/data-check="([^"]+)"/g)].map((m) => m[1]);
    expect(order.slice(0, 2)).toEqual(['availability', 'lost']);
    expect(html).toContain('<div class="check fail" data-check="availability">');
    const summary = html.slice(html.indexOf('id="summary"'), html.indexOf('<section class="run"'));
    expect(summary.indexOf('✗ availability')).toBeLessThan(summary.indexOf('✓ convergence'));
    expect(summary).toContain('<td class="fail">FAIL</td>');
  });

  it('adds a sweep table and plots only when a parameter varies between runs', () => {
    const same = renderHtml([
      fixtureRun({ params: { a: 1 } }),
      fixtureRun({ seed: 2, params: { a: 1 } }),
    ]);
    expect(same).not.toContain('id="sweep"');
    const swept = renderHtml([
      fixtureRun({ params: { 'network.dropRate': 0.1 } }),
      fixtureRun({ seed: 2, params: { 'network.dropRate': 0 }, failing: true }),
    ]);
    expect(swept).toContain('<table class="sweep-table" data-param="network.dropRate">');
    // Rows by value: 0 (run #2, failing) before 0.1 (run #1).
    const table = swept.slice(
      swept.indexOf('sweep-table'),
      swept.indexOf('</table>', swept.indexOf('sweep-table')),
    );
    expect(table.indexOf('href="#run-2"')).toBeLessThan(table.indexOf('href="#run-1"'));
    // availability's share and lost's count differ between the runs: one plot each.
    expect(swept.match(/data-plot="sweep"/g)).toHaveLength(2);
    expect(swept).toContain('availability: share vs network.dropRate');
  });

  it('keeps ten 600 s runs under 2 MB', () => {
    const runs = Array.from({ length: 10 }, (_, i) =>
      fixtureRun({
        seed: i,
        durationS: 600,
        nodeSampleMs: 1000,
        params: { 'users.count': 100 * (i + 1) },
      }),
    );
    expect(runs[0]?.nodes).toHaveLength(1800);
    const bytes = Buffer.byteLength(renderHtml(runs));
    expect(bytes).toBeLessThan(2_000_000);
  });

  it('refuses an empty list of runs with invalid_argument', () => {
    expect(() => renderHtml([])).toThrow(ParleyError);
    expect(() => renderHtml([])).toThrow(
      'renderHtml: runs is empty ([]); a report needs at least one RunResult',
    );
  });
});
