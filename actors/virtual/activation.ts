/**
 * Activation and passivation of one virtual actor on this node.
 *
 * Invariants:
 * - `activate` is called only for a key this node owns in its current view,
 *   with no live entry for it; the actor is linked (it dies with the
 *   activator, which traps its exit).
 * - Passivation is race-free: the actor reports how many routed messages it
 *   received; the activator accepts only if it forwarded exactly that many,
 *   removes the entry, then tells the actor to stop. Anything routed after
 *   that activates a new incarnation. An actor handing off is not passivated
 *   (`HANDOFF` stops it, and its exit must reach the activator).
 */
import {
  type ActorContext,
  type AnyRef,
  ErrorCode,
  ParleyError,
  quote,
} from '../../runtime/index.ts';
import { type ActivatorMsg, PASSIVATED } from './messages.ts';
import type { Entry, State, VirtualKind } from './state.ts';

export class UnknownKindError extends ParleyError {
  override readonly name = 'UnknownKindError';
  constructor(key: string) {
    super(ErrorCode.NotFound, `no virtual actor kind for key ${quote(key)}`);
  }
}

/** The kind of `key` (`user` in `user:alice`), or undefined when there is none. */
export function kindOf(s: State, key: string): VirtualKind | undefined {
  const colon = key.indexOf(':');
  return colon > 0 ? s.kinds[key.slice(0, colon)] : undefined;
}

export function activate(
  s: State,
  key: string,
  kind: VirtualKind,
  ctx: ActorContext<ActivatorMsg>,
): Entry {
  const ref = ctx.spawnLink(kind(key.slice(key.indexOf(':') + 1), ctx.self));
  const entry: Entry = { key, ref, forwarded: 0, state: 'active' };
  s.entries.set(key, entry);
  s.byRef.set(ref.key, key);
  return entry;
}

export function onPassivate(
  s: State,
  key: string,
  ref: AnyRef,
  received: number,
  ctx: ActorContext<ActivatorMsg>,
): void {
  const entry = s.entries.get(key);
  if (entry?.state !== 'active' || !entry.ref.equals(ref) || entry.forwarded !== received) return;
  forget(s, entry);
  ctx.unlink(entry.ref);
  ctx.send(entry.ref, PASSIVATED);
}

/** Removes `entry` from the tables; local senders go through the activator again. */
export function forget(s: State, entry: Entry): void {
  s.host.routes.disarm(entry.key);
  s.entries.delete(entry.key);
  s.byRef.delete(entry.ref.key);
}
