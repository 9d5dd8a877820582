/**
 * Argument checks at every store's boundary, shared by all implementations
 * so they accept and refuse exactly the same arguments, with the same words.
 * A bad value is a caller bug: it is refused with `invalid_argument` (naming
 * the argument path, quoting the value) before anything is read or written.
 * Deeper code trusts the types.
 *
 * The bounds are those of the tightest implementation, and all above the
 * contract's promise (ids 256 UTF-8 bytes, keys 512): ids at most 512 UTF-8
 * bytes, idempotency keys and conversations at most 1024, no NUL character
 * (LMDB: every composite key must fit its 1978-byte key limit, and its key
 * encoding terminates strings with NUL). A limit that only one store has
 * (Cassandra's rows per batch, its longest TTL) stays in that store.
 */
import {
  type Content,
  DEFAULT_RETENTION,
  type GroupLogRecord,
  type GroupMeta,
  type GroupRefRecord,
  type InboxAppend,
  type InboxRecord,
  type MediaMeta,
  PushKind,
  type PushSubscriptionRecord,
  type Receipt,
  ReceiptStatus,
  type Retention,
} from './contract.ts';
import { invalidArgument } from './errors.ts';

export const ID_BYTES_MAX = 512;
export const KEY_BYTES_MAX = 1024;
/** Items (or receipts, or records) in one write call. */
export const BATCH_ITEMS_MAX = 1000;
/** Recipients marked pending on one item. */
export const PENDING_PER_ITEM_MAX = 4096;
/** Reads return at most this many rows, whatever `limit` asks for. */
export const READ_LIMIT_MAX = 10_000;
/** Members (and admins) per group; the chat itself allows far fewer. */
export const MEMBERS_MAX = 10_000;

/** Non-empty, at most `maxBytes` UTF-8 bytes, no NUL. */
function isBoundedString(value: string, maxBytes: number): boolean {
  return (
    value.length > 0 &&
    // A UTF-16 unit is at most 3 UTF-8 bytes: measure only strings that may be too long.
    (value.length * 3 <= maxBytes || Buffer.byteLength(value) <= maxBytes) &&
    !value.includes('\u0000')
  );
}

function checkString(what: string, value: unknown, maxBytes: number): string {
  if (typeof value !== 'string' || !isBoundedString(value, maxBytes))
    throw invalidArgument(
      what,
      value,
      `must be a non-empty string of at most ${maxBytes} UTF-8 bytes without NUL`,
    );
  return value;
}

/** A user, group, owner, device, message id or media id. */
export function checkId(what: string, value: unknown): string {
  return checkString(what, value, ID_BYTES_MAX);
}

/** A listing's start (`after`): null (from the first) or an id. */
export function checkIdOrNull(what: string, value: unknown): string | null {
  if (value === null) return null;
  if (typeof value !== 'string' || !isBoundedString(value, ID_BYTES_MAX))
    throw invalidArgument(
      what,
      value,
      `must be null or a non-empty string of at most ${ID_BYTES_MAX} UTF-8 bytes without NUL`,
    );
  return value;
}

/** An idempotency key or a conversation name. */
export function checkKey(what: string, value: unknown): string {
  return checkString(what, value, KEY_BYTES_MAX);
}

/** A safe integer >= `min` (what a JS number and a bigint column both hold exactly). */
export function checkInt(what: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw invalidArgument(what, value, `must be a safe integer >= ${min}`);
  return value;
}

export function checkEpoch(value: unknown): number {
  return checkInt('epoch', value, 1);
}

/** A read limit: a positive integer, capped at READ_LIMIT_MAX. */
export function checkLimit(value: unknown): number {
  return Math.min(checkInt('limit', value, 1), READ_LIMIT_MAX);
}

export function checkList<T>(what: string, value: unknown, max: number): readonly T[] {
  if (!Array.isArray(value)) throw invalidArgument(what, value, 'must be an array');
  if (value.length > max)
    throw invalidArgument(`${what}.length`, value.length, `must be at most ${max}`);
  return value as readonly T[];
}

export function checkObject(what: string, value: unknown): void {
  if (typeof value !== 'object' || value === null)
    throw invalidArgument(what, value, 'must be an object');
}

export function checkContent(what: string, value: unknown): Content {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { type?: unknown }).type !== 'string'
  )
    throw invalidArgument(what, value, 'must be an object with a string `type`');
  return value as Content;
}

const statuses: readonly string[] = Object.values(ReceiptStatus);

