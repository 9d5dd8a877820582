import { describe, expect, it } from 'vitest';
import { factsOf } from './facts.ts';
import { checkMessagesPerOp } from './messages-per-op.ts';
import { HistoryBuilder } from './test-history.ts';

describe('messages-per-op', () => {
  it('divides the run counters by the acked messages', () => {
    const b = new HistoryBuilder({ alice: ['phone'], bob: ['phone'] }).connectAll();
    for (const id of ['a', 'b', 'c', 'd', 'e']) b.send('alice', 'phone', id, 'user:bob');
    for (const id of ['a', 'b', 'c', 'd', 'a']) b.sent('alice', 'phone', id);
    b.counters = { busMessages: 100, storeCalls: 40, actorMessages: 250 };
    expect(checkMessagesPerOp(factsOf(b.build()))).toEqual({
      ok: true,
      acked: 4,
      busPerMessage: 25,
      storeCallsPerMessage: 10,
      actorMessagesPerMessage: 62.5,
    });
  });

  it('gives 0 when nothing was acked', () => {
    const b = new HistoryBuilder({});
    b.counters = { busMessages: 9, storeCalls: 9, actorMessages: 9 };
    expect(checkMessagesPerOp(factsOf(b.build()))).toEqual({
      ok: true,
      acked: 0,
      busPerMessage: 0,
      storeCallsPerMessage: 0,
      actorMessagesPerMessage: 0,
    });
  });
});
