/**
 * View changes and handoff (after Akka's BeginHandOff/HandOff, with durable
 * state in the store instead of migrated state).
 *
 * The sequence for a key that moves from this node (old owner) to another:
 * 1. `view`: every active actor whose key this node no longer owns gets
 *    `HANDOFF`, queued behind everything in its mailbox; its entry turns
 *    `handing_off`, so nothing more is forwarded to it: later messages for the
 *    key are held here.
 * 2. The actor finishes its mailbox and in-flight store work and stops
 *    `normal`; its exit reaches the activator (it traps exits).
 * 3. The held messages go to the new owner's activator in one `handed_off`
 *    (in order), which ends that key's activation grace there: the new owner
 *    activates the key (a new epoch in the store, so a late write of the old
 *    incarnation is fenced) and delivers them ahead of what it held itself.
 * If this node already runs an actor of the key when `handed_off` arrives
 * (two nodes ran one at once), that actor is restarted the same way (it
 * hands off to this node), so it reloads what the other wrote to the store.
 * An actor that does not stop within `handoffTimeoutMs` is killed. With no
 * owner known (isolated, draining with no view), the held messages stay here
 * until a view names one.
 */
import type { ActorContext, AnyRef, ExitMessage } from '../../runtime/index.ts';
import { forget } from './activation.ts';
import type { ActivatorMsg } from './messages.ts';
import { beginHandoff, hold, rerouteHeld, route } from './routing.ts';
import type { State } from './state.ts';

export function onView(s: State, ctx: ActorContext<ActivatorMsg>): void {
  s.viewQueued = false;
  s.view++;
  s.graceReleased.clear();
  if (s.options.graceMs > 0) {
    s.graceUntilMs = ctx.clock.now() + s.options.graceMs;
    ctx.sendAfter(s.options.graceMs, { t: 'grace_end', view: s.view });
  }
  const placement = s.host.placement;
  for (const entry of s.entries.values()) {
    if (entry.state === 'active' && placement.owner(entry.key) !== ctx.node)
      beginHandoff(s, entry, ctx);
  }
  rerouteHeld(s, ctx);
}

export function onGraceEnd(s: State, view: number, ctx: ActorContext<ActivatorMsg>): void {
  if (view === s.view) rerouteHeld(s, ctx);
}

/** A linked virtual actor exited (handoff done, crash, kill, fenced). */
export function onExit(s: State, exit: ExitMessage, ctx: ActorContext<ActivatorMsg>): void {
  const key = s.byRef.get(exit.from.key);
  if (key === undefined) return;
  const entry = s.entries.get(key);
  if (entry === undefined || !entry.ref.equals(exit.from)) {
    s.byRef.delete(exit.from.key);
    return;
  }
  forget(s, entry);
  if (entry.handoffTimer !== undefined) ctx.cancelTimer(entry.handoffTimer);
  if (entry.state === 'handing_off') handedOver(s, key, ctx);
  else if (s.held.has(key)) for (const msg of s.held.take(key)) route(s, key, msg, 0, ctx);
}

/** The old incarnation of `key` is gone: its held messages go to the owner now. */
function handedOver(s: State, key: string, ctx: ActorContext<ActivatorMsg>): void {
  const msgs = s.held.take(key);
  const owner = s.host.placement.owner(key);
  if (owner === undefined) {
    for (const msg of msgs) hold(s, key, msg, ctx);
    return;
  }
  if (owner === ctx.node) {
    // Taken back before the handoff finished: the stopped actor was the only other owner here.
    s.graceReleased.add(key);
    for (const msg of msgs) route(s, key, msg, 0, ctx);
    return;
  }
  s.stats.forwarded += msgs.length;
  s.host.toActivator(owner, { t: 'handed_off', key, msgs });
}

/** From the old owner of `key`: its actor stopped; `msgs` were held there, in order. */
export function onHandedOff(
  s: State,
  key: string,
  msgs: readonly unknown[],
  ctx: ActorContext<ActivatorMsg>,
): void {
  s.graceReleased.add(key);
  // A live actor of `key` here while another node ran one too (overlapping views, a
  // healed split brain): the other may have written after this one loaded its state
  // (when this one holds the older epoch), e.g. a forward still pending that this
  // one never heard of and would never resend. It hands off to this node itself and
  // the next message activates it again from the store.
  const local = s.entries.get(key);
  if (local?.state === 'active') beginHandoff(s, local, ctx);
  const waiting = s.entries.get(key)?.state === 'handing_off' ? [] : s.held.take(key);
  for (const msg of msgs) route(s, key, msg, 0, ctx);
  for (const msg of waiting) route(s, key, msg, 0, ctx);
}

export function onHandoffTimeout(
  s: State,
  key: string,
  ref: AnyRef,
  ctx: ActorContext<ActivatorMsg>,
): void {
  const entry = s.entries.get(key);
  if (entry?.state !== 'handing_off' || !entry.ref.equals(ref)) return;
  ctx.log.warn(
    { key, actor: String(ref), timeoutMs: s.options.handoffTimeoutMs },
    'virtual actor did not finish its handoff in time: killing it',
  );
  ctx.exit(ref, 'kill');
}
