/**
 * The part of a NATS connection the cluster uses: publish, subscribe,
 * request (for probes: "no responders" means nobody serves the subject),
 * flush, status events and the server's `max_payload`. A real
 * `NatsConnection` is one; the simulator's bus (`simulations/`) is another,
 * so the transport and the membership run unchanged over either.
 */
import type { NatsConnection } from 'nats';

export type NatsLike = Pick<
  NatsConnection,
  'publish' | 'subscribe' | 'request' | 'flush' | 'isClosed' | 'status' | 'info' | 'close' | 'drain'
>;
