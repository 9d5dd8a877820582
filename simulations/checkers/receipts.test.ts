import { describe, expect, it } from 'vitest';
import { factsOf } from './facts.ts';
import { checkReceipts } from './receipts.ts';
import { HistoryBuilder } from './test-history.ts';

const receipts = (b: HistoryBuilder) => checkReceipts(factsOf(b.build()));
const users = { alice: ['phone', 'tablet'], bob: ['phone'], carol: ['phone'] };

/** alice sends m1, m2 to bob (acked in that order) and m3 to carol. */
function sends(): HistoryBuilder {
  const b = new HistoryBuilder(users, { g: ['alice', 'bob', 'carol'] }).connectAll();
  b.at(1).send('alice', 'phone', 'm1', 'user:bob').sent('alice', 'phone', 'm1');
  b.send('alice', 'phone', 'm2', 'user:bob').sent('alice', 'phone', 'm2');
  b.send('alice', 'phone', 'm3', 'user:carol').sent('alice', 'phone', 'm3');
  return b.at(5);
}

describe('receipts', () => {
  it('passes delivered then read, and delivered of a later message after a read', () => {
    const b = sends();
    b.receipt('alice', 'phone', 'm1', 'bob', 'delivered').receipt(
      'alice',
      'phone',
      'm1',
      'bob',
      'read',
    );
    b.receipt('alice', 'phone', 'm2', 'bob', 'delivered').receipt(
      'alice',
      'phone',
      'm1',
      'bob',
      'read',
    );
    expect(receipts(b)).toEqual({ ok: true, receipts: 4, violations: 0 });
  });

  it('fails a delivered after a read of the same message', () => {
    const b = sends();
    b.receipt('alice', 'phone', 'm1', 'bob', 'read')
      .at(6)
      .receipt('alice', 'phone', 'm1', 'bob', 'delivered');
    expect(receipts(b)).toEqual({
      ok: false,
      receipts: 2,
      violations: 1,
      examples: [
        { kind: 'delivered after read', user: 'alice', device: 'phone', by: 'bob', id: 'm1', t: 6 },
      ],
    });
  });

  it('fails a delivered of an earlier message after a read of a later one in the conversation', () => {
    const b = sends();
    b.receipt('alice', 'phone', 'm2', 'bob', 'read').receipt(
      'alice',
      'phone',
      'm1',
      'bob',
      'delivered',
    );
    expect(receipts(b)).toMatchObject({
      ok: false,
      violations: 1,
      examples: [{ kind: 'delivered after read of a later message', id: 'm1', read: 'm2' }],
    });
  });

  it('judges each sender device and each conversation on its own', () => {
    const b = sends();
    // Read at the phone, delivered at the tablet: different devices.
    b.receipt('alice', 'phone', 'm1', 'bob', 'read').receipt(
      'alice',
      'tablet',
      'm1',
      'bob',
      'delivered',
    );
    // m3 (to carol) was sent after m1 and m2 but is another conversation.
    b.receipt('alice', 'phone', 'm3', 'carol', 'read').receipt(
      'alice',
      'phone',
      'm2',
      'bob',
      'delivered',
    );
    expect(receipts(b)).toEqual({ ok: true, receipts: 4, violations: 0 });
  });

  it('judges group receipts per member', () => {
    const b = sends();
    b.send('alice', 'phone', 'g1', 'group:g').sent('alice', 'phone', 'g1');
    b.send('alice', 'phone', 'g2', 'group:g').sent('alice', 'phone', 'g2');
    b.receipt('alice', 'phone', 'g2', 'bob', 'read', 'g');
    b.receipt('alice', 'phone', 'g1', 'carol', 'delivered', 'g');
    expect(receipts(b)).toMatchObject({ ok: true, violations: 0 });
    b.receipt('alice', 'phone', 'g1', 'bob', 'delivered', 'g');
    expect(receipts(b)).toMatchObject({
      ok: false,
      violations: 1,
      examples: [{ by: 'bob', id: 'g1', read: 'g2' }],
    });
  });
});
