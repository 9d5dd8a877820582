import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IdTable } from './id-table.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };

describe('IdTable', () => {
  it('stores, finds, overwrites and deletes entries by id', () => {
    const t = new IdTable<string>();
    expect(t.get(1)).toBeUndefined();
    t.set(1, 'a');
    t.set(2, 'b');
    expect(t.get(1)).toBe('a');
    expect(t.size).toBe(2);
    t.set(1, 'A');
    expect(t.get(1)).toBe('A');
    expect(t.size).toBe(2);
    expect(t.delete(1)).toBe(true);
    expect(t.delete(1)).toBe(false);
    expect(t.get(1)).toBeUndefined();
    expect(t.size).toBe(1);
  });

  it('answers undefined and false for ids on pages never written', () => {
    const t = new IdTable<number>();
    expect(t.get(10_000_000)).toBeUndefined();
    expect(t.delete(10_000_000)).toBe(false);
    expect(t.size).toBe(0);
  });

  it('frees a page when its last entry leaves and can use it again', () => {
    const t = new IdTable<number>();
    const far = 5 * 16_384 + 7;
    t.set(far, 1);
    t.set(far + 1, 2);
    t.delete(far);
    t.delete(far + 1);
    expect(t.size).toBe(0);
    expect([...t.values()]).toEqual([]);
    t.set(far, 3);
    expect(t.get(far)).toBe(3);
    expect(t.size).toBe(1);
  });

  it('lists values in id order across pages', () => {
    const t = new IdTable<number>();
    for (const id of [40_000, 3, 16_384, 16_383, 0]) t.set(id, id);
    expect([...t.values()]).toEqual([0, 3, 16_383, 16_384, 40_000]);
  });

  it('forgets everything on clear', () => {
    const t = new IdTable<number>();
    t.set(1, 1);
    t.set(70_000, 2);
    t.clear();
    expect(t.size).toBe(0);
    expect(t.get(1)).toBeUndefined();
    expect(t.get(70_000)).toBeUndefined();
    expect([...t.values()]).toEqual([]);
  });

  it('behaves like a Map under any sequence of sets and deletes', () => {
    const id = fc.oneof(fc.nat(40), fc.integer({ min: 16_380, max: 16_390 }), fc.nat(200_000));
    const op = fc.oneof(
      fc.record({ k: fc.constant('set' as const), id, v: fc.nat() }),
      fc.record({ k: fc.constant('delete' as const), id }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const t = new IdTable<number>();
        const model = new Map<number, number>();
        for (const o of ops) {
          if (o.k === 'set') {
            t.set(o.id, o.v);
            model.set(o.id, o.v);
          } else {
            expect(t.delete(o.id)).toBe(model.delete(o.id));
          }
          expect(t.size).toBe(model.size);
          expect(t.get(o.id)).toBe(model.get(o.id));
        }
        const sorted = [...model.entries()].sort((a, b) => a[0] - b[0]).map(([, v]) => v);
        expect([...t.values()]).toEqual(sorted);
      }),
      fcOptions,
    );
  });
});
