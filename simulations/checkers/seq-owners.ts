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
  /** Per user: seq → its first key and epoch, and whether another key had it. */
  const owners = new Map<string, Map<number, { key: string; epoch: number; clash: boolean }>>();
  const epochs = new Set<number>();
  const epochsOf = new Map<string, Set<number>>();
  let clashes = 0;
  const examples = new Examples<object>();
  for (const i of issued) {
    epochs.add(i.epoch);
    let mine = epochsOf.get(i.user);
    if (mine === undefined) epochsOf.set(i.user, (mine = new Set()));
    mine.add(i.epoch);
    let bySeq = owners.get(i.user);
    if (bySeq === undefined) owners.set(i.user, (bySeq = new Map()));
    const owner = bySeq.get(i.seq);
    if (owner === undefined) bySeq.set(i.seq, { key: i.key, epoch: i.epoch, clash: false });
    else if (owner.key !== i.key && !owner.clash) {
      owner.clash = true;
      clashes++;
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
