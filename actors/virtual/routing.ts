/**
 * Routing a message for a key on this node: deliver it to the live actor,
 * activate one, forward to the owner's activator, or hold it.
 *
 * The decision, in order:
 * 1. Messages are already held for the key: hold this one behind them (order).
 * 2. This node owns the key: deliver to its active actor; hold while its actor
 *    hands off; with no actor, activate one, unless within the activation
 *    grace after a view change (then hold until the old owner's `handed_off`
 *    or the grace ends) and a handoff can still come (the placement's
 *    `handoffExpected`: the old owner is still a member; after a crash it is
 *    not, and the key activates at once).
 * 3. Another node owns it: if an actor for it still lives here, begin its
 *    handoff and hold; else forward with `hops + 1`, or hold at the hop limit.
 * 4. No owner is known: hold.
 * A message forwarded to this node for a key it owns is held `early` (ahead
 * of directly sent ones, see `hold.ts`): during a handoff it is the older one.
 * Held messages are bounded; one over a bound is a counted dead letter
 * (`held_overflow`), as is a message for a key of no known kind (`unknown_kind`).
 * Delivering to an actor arms its key for direct sends when no local route
 * of it waits here; holding a message of a key and a handoff disarm it.
 */
import type { ActorContext } from '../../runtime/index.ts';
import { activate, kindOf, UnknownKindError } from './activation.ts';
import { type ActivatorMsg, HANDOFF } from './messages.ts';
import type { Entry, State } from './state.ts';

export function route(
  s: State,
  key: string,
  msg: unknown,
  hops: number,
  ctx: ActorContext<ActivatorMsg>,
): void {
  const owner = s.host.placement.owner(key);
  if (s.held.has(key)) {
    hold(s, key, msg, ctx, hops > 0 && owner === ctx.node);
    return;
  }
  const entry = s.entries.get(key);
  if (owner === ctx.node) {
    if (entry !== undefined) {
      if (entry.state === 'active') deliver(s, entry, msg, ctx);
      else hold(s, key, msg, ctx);
      return;
    }
    const kind = kindOf(s, key);
    if (kind === undefined) {
      unknownKind(s, key, msg, ctx);
      return;
    }
    if (inGrace(s, key, ctx)) {
      hold(s, key, msg, ctx, hops > 0);
      return;
    }
    deliver(s, activate(s, key, kind, ctx), msg, ctx);
    return;
  }
  if (entry !== undefined) {
    if (entry.state === 'active') beginHandoff(s, entry, ctx);
    hold(s, key, msg, ctx);
    return;
  }
  if (owner === undefined || hops >= s.options.hopsMax) {
    if (kindOf(s, key) === undefined) unknownKind(s, key, msg, ctx);
    else hold(s, key, msg, ctx);
    return;
  }
  s.stats.forwarded++;
  s.host.toActivator(owner, { t: 'route', key, msg, hops: hops + 1 });
}

/**
 * Forwards `msg` to the active actor of a key this node owns, with nothing
 * held for it; then arms the key for direct sends if no local route of it is
 * still queued here (`local-routes.ts`).
 */
function deliver(s: State, entry: Entry, msg: unknown, ctx: ActorContext<ActivatorMsg>): void {
  entry.forwarded++;
  ctx.send(entry.ref, msg);
  const routes = s.host.routes;
  if (routes.armIfIdle(entry) || !routes.attached) return;
  // With this mailbox empty no local route is queued at all: what is counted
  // was dropped on the way in (a full mailbox), and would keep the key unarmed.
  if (s.host.mailboxDepth(ctx.self) === 0) {
    routes.clearQueued();
    routes.armIfIdle(entry);
  }
}

/** Tells `entry`'s actor to finish its mailbox and stop; nothing more is forwarded to it, nor sent direct. */
export function beginHandoff(s: State, entry: Entry, ctx: ActorContext<ActivatorMsg>): void {
  s.host.routes.disarm(entry.key);
  entry.state = 'handing_off';
  s.stats.handoffs++;
  ctx.send(entry.ref, HANDOFF);
  entry.handoffTimer = ctx.sendAfter(s.options.handoffTimeoutMs, {
    t: 'handoff_timeout',
    key: entry.key,
    ref: entry.ref,
  });
}

/** Routes every held message again (hops reset), but those of keys whose actor is still handing off. */
export function rerouteHeld(s: State, ctx: ActorContext<ActivatorMsg>): void {
  for (const key of s.held.keys()) {
    if (s.entries.get(key)?.state === 'handing_off') continue;
    for (const msg of s.held.take(key)) route(s, key, msg, 0, ctx);
  }
}

export function hold(
  s: State,
  key: string,
  msg: unknown,
  ctx: ActorContext<ActivatorMsg>,
  early = false,
): void {
  // Never armed while held: a direct send would overtake what is held.
  s.host.routes.disarm(key);
  if (!s.held.hold(key, msg, early)) {
    s.host.deadLetter(`${key}@${ctx.node}`, msg, 'held_overflow');
    return;
  }
  if (!s.retryQueued) {
    s.retryQueued = true;
    ctx.sendAfter(s.options.retryMs, { t: 'retry' });
  }
}

/** Within the grace, unless the old owner handed off or the placement says no handoff can come. */
function inGrace(s: State, key: string, ctx: ActorContext<ActivatorMsg>): boolean {
  if (ctx.clock.now() >= s.graceUntilMs || s.graceReleased.has(key)) return false;
  return s.host.placement.handoffExpected?.(key) ?? true;
}

function unknownKind(s: State, key: string, msg: unknown, ctx: ActorContext<ActivatorMsg>): void {
  ctx.log.warn({ key }, new UnknownKindError(key).message);
  s.host.deadLetter(`${key}@${ctx.node}`, msg, 'unknown_kind');
}
