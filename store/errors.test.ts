/**
 * The storage errors: class, code and exact wording, which every store
 * implementation shares.
 */
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../runtime/index.ts';
import {
  FencedError,
  groupExists,
  indeterminate,
  invalidArgument,
  staleEpoch,
  toStoreError,
  unavailable,
  versionConflict,
} from './errors.ts';

describe('store errors', () => {
  it('staleEpoch is a FencedError naming the owner, the refused epoch and the current one', () => {
    const err = staleEpoch('user:alice', 3, 4);
    expect(err).toBeInstanceOf(FencedError);
    expect(err).toBeInstanceOf(ParleyError);
    expect(err.name).toBe('FencedError');
    expect(err.code).toBe('fenced');
    expect(err.message).toBe('"user:alice": epoch 3 is stale: epoch 4 was acquired since');
    expect(staleEpoch('user:alice', 1, 0).message).toBe(
      '"user:alice": epoch 1 refused: no epoch was ever acquired',
    );
    expect(staleEpoch('group:g', 7, 4).message).toBe(
      '"group:g": epoch 7 was never acquired (the current one is 4)',
    );
  });

  it('group compare-and-set failures are fenced or already_exists, naming both versions', () => {
    expect(versionConflict('g1', 3, 4)).toMatchObject({
      code: 'fenced',
      message: 'group "g1" is at version 4, not the expected 3',
    });
    expect(versionConflict('g1', 3, 0).message).toBe(
      'group "g1" does not exist; expected version 3',
    );
    expect(versionConflict('g1', 3, 4)).toBeInstanceOf(FencedError);
    expect(groupExists('g1', 2)).toMatchObject({
      code: 'already_exists',
      message: 'group "g1" already exists (version 2)',
    });
  });

  it('invalidArgument, unavailable and indeterminate quote the value and keep the cause', () => {
    expect(invalidArgument('limit', 0, 'must be a safe integer >= 1')).toMatchObject({
      code: 'invalid_argument',
      message: 'invalid limit 0: must be a safe integer >= 1',
    });
    const cause = new Error('EIO');
    const down = unavailable('readInbox("a")', 'disk error', cause);
    expect(down).toMatchObject({
      code: 'unavailable',
      message: 'readInbox("a"): store unavailable: disk error',
    });
    expect(down.cause).toBe(cause);
    expect(indeterminate('appendInbox("user:a")', 'the LMDB commit failed', cause)).toMatchObject({
      code: 'indeterminate',
      message: 'appendInbox("user:a"): outcome unknown: the LMDB commit failed',
      cause,
    });
  });

  it('toStoreError passes ParleyErrors through and wraps anything else as unavailable', () => {
    const fenced = staleEpoch('user:a', 1, 2);
    expect(toStoreError(fenced, 'x')).toBe(fenced);
    const wrapped = toStoreError(new Error('boom'), 'getMedia("m")');
    expect(wrapped).toMatchObject({
      code: 'unavailable',
      message: 'getMedia("m"): store unavailable: boom',
    });
    expect(toStoreError('text', 'op').message).toBe('op: store unavailable: text');
  });
});
