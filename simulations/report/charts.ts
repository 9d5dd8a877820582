/**
 * The four time plots of one run, from its `RunResult`: latency percentiles,
 * throughput, availability and the node views. All share one x axis
 * (simulated seconds, 0 to the run's end) and shade the run's fault windows.
 *
 * Series values are drawn at the middle of their bucket (a bucket is the
 * spacing of `series[].t`, 1 s when there is one point or none); counts are
 * divided by the bucket's width so throughput is per second whatever the
 * bucket. A fault with no end is shaded to the right edge and labelled
 * "(never ended)". Node sample times are virtual ms.
 */
import type { RunResult, SeriesPoint } from '../types.ts';
import { actorSteps, nodeIntervals, samplesByNode } from './intervals.ts';
import { lineChart, type Point, type Shade, swimlaneChart } from './svg.ts';

export const STATE_COLORS = {
  alive: '#4caf50',
  isolated: '#ff9800',
  down: '#9e9e9e',
} as const;

/** Width of one series bucket, seconds. */
export function bucketS(series: readonly SeriesPoint[]): number {
  const [a, b] = series;
  const width = a !== undefined && b !== undefined ? b.t - a.t : 1;
  return width > 0 ? width : 1;
}

/** The run's end on the x axis, seconds: the latest of its duration, buckets, faults and samples. */
export function runEndS(run: RunResult): number {
  const last = run.series.at(-1);
  return Math.max(
    run.simulatedS,
    last === undefined ? 0 : last.t + bucketS(run.series),
    ...run.faults.map((f) => (f.toMs ?? f.fromMs) / 1000),
    ...(run.nodes.length === 0 ? [] : [Math.max(...run.nodes.map((n) => n.t)) / 1000]),
    1,
  );
}

export function faultShades(run: RunResult): Shade[] {
  return run.faults.map((f) => {
    const from = fmtS(f.fromMs);
    const to = f.toMs === undefined ? 'never ended' : `${fmtS(f.toMs)} s`;
    return {
      fromX: f.fromMs / 1000,
      toX: f.toMs === undefined ? Number.POSITIVE_INFINITY : f.toMs / 1000,
      label: f.toMs === undefined ? `${f.label} (never ended)` : f.label,
      title: `${f.label} (${f.kind}): ${from} s – ${to}`,
    };
  });
}

function points(run: RunResult, value: (p: SeriesPoint) => number | undefined): Point[] {
  const half = bucketS(run.series) / 2;
  return run.series.map((p) => ({ x: p.t + half, y: value(p) }));
}

export function latencyChart(run: RunResult): string {
  return lineChart({
    id: 'latency',
    title: 'Latency percentiles per bucket',
    x: { label: 'simulated time', unit: 's', min: 0, max: runEndS(run) },
    y: { label: 'latency', unit: 'ms', log: true },
    shades: faultShades(run),
    series: [
      { name: 'sent p50', color: '#1f77b4', points: points(run, (p) => p.sentP50Ms) },
      { name: 'sent p99', color: '#1f77b4', dashed: true, points: points(run, (p) => p.sentP99Ms) },
      { name: 'deliver p50', color: '#9467bd', points: points(run, (p) => p.deliverP50Ms) },
      {
        name: 'deliver p99',
        color: '#9467bd',
        dashed: true,
        points: points(run, (p) => p.deliverP99Ms),
      },
    ],
  });
}

export function throughputChart(run: RunResult): string {
  const width = bucketS(run.series);
  return lineChart({
    id: 'throughput',
    title: 'Throughput',
    x: { label: 'simulated time', unit: 's', min: 0, max: runEndS(run) },
    y: { label: 'rate', unit: '1/s' },
    shades: faultShades(run),
    series: [
      { name: 'sends', color: '#1f77b4', points: points(run, (p) => p.sends / width) },
      { name: 'sent acks', color: '#2ca02c', points: points(run, (p) => p.sentAcks / width) },
      { name: 'delivered', color: '#ff7f0e', points: points(run, (p) => p.delivered / width) },
    ],
  });
}

export function availabilityChart(run: RunResult): string {
  return lineChart({
    id: 'availability',
    title: 'Availability: share of the bucket’s sends acked within the deadline',
    x: { label: 'simulated time', unit: 's', min: 0, max: runEndS(run) },
    y: { label: 'availability', unit: 'share', min: 0, max: 1 },
    shades: faultShades(run),
    series: [
      { name: 'availability', color: '#2ca02c', points: points(run, (p) => p.availability) },
    ],
  });
}

export function nodesChart(run: RunResult): string {
  const endS = runEndS(run);
  const lanes = [...samplesByNode(run.nodes)].map(([node, samples]) => ({
    name: node,
    intervals: nodeIntervals(samples, endS * 1000).map((iv) => ({
      fromX: iv.fromMs / 1000,
      toX: iv.toMs / 1000,
      state: iv.state,
      title:
        `${node} ${iv.state} ${fmtS(iv.fromMs)}–${fmtS(iv.toMs)} s` +
        (iv.state === 'down'
          ? ''
          : ` · view v${iv.viewVersion}: ${iv.members.join(', ') || '(empty)'}`) +
        ` · actors ${iv.actorsMin === iv.actorsMax ? iv.actorsMin : `${iv.actorsMin}–${iv.actorsMax}`}`,
    })),
    counts: actorSteps(samples).map((s) => ({ x: s.t / 1000, y: s.actors })),
  }));
  return swimlaneChart({
    id: 'nodes',
    title: 'Node views over time (hover a lane for its view)',
    x: { label: 'simulated time', unit: 's', min: 0, max: endS },
    shades: faultShades(run),
    lanes,
    states: STATE_COLORS,
    countsLabel: 'actors',
    countsColor: '#1a237e',
  });
}

/** Milliseconds as seconds with ms: 12345 → "12.345". */
export function fmtS(ms: number): string {
  return (ms / 1000).toFixed(3);
}
