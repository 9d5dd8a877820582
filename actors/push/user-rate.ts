/**
 * The per-user rate limit of pushes: a token bucket per user holding
 * `perMin` tokens, refilled at `perMin` a minute, full for a user not seen.
 * Pure: time comes in as a parameter. At most `usersMax` buckets are kept,
 * least recently used dropped first (a dropped bucket comes back full, which
 * only ever allows more).
 */
export class UserRateLimit {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();

  constructor(
    private readonly perMin: number,
    private readonly usersMax = 100_000,
  ) {}

  /** Takes one of `user`'s tokens if there is one. */
  take(user: string, nowMs: number): boolean {
    const b = this.buckets.get(user);
    let tokens = this.perMin;
    if (b !== undefined) {
      const refill = (Math.max(0, nowMs - b.atMs) * this.perMin) / 60_000;
      tokens = Math.min(this.perMin, b.tokens + refill);
      this.buckets.delete(user);
    } else if (this.buckets.size >= this.usersMax) {
      this.buckets.delete(this.buckets.keys().next().value!);
    }
    const ok = tokens >= 1;
    this.buckets.set(user, { tokens: ok ? tokens - 1 : tokens, atMs: nowMs });
    return ok;
  }
}
