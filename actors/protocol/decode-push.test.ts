/**
 * The decoder on the push frames (`push.subscribe`, `push.unsubscribe`):
 * normalised output, and the exact refusal of each bad field.
 */
import { describe, expect, it } from 'vitest';
import { decodeClientFrame, decodePushSubscribeBody } from './decode.ts';

const P256 = Buffer.from([4, ...new Array(64).fill(7)]).toString('base64url');
const AUTH = Buffer.alloc(16, 9).toString('base64url');
const browser = {
  endpoint: 'https://push.example/abc',
  expirationTime: null,
  keys: { p256dh: P256, auth: AUTH },
};
const decode = (frame: unknown) => decodeClientFrame(JSON.stringify(frame));
const refusal = (frame: unknown) => {
  const r = decode(frame);
  if (r.ok) throw new Error(`decoded: ${JSON.stringify(r.frame)}`);
  return r.error;
};

describe('push.subscribe', () => {
  it('takes a browser PushSubscription.toJSON(), previews off by default', () => {
    expect(decode({ type: 'push.subscribe', ref: 'r', subscription: browser })).toEqual({
      ok: true,
      frame: {
        type: 'push.subscribe',
        ref: 'r',
        subscription: {
          kind: 'webpush',
          endpoint: browser.endpoint,
          keys: { p256dh: P256, auth: AUTH },
        },
        previews: false,
      },
    });
  });

  it('takes a webhook token, with previews', () => {
    const frame = {
      type: 'push.subscribe',
      subscription: { kind: 'webhook', platform: 'apns', token: 'ab:12' },
      previews: true,
    };
    expect(decode(frame)).toEqual({
      ok: true,
      frame: {
        type: 'push.subscribe',
        subscription: { kind: 'webhook', platform: 'apns', token: 'ab:12' },
        previews: true,
      },
    });
  });

  it('strips base64 padding from the keys', () => {
    const padded = { ...browser, keys: { p256dh: `${P256}=`, auth: `${AUTH}==` } };
    const r = decode({ type: 'push.subscribe', subscription: padded });
    expect(r.ok && r.frame.type === 'push.subscribe' && r.frame.subscription).toMatchObject({
      keys: { p256dh: P256, auth: AUTH },
    });
  });

  it.each([
    ['no subscription', {}, 'field "subscription" is missing; it must be an object'],
    [
      'a non-URL endpoint',
      { subscription: { ...browser, endpoint: 'nope' } },
      'field "subscription.endpoint" must be an https: URL without credentials, got "nope"',
    ],
    [
      'credentials in the endpoint',
      { subscription: { ...browser, endpoint: 'https://u:p@push.example/x' } },
      'field "subscription.endpoint" must be an https: URL without credentials, got "https://u:p@push.example/x"',
    ],
    [
      'a short p256dh',
      { subscription: { ...browser, keys: { p256dh: 'AAAA', auth: AUTH } } },
      'field "subscription.keys.p256dh" must be a base64url P-256 public key (65 bytes, uncompressed), got "AAAA"',
    ],
    [
      'a long auth',
      { subscription: { ...browser, keys: { p256dh: P256, auth: P256 } } },
      `field "subscription.keys.auth" must be a base64url 16-byte auth secret, got "${P256}"`,
    ],
    [
      'no keys',
      { subscription: { endpoint: browser.endpoint } },
      'field "subscription.keys" is missing; it must be an object with p256dh and auth',
    ],
    [
      'previews not a boolean',
      { subscription: browser, previews: 'yes' },
      'field "previews" must be true or false, got "yes"',
    ],
    [
      'an unknown kind',
      { subscription: { ...browser, kind: 'sms' } },
      'field "subscription.kind" must be "webpush" (or absent) or "webhook", got "sms"',
    ],
    [
      'a bad platform',
      { subscription: { kind: 'webhook', platform: 'APNS!', token: 't' } },
      'field "subscription.platform" must be a platform name (1..32 of [a-z0-9_-], e.g. "apns", "fcm"), got "APNS!"',
    ],
    [
      'a token with spaces',
      { subscription: { kind: 'webhook', platform: 'fcm', token: 'a b' } },
      'field "subscription.token" must be a device token (1..2048 printable ASCII characters), got "a b"',
    ],
  ])('refuses %s with bad_frame', (_, fields, message) => {
    expect(refusal({ type: 'push.subscribe', ref: 'r1', ...fields })).toEqual({
      code: 'bad_frame',
      message,
      ref: 'r1',
    });
  });
});

describe('push.unsubscribe', () => {
  it('takes exactly one of id, endpoint and token', () => {
    expect(decode({ type: 'push.unsubscribe', ref: 'r', id: 's1' })).toEqual({
      ok: true,
      frame: { type: 'push.unsubscribe', id: 's1', ref: 'r' },
    });
    expect(decode({ type: 'push.unsubscribe', token: 'tok' })).toEqual({
      ok: true,
      frame: { type: 'push.unsubscribe', token: 'tok' },
    });
    expect(refusal({ type: 'push.unsubscribe' }).message).toBe(
      'push.unsubscribe needs exactly one of "id", "endpoint" and "token", got none',
    );
    expect(refusal({ type: 'push.unsubscribe', id: 'a', token: 'b' }).message).toBe(
      'push.unsubscribe needs exactly one of "id", "endpoint" and "token", got id, token',
    );
  });
});

describe('the HTTP body of POST /api/v1/push/subscriptions', () => {
  it('decodes like the frame, and refuses a non-object', () => {
    expect(decodePushSubscribeBody({ subscription: browser, previews: true })).toMatchObject({
      ok: true,
      frame: { type: 'push.subscribe', previews: true },
    });
    expect(decodePushSubscribeBody([1])).toEqual({
      ok: false,
      error: { code: 'bad_frame', message: 'body must be a JSON object, got [1]' },
    });
  });
});
