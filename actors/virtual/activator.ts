/**
 * The activator of one node: the only place virtual actors of this node are
 * spawned, and the router of every message addressed to a key here.
 *
 * Guarantees:
 * - It activates only keys this node owns in its current view
 *   (`host.placement`); a message for a key owned elsewhere is forwarded to
 *   that owner's activator (at most `hopsMax` hops) or held; with no owner
 *   known it is held. Held messages are bounded per key and in total, routed
 *   again on every view change and every `retryMs`, and one over a bound is a
 *   counted dead letter with a reason. Nothing is dropped silently.
 * - At most one live actor per key on this node: an entry exists from spawn
 *   until its exit or an accepted passivation (`activation.ts`).
 * - When a key moves away its actor hands off (`handoff.ts`): it finishes its
 *   mailbox and stops; what arrived meanwhile goes to the new owner, in order.
 * - An actor that crashes is forgotten (its exit reaches the activator, which
 *   traps exits); the next message activates it again from its durable state.
 * - Local senders skip it for an actor it armed (`local-routes.ts`): same
 *   order, same passivation count; it attaches to the routes in `init` and
 *   detaches in `terminate`.
 *
 * The view listener (subscribed in `init`, removed in `terminate`) only sends
 * the activator one `view` message per burst of changes.
 */
import type { ActorContext, Behavior } from '../../runtime/index.ts';
import { onPassivate } from './activation.ts';
import type { ActivatorHost } from './directory.ts';
import { onExit, onGraceEnd, onHandedOff, onHandoffTimeout, onView } from './handoff.ts';
import { onInspect, onKill, onList } from './introspect.ts';
import type { ActivatorMsg } from './messages.ts';
import { rerouteHeld, route } from './routing.ts';
import {
  type ActivatorOptions,
  DEFAULT_ACTIVATOR_OPTIONS,
  newState,
  type State,
  type VirtualKind,
} from './state.ts';

export function activator(
  kinds: Readonly<Record<string, VirtualKind>>,
  host: ActivatorHost,
  options: Partial<ActivatorOptions> = {},
): Behavior<ActivatorMsg, State> {
  const opts = { ...DEFAULT_ACTIVATOR_OPTIONS, ...options };
  return {
    name: 'activator',
    // Virtual actors are linked: they die with the activator (so a restarted
    // activator never meets an orphan), and it learns of their exits by trapping.
    init(ctx) {
      ctx.trapExit(true);
      // The mailbox is empty (a restart's is new): nothing is queued, nothing armed.
      host.routes.attach();
      const s = newState(kinds, host, opts);
      s.unsubscribe = host.placement.onChange(() => viewChanged(s, ctx));
      return s;
    },
    receive(s, msg, ctx) {
      switch (msg.t) {
        case 'route':
          if (msg.local) host.routes.routed(msg.key);
          route(s, msg.key, msg.msg, msg.hops ?? 0, ctx);
          break;
        case 'route_many':
          // Every key's count is released first: the whole message has left the mailbox.
          if (msg.local) for (const key of msg.keys) host.routes.routed(key);
          for (const key of msg.keys) route(s, key, msg.msg, 0, ctx);
          break;
        case 'passivate':
          onPassivate(s, msg.key, msg.ref, msg.received, ctx);
          break;
        case 'view':
          onView(s, ctx);
          break;
        case 'handed_off':
          onHandedOff(s, msg.key, msg.msgs, ctx);
          break;
        case 'grace_end':
          onGraceEnd(s, msg.view, ctx);
          break;
        case 'retry':
          s.retryQueued = false;
          rerouteHeld(s, ctx);
          break;
        case 'handoff_timeout':
          onHandoffTimeout(s, msg.key, msg.ref, ctx);
          break;
        case 'list':
          onList(s, msg.replyTo, ctx);
          break;
        case 'inspect':
          onInspect(s, msg.key, msg.replyTo, ctx);
          break;
        case 'kill':
          onKill(s, msg.key, msg.replyTo, ctx);
          break;
      }
      return s;
    },
    exit(s, exit, ctx) {
      onExit(s, exit, ctx);
      return s;
    },
    terminate(s, _reason, ctx) {
      s.unsubscribe();
      host.routes.detach();
      for (const key of s.held.keys()) {
        const msgs = s.held.take(key);
        host.deadLetter(`${key}@${ctx.node}`, msgs[0], 'held_at_stop', msgs.length);
      }
    },
  };
}

function viewChanged(s: State, ctx: ActorContext<ActivatorMsg>): void {
  // A killed activator runs no `terminate`: its listener removes itself.
  if (!ctx.isAlive(ctx.self)) {
    s.unsubscribe();
    return;
  }
  if (s.viewQueued) return;
  s.viewQueued = true;
  ctx.send(ctx.self, { t: 'view' });
}
