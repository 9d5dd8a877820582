import { describe, expect, it } from 'vitest';
import { factsOf } from './facts.ts';
import { checkLost } from './lost.ts';
import { HistoryBuilder } from './test-history.ts';

const lost = (b: HistoryBuilder) => checkLost(factsOf(b.build()));
const users = { alice: ['phone'], bob: ['phone', 'laptop'] };

describe('lost', () => {
  it('passes when an acked message reached every connected device of the recipient', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(10).send('alice', 'phone', 'm1', 'user:bob').at(12).sent('alice', 'phone', 'm1');
    b.at(15).deliver('bob', 'phone', 'alice', 'm1', 1).deliver('bob', 'laptop', 'alice', 'm1', 1);
    expect(lost(b)).toEqual({ ok: true, acked: 1, required: 2, missing: 0 });
  });

  it('counts one missing when only one of two connected recipient devices got it', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(10).send('alice', 'phone', 'm1', 'user:bob').at(12).sent('alice', 'phone', 'm1');
    b.at(15).deliver('bob', 'phone', 'alice', 'm1', 1);
    expect(lost(b)).toEqual({
      ok: false,
      acked: 1,
      required: 2,
      missing: 1,
      examples: [{ from: 'alice', id: 'm1', user: 'bob', device: 'laptop', sentT: 12 }],
    });
  });

  it('does not require a device disconnected at the end, but does one that came back', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(10).send('alice', 'phone', 'm1', 'user:bob').sent('alice', 'phone', 'm1');
    b.at(15).deliver('bob', 'phone', 'alice', 'm1', 1).disconnect('bob', 'laptop');
    expect(lost(b)).toEqual({ ok: true, acked: 1, required: 1, missing: 0 });
    b.at(20).connect('bob', 'laptop');
    expect(lost(b)).toMatchObject({ ok: false, required: 2, missing: 1 });
  });

  it('does not require a device that never connected', () => {
    const b = new HistoryBuilder(users).connect('alice', 'phone').connect('bob', 'phone');
    b.at(10).send('alice', 'phone', 'm1', 'user:bob').sent('alice', 'phone', 'm1');
    b.at(15).deliver('bob', 'phone', 'alice', 'm1', 1);
    expect(lost(b)).toEqual({ ok: true, acked: 1, required: 1, missing: 0 });
  });

  it("requires own copies on the sender's other devices, not on the sending one", () => {
    const b = new HistoryBuilder({ alice: ['phone', 'tablet'], bob: ['phone'] }).connectAll();
    b.at(10).send('alice', 'phone', 'm1', 'user:bob').sent('alice', 'phone', 'm1');
    b.at(15).deliver('bob', 'phone', 'alice', 'm1', 1);
    expect(lost(b)).toMatchObject({
      ok: false,
      required: 2,
      missing: 1,
      examples: [{ from: 'alice', id: 'm1', user: 'alice', device: 'tablet', sentT: 10 }],
    });
    b.deliver('alice', 'tablet', 'alice', 'm1', 7, 'user:bob');
    expect(lost(b)).toEqual({ ok: true, acked: 1, required: 2, missing: 0 });
  });

  it('requires every device of every group member but the sending device', () => {
    const b = new HistoryBuilder(
      { alice: ['phone', 'tablet'], bob: ['phone'], carol: ['phone', 'laptop'], dave: ['phone'] },
      { g: ['alice', 'bob', 'carol'] },
    ).connectAll();
    b.at(10).send('alice', 'phone', 'm1', 'group:g').sent('alice', 'phone', 'm1');
    b.at(15).deliver('alice', 'tablet', 'alice', 'm1', 3, 'group:g');
    b.deliver('bob', 'phone', 'alice', 'm1', 1, 'group:g');
    b.deliver('carol', 'phone', 'alice', 'm1', 2, 'group:g');
    expect(lost(b)).toMatchObject({
      ok: false,
      acked: 1,
      required: 4,
      missing: 1,
      examples: [{ user: 'carol', device: 'laptop' }],
    });
  });

  it('owes nothing for a message never acked, and keeps at most 5 examples', () => {
    const b = new HistoryBuilder({ alice: ['phone'], bob: ['phone'] }).connectAll();
    b.at(10).send('alice', 'phone', 'x', 'user:bob').refused('alice', 'phone', 'x', 'forbidden');
    expect(lost(b)).toEqual({ ok: true, acked: 0, required: 0, missing: 0 });
    for (let i = 0; i < 7; i++)
      b.send('alice', 'phone', `m${i}`, 'user:bob').sent('alice', 'phone', `m${i}`);
    const r = lost(b);
    expect(r).toMatchObject({ ok: false, acked: 7, required: 7, missing: 7 });
    expect((r.examples as { id: string }[]).map((e) => e.id)).toEqual([
      'm0',
      'm1',
      'm2',
      'm3',
      'm4',
    ]);
  });
});
