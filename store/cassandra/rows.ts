/**
 * Row kinds of the two log tables and the codecs of their `body` column.
 *
 * `user_log` partition of one user, clustered by (kind, tag, seq, sub):
 *   Entry          tag ''            seq = inbox seq   body = InboxRecord or GroupRefRecord JSON
 *   Key            tag = record key  seq = its seq     (idempotency index)
 *   History        tag = conversation seq              body = the same JSON as its Entry
 *   Pending        tag ''            seq, sub = recipient (outbound marks, oldest first)
 *   ReceiptStatus  tag = message id  seq = 0, sub = by body = Receipt JSON
 *   ReceiptLog     tag ''            seq = rseq        body = Receipt JSON
 *   Chat           tag = conversation seq = 0, sub ''  body = ChatRow JSON (`chats.ts`)
 *   Activity       tag ''            seq = last seq, sub = conversation  body = the same ChatRow JSON
 * `group_log` partition of one group, clustered by (kind, tag, seq):
 *   Entry          tag ''            seq = gseq        body = GroupLogRecord JSON
 *   Key            tag = record key  seq = its gseq
 * Every row an LWT batch writes carries the batch's `wid` (see `cas.ts`) and
 * its expiry `exp` (see `expiry.ts`).
 * Bodies are written by this store only, so decoding trusts their shape.
 */
import type {
  GroupLogEntry,
  GroupLogRecord,
  GroupRefRecord,
  InboxRecord,
  Receipt,
  ReceiptEntry,
  ReceiptStatus,
} from '../contract.ts';
import type { StoredEntry } from '../group-ref.ts';

export const Kind = {
  Entry: 0,
  Key: 1,
  History: 2,
  Pending: 3,
  ReceiptStatus: 4,
  ReceiptLog: 5,
  Chat: 6,
  Activity: 7,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** A bigint/int column as a number (seqs stay below 2^53). */
export function num(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
}

/** Records are plain data: stored whole as JSON, returned as given (optional fields included). */
export function encodeRecord(r: InboxRecord | GroupRefRecord | GroupLogRecord | Receipt): string {
  return JSON.stringify(r);
}

/** As kept: a group reference is resolved by the reads (`group-refs.ts`). */
export function decodeInboxEntry(user: string, seq: number, body: string): StoredEntry {
  return { ...(JSON.parse(body) as InboxRecord | GroupRefRecord), user, seq };
}

export function decodeGroupEntry(group: string, gseq: number, body: string): GroupLogEntry {
  return { ...(JSON.parse(body) as GroupLogRecord), group, gseq };
}

export function decodeReceipt(body: string): Receipt {
  return JSON.parse(body) as Receipt;
}

export function decodeReceiptEntry(rseq: number, body: string): ReceiptEntry {
  return { ...decodeReceipt(body), rseq };
}

/** Receipt statuses only rise: delivered < read. */
export function statusRank(status: ReceiptStatus | undefined): number {
  return status === 'read' ? 2 : status === 'delivered' ? 1 : 0;
}
