/**
 * The webhook provider: native app pushes go to the operator's relay (which
 * talks to APNs or FCM) as a signed JSON POST:
 *
 *   {"user","platform","token","title","body","tag","data","ts"}
 *   X-Parley-Signature: t=<unix ms>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>
 *
 * `ts` is the message's server time; `t` the signing time of this attempt, so
 * a relay can refuse stale or replayed requests. Retries and dead letters are
 * the send queue's (`send-queue.ts`).
 */
import { createHmac } from 'node:crypto';
import type { Clock } from '../../runtime/index.ts';
import { type Fetch, type PushSender, post, type SendRequest } from './sender.ts';

export interface WebhookOptions {
  readonly url: string;
  readonly secret: string;
  readonly clock: Clock;
  readonly requestTimeoutMs: number;
  readonly fetch?: Fetch;
}

export const SIGNATURE_HEADER = 'X-Parley-Signature';

/** The `X-Parley-Signature` value for `body` signed at `tMs`. */
export function signWebhook(secret: string, tMs: number, body: string): string {
  const v1 = createHmac('sha256', secret).update(`${tMs}.${body}`).digest('hex');
  return `t=${tMs},v1=${v1}`;
}

export function webhookSender(options: WebhookOptions): PushSender {
  const { url, secret, clock, requestTimeoutMs } = options;
  const doFetch = options.fetch ?? fetch;
  return {
    send({ sub, payload, ts }: SendRequest) {
      const body = JSON.stringify({
        user: sub.user,
        platform: sub.platform,
        token: sub.target,
        title: payload.title,
        body: payload.body,
        tag: payload.tag,
        data: payload.data,
        ts,
      });
      const headers = {
        'Content-Type': 'application/json',
        [SIGNATURE_HEADER]: signWebhook(secret, clock.now(), body),
      };
      return post(doFetch, url, headers, body, requestTimeoutMs);
    },
  };
}
