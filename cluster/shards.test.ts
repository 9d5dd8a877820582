import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../runtime/index.ts';
import { hashString, hashWord, murmur3, SHARD_COUNT, shardOf } from './shards.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };
const utf8 = (s: string) => new TextEncoder().encode(s);

describe('murmur3', () => {
  // Published MurmurHash3 x86_32 vectors: the hash is the reference algorithm, not a look-alike.
  const vectors: [string, number, number][] = [
    ['', 0, 0],
    ['', 1, 0x514e28b7],
    ['', 0xffffffff, 0x81f16f39],
    ['test', 0, 0xba6bd213],
    ['a', 0x9747b28c, 0x7fa09ea6],
    ['abc', 0x9747b28c, 0xc84a62dd],
    ['aaaa', 0x9747b28c, 0x5a97808a],
    ['Hello, world!', 0x9747b28c, 0x24884cba],
    ['Hello, world!', 1234, 0xfaf6cdb3],
    ['The quick brown fox jumps over the lazy dog', 0, 0x2e4ff723],
    ['The quick brown fox jumps over the lazy dog', 0x9747b28c, 0x2fa826cd],
  ];
  it.each(vectors)('hashes %j with seed %d to the reference value', (text, seed, want) => {
    expect(murmur3(utf8(text), seed)).toBe(want);
    expect(hashString(text, seed)).toBe(want);
  });

  it('hashes the UTF-8 bytes of any string, long and non-ASCII ones included', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer(), (s, seed) => {
        expect(hashString(s, seed)).toBe(murmur3(utf8(s), seed));
      }),
      fcOptions,
    );
  });

  it('hashWord is murmur3 of the 4-byte little-endian word', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.integer(), (w, seed) => {
        const bytes = new Uint8Array(new Uint32Array([w]).buffer);
        expect(hashWord(w, seed)).toBe(murmur3(bytes, seed));
      }),
      fcOptions,
    );
  });
});

describe('shardOf', () => {
  it('maps fixed keys to fixed shards (the cluster contract: changing these moves every key)', () => {
    expect(SHARD_COUNT).toBe(1024);
    expect(shardOf('user:alice')).toBe(870);
    expect(shardOf('user:bob')).toBe(919);
    expect(shardOf('group:g1')).toBe(440);
    expect(shardOf('')).toBe(0);
    expect(shardOf('ключ')).toBe(66);
    expect(shardOf('😀 emoji')).toBe(190);
    expect(shardOf(`user:${'x'.repeat(300)}`)).toBe(654);
    expect(shardOf('user:alice', 16)).toBe(0x5975a766 % 16);
  });

  it('is in range for every key and shard count', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 65_536 }), (key, n) => {
        const s = shardOf(key, n);
        expect(Number.isInteger(s) && s >= 0 && s < n).toBe(true);
      }),
      fcOptions,
    );
  });

  it('spreads keys evenly over the shards', () => {
    const counts = new Array<number>(SHARD_COUNT).fill(0);
    const keys = 100 * SHARD_COUNT;
    for (let i = 0; i < keys; i++) counts[shardOf(`user:${i}`)]!++;
    // 100 expected per shard, standard deviation 10: 5 sigma either side.
    expect(Math.min(...counts)).toBeGreaterThan(50);
    expect(Math.max(...counts)).toBeLessThan(150);
  });

  it('rejects a shard count that is not an integer in [1, 65536], naming it', () => {
    for (const bad of [0, -1, 1.5, 65_537, Number.NaN]) {
      expect(() => shardOf('k', bad)).toThrow(ParleyError);
    }
    expect(() => shardOf('k', 0)).toThrow('shard count must be an integer in [1, 65536], got 0');
    expect(() => shardOf('k', 1.5)).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: expect.stringContaining('got 1.5'),
      }),
    );
  });
});
