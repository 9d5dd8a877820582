/**
 * Shards to nodes by rendezvous (highest-random-weight) hashing.
 *
 * For each shard, every eligible node gets a score `hashWord(shard, hash(node))`
 * and the highest score owns the shard (ties, which need a 32-bit collision,
 * go to the smaller node name). Callers pass only the nodes eligible to own
 * shards: members with status `up` (draining and leaving nodes own nothing).
 *
 * Guarantees (the tests check each):
 * - Deterministic: the map depends only on the *set* of node names and the
 *   shard count, not on their order or on who computes it, so two nodes that
 *   see the same members agree on every owner without talking.
 * - Minimal movement: when a node leaves, only its shards move (each to its
 *   runner-up); when a node joins, only the shards it now wins move, about
 *   `shardCount / (N + 1)` of them, and all of them to the new node.
 * - Balance: each node's share is binomial around `shardCount / N` (with 1024
 *   shards and 10 nodes, 102 +- 10 per node).
 * - An empty node set owns nothing: every owner is `undefined`.
 */
import { ErrorCode, ParleyError, quote } from '../runtime/index.ts';
import { hashString, hashWord, SHARD_COUNT, shardOf, validateShardCount } from './shards.ts';

/** One shard whose owner differs between two maps. */
export interface ShardMove {
  readonly shard: number;
  readonly from: string | undefined;
  readonly to: string | undefined;
}

export class ShardMap {
  /** The eligible nodes, sorted and without duplicates. */
  readonly nodes: readonly string[];
  readonly shardCount: number;
  /** Index into `nodes` of each shard's owner; -1 when there are no nodes. */
  private readonly owners: Int32Array;

  private constructor(nodes: readonly string[], shardCount: number, owners: Int32Array) {
    this.nodes = nodes;
    this.shardCount = shardCount;
    this.owners = owners;
  }

  /** The map of `shardCount` shards over `nodes` (order and duplicates do not matter). */
  static build(nodes: readonly string[], shardCount: number = SHARD_COUNT): ShardMap {
    validateShardCount(shardCount);
    for (const node of nodes) {
      if (typeof node !== 'string' || node.length === 0) {
        throw new ParleyError(
          ErrorCode.InvalidArgument,
          `shard map node names must be non-empty strings, got ${quote(node)}`,
        );
      }
    }
    const sorted = [...new Set(nodes)].sort();
    const seeds = sorted.map((n) => hashString(n));
    const owners = new Int32Array(shardCount).fill(-1);
    for (let shard = 0; shard < shardCount; shard++) {
      let best = -1;
      let bestScore = -1;
      for (let i = 0; i < seeds.length; i++) {
        // Strictly greater: on a tie the earlier (smaller) name keeps the shard.
        const score = hashWord(shard, seeds[i]!);
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      owners[shard] = best;
    }
    return new ShardMap(sorted, shardCount, owners);
  }

  /** The owner of `shard`, or `undefined` when no node is eligible. */
  ownerOfShard(shard: number): string | undefined {
    if (!Number.isInteger(shard) || shard < 0 || shard >= this.shardCount) {
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `shard must be an integer in [0, ${this.shardCount}), got ${quote(shard)}`,
      );
    }
    const i = this.owners[shard]!;
    return i < 0 ? undefined : this.nodes[i];
  }

  /** The owner of the shard of `key`. */
  ownerOf(key: string): string | undefined {
    const i = this.owners[shardOf(key, this.shardCount)]!;
    return i < 0 ? undefined : this.nodes[i];
  }

  /** The shards `node` owns, ascending (none for a node not in the map). */
  shardsOf(node: string): number[] {
    const index = this.nodes.indexOf(node);
    const out: number[] = [];
    if (index < 0) return out;
    for (let shard = 0; shard < this.shardCount; shard++) {
      if (this.owners[shard] === index) out.push(shard);
    }
    return out;
  }

  /** Shards per node, every node of the map included (with 0 if it won none). */
  counts(): Record<string, number> {
    const perIndex = new Array<number>(this.nodes.length).fill(0);
    for (const i of this.owners) if (i >= 0) perIndex[i]!++;
    const out: Record<string, number> = {};
    this.nodes.forEach((node, i) => {
      out[node] = perIndex[i]!;
    });
    return out;
  }

  /** True when both maps have the same shard count and node set (so the same owners). */
  sameAs(other: ShardMap): boolean {
    return (
      this.shardCount === other.shardCount &&
      this.nodes.length === other.nodes.length &&
      this.nodes.every((n, i) => n === other.nodes[i])
    );
  }

  /** The shards whose owner differs from `this` (from) to `other` (to), ascending. */
  diff(other: ShardMap): ShardMove[] {
    if (other.shardCount !== this.shardCount) {
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `cannot diff shard maps of ${this.shardCount} and ${quote(other.shardCount)} shards`,
      );
    }
    const moves: ShardMove[] = [];
    for (let shard = 0; shard < this.shardCount; shard++) {
      const from = this.ownerOfShard(shard);
      const to = other.ownerOfShard(shard);
      if (from !== to) moves.push({ shard, from, to });
    }
    return moves;
  }
}
