import { describe, expect, it } from 'vitest';
import { factsOf } from './facts.ts';
import { checkReordered } from './reordered.ts';
import { HistoryBuilder } from './test-history.ts';

const reordered = (b: HistoryBuilder) => checkReordered(factsOf(b.build()));
const users = { alice: ['phone', 'tablet'], bob: ['phone'], carol: ['phone'] };

/** alice sends m1 then m2 to bob, acked in that order. */
function twoSends(): HistoryBuilder {
  const b = new HistoryBuilder(users).connectAll();
  b.at(1).send('alice', 'phone', 'm1', 'user:bob').send('alice', 'phone', 'm2', 'user:bob');
  return b.at(2).sent('alice', 'phone', 'm1').sent('alice', 'phone', 'm2');
}

describe('reordered', () => {
  it('passes first deliveries in sent order with rising seq, repeats ignored', () => {
    const b = twoSends();
    b.at(3).deliver('bob', 'phone', 'alice', 'm1', 1).deliver('bob', 'phone', 'alice', 'm1', 1);
    b.at(4).deliver('bob', 'phone', 'alice', 'm2', 2).deliver('bob', 'phone', 'alice', 'm1', 1);
    // 1 seq pair + 1 order pair at bob/phone.
    expect(reordered(b)).toEqual({
      ok: true,
      pairs: 2,
      violations: 0,
      orderViolations: 0,
      seqViolations: 0,
    });
  });

  it('fails messages of one sender that arrive out of sent order', () => {
    const b = twoSends();
    b.at(3).deliver('bob', 'phone', 'alice', 'm2', 1).deliver('bob', 'phone', 'alice', 'm1', 2);
    expect(reordered(b)).toEqual({
      ok: false,
      pairs: 2,
      violations: 1,
      orderViolations: 1,
      seqViolations: 0,
      examples: [
        {
          kind: 'not in sent order',
          user: 'bob',
          device: 'phone',
          from: 'alice',
          conv: 'user:bob',
          before: 'm2',
          after: 'm1',
          t: 3,
        },
      ],
    });
  });

  it('fails a device whose first deliveries do not strictly increase in seq', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(3).deliver('bob', 'phone', 'alice', 'm1', 5).deliver('bob', 'phone', 'carol', 'm1', 5);
    b.deliver('bob', 'phone', 'carol', 'm2', 4);
    expect(reordered(b)).toMatchObject({
      ok: false,
      pairs: 2,
      violations: 2,
      seqViolations: 2,
      examples: [
        {
          kind: 'seq not increasing',
          before: { from: 'alice', id: 'm1', seq: 5 },
          after: { from: 'carol', id: 'm1', seq: 5 },
        },
        { kind: 'seq not increasing' },
      ],
    });
  });

  it('compares order only within one sender and one conversation', () => {
    const b = new HistoryBuilder(users).connectAll();
    // alice: m1 to bob acked after m2 to carol; her tablet gets both own copies, m1 first.
    b.at(1).send('alice', 'phone', 'm1', 'user:bob').send('alice', 'phone', 'm2', 'user:carol');
    b.at(2).sent('alice', 'phone', 'm2').sent('alice', 'phone', 'm1');
    b.at(3).deliver('alice', 'tablet', 'alice', 'm1', 1, 'user:bob');
    b.deliver('alice', 'tablet', 'alice', 'm2', 2, 'user:carol');
    // carol's m9 (acked before nothing of alice's) interleaves at bob freely.
    b.send('carol', 'phone', 'm9', 'user:bob').sent('carol', 'phone', 'm9');
    b.at(4).deliver('bob', 'phone', 'carol', 'm9', 1).deliver('bob', 'phone', 'alice', 'm1', 2);
    expect(reordered(b)).toEqual({
      ok: true,
      pairs: 2,
      violations: 0,
      orderViolations: 0,
      seqViolations: 0,
    });
  });

  it('skips messages never acked in the sent-order rule', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(1).send('alice', 'phone', 'm1', 'user:bob').send('alice', 'phone', 'm2', 'user:bob');
    b.at(2).sent('alice', 'phone', 'm2');
    b.at(3).deliver('bob', 'phone', 'alice', 'm2', 1).deliver('bob', 'phone', 'alice', 'm1', 2);
    expect(reordered(b)).toMatchObject({ ok: true, pairs: 1 });
  });

  it('orders by the first sent ack, even when the sends came the other way', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(1).send('alice', 'phone', 'm1', 'user:bob').send('alice', 'tablet', 'm2', 'user:bob');
    b.at(2)
      .sent('alice', 'tablet', 'm2')
      .sent('alice', 'phone', 'm1')
      .sent('alice', 'tablet', 'm2');
    b.at(3).deliver('bob', 'phone', 'alice', 'm2', 1).deliver('bob', 'phone', 'alice', 'm1', 2);
    expect(reordered(b)).toMatchObject({ ok: true, pairs: 2, violations: 0 });
  });
});
