/**
 * The transport contract: how actor systems on different nodes reach each
 * other. Shaped so NATS can carry it: opaque bytes addressed by node, no shared
 * objects, at-most-once delivery, FIFO per (sender node, receiver node) pair and
 * no other ordering.
 *
 * The runtime encodes every cross-node message with its codec (`codec.ts`), so
 * nothing is shared by reference even between nodes in one process.
 *
 * Frames have a size bound (`maxFrameBytes`): `send` of a bigger frame throws
 * `FrameTooLargeError` (code `resource_exhausted`) at the sender, never drops
 * it silently. The contract suite (`testing/transport-contract.ts`) checks
 * every implementation against this file.
 */
import { ErrorCode, ParleyError, quote } from './errors.ts';

/** A frame over the transport's bound; thrown by `Transport.send`. */
export class FrameTooLargeError extends ParleyError {
  override readonly name = 'FrameTooLargeError';
  constructor(
    readonly node: string,
    readonly bytes: number,
    readonly maxFrameBytes: number,
  ) {
    super(
      ErrorCode.ResourceExhausted,
      `frame of ${bytes} bytes to node ${quote(node)} is over the transport's limit of ${maxFrameBytes} bytes`,
    );
  }
}

export interface TransportHandler {
  /** A frame from `fromNode`, in the order `fromNode` sent them to us. */
  onFrame(fromNode: string, frame: Uint8Array): void;
  /** `node` was lost: everything linked to or monitoring it gets `noconnection`. Once per loss. */
  onNodeDown(node: string): void;
  /** `node` is reachable (again). */
  onNodeUp?(node: string): void;
}

export interface Transport {
  /** This node's name; unique in the cluster. */
  readonly node: string;
  /** This node's incarnation, when the transport knows it; the actor system takes it as its default `creation`. */
  readonly creation?: number;
  /** The largest frame `send` accepts. */
  readonly maxFrameBytes: number;
  /** Starts delivery to `handler`. Called once, by the actor system. */
  attach(handler: TransportHandler): void;
  /**
   * Sends `frame` to `node`; may drop it (at-most-once), never reorders frames to one node.
   * Throws `FrameTooLargeError` for a frame over `maxFrameBytes`.
   */
  send(node: string, frame: Uint8Array): void;
  /** Whether `node` is currently believed reachable. */
  reachable(node: string): boolean;
  close(): Promise<void>;
}
