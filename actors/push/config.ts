/**
 * The tunables of push notifications, with their defaults beside them.
 * `checkPushConfig` refuses a bad one naming the field and the value.
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';

export interface PushConfig {
  /**
   * One push per (user, conversation) per window: the first message pushes
   * at once, later ones in the window are counted and one trailing push
   * ("N new messages") goes at its end. 0: every message pushes.
   */
  readonly coalesceMs: number;
  /** Pushes per user per minute (a token bucket holding as many); past it they are dropped and counted. */
  readonly ratePerMin: number;
  /** Sends in flight at once, over every subscription. */
  readonly concurrency: number;
  /** Sends waiting (queued or between retries); past it new ones are dropped and counted. */
  readonly queueMax: number;
  /** Attempts per web push send (network errors, 429 and 5xx are retried). */
  readonly webPushAttempts: number;
  /** Attempts per webhook send before it is a dead letter. */
  readonly webhookAttempts: number;
  /** First retry delay; doubles per attempt up to `backoffMaxMs`, with jitter. */
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** How long a push service keeps an undelivered web push (its `TTL` header). */
  readonly ttlSeconds: number;
  /** One HTTP send gives up after this. */
  readonly requestTimeoutMs: number;
  /** A user found without subscriptions is not looked up again for this long (a subscribe on this node clears it). */
  readonly emptyCacheMs: number;
  /** Subscriptions kept per user; a new one past it replaces the oldest. */
  readonly subscriptionsPerUserMax: number;
  /** Longest text preview, in code points. */
  readonly previewLengthMax: number;
  /** Conversations with an open coalescing window, at most; past it pushes are dropped and counted. */
  readonly windowsMax: number;
  /** Accept `http:` endpoints (tests, local development); default https only. */
  readonly allowHttp: boolean;
}

export const DEFAULT_PUSH_CONFIG: PushConfig = {
  coalesceMs: 30_000,
  ratePerMin: 20,
  concurrency: 16,
  queueMax: 10_000,
  webPushAttempts: 3,
  webhookAttempts: 5,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
  ttlSeconds: 24 * 3600,
  requestTimeoutMs: 10_000,
  emptyCacheMs: 60_000,
  subscriptionsPerUserMax: 10,
  previewLengthMax: 120,
  windowsMax: 100_000,
  allowHttp: false,
};

/** Fills in `partial` from the defaults and checks every number. */
export function checkPushConfig(partial: Partial<PushConfig> = {}): PushConfig {
  const out = { ...DEFAULT_PUSH_CONFIG, ...partial };
  for (const [name, value] of Object.entries(out)) {
    if (name === 'allowHttp') continue;
    const min = name === 'coalesceMs' ? 0 : 1;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `push config ${name} must be an integer >= ${min}, got ${quote(value)}`,
      );
  }
  return out;
}
