/**
 * The edge's bounds, with their defaults next to them. Every one is
 * configurable per server; `resolveEdgeLimits` fills in defaults and refuses
 * a bad value naming it.
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';

export interface EdgeLimits {
  /** Sustained client frames a second per connection (PROTOCOL.md: at least 100). */
  readonly ratePerSec: number;
  /** Frames a connection may send at once before the rate applies (PROTOCOL.md: at least 200). */
  readonly burst: number;
  /** Sustained `ack` frames a second per connection (their own bucket). */
  readonly ackRatePerSec: number;
  /** Burst of the `ack` bucket. */
  readonly ackBurst: number;
  /** Interval between WebSocket pings. */
  readonly heartbeatIntervalMs: number;
  /** Pings in a row left unanswered before the connection is closed (4000). */
  readonly missedPongsMax: number;
  /** Bytes waiting unsent in the socket before the connection is closed (1013). */
  readonly sendBufferBytesMax: number;
  /** Users one connection watches the presence of; past it the oldest is dropped. */
  readonly presenceUsersMax: number;
  /** Frames (messages, requests with a ref) forwarded and not yet answered; past it a frame is refused `rate_limited`. */
  readonly inflightMessagesMax: number;
  /** Messages all edges of a node forwarded and not yet answered; past it a new message is refused `unavailable` (`load.ts`). */
  readonly nodeMessagesInFlightMax: number;
  /** An `attach` with no `attached` and no replay batch back after this long is sent again (it went to a node that is gone). Default 750 ms: well under a failover, and only sent again when the replay made no progress. */
  readonly attachRetryMs: number;
}

export const DEFAULT_EDGE_LIMITS: EdgeLimits = {
  ratePerSec: 100,
  burst: 200,
  ackRatePerSec: 5000,
  ackBurst: 20_000,
  heartbeatIntervalMs: 30_000,
  missedPongsMax: 2,
  sendBufferBytesMax: 4 * 1024 * 1024,
  presenceUsersMax: 10_000,
  inflightMessagesMax: 4096,
  nodeMessagesInFlightMax: 2000,
  attachRetryMs: 750,
};

export function resolveEdgeLimits(limits: Partial<EdgeLimits> = {}): EdgeLimits {
  const out = { ...DEFAULT_EDGE_LIMITS, ...limits };
  positive('ratePerSec', out.ratePerSec, false);
  positive('ackRatePerSec', out.ackRatePerSec, false);
  for (const name of [
    'burst',
    'ackBurst',
    'heartbeatIntervalMs',
    'missedPongsMax',
    'sendBufferBytesMax',
    'presenceUsersMax',
    'inflightMessagesMax',
    'nodeMessagesInFlightMax',
    'attachRetryMs',
  ] as const)
    positive(name, out[name], true);
  return out;
}

/** Refuses anything but a positive number (an integer when `integer`). */
export function positive(name: string, value: unknown, integer: boolean): void {
  const ok =
    typeof value === 'number' &&
    value > 0 &&
    (integer ? Number.isSafeInteger(value) : Number.isFinite(value));
  if (!ok)
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `${name} must be a positive ${integer ? 'integer' : 'number'}, got ${quote(value)}`,
    );
}