export function checkStatus(what: string, value: unknown): ReceiptStatus {
  if (typeof value !== 'string' || !statuses.includes(value))
    throw invalidArgument(what, value, `must be one of ${statuses.join(', ')}`);
  return value as ReceiptStatus;
}

/** The TTLs a store runs with: `partial` over DEFAULT_RETENTION, each a whole number of ms >= 0. */
export function checkRetention(partial: Partial<Retention> | undefined): Retention {
  const retention = { ...DEFAULT_RETENTION, ...partial };
  for (const name of ['inboxTtlMs', 'groupLogTtlMs', 'historyTtlMs'] as const)
    checkInt(`retention.${name}`, retention[name], 0);
  return retention;
}

/** An item of `appendInbox`: a full record or a group reference (contract: "Group messages by reference"). */
export type InboxItem = InboxAppend<InboxRecord | GroupRefRecord>;

/** The `items` of `appendInbox`. */
export function checkInboxItems(items: unknown): readonly InboxItem[] {
  const list = checkList<InboxItem>('items', items, BATCH_ITEMS_MAX);
  // The test first, without building argument paths: this runs for every append.
  for (let i = 0; i < list.length; i++) if (!isInboxItem(list[i])) checkInboxItem(list[i], i);
  return list;
}

const isId = (value: unknown): boolean =>
  typeof value === 'string' && isBoundedString(value, ID_BYTES_MAX);
const isKey = (value: unknown): boolean =>
  typeof value === 'string' && isBoundedString(value, KEY_BYTES_MAX);
const isInt = (value: unknown, min: number): boolean =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/** Exactly what `checkInboxItem` accepts. */
function isInboxItem(item: InboxItem | undefined): boolean {
  if (typeof item !== 'object' || item === null) return false;
  const r = item.record;
  if (typeof r !== 'object' || r === null) return false;
  const content: unknown = r.content;
  const pendingFor: unknown = item.pendingFor;
  return (
    isKey(r.key) &&
    isId(r.from) &&
    isId(r.id) &&
    (r.to === undefined || isId(r.to)) &&
    (r.group === undefined || isId(r.group)) &&
    (r.device === undefined || isId(r.device)) &&
    (r.gseq === undefined || isInt(r.gseq, 0)) &&
    isInt(r.ts, 0) &&
    (content === undefined
      ? isId(r.group) && isInt(r.gseq, 1)
      : typeof content === 'object' &&
        content !== null &&
        typeof (content as { type?: unknown }).type === 'string') &&
    isKey(item.conversation) &&
    (pendingFor === undefined ||
      (Array.isArray(pendingFor) &&
        pendingFor.length <= PENDING_PER_ITEM_MAX &&
        pendingFor.every(isId)))
  );
}

/** Refuses `items[i]`, naming the first bad field. */
function checkInboxItem(item: InboxItem | undefined, i: number): void {
  checkObject(`items[${i}]`, item);
  const r = (item as InboxItem).record;
  const at = `items[${i}].record`;
  checkObject(at, r);
  checkKey(`${at}.key`, r.key);
  checkId(`${at}.from`, r.from);
  checkId(`${at}.id`, r.id);
  if (r.to !== undefined) checkId(`${at}.to`, r.to);
  if (r.group !== undefined) checkId(`${at}.group`, r.group);
  if (r.device !== undefined) checkId(`${at}.device`, r.device);
  if (r.gseq !== undefined) checkInt(`${at}.gseq`, r.gseq, 0);
  checkInt(`${at}.ts`, r.ts, 0);
  if (r.content !== undefined) checkContent(`${at}.content`, r.content);
  else checkGroupRef(at, r);
  checkKey(`items[${i}].conversation`, (item as InboxItem).conversation);
  const pendingFor = (item as InboxItem).pendingFor;
  if (pendingFor !== undefined) {
    const to = checkList<string>(`items[${i}].pendingFor`, pendingFor, PENDING_PER_ITEM_MAX);
    for (const [j, p] of to.entries()) checkId(`items[${i}].pendingFor[${j}]`, p);
  }
}

/** A record without content: only a group reference may omit it. */
function checkGroupRef(at: string, r: InboxRecord | GroupRefRecord): void {
  if (r.group === undefined || r.gseq === undefined)
    throw invalidArgument(
      `${at}.content`,
      r.content,
      'must be an object with a string `type`; only a group reference (both `group` and `gseq` set) has no content',
    );
  checkInt(`${at}.gseq`, r.gseq, 1);
}

