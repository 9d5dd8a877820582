import { describe, expect, it } from 'vitest';
import { checkDuplicated } from './duplicated.ts';
import { factsOf } from './facts.ts';
import { HistoryBuilder } from './test-history.ts';

const dup = (b: HistoryBuilder) => checkDuplicated(factsOf(b.build()));
const users = { alice: ['phone'], bob: ['phone', 'laptop'], carol: ['phone'] };

describe('duplicated', () => {
  it('passes a repeat with the same seq, on the same or another device of the user', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(5).deliver('bob', 'phone', 'alice', 'm1', 1).deliver('bob', 'laptop', 'alice', 'm1', 1);
    b.at(9).deliver('bob', 'phone', 'alice', 'm1', 1).deliver('bob', 'phone', 'alice', 'm2', 2);
    expect(dup(b)).toEqual({ ok: true, messages: 2, duplicates: 0, seqClashes: 0 });
  });

  it('fails the same message delivered to one user with two seqs', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(5).deliver('bob', 'phone', 'alice', 'm1', 1);
    b.at(9).deliver('bob', 'laptop', 'alice', 'm1', 2).deliver('bob', 'laptop', 'alice', 'm1', 3);
    expect(dup(b)).toEqual({
      ok: false,
      messages: 1,
      duplicates: 1,
      seqClashes: 0,
      examples: [
        {
          kind: 'two seqs',
          user: 'bob',
          device: 'laptop',
          from: 'alice',
          id: 'm1',
          seqs: [1, 2],
          t: 9,
        },
      ],
    });
  });

  it('fails two messages delivered to one user with one seq, not one seq in two users', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(5).deliver('bob', 'phone', 'alice', 'm1', 4).deliver('carol', 'phone', 'alice', 'm1', 4);
    expect(dup(b)).toMatchObject({ ok: true, messages: 2 });
    b.at(7).deliver('bob', 'laptop', 'carol', 'm1', 4);
    expect(dup(b)).toEqual({
      ok: false,
      messages: 3,
      duplicates: 0,
      seqClashes: 1,
      examples: [
        {
          kind: 'one seq, two messages',
          user: 'bob',
          device: 'laptop',
          seq: 4,
          messages: ['alice/m1', 'carol/m1'],
          t: 7,
        },
      ],
    });
  });

  it('tells messages apart by sender: one id from two senders is two messages', () => {
    const b = new HistoryBuilder(users).connectAll();
    b.at(5).deliver('bob', 'phone', 'alice', 'x', 1).deliver('bob', 'phone', 'carol', 'x', 2);
    expect(dup(b)).toEqual({ ok: true, messages: 2, duplicates: 0, seqClashes: 0 });
  });
});
