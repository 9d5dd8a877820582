/**
 * The decoder on the protocol v1.1 frames: `conversations` and `group.info`,
 * valid and refused with exact `bad_frame` messages.
 */
import { describe, expect, it } from 'vitest';
import { decodeClientFrame } from './decode.ts';

const decode = (value: unknown) => decodeClientFrame(JSON.stringify(value));

describe('decodeClientFrame: protocol v1.1', () => {
  it('decodes conversations with the default limit, and with a cursor and a limit', () => {
    expect(decode({ type: 'conversations', ref: 'r1', extra: 1 })).toEqual({
      ok: true,
      frame: { type: 'conversations', ref: 'r1', limit: 50 },
    });
    expect(decode({ type: 'conversations', ref: 'r2', before: '17', limit: 200 })).toEqual({
      ok: true,
      frame: { type: 'conversations', ref: 'r2', before: '17', limit: 200 },
    });
    expect(decode({ type: 'conversations', ref: 'r3', before: null, limit: null })).toEqual({
      ok: true,
      frame: { type: 'conversations', ref: 'r3', limit: 50 },
    });
  });

  it('decodes group.info', () => {
    expect(decode({ type: 'group.info', ref: 'r', group: 'g1' })).toEqual({
      ok: true,
      frame: { type: 'group.info', ref: 'r', group: 'g1' },
    });
  });

  it.each([
    [
      'conversations without ref',
      { type: 'conversations' },
      'field "ref" is missing; it must be an id (1..64 chars)',
      undefined,
    ],
    [
      'conversations with limit 0',
      { type: 'conversations', ref: 'r', limit: 0 },
      'field "limit" must be an integer 1..200, got 0',
      'r',
    ],
    [
      'conversations with limit 201',
      { type: 'conversations', ref: 'r', limit: 201 },
      'field "limit" must be an integer 1..200, got 201',
      'r',
    ],
    [
      'conversations with a string limit',
      { type: 'conversations', ref: 'r', limit: '10' },
      'field "limit" must be an integer 1..200, got "10"',
      'r',
    ],
    [
      'conversations with an empty cursor',
      { type: 'conversations', ref: 'r', before: '' },
      'field "before" must be a string of 1..128 chars, got ""',
      'r',
    ],
    [
      'conversations with a numeric cursor',
      { type: 'conversations', ref: 'r', before: 5 },
      'field "before" must be a string of 1..128 chars, got 5',
      'r',
    ],
    [
      'group.info without group',
      { type: 'group.info', ref: 'r' },
      'field "group" is missing; it must be an id (1..64 chars)',
      'r',
    ],
    [
      'group.info without ref',
      { type: 'group.info', group: 'g' },
      'field "ref" is missing; it must be an id (1..64 chars)',
      undefined,
    ],
  ])('refuses %s with bad_frame', (_name, frame, message, ref) => {
    expect(decode(frame)).toEqual({
      ok: false,
      error: { code: 'bad_frame', message, ...(ref === undefined ? {} : { ref }) },
    });
  });
});
