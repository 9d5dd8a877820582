import { describe, expect, it } from 'vitest';
import { seriesOf } from './series.ts';
import { HistoryBuilder } from './test-history.ts';

const users = { alice: ['phone', 'tablet'], bob: ['phone'] };

describe('seriesOf', () => {
  it('buckets sends, first acks, first deliveries, latencies, availability and connections', () => {
    const b = new HistoryBuilder(users);
    b.at(0).connect('alice', 'phone').connect('bob', 'phone');
    b.at(100).send('alice', 'phone', 'm1', 'user:bob').at(300).sent('alice', 'phone', 'm1');
    b.at(500).deliver('bob', 'phone', 'alice', 'm1', 1);
    b.at(900).send('alice', 'phone', 'm2', 'user:bob');
    b.at(1000).connect('alice', 'tablet').at(1200).sent('alice', 'phone', 'm2');
    b.sent('alice', 'phone', 'm1'); // repeat: not counted again
    b.at(1400)
      .deliver('alice', 'tablet', 'alice', 'm1', 1)
      .deliver('bob', 'phone', 'alice', 'm1', 1);
    b.at(1500).disconnect('bob', 'phone').at(2500).send('bob', 'phone', 'x', 'user:alice');
    const points = seriesOf(b.build(3000), { bucketMs: 1000, availabilityDeadlineMs: 250 });
    expect(points).toEqual([
      {
        t: 0,
        sends: 2,
        sentAcks: 1,
        delivered: 1,
        sentP50Ms: 200,
        sentP99Ms: 200,
        deliverP50Ms: 400,
        deliverP99Ms: 400,
        availability: 0.5,
        connectedDevices: 2,
      },
      {
        t: 1,
        sends: 0,
        sentAcks: 1,
        delivered: 1,
        sentP50Ms: 300,
        sentP99Ms: 300,
        deliverP50Ms: 1300,
        deliverP99Ms: 1300,
        availability: undefined,
        connectedDevices: 2,
      },
      {
        t: 2,
        sends: 1,
        sentAcks: 0,
        delivered: 0,
        sentP50Ms: undefined,
        sentP99Ms: undefined,
        deliverP50Ms: undefined,
        deliverP99Ms: undefined,
        availability: 0,
        connectedDevices: 2,
      },
    ]);
  });

  it('has at least one bucket and puts events at or past the end in the last', () => {
    const b = new HistoryBuilder(users).at(0).connect('bob', 'phone');
    b.at(5000).send('bob', 'phone', 'x', 'user:alice');
    const points = seriesOf(b.build(0), { bucketMs: 1000, availabilityDeadlineMs: 1 });
    expect(points).toHaveLength(1);
    expect(points[0]).toMatchObject({ t: 0, sends: 1, availability: 0, connectedDevices: 1 });
    expect(
      seriesOf(b.build(2500), { bucketMs: 500, availabilityDeadlineMs: 1 }).map((p) => p.t),
    ).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('refuses a bucket that is not a positive number', () => {
    const h = new HistoryBuilder(users).build(10);
    expect(() => seriesOf(h, { bucketMs: 0, availabilityDeadlineMs: 1 })).toThrow(
      'series: bucketMs must be a positive number, got 0',
    );
  });
});
