/**
 * The node-wide bound that turns overload into backpressure: messages that
 * every edge of a node forwarded to user actors and has not seen answered.
 * Past `max`, an edge answers a new `message` `unavailable` at once (the
 * client sends it again later) instead of queueing it behind work the node
 * cannot keep up with, so latency and memory stay bounded under any load
 * (Little: waiting time ~ in flight / rate).
 *
 * Invariant: `inFlight` is the number of message entries in the in-flight
 * tables (`in-flight.ts`) of this node's open connections; each table adds
 * and removes its own, and gives back what is left when its connection ends.
 */
export class EdgeLoad {
  inFlight = 0;

  constructor(readonly max: number) {}

  get full(): boolean {
    return this.inFlight >= this.max;
  }
}
