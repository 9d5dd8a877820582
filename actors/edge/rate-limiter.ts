/**
 * A token bucket: `ratePerSec` tokens a second, at most `burst` held, full at
 * start. Pure: time comes in as a parameter, so tests need no clock.
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';

export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    readonly ratePerSec: number,
    readonly burst: number,
    nowMs: number,
  ) {
    if (!(Number.isFinite(ratePerSec) && ratePerSec > 0))
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `ratePerSec must be a positive number, got ${quote(ratePerSec)}`,
      );
    if (!(Number.isSafeInteger(burst) && burst >= 1))
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `burst must be a positive integer, got ${quote(burst)}`,
      );
    this.tokens = burst;
    this.lastMs = nowMs;
  }

  /** Takes one token if there is one. A clock that steps back refills nothing. */
  take(nowMs: number): boolean {
    if (nowMs > this.lastMs) {
      this.tokens = Math.min(
        this.burst,
        this.tokens + ((nowMs - this.lastMs) * this.ratePerSec) / 1000,
      );
      this.lastMs = nowMs;
    }
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
