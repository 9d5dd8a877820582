import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DecodeResult, decodeClientFrame } from './decode.ts';

const params = { seed: Number(process.env.FC_SEED), verbose: true };
const CODES = new Set(['bad_frame', 'unknown_type', 'too_large']);
const TYPES = [
  'message',
  'ack',
  'typing',
  'presence.subscribe',
  'settings',
  'history',
  'group.create',
  'group.add',
  'group.remove',
  'group.leave',
  'ping',
  'push.subscribe',
  'push.unsubscribe',
];

/** Decodes, failing the property on a throw or on a result outside the contract. */
function decodeWell(input: string | Uint8Array): DecodeResult {
  const result = decodeClientFrame(input);
  if (result.ok) {
    expect(TYPES).toContain(result.frame.type);
    // A decoded frame is plain data that decodes to itself again.
    expect(decodeClientFrame(JSON.stringify(result.frame))).toEqual(result);
  } else {
    expect(CODES.has(result.error.code)).toBe(true);
    expect(typeof result.error.message).toBe('string');
    expect(result.error.message.length).toBeLessThan(300);
  }
  return result;
}

const userId = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
const anyId = fc.string({ minLength: 1, maxLength: 64, unit: 'grapheme-ascii' });
const content = fc.oneof(
  fc.record({ type: fc.constant('text'), body: fc.string({ maxLength: 200 }) }),
  fc.record(
    {
      type: fc.constantFrom('image', 'video', 'audio', 'document'),
      url: fc.string({ minLength: 1, maxLength: 100 }),
      key: fc.string({ maxLength: 50 }),
      mime: fc.string({ minLength: 1, maxLength: 50 }),
      size: fc.nat(),
      caption: fc.string({ maxLength: 50 }),
      thumbnail: fc.string({ maxLength: 50 }),
    },
    { requiredKeys: ['type', 'url'] },
  ),
);
const target = fc.oneof(fc.record({ to: userId }), fc.record({ group: anyId }));
const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const webPushSubscription = fc.record({
  kind: fc.constant('webpush'),
  endpoint: fc.webUrl({ validSchemes: ['https'] }),
  keys: fc.record({
    p256dh: fc
      .uint8Array({ minLength: 64, maxLength: 64 })
      .map((b) => b64url(Uint8Array.of(4, ...b))),
    auth: fc.uint8Array({ minLength: 16, maxLength: 16 }).map(b64url),
  }),
});
const webhookSubscription = fc.record({
  kind: fc.constant('webhook'),
  platform: fc.stringMatching(/^[a-z0-9_-]{1,32}$/),
  token: fc.stringMatching(/^[\x21-\x7e]{1,200}$/),
});
const validFrame = fc.oneof(
  fc.tuple(anyId, target, content).map(([id, t, c]) => ({ type: 'message', id, ...t, content: c })),
  fc.record({
    type: fc.constant('ack'),
    id: anyId,
    from: userId,
    status: fc.constantFrom('delivered', 'read'),
  }),
  target.chain((t) =>
    fc
      .record({ type: fc.constant('typing'), status: fc.constantFrom('started', 'stopped') })
      .map((f) => ({
        ...f,
        ...t,
      })),
  ),
  fc.record({
    type: fc.constant('presence.subscribe'),
    users: fc.array(userId, { maxLength: 20 }),
  }),
  fc.record({ type: fc.constant('settings'), lastSeen: fc.constantFrom('everyone', 'nobody') }),
  fc.record(
    {
      type: fc.constant('history'),
      with: userId,
      before: fc.string({ minLength: 1, maxLength: 128 }),
      limit: fc.integer({ min: 1, max: 200 }),
    },
    { requiredKeys: ['type', 'with'] },
  ),
  fc.record({
    type: fc.constant('group.create'),
    ref: anyId,
    name: fc.string({ minLength: 1, maxLength: 128 }),
    members: fc.array(userId, { maxLength: 20 }),
  }),
  fc.record({
    type: fc.constantFrom('group.add', 'group.remove'),
    ref: anyId,
    group: anyId,
    members: fc.array(userId, { minLength: 1, maxLength: 20 }),
  }),
  fc.record({ type: fc.constant('group.leave'), ref: anyId, group: anyId }),
  fc.record({
    type: fc.constant('push.subscribe'),
    subscription: fc.oneof(webPushSubscription, webhookSubscription),
    previews: fc.boolean(),
  }),
  fc
    .oneof(
      fc.record({ id: anyId }),
      fc.record({ endpoint: fc.webUrl() }),
      fc.record({ token: fc.string({ minLength: 1, maxLength: 100 }) }),
    )
    .map((by) => ({ type: 'push.unsubscribe', ...by })),
  fc
    .record({ type: fc.constant('ping') }, { requiredKeys: [] })
    .map((f) => ({ type: 'ping', ...f })),
);

describe('decodeClientFrame properties', () => {
  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (s) => {
        decodeWell(s);
      }),
      params,
    );
  });

  it('never throws on arbitrary JSON values', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        decodeWell(JSON.stringify(v));
      }),
      params,
    );
  });

  it('never throws on objects with a known type and arbitrary fields', () => {
    const field = fc.constantFrom(
      'id',
      'to',
      'group',
      'content',
      'from',
      'status',
      'users',
      'lastSeen',
      'with',
      'before',
      'limit',
      'ref',
      'name',
      'members',
      'subscription',
      'previews',
      'endpoint',
      'token',
      '__proto__',
      'constructor',
    );
    const frame = fc.tuple(
      fc.constantFrom(...TYPES),
      fc.dictionary(field, fc.jsonValue({ maxDepth: 3 })),
    );
    fc.assert(
      fc.property(frame, ([type, fields]) => {
        decodeWell(JSON.stringify({ ...fields, type }));
      }),
      params,
    );
  });

  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), (bytes) => {
        decodeWell(bytes);
      }),
      params,
    );
  });

  it('accepts every valid frame, keeping its fields', () => {
    fc.assert(
      fc.property(validFrame, (frame) => {
        const result = decodeWell(JSON.stringify(frame));
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        const decoded: Record<string, unknown> = { ...result.frame };
        for (const [key, value] of Object.entries(frame)) {
          if (key === 'users' || key === 'members') {
            expect(decoded[key]).toEqual([...new Set(value as string[])]);
          } else expect(decoded[key]).toEqual(value);
        }
      }),
      params,
    );
  });

  it('answers a valid frame with one field replaced by any JSON value without throwing', () => {
    const mutated = fc
      .tuple(validFrame, fc.nat(), fc.jsonValue({ maxDepth: 3 }))
      .map(([frame, pick, value]) => {
        const keys = Object.keys(frame);
        const key = keys[pick % keys.length]!;
        return { ...frame, [key]: value };
      });
    fc.assert(
      fc.property(mutated, (frame) => {
        decodeWell(JSON.stringify(frame));
      }),
      params,
    );
  });
});
