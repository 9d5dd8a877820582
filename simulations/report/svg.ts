/**
 * The report's plots as SVG strings, drawn without any library: a line chart
 * of several series over a numeric x axis, and a swimlane chart of states
 * over time (one lane per node). Both share the frame: title, axes with
 * ticks and units, a legend, and shaded x-intervals (fault windows) each
 * with its label on top and the full text as a tooltip (`<title>`).
 *
 * Guarantees:
 * - every string from the data (titles, names, labels, tooltips) is escaped;
 * - a y value that is undefined or not finite is a gap in its line, never a
 *   drop to 0; a point with no neighbours is drawn as a dot;
 * - shades and intervals are clipped to the x domain; an interval with no
 *   end (`toX` Infinity) runs to the right edge;
 * - the output is a pure function of the input (coordinates to 0.1 px; a
 *   lane's count line to 0.5 px, smaller steps than that are not drawn).
 * Each root `<svg>` carries `data-plot="<id>"`, each shade `class="fault"`
 * and each label `class="fault-label"`, which the Chromium test looks for.
 */
import { escapeHtml as esc } from './escape.ts';
import {
  formatTick,
  linear,
  logarithmic,
  logDomain,
  logTicks,
  niceMax,
  niceTicks,
  px,
} from './scale.ts';

export interface Point {
  readonly x: number;
  readonly y: number | undefined;
}

export interface LineSeries {
  readonly name: string;
  readonly color: string;
  readonly points: readonly Point[];
  readonly dashed?: boolean;
  /** Draw a dot with a tooltip at every point (for a few points, e.g. a sweep). */
  readonly markers?: boolean;
}

/** A shaded x-interval, e.g. a fault window. */
export interface Shade {
  readonly fromX: number;
  /** Infinity: never ended. */
  readonly toX: number;
  readonly label: string;
  /** Tooltip; default the label. */
  readonly title?: string;
}

export interface Axis {
  readonly label: string;
  readonly unit: string;
  /** A log10 axis (y only): decades around the data; values <= 0 sit on the bottom edge. */
  readonly log?: boolean;
  readonly min?: number;
  /** Default: the data's maximum rounded up to a nice tick. */
  readonly max?: number;
}

export interface Frame {
  /** `data-plot` of the root element. */
  readonly id: string;
  readonly title: string;
  readonly x: Axis;
  readonly shades?: readonly Shade[];
  readonly width?: number;
}

export interface LineChartSpec extends Frame {
  readonly y: Axis;
  readonly series: readonly LineSeries[];
  readonly height?: number;
}

export interface LaneInterval {
  readonly fromX: number;
  readonly toX: number;
  /** A key of `SwimlaneSpec.states`. */
  readonly state: string;
  readonly title: string;
}

export interface Lane {
  readonly name: string;
  readonly intervals: readonly LaneInterval[];
  /** A count drawn as a step line inside the lane (e.g. actors), scaled to the largest of all lanes. */
  readonly counts?: readonly Point[];
}

export interface SwimlaneSpec extends Frame {
  readonly lanes: readonly Lane[];
  /** State → fill colour, in legend order. */
  readonly states: Readonly<Record<string, string>>;
  /** Legend name of the lanes' counts. */
  readonly countsLabel?: string;
  readonly countsColor?: string;
}

const MARGIN = { left: 64, right: 20, top: 44, bottom: 42 } as const;
const FAULT_FILL = 'rgba(214, 39, 40, 0.13)';
const FAULT_TEXT = '#b01c1c';
const LANE_HEIGHT = 30;

interface Box {
  readonly width: number;
  readonly height: number;
  readonly x: (v: number) => number;
  readonly x0: number;
  readonly x1: number;
  readonly top: number;
  readonly bottom: number;
}

/** A line chart; a chart with no finite point says so in its middle. */
export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 920;
  const height = spec.height ?? 260;
  const ys = spec.series.flatMap((s) =>
    s.points.map((p) => p.y).filter((y): y is number => y !== undefined && Number.isFinite(y)),
  );
  const [logMin, logMax] = logDomain(ys);
  const yMin = spec.y.min ?? (spec.y.log ? logMin : 0);
  const yMax = spec.y.max ?? (spec.y.log ? logMax : niceMax(Math.max(yMin, ...ys)));
  const box = frameBox(spec, width, height);
  const y = (spec.y.log ? logarithmic : linear)(yMin, yMax, box.bottom, box.top);
  const ticks = spec.y.log ? logTicks(yMin, yMax) : niceTicks(yMin, yMax, 5);
  const parts: string[] = [openSvg(spec, width, height), shades(spec, box)];
  parts.push(yAxis(spec.y, ticks, y, box), xAxis(spec, box));
  for (const s of spec.series) parts.push(line(s, box, y, yMin, yMax));
  if (ys.length === 0)
    parts.push(
      `<text class="empty" x="${px(width / 2)}" y="${px((box.top + box.bottom) / 2)}" text-anchor="middle" fill="#888">no data</text>`,
    );
  parts.push(
    legend(
      spec.series.map((s) => ({
        name: s.name,
        color: s.color,
        kind: 'line' as const,
        dashed: s.dashed ?? false,
      })),
      width,
    ),
  );
  parts.push('</svg>');
  return parts.join('');
}

