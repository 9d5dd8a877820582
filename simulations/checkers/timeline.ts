/**
 * One user's story for the report: every event where `user` is the actor
 * (its connects, sends, acks, deliveries to it, reads, receipts it got), plus
 * deliveries of messages it sent to other users' devices, plus the receipts
 * other senders got for its reads, in time order, cut at `max` events.
 * Each event has a short human `text`, e.g. `→ bob "m12" sent`,
 * `← alice m7 seq 14 on phone`, `bob got m12 seq 3 on laptop`.
 *
 * `busiestUser` picks the default user: the one that is the actor of the most
 * events (ties: the smallest id; no events: the first device's user, or '').
 */
import type { History, HistoryEvent, TimelineEvent } from '../types.ts';
import { factsOf } from './facts.ts';

/** `user:bob` → `bob`, `group:g1` → `group g1`. */
function peer(to: string): string {
  if (to.startsWith('user:')) return to.slice(5);
  if (to.startsWith('group:')) return `group ${to.slice(6)}`;
  return to;
}

export function timelineOf(
  history: History,
  user: string,
  max = 500,
): { user: string; events: TimelineEvent[] } {
  const facts = factsOf(history);
  const toOf = (id: string) => {
    const to = facts.message(user, id)?.send?.to;
    return to === undefined ? '?' : peer(to);
  };
  const text = (e: HistoryEvent): string | undefined => {
    switch (e.k) {
      case 'connect':
        return e.user === user ? `${e.device} connected to ${e.node}` : undefined;
      case 'disconnect':
        return e.user === user ? `${e.device} disconnected (${e.code})` : undefined;
      case 'send':
        return e.user === user ? `→ ${peer(e.to)} "${e.id}" from ${e.device}` : undefined;
      case 'sent':
        return e.user === user ? `→ ${toOf(e.id)} "${e.id}" sent` : undefined;
      case 'refused':
        return e.user === user ? `→ ${toOf(e.id)} "${e.id}" refused (${e.code})` : undefined;
      case 'deliver': {
        const group = e.conv.startsWith('group:') ? ` in ${peer(e.conv)}` : '';
        if (e.user === user)
          return `← ${e.from === user ? 'own copy' : e.from} ${e.id} seq ${e.seq} on ${e.device}${group}`;
        return e.from === user
          ? `${e.user} got ${e.id} seq ${e.seq} on ${e.device}${group}`
          : undefined;
      }
      case 'read':
        return e.user === user ? `read ${e.from} ${e.id} on ${e.device}` : undefined;
      case 'receipt':
        if (e.user === user) return `${e.by} ${e.status} ${e.id} (on ${e.device})`;
        return e.by === user ? `${e.user} got my ${e.status} of ${e.id}` : undefined;
    }
  };
  const events: TimelineEvent[] = [];
  for (const e of history.events) {
    if (events.length >= max) break;
    const line = text(e);
    if (line !== undefined) events.push({ t: e.t, kind: e.k, text: line });
  }
  return { user, events };
}

export function busiestUser(history: History): string {
  const counts = new Map<string, number>();
  for (const e of history.events) counts.set(e.user, (counts.get(e.user) ?? 0) + 1);
  let best: string | undefined;
  let bestCount = -1;
  for (const [u, c] of counts)
    if (c > bestCount || (c === bestCount && u < best!)) {
      best = u;
      bestCount = c;
    }
  return best ?? history.devices[0]?.user ?? '';
}
