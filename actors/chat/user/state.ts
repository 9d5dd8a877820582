/**
 * The state of one user actor, shared by the modules that work on it
 * (`actor.ts` dispatch, `lifecycle.ts`, `send.ts`, `deliver.ts`,
 * `receipts.ts`, `requests.ts`, `sessions.ts`). The actor's dependencies
 * live here too, so its behavior is module-level functions over this one
 * object and an actor costs its state, not a set of closures. Its tables
 * usually hold none or a few entries (a device or two), so they are
 * `SmallMap`s and `SmallSet`s: an empty one is an object, not a hash table.
 */
import type { MonitorRef, Ref, SmallMap, SmallSet } from '../../../runtime/index.ts';
import type { ActivatorMsg } from '../../virtual/index.ts';
import type { AckOrder } from '../ack-order.ts';
import type { Lifecycle } from '../actor-lifecycle.ts';
import type { ChatEnv } from '../env.ts';
import type { EdgeMsg, UserMsg } from '../messages.ts';
import type { Outbound } from '../outbound.ts';
import type { PostWait } from './posts.ts';
import type { RecentEntries } from './recent.ts';

export interface Session {
  readonly edge: Ref<EdgeMsg>;
  /** On `edge`: its `down` (closed, crashed, node lost or restarted) forgets the session. */
  readonly monitor: MonitorRef;
  /** Highest receipt `rseq` pushed to this session. */
  receiptsUpTo: number;
  /**
   * Replay progress: `inbox` then `receipts` while the backlog is sent in
   * batches paced by the edge (`replay_more`), then `live`. Until `live`,
   * new inbox entries and receipts are not pushed to the session: the
   * replay reads them in order.
   */
  phase: 'inbox' | 'receipts' | 'live';
  /** Inbox seq the replay has read up to. */
  replayedUpTo: number;
}

export interface UserState extends Lifecycle {
  readonly user: string;
  readonly env: ChatEnv;
  /** Where this actor asks to passivate. */
  readonly activator: Ref<ActivatorMsg>;
  epoch: number;
  readonly sessions: SmallMap<string, Session>;
  readonly outbound: Outbound;
  /** Cumulative cursors (device, `r:<device>`, `g:<group>`, `rw:<group>:<by>`), as loaded and advanced. */
  readonly cursors: SmallMap<string, number>;
  /** Cursors advanced in memory but not yet written (receipt cursors are written lazily). */
  readonly dirtyCursors: SmallSet<string>;
  /** Last 1:1 key accepted from each sender: spares a store read on the in-order path. */
  readonly lastAccepted: SmallMap<string, string>;
  /** Entries appended or found lately (made on first use, dropped when quiet): spares store reads. */
  recent: RecentEntries | undefined;
  /** Pending marks of confirmed forwards, cleared on the next cursor flush (a stale mark only causes a resend the recipient drops). */
  clears: { readonly seq: number; readonly recipient: string }[];
  /** When cursors and clears were last written (clock ms). */
  flushedMs: number;
  /** Group posts awaiting answers, per group in post order (made on first use). */
  posts: Map<string, PostWait[]> | undefined;
  /** The order this incarnation stored each device's messages in (each ack names its predecessor). */
  readonly acks: AckOrder;
  /**
   * Highest inbox `seq` pushed live, or known to be in every session's replay:
   * the inbox head when this incarnation took its epoch (no one else appends
   * after that), then each entry it pushed.
   */
  pushedUpTo: number;
  /**
   * Per device, seqs acked above its cursor (an ack that skipped an earlier,
   * unacked message). Kept in memory only: after a restart they may be
   * replayed once more, which clients drop as repeats; an unacked message is
   * never skipped, because the stored cursor moves only over contiguous acks.
   */
  readonly ackedAbove: SmallMap<string, Set<number>>;
  /**
   * Confirms and receipts wait here until a `flush` the actor sent itself:
   * everything already in the mailbox is taken in one store write instead of
   * one each (a group message brings up to 1023 receipts at once).
   */
  readonly confirmBuf: Extract<UserMsg, { t: 'confirm' }>[];
  readonly receiptBuf: Extract<UserMsg, { t: 'receipt' }>[];
  flushScheduled: boolean;
  /** When the delayed flush of group receipts is due, while one is on its way (`receipts.ts`). */
  receiptsDueMs: number | undefined;
}
