/**
 * Node samples downsampled into intervals: consecutive samples of equal
 * state and view merge into one interval; a state or view change starts a
 * new one; a down node's stale view does not split it. Property: for any
 * sample sequence the intervals tile it (no gap, no overlap, every sample
 * counted once), their number is the number of changes plus one, and
 * `actorSteps` keeps exactly the changes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NodeSample } from '../types.ts';
import { actorSteps, nodeIntervals, nodeState, samplesByNode } from './intervals.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };

function sample(t: number, over: Partial<NodeSample> = {}): NodeSample {
  return {
    t,
    node: 'n1',
    alive: true,
    isolated: false,
    viewVersion: 3,
    members: ['n1@1', 'n2@1'],
    actors: 10,
    sessions: 5,
    ...over,
  };
}

describe('nodeIntervals', () => {
  it('merges equal consecutive samples into one interval and splits on a state or view change', () => {
    const samples = [
      sample(0),
      sample(250, { actors: 12 }),
      sample(500, { isolated: true }),
      sample(750, { isolated: true }),
      sample(1000, { isolated: true, viewVersion: 4, members: ['n1@1'] }),
      sample(1250, { alive: false, viewVersion: 4 }),
      sample(1500, { alive: false, viewVersion: 0, members: [] }),
      sample(1750, { viewVersion: 5, members: ['n1@2', 'n2@1'] }),
    ];
    const intervals = nodeIntervals(samples, 2000);
    expect(intervals.map((i) => [i.state, i.fromMs, i.toMs, i.viewVersion, i.samples])).toEqual([
      ['alive', 0, 500, 3, 2],
      ['isolated', 500, 1000, 3, 2],
      ['isolated', 1000, 1250, 4, 1],
      ['down', 1250, 1750, 4, 2],
      ['alive', 1750, 2000, 5, 1],
    ]);
    expect(intervals[0]).toMatchObject({ actorsMin: 10, actorsMax: 12, node: 'n1' });
    expect(intervals[4]?.members).toEqual(['n1@2', 'n2@1']);
  });

  it('gives no interval for no samples, and ends a lone sample at the run end', () => {
    expect(nodeIntervals([], 1000)).toEqual([]);
    expect(nodeIntervals([sample(400)], 1000).map((i) => [i.fromMs, i.toMs])).toEqual([
      [400, 1000],
    ]);
  });

  it('groups samples by node in first-seen order, each in time order', () => {
    const byNode = samplesByNode([
      sample(500, { node: 'n2' }),
      sample(250, { node: 'n1' }),
      sample(0, { node: 'n2' }),
    ]);
    expect([...byNode.keys()]).toEqual(['n2', 'n1']);
    expect(byNode.get('n2')?.map((s) => s.t)).toEqual([0, 500]);
  });

  it('tiles any sample sequence with one interval per change, and keeps exactly the actor changes', () => {
    const step = fc.record({
      dt: fc.integer({ min: 0, max: 500 }),
      alive: fc.boolean(),
      isolated: fc.boolean(),
      viewVersion: fc.integer({ min: 1, max: 3 }),
      members: fc.constantFrom(['n1@1'], ['n1@1', 'n2@1']),
      actors: fc.integer({ min: 0, max: 3 }),
    });
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let t = 0;
        const samples = steps.map(({ dt, ...rest }) => sample((t += dt), rest));
        const endMs = t + 100;
        const intervals = nodeIntervals(samples, endMs);
        const key = (s: NodeSample) =>
          nodeState(s) === 'down'
            ? 'down'
            : `${nodeState(s)}|${s.viewVersion}|${s.members.join(',')}`;
        const changes = samples.filter((s, i) => i === 0 || key(s) !== key(samples[i - 1]!)).length;
        expect(intervals).toHaveLength(changes);
        expect(intervals.reduce((n, i) => n + i.samples, 0)).toBe(samples.length);
        intervals.forEach((iv, i) => {
          expect(iv.toMs).toBeGreaterThanOrEqual(iv.fromMs);
          expect(iv.toMs).toBe(intervals[i + 1]?.fromMs ?? endMs);
        });
        if (samples.length > 0) expect(intervals[0]?.fromMs).toBe(samples[0]?.t);
        const kept = actorSteps(samples);
        const expected = samples.filter((s, i) => i === 0 || s.actors !== samples[i - 1]!.actors);
        expect(kept).toEqual(expected.map((s) => ({ t: s.t, actors: s.actors })));
      }),
      fcOptions,
    );
  });
});
