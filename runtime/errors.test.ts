import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError, quote } from './index.ts';

describe('ParleyError', () => {
  it('carries a code, a message, its name and an optional cause', () => {
    const cause = new Error('underneath');
    const err = new ParleyError(ErrorCode.Unavailable, 'nats is down', { cause });
    expect(err).toBeInstanceOf(Error);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err.name).toBe('ParleyError');
    expect(err.code).toBe('unavailable');
    expect(err.message).toBe('nats is down');
    expect(err.cause).toBe(cause);
    expect(String(err)).toBe('ParleyError: nats is down');
  });

  it('has no cause when none is given', () => {
    expect(new ParleyError(ErrorCode.Internal, 'x').cause).toBeUndefined();
  });

  it('uses a small closed set of snake_case codes', () => {
    expect(Object.values(ErrorCode)).toEqual([
      'invalid_argument',
      'not_found',
      'already_exists',
      'forbidden',
      'timeout',
      'unavailable',
      'resource_exhausted',
      'fenced',
      'stopped',
      'indeterminate',
      'internal',
    ]);
  });
});

describe('quote', () => {
  it('puts strings in double quotes, escaping as JSON does', () => {
    expect(quote('alice')).toBe('"alice"');
    expect(quote('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    expect(quote('')).toBe('""');
  });

  it('writes numbers, booleans, null, arrays and objects as JSON', () => {
    expect(quote(42)).toBe('42');
    expect(quote(true)).toBe('true');
    expect(quote(null)).toBe('null');
    expect(quote([1, 'a'])).toBe('[1,"a"]');
    expect(quote({ a: 1 })).toBe('{"a":1}');
  });

  it('writes bigints with an n, functions by name and undefined as a word', () => {
    expect(quote(12n)).toBe('12n');
    expect(quote(function named() {})).toBe('[function named]');
    expect(quote(() => {})).toBe('[function anonymous]');
    expect(quote(undefined)).toBe('undefined');
  });

  it('falls back to String() for values JSON cannot write', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(quote(circular)).toBe('[object Object]');
    expect(quote(Symbol('s'))).toBe('Symbol(s)');
    expect(quote({ big: 1n })).toBe('[object Object]');
  });

  it('cuts values longer than 120 characters to 117 and an ellipsis', () => {
    const long = 'x'.repeat(500);
    const q = quote(long);
    expect(q).toHaveLength(120);
    expect(q).toBe(`"${'x'.repeat(116)}...`);
    expect(quote('y'.repeat(118))).toBe(`"${'y'.repeat(118)}"`);
  });
});
