/**
 * The state of one group actor, shared by the modules that work on it
 * (`actor.ts` dispatch, `lifecycle.ts`, `membership.ts`, `post.ts`,
 * `fanout.ts`, `requests.ts`). The actor's dependencies live here too, so
 * its behavior is module-level functions over this one object.
 *
 * Invariants: `members` holds exactly the members of `meta` (none before
 * the group exists); `head` is the highest `gseq` this incarnation knows in
 * the log and only grows (its appends, and the log's head read on ticks).
 */
import type { Ref } from '../../../runtime/index.ts';
import type { GroupMeta } from '../../../store/index.ts';
import type { ActivatorMsg } from '../../virtual/index.ts';
import type { Lifecycle } from '../actor-lifecycle.ts';
import type { ChatEnv } from '../env.ts';

export interface Member {
  /** Highest gseq the member's actor confirmed. */
  confirmed: number;
  /** Highest gseq sent to it. */
  sent: number;
  lastSentMs: number;
  /** `confirmed` is not yet written (cursors are written on each tick and on stop). */
  dirty: boolean;
}

export interface GroupState extends Lifecycle {
  readonly id: string;
  /** `group:<id>`: the owner key of its epoch, cursors and wake mark. */
  readonly owner: string;
  readonly env: ChatEnv;
  /** Where this actor asks to passivate. */
  readonly activator: Ref<ActivatorMsg>;
  epoch: number;
  meta: GroupMeta | undefined;
  head: number;
  readonly members: Map<string, Member>;
  /** This group is on the store's wake list (some member has not confirmed everything). */
  wakeMarked: boolean;
}

/** A member that joins now starts at the head: it gets what is posted from now on. */
export function newMember(head: number): Member {
  return { confirmed: head, sent: head, lastSentMs: 0, dirty: true };
}

export function allConfirmed(s: GroupState): boolean {
  for (const m of s.members.values()) if (m.confirmed < s.head) return false;
  return true;
}
