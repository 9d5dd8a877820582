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
  /** (user, from, id) → first seq, and whether it was seen with another. */
  const seqOf = new Map<string, { seq: number; dup: boolean }>();
  /** (user, seq) → first (from, id), and whether another message had it. */
  const ownerOf = new Map<string, { from: string; id: string; clash: boolean }>();
  let duplicates = 0;
  let seqClashes = 0;
  const examples = new Examples<object>();
  for (const e of facts.deliveries) {
    const mk = `${e.user}\u0000${e.from}\u0000${e.id}`;
    const seen = seqOf.get(mk);
    if (seen === undefined) seqOf.set(mk, { seq: e.seq, dup: false });
    else if (seen.seq !== e.seq && !seen.dup) {
      seen.dup = true;
      duplicates++;
      examples.push({
        kind: 'two seqs',
        user: e.user,
        device: e.device,
        from: e.from,
        id: e.id,
        seqs: [seen.seq, e.seq],
        t: e.t,
      });
    }
    const sk = `${e.user}\u0000${e.seq}`;
    const owner = ownerOf.get(sk);
    if (owner === undefined) ownerOf.set(sk, { from: e.from, id: e.id, clash: false });
    else if ((owner.from !== e.from || owner.id !== e.id) && !owner.clash) {
      owner.clash = true;
      seqClashes++;
      examples.push({
        kind: 'one seq, two messages',
        user: e.user,
        device: e.device,
        seq: e.seq,
        messages: [`${owner.from}/${owner.id}`, `${e.from}/${e.id}`],
        t: e.t,
      });
    }
  }
  const ok = duplicates === 0 && seqClashes === 0;
  return {
    ok,
    messages: seqOf.size,
    duplicates,
    seqClashes,
    ...(ok ? {} : { examples: examples.list }),
  };
}
