/**
 * How a session ends: `shut` closes the socket and stops the actor, `release`
 * gives back everything the session holds. Both run their work at most once
 * (`state.closed`), whichever way out came first.
 */
import { closeReason } from './close-codes.ts';
import { type EdgeState, toUser } from './edge-state.ts';

/** Closes the socket and ends the actor after the current message. */
export function shut(state: EdgeState, code: number, reason: string): void {
  if (state.closed) return;
  try {
    state.socket.close(code, closeReason(reason));
  } finally {
    release(state);
    state.ctx.stop();
  }
}

/** Everything a session holds, given back once: deadlines, presence, the user actor's session. */
export function release(state: EdgeState): void {
  if (state.closed) return;
  state.closed = true;
  const { ctx, user, device } = state;
  state.heartbeats.cancel(ctx);
  state.inflight?.dispose();
  state.attachChecks.cancel(ctx);
  const subscriptions = state.subscriptions;
  if (subscriptions !== undefined) {
    for (const unsubscribe of subscriptions.values()) unsubscribe();
    subscriptions.clear();
  }
  state.presence.disconnect(user, device).catch((err: unknown) => {
    ctx.log.warn({ user, device, err: String(err) }, 'presence disconnect failed');
  });
  toUser(state, { t: 'detach', device, edge: ctx.self });
}