/** The `receipts` of `recordReceipts`. */
export function checkReceipts(receipts: unknown): readonly Receipt[] {
  const list = checkList<Receipt>('receipts', receipts, BATCH_ITEMS_MAX);
  list.forEach((r, i) => {
    checkObject(`receipts[${i}]`, r);
    checkId(`receipts[${i}].id`, r.id);
    checkId(`receipts[${i}].by`, r.by);
    if (r.group !== undefined) checkId(`receipts[${i}].group`, r.group);
    checkStatus(`receipts[${i}].status`, r.status);
    checkInt(`receipts[${i}].ts`, r.ts, 0);
  });
  return list;
}

/** The `records` of `appendGroupLog`. */
export function checkGroupLogRecords(records: unknown): readonly GroupLogRecord[] {
  const list = checkList<GroupLogRecord>('records', records, BATCH_ITEMS_MAX);
  list.forEach((r, i) => {
    checkObject(`records[${i}]`, r);
    checkKey(`records[${i}].key`, r.key);
    checkId(`records[${i}].from`, r.from);
    checkId(`records[${i}].id`, r.id);
    if (r.device !== undefined) checkId(`records[${i}].device`, r.device);
    checkInt(`records[${i}].ts`, r.ts, 0);
    checkContent(`records[${i}].content`, r.content);
  });
  return list;
}

function checkMembers(what: string, list: unknown): string[] {
  const members = checkList<string>(what, list, MEMBERS_MAX);
  for (const [i, m] of members.entries()) checkId(`${what}[${i}]`, m);
  return [...members];
}

/** The arguments of `saveGroup`: the meta to store if the compare-and-set applies (version expected+1), fields copied. */
export function checkGroupSave(
  meta: Omit<GroupMeta, 'version'>,
  expectedVersion: number,
): GroupMeta {
  checkObject('meta', meta);
  const id = checkId('meta.id', meta.id);
  if (typeof meta.name !== 'string')
    throw invalidArgument('meta.name', meta.name, 'must be a string');
  return {
    id,
    name: meta.name,
    members: checkMembers('meta.members', meta.members),
    admins: checkMembers('meta.admins', meta.admins),
    createdBy: checkId('meta.createdBy', meta.createdBy),
    createdTs: checkInt('meta.createdTs', meta.createdTs, 0),
    version: checkInt('expectedVersion', expectedVersion, 0) + 1,
  };
}

/** The `meta` of `putMedia`, fields copied. */
export function checkMediaMeta(meta: MediaMeta): MediaMeta {
  checkObject('meta', meta);
  return {
    id: checkId('meta.id', meta.id),
    owner: checkId('meta.owner', meta.owner),
    mime: checkId('meta.mime', meta.mime),
    size: checkInt('meta.size', meta.size, 0),
    ts: checkInt('meta.ts', meta.ts, 0),
  };
}

/** Longest push endpoint URL or device token, in UTF-8 bytes. */
export const PUSH_TARGET_BYTES_MAX = 2048;
const PUSH_KINDS: readonly string[] = Object.values(PushKind);

/** The `sub` of `putPushSubscription`, fields copied (absent optional fields left out). */
export function checkPushSubscription(sub: PushSubscriptionRecord): PushSubscriptionRecord {
  checkObject('sub', sub);
  if (!PUSH_KINDS.includes(sub.kind))
    throw invalidArgument('sub.kind', sub.kind, `must be one of ${PUSH_KINDS.join(', ')}`);
  if (typeof sub.previews !== 'boolean')
    throw invalidArgument('sub.previews', sub.previews, 'must be a boolean');
  const out: { -readonly [K in keyof PushSubscriptionRecord]: PushSubscriptionRecord[K] } = {
    id: checkId('sub.id', sub.id),
    user: checkId('sub.user', sub.user),
    kind: sub.kind,
    target: checkString('sub.target', sub.target, PUSH_TARGET_BYTES_MAX),
    previews: sub.previews,
    ts: checkInt('sub.ts', sub.ts, 0),
  };
  if (sub.p256dh !== undefined) out.p256dh = checkId('sub.p256dh', sub.p256dh);
  if (sub.auth !== undefined) out.auth = checkId('sub.auth', sub.auth);
  if (sub.platform !== undefined) out.platform = checkId('sub.platform', sub.platform);
  return out;
}

/** Oldest first: by `ts`, then `id` (the order of `listPushSubscriptions`). */
export function comparePushSubscriptions(
  a: PushSubscriptionRecord,
  b: PushSubscriptionRecord,
): number {
  return a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
