/**
 * Placement over the live membership view: which node should own a key now.
 *
 * The shard map is rebuilt from the view's members with status `up` on every
 * view change (draining and leaving members own nothing). `owner(key)` is
 * `undefined` while this node is isolated (it cannot be sure of anything) and
 * before its first view that includes itself (it has not yet heard itself
 * through NATS); callers hold or refuse work then. Safety never rests on
 * this answer: the store's epoch fencing stops two owners from issuing one
 * `seq`, whatever two nodes believe.
 *
 * `onChange` listeners run when an answer of `owner` may have changed: the
 * set of shard-owning nodes changed, or this node became (un)able to answer.
 * A view change that moves no shard (a version bump, an address change)
 * notifies nobody.
 *
 * `handoffExpected(key)` tells the activator whether to wait for a handoff of
 * a key it gained: only when the key's owner before the last shard move is
 * another node still in the view (a join, a drain, a status change). An owner
 * that left the view (down, left, cut off from us) will hand nothing off, so
 * its keys activate at once on the survivors.
 */
import type { MemberInfo, View } from './membership-core.ts';
import { ShardMap } from './placement.ts';
import { SHARD_COUNT, shardOf, validateShardCount } from './shards.ts';

/** What placement needs of a membership (`Membership` implements it; tests fake it). */
export interface MembershipLike {
  view(): View;
  isolated(): boolean;
  self(): MemberInfo;
  onChange(listener: (view: View, previous: View) => void): () => void;
  /** Optional: without it, isolation is re-read on each view change only. */
  onIsolation?(listener: (isolated: boolean) => void): () => void;
}

export interface ClusterPlacementOptions {
  /** Must be the same on every node. Default `SHARD_COUNT` (1024). */
  readonly shardCount?: number;
}

/** The nodes that own shards in `view`: members with status `up`. */
export function shardOwners(view: View): string[] {
  return view.members.filter((m) => m.status === 'up').map((m) => m.node);
}

function memberNames(view: View): ReadonlySet<string> {
  return new Set(view.members.map((m) => m.node));
}

export class ClusterPlacement {
  private readonly membership: MembershipLike;
  private readonly shardCount: number;
  private readonly listeners = new Set<() => void>();
  private readonly unsubscribers: (() => void)[] = [];
  private map: ShardMap;
  /** The map before the last shard move (empty at first). */
  private previous: ShardMap;
  /** Every member of the current view, whatever its status. */
  private members: ReadonlySet<string>;
  private canAnswer: boolean;

  constructor(membership: MembershipLike, opts: ClusterPlacementOptions = {}) {
    this.membership = membership;
    this.shardCount = validateShardCount(opts.shardCount ?? SHARD_COUNT);
    this.map = ShardMap.build(shardOwners(membership.view()), this.shardCount);
    this.previous = ShardMap.build([], this.shardCount);
    this.members = memberNames(membership.view());
    this.canAnswer = this.computeCanAnswer();
    this.unsubscribers.push(membership.onChange(() => this.refresh()));
    if (membership.onIsolation) {
      this.unsubscribers.push(membership.onIsolation(() => this.refresh()));
    }
  }

  /** The node that should own `key` now, or `undefined` while this node cannot tell. */
  owner(key: string): string | undefined {
    return this.canAnswer ? this.map.ownerOf(key) : undefined;
  }

  /**
   * Whether a handoff of `key` may still come to this node: its owner before
   * the last shard move is another node that is still a member (any status).
   * True, too, when that owner is unknown or this node (nothing to go by).
   */
  handoffExpected(key: string): boolean {
    const before = this.previous.ownerOf(key);
    if (before === undefined || before === this.membership.self().node) return true;
    return this.members.has(before);
  }

  shardOf(key: string): number {
    return shardOf(key, this.shardCount);
  }

  /** The map over the current view's shard owners (answers even while isolated). */
  shardMap(): ShardMap {
    return this.map;
  }

  /** Whether `owner` answers: not isolated, and our own incarnation is in the view. */
  ready(): boolean {
    return this.canAnswer;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Stops following the membership. */
  close(): void {
    for (const u of this.unsubscribers.splice(0)) u();
    this.listeners.clear();
  }

  private computeCanAnswer(): boolean {
    if (this.membership.isolated()) return false;
    const self = this.membership.self();
    return this.membership
      .view()
      .members.some((m) => m.node === self.node && m.creation === self.creation);
  }

  private refresh(): void {
    const next = ShardMap.build(shardOwners(this.membership.view()), this.shardCount);
    const canAnswer = this.computeCanAnswer();
    const moved = !next.sameAs(this.map);
    this.members = memberNames(this.membership.view());
    if (moved) {
      this.previous = this.map;
      this.map = next;
    }
    if (!moved && canAnswer === this.canAnswer) return;
    this.canAnswer = canAnswer;
    // Every listener runs even if one throws; the first error goes to the membership's caller.
    let first: { err: unknown } | undefined;
    for (const l of [...this.listeners]) {
      try {
        l();
      } catch (err) {
        first ??= { err };
      }
    }
    if (first) throw first.err;
  }
}
