import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SMALL_MAX } from './small-map.ts';
import { SmallSet } from './small-set.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };

type Op =
  | { readonly op: 'add'; readonly value: number }
  | { readonly op: 'delete'; readonly value: number }
  | { readonly op: 'clear' };

const value = fc.integer({ min: 0, max: 2 * SMALL_MAX + 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('add' as const), value }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), value }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
);

describe('SmallSet', () => {
  it('adds once, finds, deletes and clears like a Set', () => {
    const s = new SmallSet<string>();
    expect(s.size).toBe(0);
    expect(s.add('a')).toBe(s);
    s.add('b').add('a');
    expect(s.size).toBe(2);
    expect(s.has('a')).toBe(true);
    expect([...s]).toEqual(['a', 'b']);
    expect(s.delete('a')).toBe(true);
    expect(s.delete('a')).toBe(false);
    expect([...s.values()]).toEqual(['b']);
    s.clear();
    expect(s.size).toBe(0);
    expect([...s]).toEqual([]);
  });

  it('compares by SameValueZero', () => {
    const s = new SmallSet<number>().add(Number.NaN).add(-0);
    expect(s.has(Number.NaN)).toBe(true);
    expect(s.has(0)).toBe(true);
    expect(s.size).toBe(2);
  });

  it('moves to a Set past SMALL_MAX members, in order, and lets an iteration delete', () => {
    const s = new SmallSet<number>();
    for (let i = 0; i <= SMALL_MAX; i++) s.add(i);
    expect([...s]).toEqual([...Array(SMALL_MAX + 1).keys()]);
    const small = new SmallSet<number>().add(1).add(2).add(3);
    for (const big of [s, small]) {
      const seen: number[] = [];
      for (const v of big) {
        seen.push(v);
        big.delete(v);
      }
      expect(seen.length).toBeGreaterThan(0);
      expect(big.size).toBe(0);
    }
  });

  it('answers as a Set does after any sequence of adds, deletes and clears', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const small = new SmallSet<number>();
        const model = new Set<number>();
        for (const o of ops) {
          if (o.op === 'add') {
            small.add(o.value);
            model.add(o.value);
          } else if (o.op === 'delete') {
            expect(small.delete(o.value)).toBe(model.delete(o.value));
          } else {
            small.clear();
            model.clear();
          }
          expect(small.size).toBe(model.size);
        }
        expect([...small]).toEqual([...model]);
        for (let v = 0; v <= 2 * SMALL_MAX + 2; v++) expect(small.has(v)).toBe(model.has(v));
      }),
      fcOptions,
    );
  });
});
