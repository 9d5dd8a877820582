import { describe, expect, it } from 'vitest';
import { checkFrameSize, decodeClientFrame, frameByteLength } from './decode.ts';
import { FRAME_BYTES_MAX } from './limits.ts';

const json = (value: unknown) => JSON.stringify(value);
const ok = (value: unknown) => {
  const result = decodeClientFrame(json(value));
  if (!result.ok) throw new Error(`expected a frame, got ${result.error.message}`);
  return result.frame;
};
const refused = (input: unknown) => {
  const result = decodeClientFrame(typeof input === 'string' ? input : json(input));
  if (result.ok) throw new Error(`expected a refusal, got ${json(result.frame)}`);
  return result.error;
};

const text = { type: 'text', body: 'hi' };
const USER = 'a user id (1..64 of [A-Za-z0-9_.-])';

describe('decodeClientFrame: valid frames', () => {
  it('decodes a text message to a user, keeping only known fields', () => {
    expect(
      ok({ type: 'message', id: 'm1', to: 'bob', content: { ...text, x: 1 }, extra: true }),
    ).toEqual({
      type: 'message',
      id: 'm1',
      to: 'bob',
      content: { type: 'text', body: 'hi' },
    });
  });

  it('decodes a media message to a group with every optional field', () => {
    const content = {
      type: 'image',
      url: '/api/v1/media/abc',
      key: 'k',
      mime: 'image/jpeg',
      size: 0,
      caption: 'look',
      thumbnail: 'AAAA',
    };
    expect(ok({ type: 'message', id: 'm2', group: 'g1', content })).toEqual({
      type: 'message',
      id: 'm2',
      group: 'g1',
      content,
    });
  });

  it('treats null optional fields as absent', () => {
    expect(
      ok({
        type: 'message',
        id: 'm',
        to: 'bob',
        group: null,
        content: { type: 'audio', url: 'u', key: null },
      }),
    ).toEqual({ type: 'message', id: 'm', to: 'bob', content: { type: 'audio', url: 'u' } });
    expect(ok({ type: 'history', with: 'bob', before: null, limit: null })).toEqual({
      type: 'history',
      with: 'bob',
      limit: 50,
    });
  });

  it('accepts an empty text body and a body at the cap', () => {
    expect(
      ok({ type: 'message', id: 'm', to: 'b', content: { type: 'text', body: '' } }),
    ).toBeTruthy();
    const body = 'x'.repeat(32_768);
    expect(ok({ type: 'message', id: 'm', to: 'b', content: { type: 'text', body } })).toBeTruthy();
  });

  it('decodes acks with and without a group', () => {
    expect(ok({ type: 'ack', id: 'm1', from: 'alice', status: 'delivered' })).toEqual({
      type: 'ack',
      id: 'm1',
      from: 'alice',
      status: 'delivered',
    });
    expect(ok({ type: 'ack', id: 'm1', from: 'alice', status: 'read', group: 'g' })).toEqual({
      type: 'ack',
      id: 'm1',
      from: 'alice',
      status: 'read',
      group: 'g',
    });
  });

  it('decodes typing, presence.subscribe (deduplicated), settings and ping', () => {
    expect(ok({ type: 'typing', group: 'g', status: 'started' })).toEqual({
      type: 'typing',
      group: 'g',
      status: 'started',
    });
    expect(ok({ type: 'presence.subscribe', users: ['a', 'b', 'a'] })).toEqual({
      type: 'presence.subscribe',
      users: ['a', 'b'],
    });
    expect(ok({ type: 'presence.subscribe', users: [] })).toEqual({
      type: 'presence.subscribe',
      users: [],
    });
    expect(ok({ type: 'settings', lastSeen: 'nobody' })).toEqual({
      type: 'settings',
      lastSeen: 'nobody',
    });
    expect(ok({ type: 'ping' })).toEqual({ type: 'ping' });
    expect(ok({ type: 'ping', ref: 'p1' })).toEqual({ type: 'ping', ref: 'p1' });
  });

  it('decodes history with the default limit, a cursor and a ref', () => {
    expect(ok({ type: 'history', with: 'bob' })).toEqual({
      type: 'history',
      with: 'bob',
      limit: 50,
    });
    expect(ok({ type: 'history', group: 'g', before: 'c1', limit: 200, ref: 'r' })).toEqual({
      type: 'history',
      group: 'g',
      before: 'c1',
      limit: 200,
      ref: 'r',
    });
  });

  it('decodes group operations, deduplicating members', () => {
    expect(ok({ type: 'group.create', ref: 'r1', name: 'Team', members: ['b', 'c', 'b'] })).toEqual(
      {
        type: 'group.create',
        ref: 'r1',
        name: 'Team',
        members: ['b', 'c'],
      },
    );
    expect(ok({ type: 'group.create', ref: 'r1', name: 'Solo', members: [] })).toEqual({
      type: 'group.create',
      ref: 'r1',
      name: 'Solo',
      members: [],
    });
    expect(ok({ type: 'group.add', ref: 'r2', group: 'g', members: ['d'] })).toEqual({
      type: 'group.add',
      ref: 'r2',
      group: 'g',
      members: ['d'],
    });
    expect(ok({ type: 'group.remove', ref: 'r3', group: 'g', members: ['d', 'd'] })).toEqual({
      type: 'group.remove',
      ref: 'r3',
      group: 'g',
      members: ['d'],
    });
    expect(ok({ type: 'group.leave', ref: 'r4', group: 'g' })).toEqual({
      type: 'group.leave',
      ref: 'r4',
      group: 'g',
    });
  });

  it('accepts a UTF-8 Buffer as well as a string', () => {
    const result = decodeClientFrame(Buffer.from(json({ type: 'ping', ref: 'é' })));
    expect(result).toEqual({ ok: true, frame: { type: 'ping', ref: 'é' } });
  });
});