/** One lane per entry, each a row of state rects with tooltips, and optional counts. */
export function swimlaneChart(spec: SwimlaneSpec): string {
  const width = spec.width ?? 920;
  const height =
    MARGIN.top + labelBand(spec) + MARGIN.bottom + Math.max(1, spec.lanes.length) * LANE_HEIGHT;
  const box = frameBox(spec, width, height);
  const parts: string[] = [openSvg(spec, width, height)];
  const countMax = Math.max(
    1,
    ...spec.lanes.flatMap((l) => (l.counts ?? []).map((p) => p.y ?? 0).filter(Number.isFinite)),
  );
  spec.lanes.forEach((lane, i) => {
    const top = box.top + i * LANE_HEIGHT;
    parts.push(
      `<g class="lane" data-lane="${esc(lane.name)}"><text x="${MARGIN.left - 8}" y="${px(top + LANE_HEIGHT / 2 + 4)}" text-anchor="end" font-size="12">${esc(lane.name)}</text>`,
    );
    for (const iv of lane.intervals) {
      const from = box.x(clamp(iv.fromX, box.x0, box.x1));
      const to = box.x(clamp(iv.toX, box.x0, box.x1));
      if (!(to > from)) continue;
      const fill = spec.states[iv.state] ?? '#999';
      parts.push(
        `<rect class="state state-${esc(iv.state)}" x="${px(from)}" y="${px(top + 3)}" width="${px(to - from)}" height="${LANE_HEIGHT - 6}" fill="${esc(fill)}"><title>${esc(iv.title)}</title></rect>`,
      );
    }
    if (lane.counts !== undefined && lane.counts.length > 0) {
      const y = linear(0, countMax, top + LANE_HEIGHT - 5, top + 5);
      parts.push(
        stepPath(lane.counts, box, y, spec.countsColor ?? '#222', `counts of ${lane.name}`),
      );
    }
    parts.push('</g>');
  });
  parts.push(shades(spec, box), xAxis(spec, box));
  const items = Object.entries(spec.states).map(([name, color]) => ({
    name,
    color,
    kind: 'box' as const,
  }));
  const withCounts = spec.countsLabel
    ? [
        ...items,
        {
          name: `${spec.countsLabel} (0–${formatTick(countMax)})`,
          color: spec.countsColor ?? '#222',
          kind: 'line' as const,
        },
      ]
    : items;
  parts.push(legend(withCounts, width), '</svg>');
  return parts.join('');
}

/** Room above the plot area for the fault labels: one row per window, at most three. */
function labelBand(spec: Frame): number {
  return 12 * Math.min(3, spec.shades?.length ?? 0);
}

function frameBox(spec: Frame, width: number, height: number): Box {
  const x0 = spec.x.min ?? 0;
  const x1 = spec.x.max ?? x0 + 1;
  return {
    width,
    height,
    x0,
    x1: x1 > x0 ? x1 : x0 + 1,
    x: linear(x0, x1 > x0 ? x1 : x0 + 1, MARGIN.left, width - MARGIN.right),
    top: MARGIN.top + labelBand(spec),
    bottom: height - MARGIN.bottom,
  };
}

function openSvg(spec: Frame, width: number, height: number): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="plot" data-plot="${esc(spec.id)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(spec.title)}" font-family="system-ui, sans-serif" font-size="11">` +
    `<text class="plot-title" x="${MARGIN.left}" y="16" font-size="14" font-weight="600">${esc(spec.title)}</text>`
  );
}

function shades(spec: Frame, box: Box): string {
  const out: string[] = [];
  (spec.shades ?? []).forEach((s, i) => {
    const from = box.x(clamp(s.fromX, box.x0, box.x1));
    const to = box.x(clamp(Number.isFinite(s.toX) ? s.toX : box.x1, box.x0, box.x1));
    if (!(to >= from)) return;
    const w = Math.max(to - from, 1.5);
    // Labels of overlapping windows go on three rows instead of on top of each other.
    const labelY = MARGIN.top + 9 + (i % 3) * 12;
    out.push(
      `<g class="fault-window"><rect class="fault" x="${px(from)}" y="${MARGIN.top}" width="${px(w)}" height="${px(box.bottom - MARGIN.top)}" fill="${FAULT_FILL}"><title>${esc(s.title ?? s.label)}</title></rect>` +
        `<text class="fault-label" x="${px(from + 3)}" y="${px(labelY)}" fill="${FAULT_TEXT}" font-size="10">${esc(s.label)}</text></g>`,
    );
  });
  return out.join('');
}

function xAxis(spec: Frame, box: Box): string {
  const out: string[] = [
    `<g class="axis x-axis"><line x1="${MARGIN.left}" y1="${box.bottom}" x2="${box.width - MARGIN.right}" y2="${box.bottom}" stroke="#444"/>`,
  ];
  for (const t of niceTicks(box.x0, box.x1, 10)) {
    const x = px(box.x(t));
    out.push(
      `<line x1="${x}" y1="${box.bottom}" x2="${x}" y2="${box.bottom + 4}" stroke="#444"/><text x="${x}" y="${box.bottom + 16}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  }
  out.push(
    `<text x="${px((MARGIN.left + box.width - MARGIN.right) / 2)}" y="${box.height - 6}" text-anchor="middle">${esc(spec.x.label)} (${esc(spec.x.unit)})</text></g>`,
  );
  return out.join('');
}

