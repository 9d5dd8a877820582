import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ShardMap } from './placement.ts';
import { SHARD_COUNT, shardOf } from './shards.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true, numRuns: 60 };

/** 3..10 distinct node names: random text, or the `node-<n>` names operators use. */
const nodesArb = fc.oneof(
  fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 3, maxLength: 10 }),
  fc
    .uniqueArray(fc.nat(999), { minLength: 3, maxLength: 10 })
    .map((ns) => ns.map((n) => `node-${n}`)),
);

describe('ShardMap', () => {
  it('is deterministic: the same node set in any order, with duplicates, gives the same owners', () => {
    fc.assert(
      fc.property(nodesArb, fc.integer(), (nodes, seed) => {
        const a = ShardMap.build(nodes);
        // A seeded shuffle (Fisher-Yates over a tiny LCG) plus a duplicate.
        const shuffled = [...nodes];
        let x = seed >>> 0;
        for (let i = shuffled.length - 1; i > 0; i--) {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          const j = x % (i + 1);
          [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
        }
        const b = ShardMap.build([...shuffled, nodes[0]!]);
        expect(a.diff(b)).toEqual([]);
        expect(a.sameAs(b)).toBe(true);
      }),
      fcOptions,
    );
  });

  it('moves only the leaving node’s shards when one of N leaves', () => {
    fc.assert(
      fc.property(nodesArb, fc.nat(), (nodes, pick) => {
        const gone = nodes[pick % nodes.length]!;
        const before = ShardMap.build(nodes);
        const after = ShardMap.build(nodes.filter((n) => n !== gone));
        const moves = before.diff(after);
        expect(moves.every((m) => m.from === gone && m.to !== gone && m.to !== undefined)).toBe(
          true,
        );
        expect(moves.map((m) => m.shard)).toEqual(before.shardsOf(gone));
      }),
      fcOptions,
    );
  });

  it('moves about 1/(N+1) of the shards, all to the new node, when one joins', () => {
    fc.assert(
      fc.property(nodesArb, fc.nat(), (nodes, pick) => {
        const joiner = nodes[pick % nodes.length]!;
        const before = ShardMap.build(nodes.filter((n) => n !== joiner));
        const after = ShardMap.build(nodes);
        const moves = before.diff(after);
        expect(moves.every((m) => m.to === joiner)).toBe(true);
        const expected = SHARD_COUNT / nodes.length;
        // Binomial: at 10 nodes sd ~9.6 around 102; the bounds are > 4.5 sd either side.
        expect(moves.length).toBeGreaterThan(expected * 0.55);
        expect(moves.length).toBeLessThan(expected * 1.45);
      }),
      fcOptions,
    );
  });

  it('balances shards within a reasonable spread for 3..10 nodes', () => {
    fc.assert(
      fc.property(nodesArb, (nodes) => {
        const counts = ShardMap.build(nodes).counts();
        expect(Object.keys(counts).sort()).toEqual([...new Set(nodes)].sort());
        const values = Object.values(counts);
        expect(values.reduce((a, b) => a + b, 0)).toBe(SHARD_COUNT);
        const mean = SHARD_COUNT / nodes.length;
        expect(Math.min(...values)).toBeGreaterThan(mean * 0.55);
        expect(Math.max(...values)).toBeLessThan(mean * 1.45);
      }),
      fcOptions,
    );
  });

  it('answers ownerOf(key) with the owner of shardOf(key), and shardsOf partitions the shards', () => {
    const map = ShardMap.build(['node-1', 'node-2', 'node-3']);
    for (const key of ['user:alice', 'user:bob', 'group:g1', '']) {
      expect(map.ownerOf(key)).toBe(map.ownerOfShard(shardOf(key)));
    }
    const all = map.nodes.flatMap((n) => map.shardsOf(n)).sort((a, b) => a - b);
    expect(all).toEqual([...Array(SHARD_COUNT).keys()]);
    expect(map.shardsOf('node-9')).toEqual([]);
  });

  it('pins the owners of a fixed cluster (same on every node and every version)', () => {
    const map = ShardMap.build(['node-1', 'node-2', 'node-3']);
    expect(map.counts()).toEqual(FIXED_COUNTS);
    expect([0, 1, 2, 3, 511, 1023].map((s) => map.ownerOfShard(s))).toEqual(FIXED_OWNERS);
  });

  it('owns nothing with no nodes, and works with one shard', () => {
    const empty = ShardMap.build([]);
    expect(empty.ownerOf('user:alice')).toBeUndefined();
    expect(empty.counts()).toEqual({});
    const one = ShardMap.build(['a', 'b'], 1);
    expect(one.ownerOf('anything')).toBe(one.ownerOfShard(0));
    expect(empty.diff(ShardMap.build(['a'])).length).toBe(SHARD_COUNT);
  });

  it('rejects bad node names, shards and mismatched diffs with the bad value', () => {
    expect(() => ShardMap.build(['a', ''])).toThrow(
      'shard map node names must be non-empty strings, got ""',
    );
    const map = ShardMap.build(['a']);
    expect(() => map.ownerOfShard(1024)).toThrow('shard must be an integer in [0, 1024), got 1024');
    expect(() => map.ownerOfShard(-1)).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    expect(() => map.diff(ShardMap.build(['a'], 8))).toThrow(
      'cannot diff shard maps of 1024 and 8 shards',
    );
    expect(() => ShardMap.build(['a'], 0)).toThrow(
      'shard count must be an integer in [1, 65536], got 0',
    );
  });
});

const FIXED_COUNTS = { 'node-1': 329, 'node-2': 337, 'node-3': 358 };
const FIXED_OWNERS = ['node-3', 'node-3', 'node-3', 'node-1', 'node-2', 'node-2'];
