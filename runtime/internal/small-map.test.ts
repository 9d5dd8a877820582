import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SMALL_MAX, SmallMap } from './small-map.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };

type Op =
  | { readonly op: 'set'; readonly key: number; readonly value: string }
  | { readonly op: 'delete'; readonly key: number }
  | { readonly op: 'clear' };

const key = fc.integer({ min: 0, max: 2 * SMALL_MAX + 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ op: fc.constant('set' as const), key, value: fc.string() }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
);

describe('SmallMap', () => {
  it('sets, gets, overwrites and deletes like a Map', () => {
    const m = new SmallMap<string, number>();
    expect(m.size).toBe(0);
    expect(m.get('a')).toBeUndefined();
    expect(m.has('a')).toBe(false);
    expect(m.set('a', 1)).toBe(m);
    m.set('b', 2);
    m.set('a', 3);
    expect(m.get('a')).toBe(3);
    expect(m.size).toBe(2);
    expect([...m.keys()]).toEqual(['a', 'b']);
    expect(m.delete('a')).toBe(true);
    expect(m.delete('a')).toBe(false);
    expect([...m]).toEqual([['b', 2]]);
    m.clear();
    expect(m.size).toBe(0);
    expect([...m.values()]).toEqual([]);
  });

  it('compares keys by SameValueZero', () => {
    const m = new SmallMap<number, string>();
    m.set(Number.NaN, 'nan');
    m.set(-0, 'zero');
    expect(m.get(Number.NaN)).toBe('nan');
    expect(m.get(0)).toBe('zero');
    expect(m.size).toBe(2);
  });

  it('moves to a Map past SMALL_MAX entries and keeps insertion order', () => {
    const m = new SmallMap<number, number>();
    for (let i = 0; i <= SMALL_MAX; i++) m.set(i, i * 10);
    expect(m.size).toBe(SMALL_MAX + 1);
    expect([...m.keys()]).toEqual([...Array(SMALL_MAX + 1).keys()]);
    expect(m.get(SMALL_MAX)).toBe(SMALL_MAX * 10);
    expect(m.delete(0)).toBe(true);
    expect(m.has(0)).toBe(false);
    expect(m.size).toBe(SMALL_MAX);
  });

  it('lets an iteration delete entries, in both modes', () => {
    for (const n of [3, SMALL_MAX + 3]) {
      const m = new SmallMap<number, number>();
      for (let i = 0; i < n; i++) m.set(i, i);
      const seen: number[] = [];
      for (const [k] of m) {
        seen.push(k);
        m.delete(k);
      }
      expect(seen).toEqual([...Array(n).keys()]);
      expect(m.size).toBe(0);
    }
  });

  it('forEach passes value then key', () => {
    const m = new SmallMap<string, number>().set('x', 1).set('y', 2);
    const seen: [number, string][] = [];
    m.forEach((v, k) => {
      seen.push([v, k]);
    });
    expect(seen).toEqual([
      [1, 'x'],
      [2, 'y'],
    ]);
  });

  it('answers as a Map does after any sequence of sets, deletes and clears', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const small = new SmallMap<number, string>();
        const model = new Map<number, string>();
        for (const o of ops) {
          if (o.op === 'set') {
            small.set(o.key, o.value);
            model.set(o.key, o.value);
          } else if (o.op === 'delete') {
            expect(small.delete(o.key)).toBe(model.delete(o.key));
          } else {
            small.clear();
            model.clear();
          }
          expect(small.size).toBe(model.size);
        }
        expect([...small.entries()]).toEqual([...model.entries()]);
        expect([...small.values()]).toEqual([...model.values()]);
        for (let k = 0; k <= 2 * SMALL_MAX + 2; k++) {
          expect(small.has(k)).toBe(model.has(k));
          expect(small.get(k)).toBe(model.get(k));
        }
      }),
      fcOptions,
    );
  });
});
