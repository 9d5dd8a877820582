/**
 * The webhook provider's request (signed JSON) and how every sender reads
 * an HTTP answer.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../runtime/testing/index.ts';
import type { PushPayload } from './payload.ts';
import { type Fetch, outcomeOfStatus } from './sender.ts';
import { SIGNATURE_HEADER, signWebhook, webhookSender } from './webhook-sender.ts';

const payload: PushPayload = {
  title: 'alice',
  body: 'New message',
  tag: 'parley:u:alice',
  data: { from: 'alice', id: 'm1', seq: 3, conversation: 'u:alice', count: 1 },
};

describe('webhook sender', () => {
  it('POSTs the documented JSON signed with X-Parley-Signature: t=<ms>,v1=<hex HMAC-SHA256 of "<t>.<body>">', async () => {
    const clock = new VirtualClock(1_750_000_000_000);
    const calls: { url: string; init: RequestInit }[] = [];
    const fakeFetch: Fetch = async (url, init) => {
      calls.push({ url: String(url), init: init! });
      return new Response(null, { status: 202 });
    };
    const sender = webhookSender({
      url: 'https://relay.example/push',
      secret: 's3cret',
      clock,
      requestTimeoutMs: 1000,
      fetch: fakeFetch,
    });
    const outcome = await sender.send({
      sub: {
        id: 'x',
        user: 'bob',
        kind: 'webhook',
        target: 'tok-1',
        platform: 'apns',
        previews: false,
        ts: 1,
      },
      payload,
      topic: 'ignored',
      ts: 1234,
    });
    expect(outcome).toEqual({ status: 'sent' });
    const { url, init } = calls[0]!;
    expect(url).toBe('https://relay.example/push');
    expect(init.method).toBe('POST');
    const body = init.body as string;
    expect(JSON.parse(body)).toEqual({
      user: 'bob',
      platform: 'apns',
      token: 'tok-1',
      ...payload,
      ts: 1234,
    });
    const headers = init.headers as Record<string, string>;
    expect(headers['Content-Type']).toBe('application/json');
    const expected = createHmac('sha256', 's3cret').update(`1750000000000.${body}`).digest('hex');
    expect(headers[SIGNATURE_HEADER]).toBe(`t=1750000000000,v1=${expected}`);
    expect(signWebhook('s3cret', 1_750_000_000_000, body)).toBe(headers[SIGNATURE_HEADER]);
  });

  it('a network failure is worth a retry', async () => {
    const sender = webhookSender({
      url: 'https://relay.example/push',
      secret: 's',
      clock: new VirtualClock(),
      requestTimeoutMs: 1000,
      fetch: async () => {
        throw new TypeError('fetch failed');
      },
    });
    const sub = {
      id: 'x',
      user: 'bob',
      kind: 'webhook' as const,
      target: 't',
      previews: false,
      ts: 1,
    };
    expect(await sender.send({ sub, payload, topic: 't', ts: 1 })).toEqual({
      status: 'retry',
      reason: 'network: TypeError',
    });
  });
});

describe('HTTP answers', () => {
  it('2xx sent, 404/410 gone, 429/5xx retry (with Retry-After), other 4xx rejected', () => {
    expect(outcomeOfStatus(201, null)).toEqual({ status: 'sent' });
    expect(outcomeOfStatus(404, null)).toEqual({ status: 'gone' });
    expect(outcomeOfStatus(410, null)).toEqual({ status: 'gone' });
    expect(outcomeOfStatus(429, '7')).toEqual({
      status: 'retry',
      reason: 'http 429',
      retryAfterMs: 7000,
    });
    expect(outcomeOfStatus(503, 'soon')).toEqual({ status: 'retry', reason: 'http 503' });
    expect(outcomeOfStatus(400, null)).toEqual({ status: 'rejected', reason: 'http 400' });
    expect(outcomeOfStatus(413, null)).toEqual({ status: 'rejected', reason: 'http 413' });
  });
});
