/**
 * The WebSocket edge: one actor per connection (`edgeBehavior`), the HTTP and
 * WebSocket server on one port (`startEdgeServer`), and the node's metrics.
 */
export { CloseCode } from './close-codes.ts';
export { type EdgeCounters, noCounters } from './counters.ts';
export { type EdgeOptions, type EdgeState, edgeBehavior } from './edge-actor.ts';
export type { EdgeSocket } from './edge-socket.ts';
export { HttpErrorCode } from './http.ts';
export { DEFAULT_EDGE_LIMITS, type EdgeLimits } from './limits.ts';
export { EdgeLoad } from './load.ts';
export { instrumentStore, Metrics, type MetricsOptions } from './metrics.ts';
export {
  type Availability,
  DEFAULT_SERVER_LIMITS,
  type EdgeServer,
  type EdgeServerOptions,
  resolveServerLimits,
  type ServerLimits,
  startEdgeServer,
} from './server.ts';
export { type SessionDeps, spawnEdgeSession } from './session.ts';
