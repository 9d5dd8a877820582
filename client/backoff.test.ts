import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts';

const params = { seed: Number(process.env.FC_SEED), verbose: true };
const options = { initialDelayMs: 100, maxDelayMs: 1000, factor: 2, attemptsMax: 5 };

describe('backoffDelayMs', () => {
  it('scales the random draw by a ceiling that doubles per attempt', () => {
    const half = () => 0.5;
    expect([0, 1, 2, 3, 4, 5].map((a) => backoffDelayMs(a, options, half))).toEqual([
      50, 100, 200, 400, 500, 500,
    ]);
  });

  it('can be zero: full jitter draws from the whole range', () => {
    expect(backoffDelayMs(3, options, () => 0)).toBe(0);
  });

  it('stays within [0, maxDelayMs) for any attempt, even huge ones', () => {
    fc.assert(
      fc.property(
        fc.nat(10_000),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const delay = backoffDelayMs(attempt, DEFAULT_BACKOFF, () => r);
          expect(delay).toBeGreaterThanOrEqual(0);
          expect(delay).toBeLessThan(DEFAULT_BACKOFF.maxDelayMs);
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
      params,
    );
  });
});
