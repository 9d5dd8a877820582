/**
 * Typed readers over the plain values YAML gives: each checks one field,
 * records a `Problem` naming the field's path when the value is wrong, and
 * still returns a usable value (the default) so that reading goes on and
 * every problem of a file is reported at once.
 *
 * Messages follow one pattern: `expected <what>, got <quoted value>`.
 */
import { quote } from '../../runtime/index.ts';
import type { Problem } from './errors.ts';
import { didYouMean } from './suggest.ts';

export type Fields = Record<string, unknown>;

export interface NumberSpec {
  readonly min?: number;
  readonly max?: number;
  /** `min` itself is refused (a number > min). */
  readonly above?: boolean;
  readonly integer?: boolean;
}

/** `a.b`, or `b` at the top. */
export const child = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);
export const item = (path: string, index: number): string => `${path}[${index}]`;

export class Reader {
  readonly problems: Problem[] = [];

  fail(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  /**
   * A mapping whose keys must all be in `known`; undefined (absent) gives an
   * empty one. Unknown keys are problems, with a suggestion when one is close.
   */
  object(path: string, value: unknown, known: readonly string[]): Fields {
    if (value !== undefined && value !== null && !isFields(value)) {
      this.fail(path, `expected a mapping (with ${known.join(', ')}), got ${quote(value)}`);
      return {};
    }
    const fields = this.mapping(path, value, '');
    for (const key of Object.keys(fields)) {
      if (known.includes(key)) continue;
      const close = didYouMean(key, known);
      this.problems.push({
        path: child(path, key),
        message:
          close === undefined
            ? `unknown field (expected one of: ${known.join(', ')})`
            : `unknown field; did you mean ${quote(close)}?`,
        unknownField: true,
        ...(close === undefined ? {} : { suggestion: close }),
      });
    }
    return fields;
  }

  /** A mapping with any keys (`what` says what they are); absent or null gives an empty one. */
  mapping(path: string, value: unknown, what: string): Fields {
    if (value === undefined || value === null) return {};
    if (isFields(value)) return value;
    this.fail(path, `expected a mapping of ${what}, got ${quote(value)}`);
    return {};
  }

  number(path: string, value: unknown, fallback: number, spec: NumberSpec = {}): number {
    if (value === undefined) return fallback;
    const ok =
      typeof value === 'number' &&
      Number.isFinite(value) &&
      (!spec.integer || Number.isInteger(value)) &&
      (spec.min === undefined || (spec.above ? value > spec.min : value >= spec.min)) &&
      (spec.max === undefined || value <= spec.max);
    if (ok) return value;
    this.fail(path, `expected ${describeNumber(spec)}, got ${quote(value)}`);
    return fallback;
  }

  /** A share in [0, 1]. */
  rate(path: string, value: unknown, fallback: number): number {
    return this.number(path, value, fallback, { min: 0, max: 1 });
  }

  bool(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value === 'boolean') return value;
    this.fail(path, `expected true or false, got ${quote(value)}`);
    return fallback;
  }

  string(path: string, value: unknown, fallback: string): string {
    if (value === undefined) return fallback;
    if (typeof value === 'string') return value;
    this.fail(path, `expected a string, got ${quote(value)}`);
    return fallback;
  }

  /** One of `choices`; absent is a problem when `fallback` is undefined (a required field). */
  choice<T extends string>(
    path: string,
    value: unknown,
    choices: readonly T[],
    fallback?: T,
  ): T | undefined {
    if (value === undefined && fallback !== undefined) return fallback;
    if (typeof value === 'string' && (choices as readonly string[]).includes(value)) {
      return value as T;
    }
    const close = typeof value === 'string' ? didYouMean(value, choices) : undefined;
    const hint = close === undefined ? '' : `; did you mean ${quote(close)}?`;
    this.fail(
      path,
      value === undefined
        ? `required: one of ${choices.join(', ')}`
        : `expected one of ${choices.join(', ')}, got ${quote(value)}${hint}`,
    );
    return fallback;
  }

  /** A list; absent gives `[]`. */
  list(path: string, value: unknown): readonly unknown[] {
    if (value === undefined || value === null) return [];
    if (Array.isArray(value)) return value;
    this.fail(path, `expected a list, got ${quote(value)}`);
    return [];
  }

  /** A required field: records the problem when absent. */
  required(path: string, value: unknown, what: string): boolean {
    if (value !== undefined) return true;
    this.fail(path, `required: ${what}`);
    return false;
  }
}

export function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function describeNumber(spec: NumberSpec): string {
  const kind = spec.integer ? 'an integer' : 'a number';
  const { min, max, above } = spec;
  if (min !== undefined && max !== undefined) {
    if (spec.integer && !above) return `${kind} in ${min}..${max}`;
    return `${kind} in ${above ? '(' : '['}${min}, ${max}]`;
  }
  if (min !== undefined) return `${kind} ${above ? '>' : '>='} ${min}`;
  if (max !== undefined) return `${kind} <= ${max}`;
  return kind;
}
