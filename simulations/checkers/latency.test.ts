import { describe, expect, it } from 'vitest';
import { factsOf } from './facts.ts';
import { checkLatency } from './latency.ts';
import { percentile, summarize } from './stats.ts';
import { HistoryBuilder } from './test-history.ts';

describe('percentiles', () => {
  it('are exact nearest-rank values of the sample', () => {
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(summarize(hundred)).toEqual({ count: 100, p50: 50, p90: 90, p99: 99, max: 100 });
    expect(summarize([30, 10, 20])).toEqual({ count: 3, p50: 20, p90: 30, p99: 30, max: 30 });
    expect(summarize([7])).toEqual({ count: 1, p50: 7, p90: 7, p99: 7, max: 7 });
    expect(summarize([])).toEqual({ count: 0 });
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 51)).toBe(3);
  });
});

describe('latency', () => {
  it('measures send → first sent and send → first delivery per recipient device', () => {
    const b = new HistoryBuilder({ alice: ['phone', 'tablet'], bob: ['phone'] }).connectAll();
    b.at(100).send('alice', 'phone', 'm1', 'user:bob').send('alice', 'phone', 'm2', 'user:bob');
    b.at(110).sent('alice', 'phone', 'm1').at(130).sent('alice', 'phone', 'm2');
    b.sent('alice', 'phone', 'm1'); // a repeat ack is not a sample
    b.at(140)
      .deliver('bob', 'phone', 'alice', 'm1', 1)
      .deliver('alice', 'tablet', 'alice', 'm1', 1);
    b.at(150).deliver('bob', 'phone', 'alice', 'm1', 1); // a repeat delivery is not a sample
    // A copy back at the sending device (not a recipient) is not a sample either.
    b.at(160).deliver('alice', 'phone', 'alice', 'm2', 2).deliver('bob', 'phone', 'alice', 'm2', 2);
    b.at(200).send('bob', 'phone', 'x', 'user:alice'); // never acked, never delivered
    expect(checkLatency(factsOf(b.build()))).toEqual({
      ok: true,
      sentMs: { count: 2, p50: 10, p90: 30, p99: 30, max: 30 },
      deliveredMs: { count: 3, p50: 40, p90: 60, p99: 60, max: 60 },
    });
  });

  it('is ok with nothing to measure', () => {
    expect(checkLatency(factsOf(new HistoryBuilder({}).build()))).toEqual({
      ok: true,
      sentMs: { count: 0 },
      deliveredMs: { count: 0 },
    });
  });
});
