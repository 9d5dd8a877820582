/**
 * `seq-owners`: two owners issuing one seq. From `history.issued` (every
 * successful inbox append in the store), two different keys appended with
 * the same (user, seq) is a clash: two actors both believed they owned the
 * inbox (fencing failed). The same key at the same seq twice is one entry.
 * Epochs are reported, not judged: a seq issued under an epoch lower than one
 * a lower seq already used is not, alone, a clash.
 *
 * Figures: `issued`, `clashes` ((user, seq) with two or more keys), `epochs`
 * (distinct epochs seen), `epochsPerUserMax` (most distinct epochs of one
 * user), `examples` (at most 5).
 */
import type { CheckResult } from '../types.ts';
import { Examples, type Facts } from './facts.ts';

export function checkSeqOwners(facts: Facts): CheckResult {
  const issued = facts.history.issued;
  /** Per user: seq → index in `issued` of its first append. */
  const owners = new Map<string, Map<number, number>>();
  const clashed = new Set<string>();
  const epochs = new Set<number>();
  const epochsOf = new Map<string, Set<number>>();
  let clashes = 0;
  const examples = new Examples<object>();
  let user: string | undefined;
  let bySeq: Map<number, number> | undefined;
  let mine: Set<number> | undefined;
  for (let n = 0; n < issued.length; n++) {
    const i = issued[n]!;
    epochs.add(i.epoch);
    if (i.user !== user) {
      user = i.user;
      bySeq = owners.get(user);
      if (bySeq === undefined) owners.set(user, (bySeq = new Map()));
      mine = epochsOf.get(user);
      if (mine === undefined) epochsOf.set(user, (mine = new Set()));
    }
    mine!.add(i.epoch);
    const first = bySeq!.get(i.seq);
    if (first === undefined) bySeq!.set(i.seq, n);
    else if (issued[first]!.key !== i.key && !clashed.has(`${i.user}/${i.seq}`)) {
      clashed.add(`${i.user}/${i.seq}`);
      clashes++;
      const owner = issued[first]!;
      examples.push({
        user: i.user,
        seq: i.seq,
        keys: [owner.key, i.key],
        epochs: [owner.epoch, i.epoch],
        t: i.t,
      });
    }
  }
  let epochsPerUserMax = 0;
  for (const s of epochsOf.values()) epochsPerUserMax = Math.max(epochsPerUserMax, s.size);
  return {
    ok: clashes === 0,
    issued: issued.length,
    clashes,
    epochs: epochs.size,
    epochsPerUserMax,
    ...(clashes > 0 ? { examples: examples.list } : {}),
  };
}
