import { describe, expect, it } from 'vitest';
import type { CheckName } from '../types.ts';
import { busiestUser, checkNames, runCheckers, seriesOf, timelineOf } from './index.ts';
import { defaultChecks, HistoryBuilder } from './test-history.ts';
import { bigPlan, modelHistory } from './test-model.ts';

describe('runCheckers', () => {
  it('runs the checkers named in checks.run, keyed by name', () => {
    const h = new HistoryBuilder({ alice: ['phone'], bob: ['phone'] }).connectAll().build();
    const results = runCheckers(h, { ...defaultChecks, run: ['lost', 'seq-owners'] });
    expect(Object.keys(results)).toEqual(['lost', 'seq-owners']);
    expect(Object.keys(runCheckers(h, defaultChecks))).toEqual([...checkNames]);
    expect(checkNames).toEqual([
      'lost',
      'duplicated',
      'reordered',
      'receipts',
      'seq-owners',
      'availability',
      'convergence',
      'latency',
      'messages-per-op',
    ]);
  });

  it('refuses an unknown checker, naming it', () => {
    const h = new HistoryBuilder({}).build();
    expect(() => runCheckers(h, { ...defaultChecks, run: ['lots' as CheckName] })).toThrow(
      'checks.run: unknown checker "lots"; known: lost, duplicated, reordered, receipts, seq-owners, availability, convergence, latency, messages-per-op',
    );
  });

  it('refuses a send to something that is neither a user nor a group', () => {
    const b = new HistoryBuilder({ alice: ['phone'] }).connectAll();
    b.send('alice', 'phone', 'm1', 'bob').sent('alice', 'phone', 'm1');
    expect(() => runCheckers(b.build(), { ...defaultChecks, run: ['lost'] })).toThrow(
      `history: a send's to must be "user:ID" or "group:ID", got "bob"`,
    );
  });

  it('judges a 200k-event history, series and timeline included, in under 1.5 s', () => {
    // Each clock overstates in its own way: wall time counts waiting for a core on a shared
    // machine, CPU time counts the GC and JIT threads running beside the checkers. The cost is
    // at most the smaller of the two.
    const h = modelHistory(bigPlan(25_000));
    expect(h.events.length).toBeGreaterThan(200_000);
    const cpuMs = () => {
      const u = process.cpuUsage();
      return (u.user + u.system) / 1000;
    };
    const startMs = cpuMs();
    const wallStartMs = performance.now();
    const results = runCheckers(h, defaultChecks);
    const series = seriesOf(h, { bucketMs: 1000, availabilityDeadlineMs: 5000 });
    const timeline = timelineOf(h, busiestUser(h));
    const tookMs = cpuMs() - startMs;
    const wallMs = performance.now() - wallStartMs;
    console.log(
      `checkers on ${h.events.length} events: ${tookMs.toFixed(0)} ms CPU, ${wallMs.toFixed(0)} ms wall`,
    );
    expect(Object.entries(results).filter(([, r]) => !r.ok)).toEqual([]);
    expect(results.lost!.acked).toBeGreaterThan(24_000);
    expect(series.length).toBe(Math.ceil(h.endMs / 1000));
    expect(timeline.events.length).toBe(500);
    expect(Math.min(tookMs, wallMs)).toBeLessThan(1500);
  });
});
