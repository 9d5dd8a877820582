/**
 * Deliberately broken variants of the system, injected only by tests (and
 * `--mutant` for a researcher checking a checker): proof that the
 * simulator's checkers catch real defects.
 * - `forget-write`: the store answers one inbox append of a message to its
 *   recipient (the 20th) as stored without storing it;
 * - `reorder-transport`: the runtime's transport swaps consecutive frames
 *   from one node (per-pair FIFO broken above the link check);
 * - `ack-before-persist`: the server acks `sent` as soon as a message frame
 *   arrives, before anything is stored;
 * - `split-ownership`: every node owns every key, and the store does not
 *   fence stale epochs.
 */
import type { Clock, Random, Transport, TransportHandler } from '../../runtime/index.ts';

export type MutantName =
  | 'forget-write'
  | 'reorder-transport'
  | 'ack-before-persist'
  | 'split-ownership';

export const MUTANTS: readonly MutantName[] = [
  'forget-write',
  'reorder-transport',
  'ack-before-persist',
  'split-ownership',
];

/** A transport that holds each frame from a node until the next one from it, then delivers both swapped. */
export function reorderingTransport(inner: Transport, clock: Clock, random: Random): Transport {
  return {
    get node() {
      return inner.node;
    },
    get creation() {
      return inner.creation;
    },
    get maxFrameBytes() {
      return inner.maxFrameBytes;
    },
    attach(handler: TransportHandler): void {
      const held = new Map<string, Uint8Array>();
      inner.attach({
        onFrame(from, frame) {
          const before = held.get(from);
          if (before !== undefined) {
            held.delete(from);
            handler.onFrame(from, frame);
            handler.onFrame(from, before);
            return;
          }
          if (random.next() < 0.5) {
            handler.onFrame(from, frame);
            return;
          }
          held.set(from, frame);
          clock.setTimer(50, () => {
            if (held.get(from) === frame) {
              held.delete(from);
              handler.onFrame(from, frame);
            }
          });
        },
        onNodeDown: (node) => handler.onNodeDown(node),
        onNodeUp: (node) => handler.onNodeUp?.(node),
      });
    },
    send: (node, frame) => inner.send(node, frame),
    reachable: (node) => inner.reachable(node),
    close: () => inner.close(),
  };
}
