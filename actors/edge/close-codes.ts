/**
 * WebSocket close codes the edge uses. RFC 6455 codes where one fits; the
 * 4000s (private use) for our own reasons. Each closes the connection for
 * good; the client reconnects, and the inbox replay resumes it.
 */
import { Buffer } from 'node:buffer';

export const CloseCode = {
  /** The server is shutting down (also what the user actor may send to end a session). */
  GoingAway: 1001,
  /** A frame above `FRAME_BYTES_HARD_MAX`: closed by `ws` itself, unread. */
  MessageTooBig: 1009,
  /** The edge failed (a bug, or it was told to exit): reconnect. */
  InternalError: 1011,
  /** Backpressure: more than `sendBufferBytesMax` waits unsent; the client reads too slowly. */
  SlowConsumer: 1013,
  /** The node is draining or cut off from the cluster: reconnect to another node ("Try Again Later"). */
  TryAgainLater: 1013,
  /** Heartbeat: the client answered none of `missedPongsMax` WebSocket pings in a row. */
  HeartbeatTimeout: 4000,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** RFC 6455 caps a close reason at 123 UTF-8 bytes; longer ones are cut. */
export function closeReason(reason: string): string {
  let out = reason;
  while (Buffer.byteLength(out, 'utf8') > 123) out = out.slice(0, -1);
  return out;
}