describe('decodeClientFrame: refusals', () => {
  const cases: [string, unknown, string, string][] = [
    ['not JSON', '{"type":', 'bad_frame', 'frame is not valid JSON, got "{\\"type\\":"'],
    ['an array', '[1,2]', 'bad_frame', 'frame must be a JSON object, got [1,2]'],
    ['null', 'null', 'bad_frame', 'frame must be a JSON object, got null'],
    ['a string', '"ping"', 'bad_frame', 'frame must be a JSON object, got "ping"'],
    ['no type', {}, 'bad_frame', 'field "type" is missing; it must be a string'],
    ['a numeric type', { type: 7 }, 'bad_frame', 'field "type" must be a string, got 7'],
    ['an unknown type', { type: 'nope' }, 'unknown_type', 'unknown frame type "nope"'],
    ['a server type', { type: 'welcome' }, 'unknown_type', 'unknown frame type "welcome"'],
    ['a prototype name', { type: 'toString' }, 'unknown_type', 'unknown frame type "toString"'],
    ['a __proto__ type', { type: '__proto__' }, 'unknown_type', 'unknown frame type "__proto__"'],
    [
      'a message without id',
      { type: 'message', to: 'bob', content: text },
      'bad_frame',
      'field "id" is missing; it must be an id (1..64 chars)',
    ],
    [
      'an empty id',
      { type: 'message', id: '', to: 'bob', content: text },
      'bad_frame',
      'field "id" must be an id (1..64 chars), got ""',
    ],
    [
      'a 65-char id',
      { type: 'message', id: 'x'.repeat(65), to: 'bob', content: text },
      'bad_frame',
      `field "id" must be an id (1..64 chars), got "${'x'.repeat(65)}"`,
    ],
    [
      'a numeric to',
      { type: 'message', id: 'm', to: 42, content: text },
      'bad_frame',
      `field "to" must be ${USER}, got 42`,
    ],
    [
      'a to with a space',
      { type: 'message', id: 'm', to: 'bo b', content: text },
      'bad_frame',
      `field "to" must be ${USER}, got "bo b"`,
    ],
    [
      'both to and group',
      { type: 'message', id: 'm', to: 'bob', group: 'g', content: text },
      'bad_frame',
      'message needs exactly one of "to" and "group", got both',
    ],
    [
      'neither to nor group',
      { type: 'message', id: 'm', content: text },
      'bad_frame',
      'message needs exactly one of "to" and "group", got neither',
    ],
    [
      'no content',
      { type: 'message', id: 'm', to: 'b' },
      'bad_frame',
      'field "content" is missing; it must be an object',
    ],
    [
      'content as a string',
      { type: 'message', id: 'm', to: 'b', content: 'hi' },
      'bad_frame',
      'field "content" must be an object, got "hi"',
    ],
    [
      'an unknown content type',
      { type: 'message', id: 'm', to: 'b', content: { type: 'sticker' } },
      'bad_frame',
      'field "content.type" must be one of "text", "image", "video", "audio", "document", got "sticker"',
    ],
    [
      'a numeric body',
      { type: 'message', id: 'm', to: 'b', content: { type: 'text', body: 1 } },
      'bad_frame',
      'field "content.body" must be a string of at most 32768 chars, got 1',
    ],
    [
      'a body over the cap',
      { type: 'message', id: 'm', to: 'b', content: { type: 'text', body: 'x'.repeat(32_769) } },
      'bad_frame',
      `field "content.body" must be a string of at most 32768 chars, got "${'x'.repeat(116)}...`,
    ],
    [
      'media without url',
      { type: 'message', id: 'm', to: 'b', content: { type: 'video' } },
      'bad_frame',
      'field "content.url" is missing; it must be a string of 1..2048 chars',
    ],
    [
      'a negative size',
      { type: 'message', id: 'm', to: 'b', content: { type: 'document', url: 'u', size: -1 } },
      'bad_frame',
      'field "content.size" must be an integer >= 0, got -1',
    ],
    [
      'a fractional size',
      { type: 'message', id: 'm', to: 'b', content: { type: 'document', url: 'u', size: 1.5 } },
      'bad_frame',
      'field "content.size" must be an integer >= 0, got 1.5',
    ],
    [
      'a numeric mime',
      { type: 'message', id: 'm', to: 'b', content: { type: 'image', url: 'u', mime: 5 } },
      'bad_frame',
      'field "content.mime" must be a string of 1..255 chars, got 5',
    ],
    [
      'a numeric caption',
      { type: 'message', id: 'm', to: 'b', content: { type: 'image', url: 'u', caption: [] } },
      'bad_frame',
      'field "content.caption" must be a string of at most 4096 chars, got []',
    ],
    [
      'a numeric thumbnail',
      { type: 'message', id: 'm', to: 'b', content: { type: 'image', url: 'u', thumbnail: {} } },
      'bad_frame',
      'field "content.thumbnail" must be a string of at most 16384 chars, got {}',
    ],
    [
      'a bad key',
      { type: 'message', id: 'm', to: 'b', content: { type: 'image', url: 'u', key: true } },
      'bad_frame',
      'field "content.key" must be a string of at most 1024 chars, got true',
    ],
    [
      'an ack with a bad status',
      { type: 'ack', id: 'm', from: 'a', status: 'sent' },
      'bad_frame',
      'field "status" must be one of "delivered", "read", got "sent"',
    ],
    [
      'an ack without from',
      { type: 'ack', id: 'm', status: 'read' },
      'bad_frame',
      `field "from" is missing; it must be ${USER}`,
    ],
    [
      'typing with a bad status',
      { type: 'typing', to: 'b', status: 'paused' },
      'bad_frame',
      'field "status" must be one of "started", "stopped", got "paused"',
    ],
    [
      'typing without a target',
      { type: 'typing', status: 'started' },
      'bad_frame',
      'typing needs exactly one of "to" and "group", got neither',
    ],
    [
      'presence users not an array',
      { type: 'presence.subscribe', users: 'bob' },
      'bad_frame',
      `field "users" must be an array of at most 1024 user ids, got "bob"`,
    ],
    [
      'presence users with a bad id',
      { type: 'presence.subscribe', users: ['ok', 'n o'] },
      'bad_frame',
      `field "users[1]" must be ${USER}, got "n o"`,
    ],
    [
      'too many presence users',
      { type: 'presence.subscribe', users: Array.from({ length: 1025 }, (_, i) => `u${i}`) },
      'bad_frame',
      'field "users" must be an array of at most 1024 user ids, got an array of 1025',
    ],
    [
      'a bad lastSeen',
      { type: 'settings', lastSeen: 'friends' },
      'bad_frame',
      'field "lastSeen" must be one of "everyone", "nobody", got "friends"',
    ],
    [
      'history with both with and group',
      { type: 'history', with: 'b', group: 'g' },
      'bad_frame',
      'history needs exactly one of "with" and "group", got both',
    ],
    [
      'history with neither',
      { type: 'history' },
      'bad_frame',
      'history needs exactly one of "with" and "group", got neither',
    ],
    [
      'a zero limit',
      { type: 'history', with: 'b', limit: 0 },
      'bad_frame',
      'field "limit" must be an integer 1..200, got 0',
    ],
    [
      'a limit over 200',
      { type: 'history', with: 'b', limit: 201 },
      'bad_frame',
      'field "limit" must be an integer 1..200, got 201',
    ],
    [
      'a string limit',
      { type: 'history', with: 'b', limit: '5' },
      'bad_frame',
      'field "limit" must be an integer 1..200, got "5"',
    ],
    [
      'a numeric cursor',
      { type: 'history', with: 'b', before: 5 },
      'bad_frame',
      'field "before" must be a string of 1..128 chars, got 5',
    ],
    [
      'group.create without ref',
      { type: 'group.create', name: 'n', members: [] },
      'bad_frame',
      'field "ref" is missing; it must be an id (1..64 chars)',
    ],
    [
      'group.create with an empty name',
      { type: 'group.create', ref: 'r', name: '', members: [] },
      'bad_frame',
      'field "name" must be a string of 1..128 chars, got ""',
    ],
    [
      'group.create with too many members',
      {
        type: 'group.create',
        ref: 'r',
        name: 'n',
        members: Array.from({ length: 1025 }, () => 'a'),
      },
      'bad_frame',
      'field "members" must be an array of at most 1024 user ids, got an array of 1025',
    ],
    [
      'group.add with no members',
      { type: 'group.add', ref: 'r', group: 'g', members: [] },
      'bad_frame',
      'field "members" must be an array of 1..1024 user ids, got an array of 0',
    ],
    [
      'group.remove with a numeric member',
      { type: 'group.remove', ref: 'r', group: 'g', members: [1] },
      'bad_frame',
      `field "members[0]" must be ${USER}, got 1`,
    ],
    [
      'group.leave without group',
      { type: 'group.leave', ref: 'r' },
      'bad_frame',
      'field "group" is missing; it must be an id (1..64 chars)',
    ],
    [
      'a numeric optional ref',
      { type: 'ping', ref: 3 },
      'bad_frame',
      'field "ref" must be an id (1..64 chars), got 3',
    ],
    [
      'fields hidden behind __proto__',
      '{"type":"message","__proto__":{"id":"m","to":"b"}}',
      'bad_frame',
      'field "id" is missing; it must be an id (1..64 chars)',
    ],
  ];

  it.each(cases)('refuses %s', (_title, input, code, message) => {
    const error = refused(input);
    expect({ code: error.code, message: error.message }).toEqual({ code, message });
  });

  it('echoes the ref and id of a refused frame when they are valid ids', () => {
    expect(refused({ type: 'message', id: 'm7', to: 1, content: text })).toEqual({
      code: 'bad_frame',
      message: `field "to" must be ${USER}, got 1`,
      id: 'm7',
    });
    expect(refused({ type: 'group.add', ref: 'r9', group: 'g' })).toEqual({
      code: 'bad_frame',
      message: 'field "members" is missing; it must be an array of 1..1024 user ids',
      ref: 'r9',
    });
    expect(refused({ type: 'frobnicate', ref: 'r1', id: 'i1' })).toEqual({
      code: 'unknown_type',
      message: 'unknown frame type "frobnicate"',
      ref: 'r1',
      id: 'i1',
    });
  });

  it('does not echo a ref or id that is not a valid id', () => {
    expect(refused({ type: 'group.leave', ref: 5, id: '' })).toEqual({
      code: 'bad_frame',
      message: 'field "ref" must be an id (1..64 chars), got 5',
    });
  });

  it('refuses bytes that are not UTF-8', () => {
    expect(decodeClientFrame(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({
      ok: false,
      error: { code: 'bad_frame', message: 'frame is not valid UTF-8' },
    });
  });

  it('quotes hostile nesting without overflowing the stack', () => {
    const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
    expect(refused(deep).message).toBe('frame must be a JSON object, got [[[...]]]');
    const nested = `{"type":"message","id":"m","to":"b","content":${deep}}`;
    expect(refused(nested).message).toBe('field "content" must be an object, got [[[...]]]');
  });
});

describe('frame size', () => {
  const frameOf = (bytes: number) => {
    const shell = json({ type: 'ping', pad: '' });
    return json({ type: 'ping', pad: 'x'.repeat(bytes - shell.length) });
  };

  it('accepts a frame of exactly 64 KiB and refuses one byte more with too_large', () => {
    expect(frameByteLength(frameOf(FRAME_BYTES_MAX))).toBe(FRAME_BYTES_MAX);
    expect(decodeClientFrame(frameOf(FRAME_BYTES_MAX))).toEqual({
      ok: true,
      frame: { type: 'ping' },
    });
    expect(decodeClientFrame(frameOf(FRAME_BYTES_MAX + 1))).toEqual({
      ok: false,
      error: { code: 'too_large', message: 'frame is 65537 bytes; the limit is 65536' },
    });
  });

  it('counts UTF-8 bytes, not chars', () => {
    const wide = json({ type: 'ping', pad: 'é'.repeat(33_000) });
    expect(wide.length).toBeLessThan(FRAME_BYTES_MAX);
    expect(checkFrameSize(wide)?.code).toBe('too_large');
    expect(checkFrameSize(Buffer.from(wide))?.code).toBe('too_large');
    expect(checkFrameSize(json({ type: 'ping' }))).toBeUndefined();
  });

  it('does not echo the ref of a frame it did not parse', () => {
    const big = json({ type: 'ping', ref: 'r', pad: 'x'.repeat(FRAME_BYTES_MAX) });
    expect(refused(big)).toEqual({
      code: 'too_large',
      message: `frame is ${big.length} bytes; the limit is 65536`,
    });
  });
});
