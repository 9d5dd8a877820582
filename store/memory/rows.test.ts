import { describe, expect, it } from 'vitest';
import { expiryOf, Rows } from './rows.ts';

function rows(...spec: [seq: number, expMs: number][]): Rows<string> {
  const r = new Rows<string>();
  for (const [seq, expMs] of spec) r.push(seq, `v${seq}`, expMs);
  return r;
}

describe('memory store rows', () => {
  it('a TTL of 0 keeps a row forever; any other expires it that long after the write', () => {
    expect(expiryOf(0, 100)).toBe(Number.POSITIVE_INFINITY);
    expect(expiryOf(50, 100)).toBe(150);
  });

  it('a row is live while its expiry is after now', () => {
    const r = rows([1, 10], [2, 20]);
    expect(r.get(1, 9)).toBe('v1');
    expect(r.get(1, 10)).toBeUndefined();
    expect(r.get(2, 10)).toBe('v2');
    expect(r.get(3, 0)).toBeUndefined();
  });

  it('after and page skip expired rows, also in the middle', () => {
    const r = rows([1, 100], [3, 5], [4, 100], [7, 100]);
    expect(r.after(0, 10, 10)).toEqual(['v1', 'v4', 'v7']);
    expect(r.after(1, 1, 10)).toEqual(['v4']);
    expect(r.page(null, 2, 10)).toEqual({ values: ['v4', 'v7'], nextBeforeSeq: 4 });
    expect(r.page(4, 2, 10)).toEqual({ values: ['v1'], nextBeforeSeq: null });
    expect(r.page(4, 1, 0)).toEqual({ values: ['v3'], nextBeforeSeq: 3 });
  });

  it('prune forgets the expired rows at the front, with or without a callback', () => {
    const r = rows([1, 10], [2, 10], [3, 30]);
    r.prune(5);
    expect(r.size).toBe(3);
    r.prune(10);
    expect(r.size).toBe(1);
    const gone: number[] = [];
    r.prune(30, (row) => gone.push(row.seq));
    expect(gone).toEqual([3]);
    expect(r.size).toBe(0);
  });

  it('refuses a seq that does not follow the last one', () => {
    const r = rows([2, 10]);
    expect(() => r.push(2, 'again', 10)).toThrow('Rows.push: seq 2 does not follow 2');
  });
});
