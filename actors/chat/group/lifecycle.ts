/**
 * A group actor's life: starting from its durable state, the tick (resends,
 * cursor writes, the wake mark, passivation when idle) and stopping. The
 * timing is the shared lifecycle's (`actor-lifecycle.ts`): the group ticks
 * while some member has not confirmed everything or it is not yet quiet;
 * idle, it keeps only the wake-up for its passivation, and the next routed
 * message starts the tick again.
 *
 * Invariant: every tick learns the log's head. An incarnation that lived on
 * through a partition may have missed entries a newer one appended (its own
 * writes would be fenced, but a group with no new post writes nothing); the
 * head says what members have not confirmed, so it is resent
 * (partition-heal). An idle group learns it on its passivation wake-up and
 * on the first tick after any routed message.
 */
import type { ActorContext, Ref } from '../../../runtime/index.ts';
import type { ActivatorMsg } from '../../virtual/index.ts';
import {
  keepTicking,
  passivateIfIdle,
  startLifecycle,
  type Tick,
  takeTick,
  tickAgain,
} from '../actor-lifecycle.ts';
import type { ChatEnv } from '../env.ts';
import { memberCursor } from '../keys.ts';
import { type GroupMsg, groupKey } from '../messages.ts';
import { flushCursors, resend } from './fanout.ts';
import { allConfirmed, type GroupState, type Member } from './state.ts';

export async function initGroup(
  id: string,
  env: ChatEnv,
  activator: Ref<ActivatorMsg>,
  ctx: ActorContext<GroupMsg>,
): Promise<GroupState> {
  const { store } = env;
  const owner = groupKey(id);
  const epoch = await store.acquireEpoch(owner);
  const meta = await store.getGroup(id);
  const head = await logHead(env, id);
  const cursors = await store.cursors(owner);
  const members = new Map<string, Member>();
  for (const m of meta?.members ?? []) {
    const stored = cursors[memberCursor(m)];
    const confirmed = stored ?? head;
    members.set(m, { confirmed, sent: confirmed, lastSentMs: 0, dirty: stored === undefined });
  }
  return {
    ...startLifecycle(ctx, env.config),
    id,
    owner,
    env,
    activator,
    epoch,
    meta,
    head,
    members,
    // Unknown after a restart: assume marked, so the first quiet tick clears it.
    wakeMarked: true,
  };
}

export async function onTick(
  s: GroupState,
  tick: Tick,
  ctx: ActorContext<GroupMsg>,
): Promise<void> {
  if (!takeTick(s, tick)) return;
  const { config, store } = s.env;
  const now = ctx.clock.now();
  const quiet = now - s.lastActiveMs >= config.quietMs;
  const confirmed = allConfirmed(s);
  tickAgain(s, ctx, config, !quiet || !confirmed, confirmed);
  const newest = await logHead(s.env, s.id);
  if (newest > s.head) {
    s.head = newest;
    keepTicking(s, ctx, config);
  }
  for (const [user, m] of s.members) {
    if (m.confirmed < s.head && now - m.lastSentMs >= config.resendIntervalMs)
      await resend(s, user, m, ctx);
  }
  await flushCursors(s);
  const done = allConfirmed(s);
  if (done && s.wakeMarked) {
    await store.clearWake(s.owner);
    s.wakeMarked = false;
  }
  passivateIfIdle(s, ctx, config, s.activator, s.owner, done);
}

/** Passivation accepted, or the key moved (everything before it is done): write the cursors and stop. */
export async function finish(s: GroupState, ctx: ActorContext<GroupMsg>): Promise<void> {
  await flushCursors(s);
  ctx.stop('normal');
}

async function logHead(env: ChatEnv, id: string): Promise<number> {
  const newest = await env.store.groupHistory(id, null, 1);
  return newest.entries.at(-1)?.gseq ?? 0;
}
