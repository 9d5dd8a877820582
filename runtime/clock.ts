/**
 * Time for the runtime and everything above it.
 *
 * The only module (with `random.ts`) allowed to touch the real clock and the
 * real timers; everything else takes a `Clock`, so the simulator and tests
 * can run the same code under virtual time (`runtime/testing/virtual-clock.ts`).
 */

/** An opaque handle to a pending timer. */
export interface TimerHandle {
  readonly __timer: unique symbol;
}

export interface Clock {
  /** Wall time in ms since the epoch (`ts` on the wire). */
  now(): number;
  /** Calls `fn` once after `delayMs` (clamped to >= 0). */
  setTimer(delayMs: number, fn: () => void): TimerHandle;
  /** Cancels a pending timer; a fired or cancelled one is a no-op. */
  clearTimer(handle: TimerHandle): void;
  /** Runs `fn` soon, after pending I/O (a macrotask turn): how the scheduler yields. */
  defer(fn: () => void): void;
}

/** The real clock: `Date.now`, `setTimeout` and `setImmediate`. Timers do not keep the process alive. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(delayMs, fn) {
    const t = setTimeout(fn, Math.max(0, delayMs));
    t.unref();
    return t as unknown as TimerHandle;
  },
  clearTimer(handle) {
    clearTimeout(handle as unknown as NodeJS.Timeout);
  },
  defer(fn) {
    setImmediate(fn);
  },
};

/**
 * A monotonic reading in ms, for measuring durations that are reported and
 * never acted on (metrics). Not virtual: the simulator never reads it.
 */
export function monotonicMs(): number {
  return performance.now();
}

/** Promise that resolves after `ms` on `clock`. */
export function sleep(clock: Clock, ms: number): Promise<void> {
  return new Promise((resolve) => clock.setTimer(ms, resolve));
}
