/**
 * The heartbeat (PROTOCOL.md): a WebSocket ping every `heartbeatIntervalMs`;
 * after `missedPongsMax` pings in a row with no pong, the connection is
 * closed with 4000. Each tick checks that `socket.pongs` moved since the
 * last ping. The ticks wait in one queue shared by every connection on the
 * clock (`deadlines.ts`), so an idle connection has no timer of its own.
 */
import { CloseCode } from './close-codes.ts';
import { shut } from './edge-close.ts';
import type { EdgeState } from './edge-state.ts';

/** The first tick, one interval after the session started. */
export function startHeartbeat(state: EdgeState): void {
  if (!state.closed) state.heartbeats.schedule(state.ctx);
}

export function onHeartbeat(state: EdgeState): void {
  if (state.closed) return;
  const socket = state.socket;
  const pongs = socket.pongs;
  if (state.awaitingPong)
    state.missedPongs = pongs === state.pongsAtPing ? state.missedPongs + 1 : 0;
  if (state.missedPongs >= state.limits.missedPongsMax) {
    shut(
      state,
      CloseCode.HeartbeatTimeout,
      `heartbeat timeout: no pong to ${state.missedPongs} pings`,
    );
    return;
  }
  socket.ping();
  state.awaitingPong = true;
  state.pongsAtPing = pongs;
  state.heartbeats.schedule(state.ctx);
}
