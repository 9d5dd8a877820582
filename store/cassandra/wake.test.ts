/**
 * The placement of wake marks: `wakeBucket` decides which partition holds a
 * mark, so its values are part of the schema and must never change.
 */
import { describe, expect, it } from 'vitest';
import { WAKE_BUCKETS, wakeBucket } from './wake.ts';

describe('wake buckets', () => {
  it('places owners by a fixed hash of their UTF-8 bytes', () => {
    expect(WAKE_BUCKETS).toBe(16);
    // FNV-1a 32 of the UTF-8 bytes, modulo 16 (checked against an independent implementation).
    expect(['user:alice', 'group:g1', 'user:é', ''].map(wakeBucket)).toEqual([0, 10, 8, 5]);
  });

  it('spreads owners over every bucket', () => {
    const counts = new Array<number>(WAKE_BUCKETS).fill(0);
    for (let i = 0; i < 1600; i++) counts[wakeBucket(`user:u${i}`)]! += 1;
    for (const n of counts) expect(n).toBeGreaterThan(50);
  });
});
