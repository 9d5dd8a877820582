/**
 * `duplicated`: the same message (from, id) delivered to one user (on any of
 * its devices) with two different `seq` (guarantee 3: a message always
 * carries the same seq, so clients can drop repeats); and two different
 * messages delivered to one user with the same `seq` (a seq names one inbox
 * entry). Repeats with the same seq are fine.
 *
 * Figures: `messages` (distinct (user, from, id) delivered), `duplicates`
 * (of those, delivered with more than one seq), `seqClashes` ((user, seq)
 * delivered for more than one message), `examples` (at most 5).
 */
import type { CheckResult } from '../types.ts';
import { Examples, type Facts } from './facts.ts';

export function checkDuplicated(facts: Facts): CheckResult {
  const users = facts.users.length;
  /** Per recipient user: message → the seq it first came with. */
  const seqOf = Array.from({ length: users }, () => new Map<number, number>());
  /** Per recipient user: seq → the message it first came with. */
  const ownerOf = Array.from({ length: users }, () => new Map<number, number>());
  /** Per recipient user: messages already counted as duplicates; seqs already counted as clashes. */
  const duplicated = new Set<string>();
  const clashed = new Set<string>();
  let messages = 0;
  let duplicates = 0;
  let seqClashes = 0;
  const examples = new Examples<object>();
  const { deliveries, deliveryMessage, deliveryDevice } = facts;
  for (let i = 0; i < deliveries.length; i++) {
    const e = deliveries[i]!;
    const m = deliveryMessage[i]!;
    const u = facts.devices[deliveryDevice[i]!]!.userIndex;
    const seen = seqOf[u]!.get(m);
    if (seen === undefined) {
      seqOf[u]!.set(m, e.seq);
      messages++;
    } else if (seen !== e.seq && !duplicated.has(`${u}/${m}`)) {
      duplicated.add(`${u}/${m}`);
      duplicates++;
      examples.push({
        kind: 'two seqs',
        user: e.user,
        device: e.device,
        from: e.from,
        id: e.id,
        seqs: [seen, e.seq],
        t: e.t,
      });
    }
    const owner = ownerOf[u]!.get(e.seq);
    if (owner === undefined) ownerOf[u]!.set(e.seq, m);
    else if (owner !== m && !clashed.has(`${u}/${e.seq}`)) {
      clashed.add(`${u}/${e.seq}`);
      seqClashes++;
      const first = facts.messages[owner]!;
      examples.push({
        kind: 'one seq, two messages',
        user: e.user,
        device: e.device,
        seq: e.seq,
        messages: [`${first.user}/${first.id}`, `${e.from}/${e.id}`],
        t: e.t,
      });
    }
  }
  const ok = duplicates === 0 && seqClashes === 0;
  return {
    ok,
    messages,
    duplicates,
    seqClashes,
    ...(ok ? {} : { examples: examples.list }),
  };
}
