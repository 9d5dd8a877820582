/**
 * The activator's answers to the admin API: `list` (live actors and the
 * hold/forward/handoff counters), `inspect` (one key: its actor, mailbox
 * depth, and what the actor says of itself: epoch, devices or members) and
 * `kill` (exit `kill`, which no actor can trap).
 *
 * `inspect` never blocks the activator: it asks the actor and answers from
 * the reply's continuation; an actor that does not answer in
 * `introspectTimeoutMs` gets an answer without epoch and devices.
 */
import type { ActorContext, Ref } from '../../runtime/index.ts';
import type {
  ActivatorMsg,
  InspectReply,
  IntrospectMsg,
  IntrospectReply,
  KillReply,
  ListReply,
} from './messages.ts';
import type { State } from './state.ts';

export function onList(s: State, replyTo: Ref<ListReply>, ctx: ActorContext<ActivatorMsg>): void {
  const actors = [...s.entries.values()].map((e) => ({
    key: e.key,
    ref: String(e.ref),
    mailbox: s.host.mailboxDepth(e.ref) ?? 0,
    state: e.state,
  }));
  ctx.send(replyTo, {
    actors,
    held: s.held.total,
    forwarded: s.stats.forwarded,
    handoffs: s.stats.handoffs,
  });
}

export function onInspect(
  s: State,
  key: string,
  replyTo: Ref<InspectReply>,
  ctx: ActorContext<ActivatorMsg>,
): void {
  const base = { key, node: ctx.node, owner: s.host.placement.owner(key) ?? null };
  const entry = s.entries.get(key);
  if (entry === undefined) {
    ctx.send(replyTo, { ...base, active: false });
    return;
  }
  const live = {
    ...base,
    active: true,
    state: entry.state,
    ref: String(entry.ref),
    mailbox: s.host.mailboxDepth(entry.ref) ?? 0,
  };
  ctx
    .ask<IntrospectMsg, IntrospectReply>(
      entry.ref,
      (r) => ({ t: 'introspect', replyTo: r }),
      s.options.introspectTimeoutMs,
    )
    .then(
      (self) => ctx.send(replyTo, { ...live, ...self }),
      () => ctx.send(replyTo, live),
    );
}

export function onKill(
  s: State,
  key: string,
  replyTo: Ref<KillReply>,
  ctx: ActorContext<ActivatorMsg>,
): void {
  const entry = s.entries.get(key);
  if (entry !== undefined) {
    ctx.log.warn({ key, actor: String(entry.ref) }, 'virtual actor killed by an operator');
    ctx.exit(entry.ref, 'kill');
  }
  ctx.send(replyTo, { killed: entry !== undefined });
}
