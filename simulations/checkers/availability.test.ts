import { describe, expect, it } from 'vitest';
import { checkAvailability } from './availability.ts';
import { factsOf } from './facts.ts';
import { defaultChecks, HistoryBuilder } from './test-history.ts';

const users = { alice: ['phone', 'tablet'], bob: ['phone'] };

/** Three sends: acked after 100 ms, after exactly 5000 ms, after 6000 ms; one never acked. */
function history() {
  const b = new HistoryBuilder(users).connectAll();
  b.at(0).send('alice', 'phone', 'a', 'user:bob').send('alice', 'phone', 'b', 'user:bob');
  b.send('alice', 'tablet', 'c', 'user:bob').send('bob', 'phone', 'd', 'user:alice');
  b.at(100).sent('alice', 'phone', 'a').at(5000).sent('alice', 'phone', 'b');
  b.at(5000).send('alice', 'tablet', 'c', 'user:bob'); // a resend: the first send counts
  return b.at(6000).sent('alice', 'tablet', 'c').sent('alice', 'phone', 'a').build();
}

describe('availability', () => {
  it('counts sends acked within the deadline (inclusive), the first send and sent of each', () => {
    expect(checkAvailability(factsOf(history()), defaultChecks)).toEqual({
      ok: true,
      sends: 4,
      acked: 3,
      ackedInDeadline: 2,
      share: 0.5,
      deadlineMs: 5000,
      min: 0,
    });
  });

  it('fails below availabilityMin and passes at it', () => {
    const facts = factsOf(history());
    expect(checkAvailability(facts, { ...defaultChecks, availabilityMin: 0.51 }).ok).toBe(false);
    expect(checkAvailability(facts, { ...defaultChecks, availabilityMin: 0.5 }).ok).toBe(true);
    expect(
      checkAvailability(facts, {
        ...defaultChecks,
        availabilityDeadlineMs: 6000,
        availabilityMin: 0.75,
      }),
    ).toMatchObject({ ok: true, ackedInDeadline: 3, share: 0.75 });
  });

  it('reports a share of 1 when nothing was sent', () => {
    const facts = factsOf(new HistoryBuilder(users).build());
    expect(checkAvailability(facts, { ...defaultChecks, availabilityMin: 1 })).toMatchObject({
      ok: true,
      sends: 0,
      share: 1,
    });
  });
});
