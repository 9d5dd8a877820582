/**
 * Reconnect delays: exponential backoff with full jitter.
 *
 * Attempt `n` (0-based) waits a uniformly random time in
 * `[0, min(maxDelayMs, initialDelayMs * factor^n))`: spreading reconnects of
 * many clients after a server restart instead of stampeding it. Pure: the
 * random source is a parameter.
 */

export interface BackoffOptions {
  /** Ceiling of the first delay. */
  readonly initialDelayMs: number;
  /** Ceiling of every delay. */
  readonly maxDelayMs: number;
  /** Growth of the ceiling per attempt. */
  readonly factor: number;
  /** Reconnect attempts in a row before giving up; `Infinity` never gives up. */
  readonly attemptsMax: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  attemptsMax: Number.POSITIVE_INFINITY,
};

/** The delay before attempt `attempt` (0-based); `random` returns floats in [0, 1). */
export function backoffDelayMs(
  attempt: number,
  options: BackoffOptions,
  random: () => number,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * options.factor ** attempt);
  return Math.floor(random() * ceiling);
}
