/**
 * The transport contract: how actor systems on different nodes reach each
 * other. Shaped so NATS can carry it: opaque bytes addressed by node, no shared
 * objects, at-most-once delivery, FIFO per (sender node, receiver node) pair and
 * no other ordering.
 *
 * The runtime encodes every cross-node message with its codec (`codec.ts`), so
 * nothing is shared by reference even between nodes in one process.
 */

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
  /** Starts delivery to `handler`. Called once, by the actor system. */
  attach(handler: TransportHandler): void;
  /** Sends `frame` to `node`; may drop it (at-most-once), never reorders frames to one node. */
  send(node: string, frame: Uint8Array): void;
  /** Whether `node` is currently believed reachable. */
  reachable(node: string): boolean;
  close(): Promise<void>;
}
