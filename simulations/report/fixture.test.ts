/**
 * The fixture run is what the report's tests take it for: deterministic,
 * 3 nodes over 60 s, availability and latency worse inside the partition
 * window than outside, the isolated node isolated only inside it, and a run
 * with no sends that has no latency or availability at all.
 */
import { describe, expect, it } from 'vitest';
import { fixtureRun } from './fixture.ts';

describe('fixtureRun', () => {
  it('is a pure function of its options', () => {
    expect(JSON.stringify(fixtureRun({ seed: 5 }))).toBe(JSON.stringify(fixtureRun({ seed: 5 })));
    expect(fixtureRun({ seed: 5 }).trace).not.toBe(fixtureRun({ seed: 6 }).trace);
  });

  it('dips availability and raises latency inside the partition, and isolates n3 only there', () => {
    const run = fixtureRun();
    expect(run.series).toHaveLength(60);
    expect(run.faults).toEqual([
      { kind: 'partition', label: 'partition: isolate n3', fromMs: 10_000, toMs: 20_000 },
    ]);
    const inside = run.series.filter((p) => p.t >= 10 && p.t < 20);
    const outside = run.series.filter((p) => p.t < 10 || p.t > 21);
    expect(Math.max(...inside.map((p) => p.availability ?? 1))).toBeLessThan(0.75);
    expect(Math.min(...outside.map((p) => p.availability ?? 0))).toBe(1);
    expect(Math.min(...inside.map((p) => p.sentP99Ms ?? 0))).toBeGreaterThan(
      10 * Math.max(...outside.map((p) => p.sentP99Ms ?? 0)),
    );
    expect(new Set(run.nodes.map((n) => n.node))).toEqual(new Set(['n1', 'n2', 'n3']));
    const isolated = run.nodes.filter((n) => n.isolated);
    expect(new Set(isolated.map((n) => n.node))).toEqual(new Set(['n3']));
    expect(Math.min(...isolated.map((n) => n.t))).toBe(10_000);
    expect(Math.max(...isolated.map((n) => n.t))).toBeLessThan(20_000);
    expect(run.timeline.events.length).toBeGreaterThan(20);
    expect(run.ok).toBe(true);
    expect(fixtureRun({ failing: true }).ok).toBe(false);
  });

  it('has no latency, availability or timeline when nothing is sent', () => {
    const run = fixtureRun({ sends: false });
    for (const p of run.series) {
      expect([p.sends, p.sentAcks, p.delivered]).toEqual([0, 0, 0]);
      expect(p.sentP50Ms).toBeUndefined();
      expect(p.availability).toBeUndefined();
    }
    expect(run.timeline.events).toEqual([]);
    expect(run.checks.latency).toEqual({
      ok: true,
      sentMs: { count: 0 },
      deliveredMs: { count: 0 },
    });
  });
});
