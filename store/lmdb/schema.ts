/**
 * The key layout of the LMDB store: six named databases in one environment,
 * keys as ordered-binary arrays so that everything of one user (or group) is
 * one contiguous key range, and each range scan is a prefix scan.
 *
 *   owners  (versioned)  owner                  -> OwnerState {e, i, r, g}
 *   users                [user, 'm', seq]        -> [writtenAt, conv]           inbox entry (points at its history row)
 *                        [user, 'k', key]        -> seq                         idempotency key index
 *                        [user, 'h', conv, seq]  -> [writtenAt, InboxEntry]     history row, holds the entry
 *                        [user, 'p', seq, to]    -> 1                           pending mark
 *                        [user, 'd', device]     -> seq                         delivery cursor
 *                        [user, 's', id, by]     -> [writtenAt, ReceiptStatus]  receipt status
 *                        [user, 'r', rseq]       -> [writtenAt, ReceiptEntry]   receipt log
 *                        [user, 'c', conv]       -> [writtenAt, ChatRow]        chat list summary (`chats.ts`)
 *                        [user, 'a', seq]        -> conv                        chat list by last activity
 *   groups  (versioned)  id                      -> GroupMeta (entry version = meta.version)
 *   glog                 [group, 'm', gseq]      -> [writtenAt, GroupLogEntry]
 *                        [group, 'k', key]       -> gseq
 *   media                id                      -> MediaMeta
 *   wake                 owner                   -> true                        owner with unfinished work
 *
 * Invariants:
 * - An owner's state row holds its epoch `e` and the heads of the logs it
 *   fences (`i` inbox seq and `r` receipt rseq for `user:<id>`, `g` gseq for
 *   `group:<id>`). Its LMDB entry version counts its changes (first write: 1),
 *   and every write that issues a sequence number is conditional on that
 *   version in the same LMDB transaction: fencing, head and idempotency are
 *   decided on one state and applied only if it is still the stored one.
 * - Heads and epochs never expire, so sequences stay gapless after the rows
 *   they numbered have expired; a seq is never issued twice.
 * - `writtenAt` is the store clock at write time. A row has expired when its
 *   kind's TTL (inbox entries and receipts: `inboxTtlMs`, history rows:
 *   `historyTtlMs`, group log: `groupLogTtlMs`; 0: never) is positive and
 *   `writtenAt + ttl <= now`; so a new retention applies to rows already
 *   written. No read returns an expired row; the sweep (`expiry.ts`) deletes
 *   it with the rows that depend on it (key index, pending marks, receipt
 *   status).
 * - An entry is stored once, in its history row; the inbox row is a small
 *   pointer to it, so the rows one append writes for a user ('k', 'm', 'p')
 *   sit next to each other (fewer pages touched per transaction). A history
 *   row lives while either view needs it: it is returned by `history` until
 *   the history TTL, by the inbox views until the inbox TTL, and deleted when
 *   both have passed.
 * - Within one prefix ([user,'m'], [user,'h',conv], [user,'r'], [group,'m'])
 *   rows are in write order, so expired rows form a prefix while the clock
 *   and the TTLs do not go back (if they do, reads stay correct; purging of
 *   the out-of-order rows waits until the rows before them expire).
 */
import {
  asBinary,
  type Binary,
  type Database,
  type DatabaseOptions,
  type Key,
  type RootDatabase,
} from 'lmdb';
import { Packr } from 'msgpackr';
import type { GroupMeta, MediaMeta, Retention } from '../contract.ts';

export interface OwnerState {
  /** Current epoch; 0 when none was ever acquired. */
  readonly e: number;
  /** Inbox head (highest seq issued) of `user:<id>`. */
  readonly i: number;
  /** Receipt log head (highest rseq issued) of `user:<id>`. */
  readonly r: number;
  /** Group log head (highest gseq issued) of `group:<id>`. */
  readonly g: number;
}

export const NO_OWNER_STATE: OwnerState = { e: 0, i: 0, r: 0, g: 0 };

/** A row that expires: [writtenAtMs, value] (see `isExpired`). */
export type Stamped<T> = readonly [number, T];

export const Tag = {
  Entry: 'm',
  Key: 'k',
  History: 'h',
  Pending: 'p',
  Cursor: 'd',
  Status: 's',
  ReceiptLog: 'r',
  Chat: 'c',
  Activity: 'a',
} as const;

