import { describe, expect, it } from 'vitest';
import { factsOf } from './facts.ts';
import { checkSeqOwners } from './seq-owners.ts';
import { HistoryBuilder } from './test-history.ts';

const owners = (b: HistoryBuilder) => checkSeqOwners(factsOf(b.build()));

describe('seq-owners', () => {
  it('passes distinct seqs per user, a key issued twice at one seq, and epochs going back', () => {
    const b = new HistoryBuilder({ bob: ['phone'], carol: ['phone'] });
    b.issue('bob', 1, 'alice/m1', 1).issue('bob', 2, 'alice/m2', 3).issue('bob', 2, 'alice/m2', 3);
    // A higher seq under a lower epoch: reported in the figures, not a clash.
    b.issue('bob', 3, 'alice/m3', 2).issue('carol', 1, 'alice/m1', 1);
    expect(owners(b)).toEqual({ ok: true, issued: 5, clashes: 0, epochs: 3, epochsPerUserMax: 3 });
  });

  it('fails two keys issued with one (user, seq): two owners issuing one seq', () => {
    const b = new HistoryBuilder({ bob: ['phone'] });
    b.issue('bob', 1, 'alice/m1', 1).at(40).issue('bob', 1, 'carol/m7', 2);
    b.issue('bob', 1, 'dave/m1', 2);
    expect(owners(b)).toEqual({
      ok: false,
      issued: 3,
      clashes: 1,
      epochs: 2,
      epochsPerUserMax: 2,
      examples: [{ user: 'bob', seq: 1, keys: ['alice/m1', 'carol/m7'], epochs: [1, 2], t: 40 }],
    });
  });

  it('passes an empty log', () => {
    expect(owners(new HistoryBuilder({}))).toEqual({
      ok: true,
      issued: 0,
      clashes: 0,
      epochs: 0,
      epochsPerUserMax: 0,
    });
  });
});
