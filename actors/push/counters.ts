/**
 * The counters push bumps: a role interface, so the notifier knows nothing of
 * Prometheus (`actors/edge/metrics.ts` implements it) and tests count by hand.
 * `kind` is `webpush` or `webhook`.
 */
export interface PushCounters {
  /** A push service or the webhook relay took a push. */
  pushSent(kind: string): void;
  /** A push was given up (`reason`: `rejected`, `exhausted`). */
  pushFailed(kind: string, reason: string): void;
  /** A webhook push given up: refused (4xx) or out of retries. */
  pushDeadLetter(): void;
  /** A subscription removed because its push service said it is gone (404/410). */
  pushExpired(kind: string): void;
  /** A push not sent: `rate_limited`, `queue_full`, `windows_full`. */
  pushDropped(reason: string): void;
}

export const noPushCounters: PushCounters = {
  pushSent() {},
  pushFailed() {},
  pushDeadLetter() {},
  pushExpired() {},
  pushDropped() {},
};

/** Counters that forward to `target()` once it exists (a composition that makes its metrics later). */
export function lateCounters(target: () => PushCounters | undefined): PushCounters {
  return {
    pushSent: (kind) => target()?.pushSent(kind),
    pushFailed: (kind, reason) => target()?.pushFailed(kind, reason),
    pushDeadLetter: () => target()?.pushDeadLetter(),
    pushExpired: (kind) => target()?.pushExpired(kind),
    pushDropped: (reason) => target()?.pushDropped(reason),
  };
}
