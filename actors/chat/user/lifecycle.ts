/**
 * A user actor's life: starting from its durable state, the periodic tick
 * (resends, lazy writes, passivation when idle) and losing a session's edge.
 * The timing is the shared lifecycle's (`actor-lifecycle.ts`).
 *
 * Invariant: a new incarnation takes a new epoch before anything else, so
 * every write of an older one is fenced from then on; it reloads the
 * forwards still pending and resends them on its first due tick.
 */
import {
  type ActorContext,
  type Down,
  type Ref,
  SmallMap,
  SmallSet,
} from '../../../runtime/index.ts';
import type { InboxEntry } from '../../../store/index.ts';
import type { ActivatorMsg } from '../../virtual/index.ts';
import { AckOrder } from '../ack-order.ts';
import {
  passivateIfIdle,
  startLifecycle,
  type Tick,
  takeTick,
  tickAgain,
  UNROUTED,
} from '../actor-lifecycle.ts';
import type { ChatEnv } from '../env.ts';
import { fromStored } from '../frames-out.ts';
import { type MessageCore, type UserMsg, userKey } from '../messages.ts';
import { Outbound } from '../outbound.ts';
import { resend } from './deliver.ts';
import { retryPosts } from './posts.ts';
import { flushCursors } from './sessions.ts';
import type { UserState } from './state.ts';

export async function initUser(
  user: string,
  env: ChatEnv,
  activator: Ref<ActivatorMsg>,
  ctx: ActorContext<UserMsg>,
): Promise<UserState> {
  const { store, config } = env;
  const epoch = await store.acquireEpoch(userKey(user));
  const head = await store.inboxHead(user);
  const cursors = new SmallMap<string, number>();
  for (const [name, seq] of Object.entries(await store.cursors(user))) cursors.set(name, seq);
  const outbound = new Outbound({
    baseMs: config.resendIntervalMs,
    maxMs: config.resendMaxMs,
    perItemMs: config.resendPerItemMs,
  });
  // Loaded forwards are due at once (their owner unknown): the first tick sends them.
  for (const p of await store.listPending(user, 100_000)) {
    const e = p.entry;
    outbound.add(p.recipient, { senderSeq: e.seq, key: e.key, msg: messageCore(e) }, 0, undefined);
  }
  const life = startLifecycle(ctx, config);
  // Every field written out, none spread: a literal keeps all its fields in
  // the object itself (a spread one keeps most in a side array, one more
  // load on every access of the hot path).
  return {
    routed: life.routed,
    lastActiveMs: life.lastActiveMs,
    passivating: life.passivating,
    nextTick: life.nextTick,
    nextTickTimer: life.nextTickTimer,
    idleWake: life.idleWake,
    user,
    env,
    activator,
    epoch,
    sessions: new SmallMap(),
    outbound,
    cursors,
    dirtyCursors: new SmallSet(),
    lastAccepted: new SmallMap(),
    recent: undefined,
    clears: [],
    flushedMs: ctx.clock.now(),
    posts: undefined,
    acks: new AckOrder(),
    pushedUpTo: head,
    ackedAbove: new SmallMap(),
    confirmBuf: [],
    receiptBuf: [],
    flushScheduled: false,
    receiptsDueMs: undefined,
  };
}

/** The part of a stored entry its forward carries. */
export function messageCore(e: InboxEntry): MessageCore {
  return {
    from: e.from,
    id: e.id,
    ts: e.ts,
    content: fromStored(e.content),
    device: e.device ?? '',
  };
}

/** Messages no one routed to a user actor (never counted): the lifecycle's and its own `flush`. */
export const USER_UNROUTED: ReadonlySet<string> = new Set([...UNROUTED, 'flush']);

export async function onTick(s: UserState, tick: Tick, ctx: ActorContext<UserMsg>): Promise<void> {
  if (!takeTick(s, tick)) return;
  const { config } = s.env;
  const now = ctx.clock.now();
  const quiet = now - s.lastActiveMs >= config.quietMs;
  // The next tick first: a store error below (cursors) must not end
  // the resends for good, which lost acked messages under a flaky store. An
  // idle actor (quiet, nothing pending; this tick writes what it kept
  // lazily) stops ticking while a device is connected, and wakes once for
  // its passivation when none is; the next message starts it again.
  const pending = s.outbound.size > 0 || s.posts !== undefined;
  tickAgain(s, ctx, config, !quiet || pending, s.sessions.size === 0 && !pending);
  const { directory } = s.env;
  for (const recipient of s.outbound.due(now, (r) => directory.owner(userKey(r))))
    resend(s, recipient, now);
  retryPosts(s, ctx);
  if (now - s.flushedMs >= config.cursorFlushMs || quiet) await flushCursors(s, now);
  if (quiet) s.recent = undefined;
  const idle = s.sessions.size === 0 && s.outbound.size === 0 && s.posts === undefined;
  passivateIfIdle(s, ctx, config, s.activator, userKey(s.user), idle);
}

/**
 * A session's edge is gone: forget the session (a stale edge ref must not be
 * pushed to). Lost only to a broken link, the edge may live on believing it
 * is attached (our `attached` can have crossed before the break): tell it
 * to attach again, which reaches it over the link's next epoch.
 */
export function onSessionDown(s: UserState, d: Down, ctx: ActorContext<UserMsg>): UserState {
  for (const [device, session] of s.sessions) {
    if (session.monitor !== d.monitor) continue;
    s.sessions.delete(device);
    if (d.reason === 'noconnection') ctx.send(session.edge, { t: 'reattach' });
  }
  return s;
}
