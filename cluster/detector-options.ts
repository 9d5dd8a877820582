/**
 * The failure detector's settings, their defaults and their checks (see
 * `membership-core.ts` for what each one does to a verdict).
 *
 * Defaults: heartbeat every 250 ms, down after 2000 ms of silence, suspect
 * after half of that, detector tick every 100 ms, a tick more than 200 ms late
 * is our own pause, 500 ms of grace after one, and others are judged only
 * while our own echo is under 750 ms old.
 *
 * Rules (each rejected with `invalid_argument` naming the value): every
 * setting is a positive integer; `downAfterMs >= 2 * heartbeatMs` (one lost
 * heartbeat must never be a verdict); `tickMs <= heartbeatMs`;
 * `suspectAfterMs < downAfterMs`.
 */
import { ErrorCode, ParleyError, quote } from '../runtime/index.ts';

export interface DetectorOptions {
  /** How often a node heartbeats (the driver's period; used for defaults). Default 250. */
  readonly heartbeatMs?: number;
  /** Silence after which a member is down. Default 2000. */
  readonly downAfterMs?: number;
  /** How often `tick` is called. Default 100. */
  readonly tickMs?: number;
  /** Silence after which a member is suspect. Default `downAfterMs / 2`. */
  readonly suspectAfterMs?: number;
  /** Lateness of a tick beyond which it counts as our own pause. Default 200. */
  readonly pauseToleranceMs?: number;
  /** No down or isolation verdicts for this long after a late tick. Default `2 * heartbeatMs`. */
  readonly graceMs?: number;
  /** We judge others only while our own echo is younger than this. Default `3 * heartbeatMs`. */
  readonly echoFreshMs?: number;
}

export type ResolvedDetectorOptions = { readonly [K in keyof DetectorOptions]-?: number };

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `membership ${name} must be a positive integer, got ${quote(value)}`,
    );
  }
  return value;
}

/** Applies defaults and checks every option, naming a bad one. */
export function resolveDetectorOptions(opts: DetectorOptions = {}): ResolvedDetectorOptions {
  const heartbeatMs = positiveInt('heartbeatMs', opts.heartbeatMs ?? 250);
  const downAfterMs = positiveInt('downAfterMs', opts.downAfterMs ?? 2000);
  const r: ResolvedDetectorOptions = {
    heartbeatMs,
    downAfterMs,
    tickMs: positiveInt('tickMs', opts.tickMs ?? Math.min(100, heartbeatMs)),
    suspectAfterMs: positiveInt(
      'suspectAfterMs',
      opts.suspectAfterMs ?? Math.round(downAfterMs / 2),
    ),
    pauseToleranceMs: positiveInt('pauseToleranceMs', opts.pauseToleranceMs ?? 200),
    graceMs: positiveInt('graceMs', opts.graceMs ?? 2 * heartbeatMs),
    echoFreshMs: positiveInt('echoFreshMs', opts.echoFreshMs ?? 3 * heartbeatMs),
  };
  if (downAfterMs < 2 * heartbeatMs) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `membership downAfterMs must be at least 2 * heartbeatMs (${2 * heartbeatMs}), got ${quote(downAfterMs)}`,
    );
  }
  if (r.tickMs > heartbeatMs) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `membership tickMs must be at most heartbeatMs (${heartbeatMs}), got ${quote(r.tickMs)}`,
    );
  }
  if (r.suspectAfterMs >= downAfterMs) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `membership suspectAfterMs must be below downAfterMs (${downAfterMs}), got ${quote(r.suspectAfterMs)}`,
    );
  }
  return r;
}
