import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReceiptFrame } from './frames.ts';
import { ReceiptTracker } from './receipts.ts';

const params = { seed: Number(process.env.FC_SEED), verbose: true };
const receipt = (
  id: string,
  status: 'delivered' | 'read',
  by = 'bob',
  group?: string,
): ReceiptFrame => ({
  type: 'ack',
  id,
  status,
  by,
  ts: 1,
  ...(group === undefined ? {} : { group }),
});
const RANK = { pending: 0, sent: 1, delivered: 2, read: 3 } as const;

describe('ReceiptTracker', () => {
  it('moves pending → sent → delivered → read and never back', () => {
    const t = new ReceiptTracker(10);
    t.track('m1', 'u:bob');
    expect(t.get('m1')?.status).toBe('pending');
    t.sent('m1');
    expect(t.get('m1')?.status).toBe('sent');
    expect(t.apply(receipt('m1', 'read'))).toHaveLength(1);
    expect(t.apply(receipt('m1', 'delivered'))).toEqual([]);
    t.sent('m1');
    expect(t.get('m1')).toEqual({ id: 'm1', status: 'read', by: new Map([['bob', 'read']]) });
  });

  it('keeps each group member apart; the overall status is the highest', () => {
    const t = new ReceiptTracker(10);
    t.track('g', 'g:team');
    t.apply(receipt('g', 'delivered', 'bob', 'team'));
    const [update] = t.apply(receipt('g', 'read', 'carol', 'team'));
    expect(update).toEqual({
      id: 'g',
      by: 'carol',
      status: 'read',
      overall: 'read',
      group: 'team',
      ts: 1,
    });
    expect(t.get('g')?.by).toEqual(
      new Map([
        ['bob', 'delivered'],
        ['carol', 'read'],
      ]),
    );
  });

  it('tracks a message it learns of only by receipt, without implying earlier ones', () => {
    const t = new ReceiptTracker(10);
    t.track('m1', 'u:bob');
    expect(t.apply(receipt('other-device', 'read')).map((u) => u.id)).toEqual(['other-device']);
    expect(t.get('m1')?.status).toBe('pending');
  });

  it('stops implying read at the first earlier message already read', () => {
    const t = new ReceiptTracker(10);
    for (const id of ['a', 'b', 'c', 'd']) t.track(id, 'u:bob');
    t.apply(receipt('b', 'read'));
    expect(t.apply(receipt('d', 'read')).map((u) => u.id)).toEqual(['d', 'c']);
    expect(t.get('a')?.status).toBe('read');
  });

  it('forgets the oldest message past its capacity', () => {
    const t = new ReceiptTracker(2);
    for (const id of ['a', 'b', 'c']) t.track(id, 'u:bob');
    expect(t.get('a')).toBeUndefined();
    expect(t.apply(receipt('c', 'read')).map((u) => u.id)).toEqual(['c', 'b']);
  });

  it('never reports a downgrade of a message it remembers, whatever the receipts and their order', () => {
    const event = fc.tuple(
      fc.constantFrom('m0', 'm1', 'm2', 'm3', 'x'),
      fc.constantFrom('delivered', 'read') as fc.Arbitrary<'delivered' | 'read'>,
      fc.constantFrom('bob', 'carol'),
    );
    fc.assert(
      fc.property(
        fc.array(event, { maxLength: 40 }),
        fc.integer({ min: 5, max: 8 }),
        (events, capacity) => {
          const t = new ReceiptTracker(capacity);
          for (const id of ['m0', 'm1', 'm2', 'm3']) t.track(id, 'g:team');
          const seen = new Map<string, number>();
          for (const [id, status, by] of events) {
            for (const u of t.apply(receipt(id, status, by, 'team'))) {
              const key = `${u.id}/${u.by}`;
              expect(RANK[u.status]).toBeGreaterThan(seen.get(key) ?? 0);
              seen.set(key, RANK[u.status]);
            }
          }
        },
      ),
      params,
    );
  });
});
