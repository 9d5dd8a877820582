/**
 * Web push (RFC 8030) with VAPID (RFC 8292): the payload encrypted for the
 * subscription's keys (RFC 8291, aes128gcm) and signed by the `web-push`
 * package, POSTed by us, so `http:` endpoints work where allowed (tests, local
 * development) and every send has a timeout. `Urgency: high`, `TTL` from the
 * config, `Topic` one per conversation.
 */
import webpush from 'web-push';
import { type Fetch, type PushSender, post, type SendRequest } from './sender.ts';
import type { VapidKeys } from './vapid.ts';

export interface WebPushSenderOptions {
  readonly vapid: VapidKeys;
  readonly ttlSeconds: number;
  readonly requestTimeoutMs: number;
  readonly fetch?: Fetch;
}

export function webPushSender(options: WebPushSenderOptions): PushSender {
  const { vapid, ttlSeconds, requestTimeoutMs } = options;
  const doFetch = options.fetch ?? fetch;
  const vapidDetails = {
    subject: vapid.subject,
    publicKey: vapid.publicKey,
    privateKey: vapid.privateKey,
  };
  return {
    async send({ sub, payload, topic }: SendRequest) {
      let details: ReturnType<typeof webpush.generateRequestDetails>;
      try {
        details = webpush.generateRequestDetails(
          { endpoint: sub.target, keys: { p256dh: sub.p256dh ?? '', auth: sub.auth ?? '' } },
          JSON.stringify(payload),
          { vapidDetails, TTL: ttlSeconds, urgency: 'high', topic },
        );
      } catch (err) {
        return {
          status: 'rejected',
          reason: err instanceof Error ? err.message : 'bad subscription',
        };
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(details.headers)) headers[name] = String(value);
      return post(
        doFetch,
        details.endpoint,
        headers,
        new Uint8Array(details.body ?? []),
        requestTimeoutMs,
      );
    },
  };
}
