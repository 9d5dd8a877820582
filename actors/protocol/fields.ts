/**
 * Field validators for the frame decoder.
 *
 * Each takes the raw value and the field's path (`"content.body"`,
 * `"members[3]"`) and returns the typed value or throws a `Refusal` whose
 * message names the field, says what it must be and quotes what came. A
 * `Refusal` is a plain object, not an `Error`: the decoder catches it, and no
 * stack trace is captured for input that is merely bad. Every loop here is
 * bounded by a cap checked before it starts.
 */
import { quote } from '../../runtime/index.ts';
import { ID_LENGTH_MAX, USER_ID_PATTERN } from './limits.ts';

/** A frame, or a nested object of one, straight from `JSON.parse`. */
export type Obj = { readonly [field: string]: unknown };

/** Why a frame was refused; thrown by the validators, caught by the decoder. */
export class Refusal {
  constructor(
    readonly code: 'bad_frame' | 'unknown_type',
    readonly message: string,
  ) {}
}

export const ID_RULE = `an id (1..${ID_LENGTH_MAX} chars)`;
/** What an id of the right length may still not hold (the store could not keep it as sent). */
export const ID_CHARS_RULE =
  'an id without control characters (U+0000-U+001F, U+007F-U+009F) or lone surrogates';

/**
 * C0 controls (NUL included), DEL, C1 controls, and surrogates not part of a
 * pair (with the `u` flag a well-formed pair is one code point, not `Cs`).
 * Lone surrogates cannot be encoded as UTF-8, so no store could keep such an
 * id as sent; NUL ends strings in LMDB keys. Private-use code points and
 * non-characters are well-formed Unicode and stay allowed: ids are opaque.
 */
const ID_FORBIDDEN = /[\p{Cc}\p{Cs}]/u;
export const USER_ID_RULE = `a user id (1..${ID_LENGTH_MAX} of [A-Za-z0-9_.-])`;

export function isObject(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A valid id: 1..64 UTF-16 units, none of them a control character or a lone surrogate. */
export function isId(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length >= 1 &&
    value.length <= ID_LENGTH_MAX &&
    !ID_FORBIDDEN.test(value)
  );
}

/** A string free of control characters and lone surrogates (cursors, ids). */
export function hasSafeChars(value: string): boolean {
  return !ID_FORBIDDEN.test(value);
}

export function isUserId(value: unknown): value is string {
  return typeof value === 'string' && value.length <= ID_LENGTH_MAX && USER_ID_PATTERN.test(value);
}

/** Refuses `path`: missing when `value` is undefined, else the wrong value, quoted. */
export function refuse(path: string, rule: string, value: unknown): never {
  if (value === undefined)
    throw new Refusal('bad_frame', `field "${path}" is missing; it must be ${rule}`);
  throw new Refusal('bad_frame', `field "${path}" must be ${rule}, got ${show(value)}`);
}

/** An optional field: `null` counts as absent (many encoders write null for "unset"). */
export function optional(value: unknown): unknown {
  return value === null ? undefined : value;
}

export function id(value: unknown, path: string): string {
  if (isId(value)) return value;
  if (typeof value === 'string' && value.length >= 1 && value.length <= ID_LENGTH_MAX)
    return refuse(path, ID_CHARS_RULE, value);
  return refuse(path, ID_RULE, value);
}

export function userId(value: unknown, path: string): string {
  return isUserId(value) ? value : refuse(path, USER_ID_RULE, value);
}

/** A string of `min..max` chars. */
export function text(value: unknown, path: string, min: number, max: number): string {
  if (typeof value === 'string' && value.length >= min && value.length <= max) return value;
  const rule = min === 0 ? `a string of at most ${max} chars` : `a string of ${min}..${max} chars`;
  return refuse(path, rule, value);
}

export function oneOf<const T extends string>(
  value: unknown,
  path: string,
  values: readonly T[],
): T {
  if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
  return refuse(path, `one of ${values.map((v) => `"${v}"`).join(', ')}`, value);
}

export function integer(value: unknown, path: string, min: number, max: number): number {
  if (Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max)
    return value as number;
  const rule =
    max === Number.MAX_SAFE_INTEGER ? `an integer >= ${min}` : `an integer ${min}..${max}`;
  return refuse(path, rule, value);
}

/** An array of `min..max` user ids, deduplicated keeping first occurrences. */
export function userIds(value: unknown, path: string, min: number, max: number): string[] {
  const rule = `an array of ${min === 0 ? 'at most ' : `${min}..`}${max} user ids`;
  if (!Array.isArray(value)) return refuse(path, rule, value);
  if (value.length > max || value.length < min)
    throw new Refusal(
      'bad_frame',
      `field "${path}" must be ${rule}, got an array of ${value.length}`,
    );
  const seen = new Set<string>();
  for (let i = 0; i < value.length; i++) seen.add(userId(value[i], `${path}[${i}]`));
  return [...seen];
}

/**
 * A bounded rendering of a client value for an error message. Unlike
 * JSON.stringify it never recurses deeper than two levels, so hostile
 * nesting cannot overflow the stack; the result is cut at 120 chars.
 */
export function show(value: unknown): string {
  const shown = render(value, 0);
  return shown.length > 120 ? `${shown.slice(0, 117)}...` : shown;
}

function render(value: unknown, depth: number): string {
  if (typeof value !== 'object' || value === null) return quote(value);
  const open = Array.isArray(value) ? '[' : '{';
  const close = Array.isArray(value) ? ']' : '}';
  if (depth >= 2) return `${open}...${close}`;
  const parts: string[] = [];
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length && i < 8; i++) parts.push(render(value[i], depth + 1));
    if (value.length > 8) parts.push('...');
  } else {
    const keys = Object.keys(value);
    for (let i = 0; i < keys.length && i < 8; i++) {
      const key = keys[i]!;
      parts.push(`${JSON.stringify(key)}:${render((value as Obj)[key], depth + 1)}`);
    }
    if (keys.length > 8) parts.push('...');
  }
  return `${open}${parts.join(',')}${close}`;
}
