/**
 * A way to deliver one push to one subscription (web push, webhook), and how
 * an HTTP answer is read: 2xx sent; 404/410 the subscription is gone (the
 * push service or relay forgot it: delete it); 429 and 5xx, or no answer at
 * all, worth retrying (honouring `Retry-After` in seconds); any other status
 * refused for good.
 */
import type { PushSubscriptionRecord } from '../../store/index.ts';
import type { PushPayload } from './payload.ts';

export type SendOutcome =
  | { readonly status: 'sent' }
  | { readonly status: 'gone' }
  | { readonly status: 'retry'; readonly reason: string; readonly retryAfterMs?: number }
  | { readonly status: 'rejected'; readonly reason: string };

export interface SendRequest {
  readonly sub: PushSubscriptionRecord;
  readonly payload: PushPayload;
  /** Web push `Topic`: a newer push of the same topic replaces an undelivered one. */
  readonly topic: string;
  /** Server time of the message, ms since epoch. */
  readonly ts: number;
}

export interface PushSender {
  /** Resolves with the outcome; never rejects. */
  send(request: SendRequest): Promise<SendOutcome>;
}

/** The fetch the senders use (injected in tests). */
export type Fetch = typeof fetch;

/** Reads an HTTP answer as a `SendOutcome`. */
export function outcomeOfStatus(status: number, retryAfter: string | null): SendOutcome {
  if (status >= 200 && status < 300) return { status: 'sent' };
  if (status === 404 || status === 410) return { status: 'gone' };
  if (status === 429 || status >= 500) {
    const seconds = retryAfter === null ? Number.NaN : Number(retryAfter);
    return Number.isFinite(seconds) && seconds >= 0
      ? { status: 'retry', reason: `http ${status}`, retryAfterMs: seconds * 1000 }
      : { status: 'retry', reason: `http ${status}` };
  }
  return { status: 'rejected', reason: `http ${status}` };
}

/** POSTs and reads the answer; a network error or timeout is worth a retry. */
export async function post(
  doFetch: Fetch,
  url: string,
  headers: Record<string, string>,
  body: string | Uint8Array<ArrayBuffer>,
  timeoutMs: number,
): Promise<SendOutcome> {
  try {
    const res = await doFetch(url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The body is not needed; reading it frees the connection.
    await res.arrayBuffer().catch(() => undefined);
    return outcomeOfStatus(res.status, res.headers.get('retry-after'));
  } catch (err) {
    const reason = err instanceof Error ? err.name : 'error';
    return { status: 'retry', reason: `network: ${reason}` };
  }
}
