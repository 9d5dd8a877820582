/**
 * The activator of one node: spawns the virtual actor for a key on its first
 * message, forwards every routed message to it, and stops it when it asks to
 * passivate and nothing is in flight.
 *
 * Invariants:
 * - At most one live actor per key on this node: an entry exists from spawn
 *   until its `down` or an accepted passivation.
 * - Passivation is race-free: the actor reports how many routed messages it
 *   received; the activator accepts only if it forwarded exactly that many,
 *   removes the entry, then tells the actor to stop. Anything routed after
 *   that activates a new incarnation.
 * - An actor that crashes is forgotten (its exit reaches the activator, which
 *   traps exits); the next message activates it again from its durable state.
 */
import {
  type ActorContext,
  type AnyRef,
  type Behavior,
  ErrorCode,
  type ExitMessage,
  ParleyError,
  quote,
  type Ref,
} from '../../runtime/index.ts';
import type { ActivatorMsg } from './directory.ts';

/** Makes the behavior for the id part of a key (`alice` in `user:alice`); `activator` is where it asks to passivate. */
export type VirtualKind = (id: string, activator: Ref<ActivatorMsg>) => Behavior<any, any>;

interface Entry {
  readonly ref: AnyRef;
  forwarded: number;
}

interface State {
  readonly entries: Map<string, Entry>;
  /** Ref key → virtual key, to forget an actor when it exits. */
  readonly byRef: Map<string, string>;
}

/** What the activator tells a virtual actor when its passivation is accepted. */
export const PASSIVATED = { t: 'passivated' } as const;

export class UnknownKindError extends ParleyError {
  override readonly name = 'UnknownKindError';
  constructor(key: string) {
    super(ErrorCode.NotFound, `no virtual actor kind for key ${quote(key)}`);
  }
}

export function activator(
  kinds: Readonly<Record<string, VirtualKind>>,
): Behavior<ActivatorMsg, State> {
  return {
    name: 'activator',
    // Virtual actors are linked: they die with the activator (so a restarted
    // activator never meets an orphan), and it learns of their exits by trapping.
    init(ctx) {
      ctx.trapExit(true);
      return { entries: new Map(), byRef: new Map() };
    },
    receive(state, msg, ctx) {
      if (msg.t === 'route') {
        const entry = state.entries.get(msg.key) ?? activate(state, msg.key, kinds, ctx);
        if (entry === undefined) return state;
        entry.forwarded++;
        ctx.send(entry.ref, msg.msg);
        return state;
      }
      const entry = state.entries.get(msg.key);
      if (entry?.ref.equals(msg.ref) && entry.forwarded === msg.received) {
        state.entries.delete(msg.key);
        state.byRef.delete(entry.ref.key);
        ctx.unlink(entry.ref);
        ctx.send(entry.ref, PASSIVATED);
      }
      return state;
    },
    exit(state, exit: ExitMessage) {
      const key = state.byRef.get(exit.from.key);
      if (key !== undefined) {
        state.byRef.delete(exit.from.key);
        const entry = state.entries.get(key);
        if (entry?.ref.equals(exit.from)) state.entries.delete(key);
      }
      return state;
    },
  };
}

function activate(
  state: State,
  key: string,
  kinds: Readonly<Record<string, VirtualKind>>,
  ctx: ActorContext<ActivatorMsg>,
): Entry | undefined {
  const colon = key.indexOf(':');
  const kind = colon > 0 ? kinds[key.slice(0, colon)] : undefined;
  if (kind === undefined) {
    ctx.log.warn({ key }, new UnknownKindError(key).message);
    return undefined;
  }
  const ref = ctx.spawnLink(kind(key.slice(colon + 1), ctx.self));
  const entry: Entry = { ref, forwarded: 0 };
  state.entries.set(key, entry);
  state.byRef.set(ref.key, key);
  return entry;
}
