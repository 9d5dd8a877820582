/**
 * The bytes of the stamped rows (`[writtenAtMs, value]`, see `schema.ts`),
 * encoded ahead of the conditional block that writes them, and cheap to make:
 *
 * - Rows are carved from 64 KiB slabs, one after another; a slab is never
 *   written again once a row was carved from it (a full slab is dropped, not
 *   rewound), so a row's bytes stay as they are until LMDB has written them,
 *   and the garbage collector frees the slab with its last row. A separate
 *   buffer per row cost an external allocation each (and lmdb-js looks up
 *   the address of each new buffer).
 * - One append encodes each entry once: the chat summary
 *   `[writtenAt, {last: entry, unread, readUpTo}]` (`chats.ts`) is spliced
 *   from the entry's history row `[writtenAt, entry]`, byte for byte what
 *   `stamped` would write (`row-bytes.test.ts`).
 */
import { asBinary, type Binary } from 'lmdb';
import { Packr } from 'msgpackr';
import { PACK_OPTIONS } from './schema.ts';

const SLAB_BYTES = 64 * 1024;
/** Rows larger than this get their own buffer (so a slab holds at least 8). */
const CARVED_BYTES_MAX = SLAB_BYTES / 8;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/** `length` bytes no one else writes (see the module doc). */
function carve(length: number): Uint8Array {
  if (length > CARVED_BYTES_MAX) return new Uint8Array(length);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const out = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return out;
}

const packr = new Packr(PACK_OPTIONS);

/**
 * `[writtenAtMs, value]` encoded as msgpack ahead of the write, to put as is
 * (`asBinary`): encoding cannot then fail half-way through a conditional
 * block. Copied out of the packer's buffer into a slab (`carve`).
 */
export function stamped(value: unknown, writtenAtMs: number): Binary {
  return asBinary(stampedBytes(value, writtenAtMs));
}

function stampedBytes(value: unknown, writtenAtMs: number): Uint8Array {
  const packed = packr.pack([writtenAtMs, value]);
  const out = carve(packed.length);
  out.set(packed);
  return out;
}

/** One entry's history row, and what its chat summary shares with it (`stampedSummary`). */
export interface EncodedEntry {
  readonly row: Binary;
  /** The row's msgpack: a fixarray of 2, the stamp, the entry. */
  readonly bytes: Uint8Array;
  /** Where the entry starts in `bytes`. */
  readonly entryAt: number;
}

export function encodeEntry(entry: unknown, writtenAtMs: number): EncodedEntry {
  const bytes = stampedBytes(entry, writtenAtMs);
  return { row: asBinary(bytes), bytes, entryAt: 1 + uintLength(writtenAtMs) };
}

/**
 * Bytes of a non-negative safe integer in msgpackr's encoding (the packer
 * above): a positive fixint below 0x80 (no records), uint 8/16/32, and a
 * float 64 above 32 bits.
 */
function uintLength(n: number): number {
  if (n < 0x80) return 1;
  if (n < 0x100) return 2;
  if (n < 0x10000) return 3;
  return n <= 0xffffffff ? 5 : 9;
}

function writeUint(out: Uint8Array, at: number, n: number): number {
  if (n < 0x80) {
    out[at] = n;
    return at + 1;
  }
  if (n < 0x100) {
    out[at] = 0xcc;
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = 0xcd;
    out[at + 1] = n >>> 8;
    out[at + 2] = n & 0xff;
    return at + 3;
  }
  if (n <= 0xffffffff) {
    out[at] = 0xce;
    out[at + 1] = n >>> 24;
    out[at + 2] = (n >>> 16) & 0xff;
    out[at + 3] = (n >>> 8) & 0xff;
    out[at + 4] = n & 0xff;
    return at + 5;
  }
  out[at] = 0xcb;
  new DataView(out.buffer, out.byteOffset + at + 1, 8).setFloat64(0, n);
  return at + 9;
}

/** The msgpack of 'last' after a fixmap of 3: the head of `{last: entry, unread, readUpTo}`. */
const SUMMARY_HEAD = Uint8Array.of(0x83, 0xa4, ...Buffer.from('last'));
const UNREAD_KEY = Uint8Array.of(0xa6, ...Buffer.from('unread'));
const READ_UP_TO_KEY = Uint8Array.of(0xa8, ...Buffer.from('readUpTo'));

/**
 * `[writtenAt, {last: entry, unread, readUpTo}]` from an encoded entry,
 * without encoding it again; `unread` and `readUpTo` are safe integers >= 0.
 */
export function stampedSummary(last: EncodedEntry, unread: number, readUpTo: number): Binary {
  const { bytes, entryAt } = last;
  const entryLength = bytes.length - entryAt;
  const out = carve(
    entryAt +
      SUMMARY_HEAD.length +
      entryLength +
      UNREAD_KEY.length +
      uintLength(unread) +
      READ_UP_TO_KEY.length +
      uintLength(readUpTo),
  );
  // The row at an offset, then its stamp moved back before the head: no views allocated.
  out.set(bytes, SUMMARY_HEAD.length);
  out.copyWithin(0, SUMMARY_HEAD.length, SUMMARY_HEAD.length + entryAt);
  out.set(SUMMARY_HEAD, entryAt);
  let at = entryAt + SUMMARY_HEAD.length + entryLength;
  out.set(UNREAD_KEY, at);
  at = writeUint(out, at + UNREAD_KEY.length, unread);
  out.set(READ_UP_TO_KEY, at);
  writeUint(out, at + READ_UP_TO_KEY.length, readUpTo);
  return asBinary(out);
}
