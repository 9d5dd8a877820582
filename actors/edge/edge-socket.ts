/**
 * What the edge actor needs of a WebSocket: the transport layer behind a small
 * interface, so tests drive the actor with a fake and the server with `ws`.
 */
import type { Wire } from '../protocol/index.ts';

export interface EdgeSocket {
  /**
   * The encoding the client agreed on: `json` (text frames, the default) or
   * `msgpack` (binary frames). `send` takes JSON either way and writes the
   * wire's encoding.
   */
  readonly encoding?: Wire;
  /** Writes one frame, given as JSON. Never throws; a closed socket drops it. */
  send(text: string): void;
  /** Starts the close handshake. Idempotent. */
  close(code: number, reason: string): void;
  /** Sends a WebSocket-level ping. */
  ping(): void;
  /** Bytes written but not yet handed to the OS: what backpressure watches. */
  readonly bufferedAmount: number;
  /** WebSocket-level pongs received so far: the heartbeat watches it move. */
  readonly pongs: number;
  /**
   * Called by the edge each time it has taken an inbound frame of `chars`
   * UTF-16 units (bytes, for a binary frame) off its mailbox, so the transport can stop reading from the
   * network while too many wait (inbound backpressure). Optional.
   */
  received?(chars: number): void;
}
