import { describe, expect, it } from 'vitest';
import { ErrorCode, errorReason, formatReason, isNormalExit, ParleyError } from './index.ts';

describe('errorReason', () => {
  it('keeps the error name, message and stack', () => {
    const err = new TypeError('bad thing');
    const reason = errorReason(err);
    expect(reason).toEqual({ error: 'TypeError', message: 'bad thing', stack: err.stack });
  });

  it('keeps a string code, as ParleyError has', () => {
    const reason = errorReason(new ParleyError(ErrorCode.Fenced, 'newer owner'));
    expect(reason.error).toBe('ParleyError');
    expect(reason.code).toBe('fenced');
    expect(reason.message).toBe('newer owner');
  });

  it('drops a code that is not a string', () => {
    const err = Object.assign(new Error('e'), { code: 42 });
    expect('code' in errorReason(err)).toBe(false);
  });

  it('turns a thrown non-Error into a NonError reason that quotes it', () => {
    expect(errorReason('boom')).toEqual({
      error: 'NonError',
      message: 'threw a non-Error value: "boom"',
    });
    expect(errorReason({ n: 1 })).toEqual({
      error: 'NonError',
      message: 'threw a non-Error value: {"n":1}',
    });
  });

  it('is plain data that survives JSON', () => {
    const reason = errorReason(new RangeError('r'));
    expect(JSON.parse(JSON.stringify(reason))).toEqual(reason);
  });
});

describe('isNormalExit', () => {
  it('is true for normal, shutdown and {shutdown, _} only, as for an OTP transient child', () => {
    expect(isNormalExit('normal')).toBe(true);
    expect(isNormalExit('shutdown')).toBe(true);
    expect(isNormalExit({ shutdown: 'drained' })).toBe(true);
    for (const r of ['kill', 'killed', 'noproc', 'noconnection'] as const) {
      expect(isNormalExit(r)).toBe(false);
    }
    expect(isNormalExit({ error: 'Error', message: 'x' })).toBe(false);
  });
});

describe('formatReason', () => {
  it('writes atoms as themselves, {shutdown, _} as a tuple and errors as name: message', () => {
    expect(formatReason('normal')).toBe('normal');
    expect(formatReason('killed')).toBe('killed');
    expect(formatReason({ shutdown: 'drained' })).toBe('{shutdown, drained}');
    expect(formatReason({ error: 'TypeError', message: 'x is undefined' })).toBe(
      'TypeError: x is undefined',
    );
  });
});
