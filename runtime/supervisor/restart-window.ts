/**
 * Restart intensity, as OTP's supervisor counts it: a restart is allowed when,
 * counting it, no more than `intensity` restarts happened in the last
 * `periodMs` (a restart at `t` counts while `now - t <= periodMs`). Pure: time
 * is a parameter, so the rule is testable without a clock.
 */

export interface RestartVerdict {
  readonly allowed: boolean;
  /** The restart times still inside the period, this one included. */
  readonly history: readonly number[];
}

export function recordRestart(
  history: readonly number[],
  nowMs: number,
  intensity: number,
  periodMs: number,
): RestartVerdict {
  const recent = history.filter((t) => nowMs - t <= periodMs);
  recent.push(nowMs);
  return { allowed: recent.length <= intensity, history: recent };
}
