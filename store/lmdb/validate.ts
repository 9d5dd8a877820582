/**
 * Argument checks at the LMDB store's boundary. A bad value is a caller bug:
 * it is refused with `invalid_argument` (naming the argument, quoting the
 * value) before anything is read or written. Deeper code trusts the types.
 *
 * Sizes are bounded so that every composite key fits LMDB's key limit
 * (1978 bytes): ids at most 512 UTF-8 bytes, idempotency keys and
 * conversations at most 1024, and no NUL character (the key encoding
 * terminates strings with NUL).
 */
import { type Content, ReceiptStatus } from '../contract.ts';
import { invalidArgument } from '../errors.ts';

export const ID_BYTES_MAX = 512;
export const KEY_BYTES_MAX = 1024;
/** Items (or receipts, or records) in one write call. */
export const BATCH_ITEMS_MAX = 1000;
/** Recipients marked pending on one item. */
export const PENDING_PER_ITEM_MAX = 4096;
/** Reads return at most this many rows, whatever `limit` asks for. */
export const READ_LIMIT_MAX = 10_000;
/** Members (and admins) per group. */
export const MEMBERS_MAX = 10_000;

function checkString(what: string, value: unknown, maxBytes: number): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    // A UTF-16 unit is at most 3 UTF-8 bytes: measure only strings that may be too long.
    (value.length * 3 > maxBytes && Buffer.byteLength(value) > maxBytes) ||
    value.includes('\u0000')
  )
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

/** An idempotency key or a conversation name. */
export function checkKey(what: string, value: unknown): string {
  return checkString(what, value, KEY_BYTES_MAX);
}

/** A safe integer >= `min`. */
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
