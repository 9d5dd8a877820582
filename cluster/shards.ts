/**
 * Keys to shards: `shardOf(key)` is MurmurHash3 (x86, 32-bit, seed 0) of the
 * key's UTF-8 bytes, modulo the shard count.
 *
 * Guarantees: the mapping is a pure function of the key's text and the shard
 * count, the same in every process, platform and version of Parley (fixed test
 * vectors pin it; changing it moves every key and is a breaking change of the
 * cluster's wire contract). The shard count is fixed for a cluster's life:
 * every node must use the same one (`SHARD_COUNT` unless configured).
 */
import { ErrorCode, ParleyError, quote } from '../runtime/index.ts';

/** Shards per cluster: many more than nodes, so that ownership moves in small steps. */
export const SHARD_COUNT = 1024;
/** The largest shard count accepted (a shard map is an array of this length). */
export const SHARD_COUNT_MAX = 65_536;

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const encoder = new TextEncoder();
/** Scratch for the UTF-8 bytes of a key: grows to the longest key seen, never shrinks. */
let scratch = new Uint8Array(256);

/** The MurmurHash3 x86_32 finaliser: every input bit affects every output bit. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixK(k: number): number {
  k = Math.imul(k, C1);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, C2);
}

function mixH(h: number, k: number): number {
  h ^= mixK(k);
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** MurmurHash3 x86_32 of `bytes[0, length)` with `seed`; an unsigned 32-bit integer. */
export function murmur3(bytes: Uint8Array, seed = 0, length = bytes.length): number {
  let h = seed | 0;
  const blocks = length & ~3;
  for (let i = 0; i < blocks; i += 4) {
    h = mixH(h, bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
  }
  const tail = length & 3;
  if (tail > 0) {
    let k = bytes[blocks]!;
    if (tail > 1) k |= bytes[blocks + 1]! << 8;
    if (tail > 2) k |= bytes[blocks + 2]! << 16;
    h ^= mixK(k);
  }
  return fmix32(h ^ length);
}

/** MurmurHash3 x86_32 of the UTF-8 bytes of `text`. */
export function hashString(text: string, seed = 0): number {
  // A UTF-16 code unit takes at most 3 UTF-8 bytes.
  if (text.length * 3 > scratch.length) scratch = new Uint8Array(text.length * 3);
  const { written } = encoder.encodeInto(text, scratch);
  return murmur3(scratch, seed, written);
}

/** MurmurHash3 x86_32 of one 4-byte little-endian block `value` with `seed`: the HRW score. */
export function hashWord(value: number, seed: number): number {
  return fmix32(mixH(seed | 0, value | 0) ^ 4);
}

/** Checks a shard count: an integer in [1, SHARD_COUNT_MAX]. */
export function validateShardCount(shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1 || shardCount > SHARD_COUNT_MAX) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `shard count must be an integer in [1, ${SHARD_COUNT_MAX}], got ${quote(shardCount)}`,
    );
  }
  return shardCount;
}

/** The shard of `key`, in [0, shardCount). */
export function shardOf(key: string, shardCount: number = SHARD_COUNT): number {
  if (shardCount !== SHARD_COUNT) validateShardCount(shardCount);
  return hashString(key) % shardCount;
}
