/**
 * The two Redis connections of a `RedisPresence`, set to fail fast: no
 * offline queue and no retries per request (a call while Redis is down
 * rejects at once instead of waiting for a reconnect), a command timeout for
 * a Redis that stalls, and reconnects every 50 ms .. 1 s for as long as it
 * takes. The subscriber is a duplicate of the command connection; it does not
 * resubscribe on its own (`RedisWatchers` does, so a `SUBSCRIBE` refused
 * while Redis was down is not forgotten). Plus the option validators.
 */
import { Redis } from 'ioredis';
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';

export interface PresenceConnections {
  readonly redis: Redis;
  readonly sub: Redis;
  /** Whether `redis` was made here (and is closed with the presence). */
  readonly owned: boolean;
  /** `host:port`, for error messages. */
  readonly address: string;
}

/** Connects to `redis` (a URL), or uses the client given as is and duplicates it for the subscriber. */
export function openConnections(
  redis: Redis | string,
  commandTimeoutMs: number,
): PresenceConnections {
  const owned = typeof redis === 'string';
  const client =
    typeof redis === 'string'
      ? new Redis(redis, {
          enableOfflineQueue: false,
          maxRetriesPerRequest: 0,
          commandTimeout: commandTimeoutMs,
          connectTimeout: commandTimeoutMs,
          retryStrategy: (times) => Math.min(50 * times, 1000),
        })
      : redis;
  const sub = client.duplicate({ autoResubscribe: false, enableOfflineQueue: false });
  return { redis: client, sub, owned, address: `${client.options.host}:${client.options.port}` };
}

/** Runs a pipeline and returns its replies, failing with the first error. */
export async function execAll(pipeline: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, value]) => {
    if (err) throw err;
    return value;
  });
}

export function positive(name: string, value: number): number {
  if (Number.isSafeInteger(value) && value > 0) return value;
  throw new ParleyError(
    ErrorCode.InvalidArgument,
    `${name} must be a positive integer, got ${quote(value)}`,
  );
}

export function nonEmpty(name: string, value: string): string {
  if (typeof value === 'string' && value.length > 0) return value;
  throw new ParleyError(
    ErrorCode.InvalidArgument,
    `${name} must be a non-empty string, got ${quote(value)}`,
  );
}
