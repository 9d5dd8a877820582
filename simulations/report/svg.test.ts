/**
 * The SVG plots: gaps in a series break its line instead of dropping to 0,
 * a lone point is still drawn, every name and label is escaped, fault
 * windows are shaded and labelled (one without an end runs to the right
 * edge), lanes draw one rect per interval with its tooltip, and the axis
 * arithmetic gives nice, bounded ticks.
 */
import { describe, expect, it } from 'vitest';
import { formatTick, logDomain, logTicks, niceMax, niceTicks } from './scale.ts';
import { lineChart, swimlaneChart } from './svg.ts';

const x = { label: 'time', unit: 's', min: 0, max: 10 };

describe('lineChart', () => {
  it('breaks the line at undefined and non-finite values and draws a lone point as a dot', () => {
    const svg = lineChart({
      id: 'p',
      title: 't',
      x,
      y: { label: 'v', unit: 'ms' },
      series: [
        {
          name: 's',
          color: '#000',
          points: [
            { x: 1, y: 1 },
            { x: 2, y: 2 },
            { x: 3, y: undefined },
            { x: 4, y: 4 },
            { x: 5, y: Number.NaN },
            { x: 6, y: 6 },
            { x: 7, y: 7 },
          ],
        },
      ],
    });
    const d = /<g class="series" data-series="s"><path d="([^"]*)"/.exec(svg)?.[1] ?? '';
    expect(d.match(/M/g)).toHaveLength(3);
    expect(d.match(/L/g)).toHaveLength(2);
    expect(d).toMatch(/M[\d.]+ [\d.]+h0M/);
    expect(svg).not.toContain('no data');
  });

  it('says "no data" when no series has a finite point', () => {
    const svg = lineChart({
      id: 'p',
      title: 't',
      x,
      y: { label: 'v', unit: 'ms', log: true },
      series: [{ name: 's', color: '#000', points: [{ x: 1, y: undefined }] }],
    });
    expect(svg).toContain('>no data</text>');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('shades and labels fault windows, an endless one up to the right edge, all text escaped', () => {
    const svg = lineChart({
      id: 'p<"x">',
      title: 'a <b> & c',
      x,
      y: { label: 'v', unit: 'ms' },
      shades: [
        { fromX: 2, toX: 4, label: 'cut <n3>', title: 'cut "n3" 2–4 s' },
        { fromX: 8, toX: Number.POSITIVE_INFINITY, label: 'crash' },
      ],
      series: [{ name: '<s>', color: '#000', points: [{ x: 1, y: 1 }] }],
    });
    expect(svg).toContain('data-plot="p&lt;&quot;x&quot;&gt;"');
    expect(svg).toContain('>a &lt;b&gt; &amp; c</text>');
    expect(svg).toContain('>cut &lt;n3&gt;</text>');
    expect(svg).toContain('<title>cut &quot;n3&quot; 2–4 s</title>');
    expect(svg).toContain('data-series="&lt;s&gt;"');
    const rects = [
      ...svg.matchAll(/<rect class="fault" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g),
    ];
    expect(rects).toHaveLength(2);
    // Plot area 64..900 px for 0..10 s: 2–4 s is 167.2 px wide; 8 s to the edge is 167.2 too.
    expect(rects.map((m) => [Number(m[1]), Number(m[2])])).toEqual([
      [231.2, 167.2],
      [732.8, 167.2],
    ]);
  });

  it('puts a log axis on whole decades around the data', () => {
    const svg = lineChart({
      id: 'p',
      title: 't',
      x,
      y: { label: 'latency', unit: 'ms', log: true },
      series: [
        {
          name: 's',
          color: '#000',
          points: [
            { x: 1, y: 12 },
            { x: 2, y: 2400 },
          ],
        },
      ],
    });
    expect(svg).toContain('latency (ms, log scale)');
    for (const tick of ['10', '100', '1000', '10k']) expect(svg).toContain(`>${tick}</text>`);
  });
});

describe('swimlaneChart', () => {
  it('draws one rect per interval with its tooltip, clipped to the axis, and a legend of states', () => {
    const svg = swimlaneChart({
      id: 'nodes',
      title: 'views',
      x,
      states: { alive: '#0f0', down: '#999' },
      lanes: [
        {
          name: 'n1',
          intervals: [
            { fromX: -5, toX: 4, state: 'alive', title: 'view v3: n1@1, n2@1' },
            { fromX: 4, toX: 6, state: 'down', title: 'down' },
            { fromX: 6, toX: 20, state: 'alive', title: 'back <v4>' },
          ],
          counts: [
            { x: 0, y: 10 },
            { x: 5, y: 10 },
            { x: 6, y: 20 },
          ],
        },
        { name: 'n2', intervals: [] },
      ],
      countsLabel: 'actors',
    });
    const rects = [
      ...svg.matchAll(/<rect class="state state-(\w+)" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g),
    ];
    expect(rects.map((m) => [m[1], Number(m[2]), Number(m[3])])).toEqual([
      ['alive', 64, 334.4],
      ['down', 398.4, 167.2],
      ['alive', 565.6, 334.4],
    ]);
    expect(svg).toContain('<title>view v3: n1@1, n2@1</title>');
    expect(svg).toContain('<title>back &lt;v4&gt;</title>');
    expect(svg).toContain('data-lane="n2"');
    // Equal counts are one step: 10 then 20, then on to the edge.
    const d = /<path class="counts" d="([^"]*)"/.exec(svg)?.[1] ?? '';
    expect(d.match(/V/g)).toHaveLength(1);
    expect(svg).toContain('>actors (0–20)</text>');
  });
});

describe('axis arithmetic', () => {
  it('gives ticks at 1, 2 or 5 times a power of ten, inside the domain, rising, bounded', () => {
    expect(niceTicks(0, 60, 10)).toEqual([0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0.05, 0.1, 5)).toEqual([0.05, 0.06, 0.07, 0.08, 0.09, 0.1]);
    expect(niceTicks(3, 3)).toEqual([3]);
    expect(niceTicks(0, Number.NaN)).toEqual([0]);
    expect(niceTicks(0, 1e9, 5).length).toBeLessThanOrEqual(11);
    expect(niceMax(4300)).toBe(5000);
    expect(niceMax(0)).toBe(1);
    expect(formatTick(25000)).toBe('25k');
    expect(formatTick(0.30000000000000004)).toBe('0.3');
  });

  it('spans whole decades on a log axis', () => {
    expect(logDomain([12, 2400, 0, -1])).toEqual([10, 10000]);
    expect(logDomain([])).toEqual([1, 10]);
    expect(logDomain([100])).toEqual([100, 1000]);
    expect(logTicks(10, 10000)).toEqual([10, 100, 1000, 10000]);
    expect(logTicks(1, 100)).toEqual([1, 2, 5, 10, 20, 50, 100]);
  });
});
