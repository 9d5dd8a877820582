/**
 * The counters the edge actor bumps: a role interface, so the actor knows
 * nothing of Prometheus (`metrics.ts` implements it) and tests pass `noCounters`.
 */
export interface EdgeCounters {
  /** A client frame arrived (valid or not). */
  frameIn(): void;
  /** `count` frames were written to a client. */
  frameOut(count: number): void;
  /** A client `message` frame was accepted and forwarded. */
  messageIn(): void;
  /** `count` `message` frames were written to a client. */
  messageOut(count: number): void;
  /** An `error` frame with `code` was written to a client. */
  error(code: string): void;
}

export const noCounters: EdgeCounters = {
  frameIn() {},
  frameOut() {},
  messageIn() {},
  messageOut() {},
  error() {},
};
