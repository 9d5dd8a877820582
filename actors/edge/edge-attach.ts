/**
 * The session's link to its user actor: attach, paced replay, and what
 * happens when the incarnation serving it goes away.
 *
 * Until the user actor answers `attached`, the edge sends `attach` again
 * after every `attachRetryMs` in which no replay batch came: routed to a node
 * that died before the views dropped it, an `attach` is lost like any
 * message, and without it the session would get nothing for good. The wait
 * is an entry in a queue shared by every connection (`deadlines.ts`), there
 * only while an `attach` is unanswered.
 *
 * A crash of the user actor loses what was queued in its mailbox, so when it
 * goes `down` the edge attaches to the next incarnation and submits what is
 * in flight again, in order, or answers the frames it must not repeat
 * (`in-flight.ts`).
 */

import type { Down } from '../../runtime/index.ts';
import { type ExitReason, isNormalExit } from '../../runtime/index.ts';
import type { EdgeMsg } from '../chat/messages.ts';
import { DRAIN_CHECK_MS, type EdgeState, toUser } from './edge-state.ts';
import { sendError, write, writeFrame } from './edge-writes.ts';

const DRAIN_CHECK: EdgeMsg = { t: 'drain_check' };

/**
 * Asks whichever incarnation owns the user's key now to serve this session
 * (replay, then live pushes), and watches for its `attached`: a message
 * routed to a node that died before this node's view (or a forwarding
 * node's) dropped it is lost like any other, and nothing else would ever
 * attach this session again.
 */
export function attach(state: EdgeState): void {
  state.attaching = true;
  state.replayMoved = false;
  state.replayWaiting = false;
  const ctx = state.ctx;
  toUser(state, { t: 'attach', device: state.device, edge: ctx.self });
  if (!state.closed && !state.attachChecks.has(ctx)) state.attachChecks.schedule(ctx);
}

export function onAttached(state: EdgeState, user: EdgeMsg & { t: 'attached' }): void {
  const ctx = state.ctx;
  state.attaching = false;
  state.attachChecks.cancel(ctx);
  if (state.userMonitor !== undefined) ctx.demonitor(state.userMonitor);
  state.userMonitor = ctx.monitor(user.user);
}

export function onAttachCheck(state: EdgeState): void {
  if (state.closed || !state.attaching) return;
  if (state.replayMoved || state.replayWaiting) {
    // The replay is under way (or waits for this socket to drain): no answer is missing.
    state.replayMoved = false;
    state.attachChecks.schedule(state.ctx);
    return;
  }
  state.ctx.log.info(
    { user: state.user, device: state.device, afterMs: state.limits.attachRetryMs },
    'no answer to attach from the user actor: attaching again',
  );
  attach(state);
}

/** The user actor lost this session to a broken link: attach again and resubmit what is unanswered. */
export function onReattach(state: EdgeState): void {
  if (state.closed) return;
  if (state.userMonitor !== undefined) state.ctx.demonitor(state.userMonitor);
  state.userMonitor = undefined;
  attach(state);
  resubmit(state, false);
}

/**
 * The user actor serving this session died (a crash, or its key moved):
 * attach to the next incarnation, which replays what this device has not acked.
 */
export function onUserDown(state: EdgeState, down: Down): void {
  if (state.closed || down.monitor !== state.userMonitor) return;
  state.userMonitor = undefined;
  attach(state);
  resubmit(state, isCrash(down.reason));
}

/** After a crash of the user actor: what it had queued is lost, so submit it again (or answer it). */
function resubmit(state: EdgeState, crashed: boolean): void {
  const inflight = state.inflight;
  if (inflight === undefined) return;
  for (const next of inflight.afterCrash(crashed)) {
    if ('resubmit' in next)
      toUser(state, {
        t: 'client',
        device: state.device,
        edge: state.ctx.self,
        frame: next.resubmit,
      });
    else sendError(state, 'unavailable', next.refuse.message, next.refuse);
  }
}

/** A frame from the user actor for the client: held acks and their predecessors sorted out first. */
export function onPush(state: EdgeState, json: string, prior: string | undefined): void {
  const inflight = state.inflight;
  if (inflight === undefined) {
    writeFrame(state, json);
    return;
  }
  const next = inflight.release(json, prior);
  // An answered table is dropped: a connection that went quiet holds none.
  if (inflight.idle) state.inflight = undefined;
  if (next.write.length === 1) writeFrame(state, next.write[0]!);
  else if (next.write.length > 0) write(state, next.write);
  if (next.resubmit !== undefined)
    toUser(state, {
      t: 'client',
      device: state.device,
      edge: state.ctx.self,
      frame: next.resubmit,
    });
}

/** A replay batch; with `more`, the next one is asked for once the socket drained. */
export function onPushMany(state: EdgeState, json: readonly string[], more: boolean): void {
  state.replayMoved = true;
  write(state, json);
  if (more) {
    state.replayWaiting = true;
    askForMore(state);
  }
}

/** Asks the user actor for the next replay batch once the socket has drained below a quarter of its bound. */
export function askForMore(state: EdgeState): void {
  if (state.closed || !state.replayWaiting) return;
  if (state.socket.bufferedAmount > state.limits.sendBufferBytesMax / 4) {
    // Only while a replay waits for a slow socket: the actor's own timer is fine here.
    state.ctx.sendAfter(DRAIN_CHECK_MS, DRAIN_CHECK);
    return;
  }
  state.replayWaiting = false;
  state.replayMoved = true;
  toUser(state, { t: 'replay_more', device: state.device, edge: state.ctx.self });
}

/** A user actor that died of an error (or was killed), not one whose node was lost or that stopped on purpose. */
function isCrash(reason: ExitReason): boolean {
  return !isNormalExit(reason) && reason !== 'noconnection' && reason !== 'noproc';
}
