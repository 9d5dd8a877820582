/**
 * The decoder of the push frames (`push.subscribe`, `push.unsubscribe`), a
 * Parley addition (`docs/push.md`), used by `decode.ts` for frames and by the
 * HTTP route `POST /api/v1/push/subscriptions` for its JSON body.
 *
 * A web push subscription is the browser's `PushSubscription.toJSON()`:
 * `endpoint` an `https:` or `http:` URL without credentials (which schemes a
 * node accepts is its own rule, `actors/push/registry.ts`), `keys.p256dh` a
 * base64url uncompressed P-256 point (65 bytes, first 0x04), `keys.auth`
 * a base64url 16-byte secret (RFC 8291). A webhook one is
 * `{"kind":"webhook","platform","token"}`: platform 1..32 of [a-z0-9_-],
 * token 1..2048 printable ASCII characters. Anything else is `bad_frame`.
 */
import { Buffer } from 'node:buffer';
import { isObject, type Obj, optional, Refusal, refuse, text } from './fields.ts';
import type {
  PushSubscribeFrame,
  PushTarget,
  PushUnsubscribeBy,
  PushUnsubscribeFrame,
} from './frames.ts';
import { PUSH_TARGET_LENGTH_MAX } from './limits.ts';

const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;
const PLATFORM = /^[a-z0-9_-]{1,32}$/;
const TOKEN = /^[\x21-\x7e]{1,2048}$/;

/** `push.subscribe`'s fields other than `type` and `ref`. */
export function pushSubscribe(f: Obj): PushSubscribeFrame {
  const previews = optional(f.previews);
  if (previews !== undefined && typeof previews !== 'boolean')
    refuse('previews', 'true or false', previews);
  return {
    type: 'push.subscribe',
    subscription: pushTarget(f.subscription),
    previews: previews === true,
  };
}

export function pushUnsubscribe(f: Obj): PushUnsubscribeFrame {
  const given = (['id', 'endpoint', 'token'] as const).filter((k) => optional(f[k]) !== undefined);
  if (given.length !== 1)
    throw new Refusal(
      'bad_frame',
      `push.unsubscribe needs exactly one of "id", "endpoint" and "token", got ${given.length === 0 ? 'none' : given.join(', ')}`,
    );
  const field = given[0]!;
  const value = text(f[field], field, 1, PUSH_TARGET_LENGTH_MAX);
  return { type: 'push.unsubscribe', [field]: value } as {
    type: 'push.unsubscribe';
  } & PushUnsubscribeBy;
}

function pushTarget(value: unknown): PushTarget {
  if (!isObject(value)) return refuse('subscription', 'an object', value);
  if (optional(value.kind) === 'webhook') {
    const platform = value.platform;
    if (typeof platform !== 'string' || !PLATFORM.test(platform))
      refuse(
        'subscription.platform',
        'a platform name (1..32 of [a-z0-9_-], e.g. "apns", "fcm")',
        platform,
      );
    const token = value.token;
    if (typeof token !== 'string' || !TOKEN.test(token))
      refuse('subscription.token', 'a device token (1..2048 printable ASCII characters)', token);
    return { kind: 'webhook', platform: platform as string, token: token as string };
  }
  const kind = optional(value.kind);
  if (kind !== undefined && kind !== 'webpush')
    refuse('subscription.kind', '"webpush" (or absent) or "webhook"', kind);
  const endpoint = text(value.endpoint, 'subscription.endpoint', 1, PUSH_TARGET_LENGTH_MAX);
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    (url.protocol !== 'https:' && url.protocol !== 'http:') ||
    url.username !== '' ||
    url.password !== ''
  )
    refuse('subscription.endpoint', 'an https: URL without credentials', endpoint);
  const keys = value.keys;
  if (!isObject(keys)) return refuse('subscription.keys', 'an object with p256dh and auth', keys);
  const p256dh = base64url(
    keys.p256dh,
    'subscription.keys.p256dh',
    'a base64url P-256 public key (65 bytes, uncompressed)',
    (b) => b.length === 65 && b[0] === 4,
  );
  const auth = base64url(
    keys.auth,
    'subscription.keys.auth',
    'a base64url 16-byte auth secret',
    (b) => b.length === 16,
  );
  return { kind: 'webpush', endpoint, keys: { p256dh, auth } };
}

/** A base64url string whose bytes pass `check`; returned without padding. */
function base64url(
  value: unknown,
  path: string,
  rule: string,
  check: (b: Buffer) => boolean,
): string {
  if (typeof value !== 'string' || value.length > 200 || !BASE64URL.test(value))
    return refuse(path, rule, value);
  const bare = value.replace(/=+$/, '');
  if (!check(Buffer.from(bare, 'base64url'))) return refuse(path, rule, value);
  return bare;
}
