/**
 * The key layout of the LMDB store: seven named databases in one environment,
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
 *   push                 [user, id]              -> PushSubscriptionRecord      push subscription (`push.ts`)
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
import type { Database, DatabaseOptions, Key, RootDatabase } from 'lmdb';
import type { GroupMeta, MediaMeta, PushSubscriptionRecord, Retention } from '../contract.ts';

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
  readonly push: Database<PushSubscriptionRecord, Key[]>;
}

/** Plain msgpack maps (no record extension): the cheapest to encode for one-off shapes. */
export const PACK_OPTIONS = { useRecords: false, variableMapSize: true } as const;

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
    // Likewise created on first open.
    push: env.openDB<PushSubscriptionRecord, Key[]>('push', packed),
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
