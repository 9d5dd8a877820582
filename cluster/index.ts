/**
 * The public surface of Parley's cluster layer. Outside `cluster/`, import
 * only from here.
 */

export { ShardMap, type ShardMove } from './placement.ts';
export { hashString, SHARD_COUNT, SHARD_COUNT_MAX, shardOf } from './shards.ts';
