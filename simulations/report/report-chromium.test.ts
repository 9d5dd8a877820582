/**
 * The HTML report in real headless Chromium (`tests/support/chromium.ts`):
 * two fixture runs (a sweep over `network.dropRate`, the second with a
 * `<script>` as its timeline user) written with `writeReport` to a temp
 * folder and opened from `file://`. Asserts that the page loads with no
 * console or page error and no request but the file itself, that the
 * summary shows both seeds and trace hashes, that the five plots (latency,
 * throughput, availability, node views, sweep) are SVGs with drawn marks,
 * that fault windows are shaded and labelled, that the timeline has its
 * rows, that the hostile user id is text and never ran, and that a
 * screenshot is not blank.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ensureChromium,
  type RunningChromium,
  startChromium,
} from '../../tests/support/chromium.ts';
import { fixtureRun } from './fixture.ts';
import { pngColours } from './png-colours.ts';
import { writeReport } from './write.ts';

const EVIL = '<script>window.__pwned=1</script>';

describe('the HTML report in Chromium', () => {
  let chromium: RunningChromium;
  let dir: string;
  const runs = [
    fixtureRun({ seed: 42, params: { 'network.dropRate': 0 } }),
    fixtureRun({ seed: 7, params: { 'network.dropRate': 0.05 }, failing: true, user: EVIL }),
  ];

  beforeAll(async () => {
    await ensureChromium();
    chromium = await startChromium();
    dir = await mkdtemp(join(tmpdir(), 'parley-report-chromium-'));
  }, 120_000);

  afterAll(async () => {
    await chromium?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('renders both runs with their plots, fault windows and timeline, offline and without errors', async () => {
    await writeReport(dir, runs);
    const url = pathToFileURL(join(dir, 'report.html')).href;
    const context = await chromium.browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const page = await context.newPage();
      const problems: string[] = [];
      const requests: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(url, { waitUntil: 'load' });

      // The summary: both seeds and trace hashes.
      const summary = page.locator('table.summary');
      expect(await summary.locator('td.seed').allTextContents()).toEqual(['42', '7']);
      expect(await summary.locator('td.trace').allTextContents()).toEqual(runs.map((r) => r.trace));

      // Five plots, each an <svg> with drawn marks (non-zero boxes).
      for (const plot of ['latency', 'throughput', 'availability', 'nodes', 'sweep']) {
        const svgs = page.locator(`svg[data-plot="${plot}"]`);
        expect(await svgs.count(), plot).toBeGreaterThanOrEqual(plot === 'sweep' ? 1 : 2);
        const box = await svgs.first().boundingBox();
        expect(box?.width, plot).toBeGreaterThan(100);
        expect(box?.height, plot).toBeGreaterThan(100);
        const marks = await svgs.first().evaluate(
          (svg) =>
            Array.from(svg.querySelectorAll('g.series path, rect.state, path.counts')).filter(
              (el) => {
                const b = el.getBoundingClientRect();
                return b.width > 0 && b.height > 0;
              },
            ).length,
        );
        expect(marks, plot).toBeGreaterThan(0);
      }
      // Node lanes: one per node, and the isolated interval of n3.
      const lanes = page.locator('#run-1 svg[data-plot="nodes"] g.lane');
      expect(await lanes.count()).toBe(3);
      const isolated = page.locator('#run-1 g.lane[data-lane="n3"] rect.state-isolated');
      expect(await isolated.count()).toBeGreaterThan(0);
      expect(await isolated.first().locator('title').textContent()).toContain('view v');

      // The partition window is shaded and labelled on every time plot of run 1.
      const shading = page.locator('#run-1 rect.fault');
      expect(await shading.count()).toBe(4);
      expect((await shading.first().boundingBox())?.width).toBeGreaterThan(50);
      const label = page.locator('#run-1 text.fault-label').first();
      expect(await label.textContent()).toBe('partition: isolate n3');
      expect(await label.isVisible()).toBe(true);

      // The timeline has all its rows; the hostile user id is text and never ran.
      expect(await page.locator('#run-1 .timeline tbody tr').count()).toBe(
        runs[0]!.timeline.events.length,
      );
      expect(await page.locator('#run-2 h3', { hasText: 'Timeline of' }).textContent()).toContain(
        EVIL,
      );
      expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await page.locator('script').count()).toBe(1);

      // The copy button answers (the clipboard may be refused on file://, never an error).
      const copy = page.locator('#run-1 button.copy');
      await copy.click();
      await expect.poll(() => copy.textContent()).toMatch(/^(copied|select and copy)$/);

      const shot = await page.screenshot({ fullPage: false });
      expect(pngColours(shot)).toBeGreaterThan(8);
      // The control: the same count on a blank page of this browser is one colour.
      const blank = await context.newPage();
      await blank.setContent('<body style="margin:0;background:#fff"></body>');
      expect(pngColours(await blank.screenshot())).toBe(1);

      expect(problems).toEqual([]);
      expect(new Set(requests)).toEqual(new Set([url]));
    } finally {
      await context.close();
    }
  }, 60_000);
});
