import { describe, expect, test } from 'vitest';
import { TokenBucket } from './rate-limiter.ts';

describe('TokenBucket', () => {
  test('starts full: a burst passes, the next take fails', () => {
    const bucket = new TokenBucket(100, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });

  test('refills at the rate, never above the burst', () => {
    const bucket = new TokenBucket(100, 2, 0);
    bucket.take(0);
    bucket.take(0);
    expect(bucket.take(5)).toBe(false);
    expect(bucket.take(10)).toBe(true);
    expect([bucket.take(60_000), bucket.take(60_000), bucket.take(60_000)]).toEqual([
      true,
      true,
      false,
    ]);
  });

  test('a clock that steps back refills nothing', () => {
    const bucket = new TokenBucket(1000, 1, 1000);
    expect(bucket.take(1000)).toBe(true);
    expect(bucket.take(500)).toBe(false);
    expect(bucket.take(1000)).toBe(false);
    expect(bucket.take(1001)).toBe(true);
  });

  test('refuses a bad rate or burst naming the value', () => {
    expect(() => new TokenBucket(0, 1, 0)).toThrow('ratePerSec must be a positive number, got 0');
    expect(() => new TokenBucket(1, 1.5, 0)).toThrow('burst must be a positive integer, got 1.5');
  });
});
