/**
 * Argument checks at the store's boundary: a bad value is a caller bug and is
 * refused with ParleyError `invalid_argument` naming the argument and quoting
 * the value, before anything is read or written. Deeper code trusts the types.
 */
import { ReceiptStatus } from '../contract.ts';
import { invalidArgument } from '../errors.ts';

/** Ids and keys longer than this are refused (they are clustering values); the contract asks for 512 bytes. */
export const ID_LENGTH_MAX = 1024;
/** Items in one append or receipt call: one LWT batch must stay small. */
export const BATCH_ITEMS_MAX = 1000;
/** Reads return at most this many rows, whatever `limit` asks for. */
export const READ_ROWS_MAX = 10_000;

/** `invalid <what> <quoted value>: <why>`, the wording every store shares. */
export const invalid = invalidArgument;

export function checkId(what: string, value: unknown): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > ID_LENGTH_MAX ||
    value.includes('\u0000')
  )
    throw invalid(
      what,
      value,
      `must be a non-empty string of at most ${ID_LENGTH_MAX} characters, without NUL`,
    );
  return value;
}

/** An integer >= `min` that a bigint column and a JS number both hold exactly. */
export function checkInt(what: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw invalid(what, value, `must be a safe integer >= ${min}`);
  return value;
}

export function checkEpoch(value: unknown): number {
  return checkInt('epoch', value, 1);
}

/** A read limit: a positive integer, capped at READ_ROWS_MAX. */
export function checkLimit(value: unknown): number {
  return Math.min(checkInt('limit', value, 1), READ_ROWS_MAX);
}

export function checkBatch<T>(what: string, items: unknown): readonly T[] {
  if (!Array.isArray(items)) throw invalid(what, items, 'must be an array');
  if (items.length > BATCH_ITEMS_MAX)
    throw invalid(`${what}.length`, items.length, `must be at most ${BATCH_ITEMS_MAX}`);
  return items as readonly T[];
}

export function checkContent(what: string, value: unknown): void {
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof (value as { type?: unknown }).type !== 'string'
  )
    throw invalid(what, value, 'must be an object with a string `type`');
}

export function checkStatus(what: string, value: unknown): void {
  if (!Object.values(ReceiptStatus).includes(value as ReceiptStatus))
    throw invalid(what, value, `must be one of ${Object.values(ReceiptStatus).join(', ')}`);
}
