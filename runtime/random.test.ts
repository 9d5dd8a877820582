import { describe, expect, it } from 'vitest';
import { seededRandom, systemRandom } from './index.ts';

function take(n: number, f: () => number): number[] {
  return Array.from({ length: n }, f);
}

describe('seededRandom', () => {
  it('gives the same sequence for the same seed', () => {
    const a = seededRandom(7);
    const b = seededRandom(7);
    expect(take(100, () => a.next())).toEqual(take(100, () => b.next()));
    expect(take(50, () => a.int(1000))).toEqual(take(50, () => b.int(1000)));
    expect(a.bytes(32)).toEqual(b.bytes(32));
  });

  it('gives different sequences for different seeds, including 0 and negative seeds', () => {
    const seqs = [0, 1, 2, -1, 0xffffffff + 5].map((s) => {
      const r = seededRandom(s);
      return take(8, () => r.next()).join(',');
    });
    expect(new Set(seqs).size).toBe(seqs.length);
  });

  it('returns floats in [0, 1) and integers in [0, n)', () => {
    const r = seededRandom(123);
    for (let i = 0; i < 10_000; i++) {
      const x = r.next();
      expect(x >= 0 && x < 1).toBe(true);
      const k = r.int(7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
  });

  it('spreads integers roughly evenly', () => {
    const r = seededRandom(99);
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[r.int(10)]!++;
    for (const c of counts) expect(Math.abs(c - 10_000)).toBeLessThan(600);
  });

  it('returns the number of bytes asked for', () => {
    const r = seededRandom(5);
    const bytes = r.bytes(1000);
    expect(bytes).toBeInstanceOf(Uint8Array);
    expect(bytes).toHaveLength(1000);
    expect(new Set(bytes).size).toBeGreaterThan(200);
    expect(r.bytes(0)).toHaveLength(0);
  });
});

describe('systemRandom', () => {
  it('returns floats in [0, 1), integers in [0, n) and fresh bytes', () => {
    for (let i = 0; i < 1000; i++) {
      const x = systemRandom.next();
      expect(x >= 0 && x < 1).toBe(true);
      const k = systemRandom.int(3);
      expect(k >= 0 && k < 3 && Number.isInteger(k)).toBe(true);
    }
    const a = systemRandom.bytes(16);
    expect(a).toBeInstanceOf(Uint8Array);
    expect(a).toHaveLength(16);
    expect(systemRandom.bytes(16)).not.toEqual(a);
  });
});