export interface Dbs {
  readonly env: RootDatabase;
  readonly owners: Database<OwnerState, string>;
  readonly users: Database<unknown, Key[]>;
  readonly groups: Database<GroupMeta, string>;
  readonly glog: Database<unknown, Key[]>;
  readonly media: Database<MediaMeta, string>;
  /** The wake list: a key per marked owner (a plain string key sorts in UTF-8 byte order). */
  readonly wake: Database<true, string>;
}

/** Plain msgpack maps (no record extension): the cheapest to encode for one-off shapes. */
const PACK_OPTIONS = { useRecords: false, variableMapSize: true } as const;

/** Opens the named databases of `env`. */
export function openDbs(env: RootDatabase): Dbs {
  const packed = { encoder: PACK_OPTIONS } as DatabaseOptions;
  return {
    env,
    owners: env.openDB<OwnerState, string>('owners', { ...packed, useVersions: true }),
    users: env.openDB<unknown, Key[]>('users', packed),
    groups: env.openDB<GroupMeta, string>('groups', { useVersions: true }),
    glog: env.openDB<unknown, Key[]>('glog', packed),
    media: env.openDB<MediaMeta, string>('media', {}),
    // Created on first open; an environment written before it existed gains it empty.
    wake: env.openDB<true, string>('wake', {}),
  };
}

/** Sorts after every key of the same length or longer that shares the elements before it. */
export const END: Uint8Array = Uint8Array.of(0xff);

export const entryKey = (user: string, seq: number): Key[] => [user, Tag.Entry, seq];
export const keyIndexKey = (user: string, key: string): Key[] => [user, Tag.Key, key];
export const historyKey = (user: string, conversation: string, seq: number): Key[] => [
  user,
  Tag.History,
  conversation,
  seq,
];
export const pendingKey = (user: string, seq: number, recipient: string): Key[] => [
  user,
  Tag.Pending,
  seq,
  recipient,
];
export const cursorKey = (user: string, device: string): Key[] => [user, Tag.Cursor, device];
export const statusKey = (sender: string, id: string, by: string): Key[] => [
  sender,
  Tag.Status,
  id,
  by,
];
export const receiptKey = (sender: string, rseq: number): Key[] => [sender, Tag.ReceiptLog, rseq];
export const groupEntryKey = (group: string, gseq: number): Key[] => [group, Tag.Entry, gseq];
export const groupKeyIndexKey = (group: string, key: string): Key[] => [group, Tag.Key, key];

const packr = new Packr(PACK_OPTIONS);

/**
 * `[writtenAtMs, value]` encoded as msgpack ahead of the write, to put as is
 * (`asBinary`): encoding cannot then fail half-way through a conditional
 * block. Copied out of the packer's buffer (a view would pin its 8 KiB chunk).
 */
export function stamped(value: unknown, writtenAtMs: number): Binary {
  return asBinary(stampedBytes(value, writtenAtMs));
}

function stampedBytes(value: unknown, writtenAtMs: number): Uint8Array {
  return Uint8Array.prototype.slice.call(packr.pack([writtenAtMs, value]));
}

/**
 * One entry's history row, and what its chat summary shares with it. The
 * entry is encoded once: the summary `[writtenAt, {last, unread, readUpTo}]`
 * (`chats.ts`) is spliced from the history row `[writtenAt, entry]`, byte for
 * byte what `stamped` would write (`schema.test.ts`).
 */
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
  const out = new Uint8Array(
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

/** A row written at `writtenAtMs` with TTL `ttlMs` (0: never) has expired at `nowMs`. */
export function isExpired(writtenAtMs: number, ttlMs: number, nowMs: number): boolean {
  return ttlMs > 0 && writtenAtMs + ttlMs <= nowMs;
}

/** TTL after which a history row is needed by neither view (0: never). */
export function historyRowTtl(retention: Retention): number {
  const { inboxTtlMs, historyTtlMs } = retention;
  return inboxTtlMs === 0 || historyTtlMs === 0 ? 0 : Math.max(inboxTtlMs, historyTtlMs);
}

/** The value of a stamped row, or undefined when absent or expired. */
export function live<T>(row: unknown, ttlMs: number, nowMs: number): T | undefined {
  if (row === undefined) return undefined;
  const [writtenAt, value] = row as Stamped<T>;
  return isExpired(writtenAt, ttlMs, nowMs) ? undefined : value;
}
