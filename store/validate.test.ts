/**
 * The shared argument checks: what every store accepts and the exact
 * refusal (code and message) of what it does not.
 */
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../runtime/index.ts';
import {
  checkGroupSave,
  checkId,
  checkIdOrNull,
  checkInboxItems,
  checkKey,
  checkLimit,
  checkRetention,
  ID_BYTES_MAX,
  KEY_BYTES_MAX,
  READ_LIMIT_MAX,
} from './validate.ts';

function refusal(check: () => unknown): string {
  try {
    check();
  } catch (err) {
    expect(err).toBeInstanceOf(ParleyError);
    expect((err as ParleyError).code).toBe('invalid_argument');
    return (err as ParleyError).message;
  }
  throw new Error('expected an invalid_argument refusal');
}

describe('store argument checks', () => {
  it('ids are measured in UTF-8 bytes, keys get twice the room, and neither may hold NUL', () => {
    expect(checkId('user', 'é'.repeat(ID_BYTES_MAX / 2))).toHaveLength(ID_BYTES_MAX / 2);
    expect(refusal(() => checkId('user', `${'é'.repeat(ID_BYTES_MAX / 2)}x`))).toMatch(
      /^invalid user "é.*: must be a non-empty string of at most 512 UTF-8 bytes without NUL$/,
    );
    expect(checkKey('key', 'k'.repeat(KEY_BYTES_MAX))).toHaveLength(KEY_BYTES_MAX);
    expect(refusal(() => checkKey('key', 'a\u0000b'))).toBe(
      'invalid key "a\\u0000b": must be a non-empty string of at most 1024 UTF-8 bytes without NUL',
    );
    expect(refusal(() => checkId('user', 7))).toBe(
      'invalid user 7: must be a non-empty string of at most 512 UTF-8 bytes without NUL',
    );
  });

  it('a listing start is null or an id, and the refusal says so', () => {
    expect(checkIdOrNull('after', null)).toBeNull();
    expect(checkIdOrNull('after', 'user:a')).toBe('user:a');
    expect(refusal(() => checkIdOrNull('after', ''))).toBe(
      'invalid after "": must be null or a non-empty string of at most 512 UTF-8 bytes without NUL',
    );
    expect(refusal(() => checkIdOrNull('after', 'é'.repeat(ID_BYTES_MAX / 2 + 1)))).toMatch(
      /^invalid after "é.*: must be null or a non-empty string of at most 512 UTF-8 bytes without NUL$/,
    );
  });

  it('a limit must be positive and is capped, not refused, when large', () => {
    expect(checkLimit(READ_LIMIT_MAX + 1)).toBe(READ_LIMIT_MAX);
    expect(refusal(() => checkLimit(0))).toBe('invalid limit 0: must be a safe integer >= 1');
  });

  it('inbox items name the path of the bad field', () => {
    const record = { key: 'b/1', from: 'b', id: '1', ts: 1, content: { type: 'text' } };
    expect(refusal(() => checkInboxItems([{ record, conversation: 'u:b' }, null]))).toBe(
      'invalid items[1] null: must be an object',
    );
    expect(
      refusal(() =>
        checkInboxItems([{ record: { ...record, content: 'hi' }, conversation: 'u:b' }]),
      ),
    ).toBe('invalid items[0].record.content "hi": must be an object with a string `type`');
    expect(
      refusal(() => checkInboxItems([{ record, conversation: 'u:b', pendingFor: ['ok', ''] }])),
    ).toBe(
      'invalid items[0].pendingFor[1] "": must be a non-empty string of at most 512 UTF-8 bytes without NUL',
    );
    expect(refusal(() => checkInboxItems(Array(1001).fill({ record, conversation: 'u:b' })))).toBe(
      'invalid items.length 1001: must be at most 1000',
    );
  });

  it('only a group reference (group and gseq >= 1 set) may omit the content', () => {
    const ref = { key: 'g/b/1', from: 'b', id: '1', ts: 1, group: 'g', gseq: 3 };
    const items = [{ record: ref, conversation: 'g:g' }];
    expect(checkInboxItems(items)).toBe(items);
    const { gseq: _, ...noGseq } = ref;
    expect(refusal(() => checkInboxItems([{ record: noGseq, conversation: 'g:g' }]))).toBe(
      'invalid items[0].record.content undefined: must be an object with a string `type`; only a group reference (both `group` and `gseq` set) has no content',
    );
    expect(
      refusal(() => checkInboxItems([{ record: { ...ref, gseq: 0 }, conversation: 'g:g' }])),
    ).toBe('invalid items[0].record.gseq 0: must be a safe integer >= 1');
  });

  it('a group save yields the meta to store, with the version after the expected one', () => {
    const meta = {
      id: 'g',
      name: 'G',
      members: ['a'],
      admins: ['a'],
      createdBy: 'a',
      createdTs: 1,
    };
    expect(checkGroupSave(meta, 2)).toEqual({ ...meta, version: 3 });
    expect(refusal(() => checkGroupSave({ ...meta, members: 'a' as never }, 0))).toBe(
      'invalid meta.members "a": must be an array',
    );
  });

  it('retention fills in the defaults and refuses a negative TTL', () => {
    expect(checkRetention({ historyTtlMs: 5 }).historyTtlMs).toBe(5);
    expect(refusal(() => checkRetention({ groupLogTtlMs: 1.5 }))).toBe(
      'invalid retention.groupLogTtlMs 1.5: must be a safe integer >= 0',
    );
  });
});