function yAxis(axis: Axis, ticks: readonly number[], y: (v: number) => number, box: Box): string {
  const out: string[] = [
    `<g class="axis y-axis"><line x1="${MARGIN.left}" y1="${box.top}" x2="${MARGIN.left}" y2="${box.bottom}" stroke="#444"/>`,
  ];
  for (const t of ticks) {
    const ty = px(y(t));
    out.push(
      `<line x1="${MARGIN.left}" y1="${ty}" x2="${box.width - MARGIN.right}" y2="${ty}" stroke="#e4e4e4"/><text x="${MARGIN.left - 6}" y="${ty}" dy="4" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  const mid = px((box.top + box.bottom) / 2);
  out.push(
    `<text transform="translate(14 ${mid}) rotate(-90)" text-anchor="middle">${esc(axis.label)} (${esc(axis.unit)}${axis.log ? ', log scale' : ''})</text></g>`,
  );
  return out.join('');
}

/** A path with a new subpath after every gap; lone points as zero-length round-capped dots. */
function line(
  s: LineSeries,
  box: Box,
  y: (v: number) => number,
  yMin: number,
  yMax: number,
): string {
  const segments: string[] = [];
  let run: string[] = [];
  const flush = () => {
    if (run.length === 1) segments.push(`${run[0]}h0`);
    else if (run.length > 1) segments.push(run.join(''));
    run = [];
  };
  const dots: string[] = [];
  for (const p of s.points) {
    if (p.y === undefined || !Number.isFinite(p.y) || !Number.isFinite(p.x)) {
      flush();
      continue;
    }
    const cx = px(box.x(p.x));
    const cy = px(y(clamp(p.y, yMin, yMax)));
    run.push(`${run.length === 0 ? 'M' : 'L'}${cx} ${cy}`);
    if (s.markers)
      dots.push(
        `<circle cx="${cx}" cy="${cy}" r="3.5" fill="${esc(s.color)}"><title>${esc(`${s.name}: ${formatTick(p.x)} → ${p.y}`)}</title></circle>`,
      );
  }
  flush();
  const dash = s.dashed ? ' stroke-dasharray="5 3"' : '';
  return `<g class="series" data-series="${esc(s.name)}"><path d="${segments.join('')}" fill="none" stroke="${esc(s.color)}" stroke-width="1.6" stroke-linejoin="round" stroke-linecap="round"${dash}/>${dots.join('')}</g>`;
}

function stepPath(
  points: readonly Point[],
  box: Box,
  y: (v: number) => number,
  color: string,
  name: string,
): string {
  let d = '';
  let lastY: string | undefined;
  for (const p of points) {
    if (p.y === undefined || !Number.isFinite(p.y)) continue;
    // Half a pixel is below what a lane of 24 px can show: steps smaller than that are skipped.
    const cy = String(Math.round(y(p.y) * 2) / 2);
    if (cy === lastY) continue;
    const cx = px(box.x(clamp(p.x, box.x0, box.x1)));
    d += lastY === undefined ? `M${cx} ${cy}` : `H${cx}V${cy}`;
    lastY = cy;
  }
  if (lastY !== undefined) d += `H${px(box.x(box.x1))}`;
  return `<path class="counts" d="${d}" fill="none" stroke="${esc(color)}" stroke-width="1.2"><title>${esc(name)}</title></path>`;
}

function legend(
  items: readonly { name: string; color: string; kind: 'line' | 'box'; dashed?: boolean }[],
  width: number,
): string {
  // Right-aligned on the title's row; text width estimated at 6.2 px a character.
  const widths = items.map((i) => 26 + i.name.length * 6.2);
  let x = width - MARGIN.right - widths.reduce((a, b) => a + b, 0);
  const out: string[] = ['<g class="legend">'];
  items.forEach((item, i) => {
    const mark =
      item.kind === 'line'
        ? `<line x1="${px(x)}" y1="30" x2="${px(x + 16)}" y2="30" stroke="${esc(item.color)}" stroke-width="2.5"${item.dashed ? ' stroke-dasharray="5 3"' : ''}/>`
        : `<rect x="${px(x)}" y="24" width="16" height="12" fill="${esc(item.color)}"/>`;
    out.push(`${mark}<text x="${px(x + 20)}" y="34">${esc(item.name)}</text>`);
    x += widths[i] ?? 0;
  });
  out.push('</g>');
  return out.join('');
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
