/**
 * The notifier on a virtual clock, with fake senders over a memory store:
 * coalescing, the per-user rate limit, the previews rule, gone subscriptions,
 * retries, dead letters, the queue bound and the "no subscriptions" cache.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../runtime/index.ts';
import { VirtualClock } from '../../runtime/testing/index.ts';
import { MemoryStore, type PushSubscriptionRecord } from '../../store/index.ts';
import { checkPushConfig, type PushConfig } from './config.ts';
import type { PushCounters } from './counters.ts';
import type { PushEvent } from './event.ts';
import { GroupNames } from './group-names.ts';
import { Notifier } from './notifier.ts';
import { type Nudge, pushPayload, truncate } from './payload.ts';
import { PushRegistry } from './registry.ts';
import { SendQueue } from './send-queue.ts';
import type { PushSender, SendOutcome, SendRequest } from './sender.ts';

const log = pino({ level: 'silent' });
const P256 = `B${'A'.repeat(86)}`; // 65 bytes, first 0x04
const AUTH = 'AAAAAAAAAAAAAAAAAAAAAA';

class Counts implements PushCounters {
  readonly seen: string[] = [];
  pushSent(kind: string) {
    this.seen.push(`sent:${kind}`);
  }
  pushFailed(kind: string, reason: string) {
    this.seen.push(`failed:${kind}:${reason}`);
  }
  pushDeadLetter() {
    this.seen.push('dead_letter');
  }
  pushExpired(kind: string) {
    this.seen.push(`expired:${kind}`);
  }
  pushDropped(reason: string) {
    this.seen.push(`dropped:${reason}`);
  }
}

/** A sender that records requests and answers from a script (default: sent). */
class FakeSender implements PushSender {
  readonly requests: SendRequest[] = [];
  readonly script: SendOutcome[] = [];
  async send(request: SendRequest): Promise<SendOutcome> {
    this.requests.push(request);
    return this.script.shift() ?? { status: 'sent' };
  }
}

function world(config: Partial<PushConfig> = {}) {
  const clock = new VirtualClock();
  const store = new MemoryStore({ clock });
  const counters = new Counts();
  const cfg = checkPushConfig({ backoffBaseMs: 1000, backoffMaxMs: 8000, ...config });
  const registry = new PushRegistry({
    store,
    clock,
    subscriptionsPerUserMax: cfg.subscriptionsPerUserMax,
    emptyCacheMs: cfg.emptyCacheMs,
    allowHttp: true,
    webhook: true,
  });
  const webpush = new FakeSender();
  const webhook = new FakeSender();
  const queue = new SendQueue({
    clock,
    random: seededRandom(7),
    senders: { webpush, webhook },
    remove: (user, id) => registry.remove(user, id),
    counters,
    log,
    config: cfg,
  });
  const notifier = new Notifier({
    clock,
    registry,
    queue,
    groupNames: new GroupNames(store, clock),
    counters,
    log,
    config: cfg,
  });
  const advance = async (ms: number) => {
    clock.setNow(clock.now() + ms);
    clock.fireDue();
    await settle();
  };
  const subscribe = (user: string, n = 1, previews = false) =>
    registry.subscribe(
      user,
      {
        kind: 'webpush',
        endpoint: `https://push.example/${user}/${n}`,
        keys: { p256dh: P256, auth: AUTH },
      },
      previews,
    );
  return {
    clock,
    store,
    counters,
    registry,
    webpush,
    webhook,
    queue,
    notifier,
    advance,
    subscribe,
  };
}

/** Lets promise chains (store reads, sends) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
}

let seq = 0;
function message(user: string, from: string, extra: Partial<PushEvent> = {}): PushEvent {
  seq++;
  return {
    user,
    from,
    id: `m${seq}`,
    seq,
    ts: 1000 + seq,
    content: { type: 'text', body: `hi ${seq}` },
    ...extra,
  };
}

describe('coalescing', () => {
  it('pushes the first message at once, merges the rest of the window into one trailing push, then opens again', async () => {
    const w = world({ coalesceMs: 30_000 });
    await w.subscribe('bob');
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    expect(w.webpush.requests.map((r) => r.payload.body)).toEqual(['New message']);
    w.notifier.notify(message('bob', 'alice'));
    w.notifier.notify(message('bob', 'alice'));
    const last = message('bob', 'alice');
    w.notifier.notify(last);
    // Another conversation has its own window.
    w.notifier.notify(message('bob', 'carol'));
    await w.advance(29_999);
    expect(w.webpush.requests.map((r) => r.payload.title)).toEqual(['alice', 'carol']);
    await w.advance(1);
    const trailing = w.webpush.requests[2]!;
    expect(trailing.payload).toMatchObject({
      title: 'alice',
      body: '3 new messages',
      data: { id: last.id, seq: last.seq, count: 3, conversation: 'u:alice' },
    });
    // The window after the trailing push stays quiet and closes; the next message pushes at once.
    await w.advance(30_000);
    expect(w.webpush.requests).toHaveLength(3);
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    expect(w.webpush.requests).toHaveLength(4);
    expect(w.webpush.requests[3]!.payload.data.count).toBe(1);
  });

  it('with coalesceMs 0 every message pushes', async () => {
    const w = world({ coalesceMs: 0 });
    await w.subscribe('bob');
    for (let i = 0; i < 3; i++) w.notifier.notify(message('bob', 'alice'));
    await settle();
    expect(w.webpush.requests).toHaveLength(3);
  });
});

describe('rate limit', () => {
  it('allows ratePerMin pushes per user per minute and drops the rest, counted', async () => {
    const w = world({ coalesceMs: 0, ratePerMin: 2 });
    await w.subscribe('bob');
    await w.subscribe('dave');
    for (let i = 0; i < 3; i++) w.notifier.notify(message('bob', 'alice'));
    w.notifier.notify(message('dave', 'alice'));
    await settle();
    expect(w.webpush.requests.map((r) => r.sub.user)).toEqual(['bob', 'bob', 'dave']);
    expect(w.counters.seen).toContain('dropped:rate_limited');
    await w.advance(30_000); // one token back
    w.notifier.notify(message('bob', 'alice'));
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    expect(w.webpush.requests.filter((r) => r.sub.user === 'bob')).toHaveLength(3);
  });
});

describe('previews', () => {
  const nudge = (content: PushEvent['content'], count = 1): Nudge => ({
    event: message('bob', 'alice', { content }),
    conversation: 'u:alice',
    count,
  });

  it('shows a text body only when the subscription allowed previews', () => {
    const text = nudge({ type: 'text', body: 'meet at 5' });
    expect(pushPayload(text, { previews: true }, undefined, 120).body).toBe('meet at 5');
    expect(pushPayload(text, { previews: false }, undefined, 120).body).toBe('New message');
  });

  it('never shows anything but text, and counts a merged push', () => {
    const image = nudge({ type: 'image', url: 'https://x/y', caption: 'secret caption' });
    expect(pushPayload(image, { previews: true }, undefined, 120).body).toBe('New message');
    const weird = nudge({ type: 'text', body: { ciphertext: 'x' } });
    expect(pushPayload(weird, { previews: true }, undefined, 120).body).toBe('New message');
    const merged = nudge({ type: 'text', body: 'a' }, 4);
    expect(pushPayload(merged, { previews: true }, undefined, 120).body).toBe('4 new messages');
  });

  it('truncates a long body at code points, never splitting a surrogate pair', () => {
    expect(truncate('😀'.repeat(130), 120)).toBe(`${'😀'.repeat(119)}…`);
    expect(truncate('short', 120)).toBe('short');
  });

  it('names the group in the title, by name when known', async () => {
    const group = nudge({ type: 'text', body: 'x' });
    const inGroup = { ...group, event: { ...group.event, group: 'g1' }, conversation: 'g:g1' };
    expect(pushPayload(inGroup, { previews: false }, 'Climbing', 120)).toMatchObject({
      title: 'alice in Climbing',
      tag: 'parley:g:g1',
      data: { group: 'g1', conversation: 'g:g1' },
    });
    expect(pushPayload(inGroup, { previews: false }, undefined, 120).title).toBe('alice in g1');
  });
});

describe('sending', () => {
  it('deletes a subscription its service calls gone (404/410) and counts it', async () => {
    const w = world({ coalesceMs: 0 });
    await w.subscribe('bob', 1);
    await w.subscribe('bob', 2);
    w.webpush.script.push({ status: 'gone' }, { status: 'sent' });
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    const left = await w.store.listPushSubscriptions('bob');
    expect(left.map((s) => s.target)).toEqual(['https://push.example/bob/2']);
    expect(w.counters.seen.sort()).toEqual(['expired:webpush', 'sent:webpush']);
  });

  it('retries with growing backoff, then gives up and counts it failed', async () => {
    const w = world({ coalesceMs: 0, webPushAttempts: 3 });
    await w.subscribe('bob');
    const retry: SendOutcome = { status: 'retry', reason: 'http 503' };
    w.webpush.script.push(retry, retry, retry);
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    expect(w.webpush.requests).toHaveLength(1);
    await w.advance(499); // first backoff: 500..1000 ms
    expect(w.webpush.requests).toHaveLength(1);
    await w.advance(501);
    expect(w.webpush.requests).toHaveLength(2);
    await w.advance(999); // second: 1000..2000 ms
    expect(w.webpush.requests).toHaveLength(2);
    await w.advance(1001);
    expect(w.webpush.requests).toHaveLength(3);
    expect(w.counters.seen).toEqual(['failed:webpush:exhausted']);
    expect(w.queue.size).toBe(0);
  });

  it('a webhook send out of retries, or refused, is a dead letter', async () => {
    const w = world({ coalesceMs: 0, webhookAttempts: 2 });
    const webhookSub = (token: string) =>
      w.registry.subscribe('bob', { kind: 'webhook', platform: 'fcm', token }, false);
    await webhookSub('t1');
    w.webhook.script.push(
      { status: 'retry', reason: 'http 500' },
      { status: 'retry', reason: 'http 500' },
    );
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    await w.advance(8000);
    expect(w.webhook.requests).toHaveLength(2);
    expect(w.counters.seen).toEqual(['failed:webhook:exhausted', 'dead_letter']);
    w.webhook.script.push({ status: 'rejected', reason: 'http 400' });
    w.notifier.notify(message('bob', 'carol'));
    await settle();
    expect(w.webhook.requests).toHaveLength(3);
    expect(w.counters.seen.slice(2)).toEqual(['failed:webhook:rejected', 'dead_letter']);
  });

  it('honours a longer Retry-After', async () => {
    const w = world({ coalesceMs: 0, backoffMaxMs: 60_000 });
    await w.subscribe('bob');
    w.webpush.script.push({ status: 'retry', reason: 'http 429', retryAfterMs: 20_000 });
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    await w.advance(19_999);
    expect(w.webpush.requests).toHaveLength(1);
    await w.advance(1);
    expect(w.webpush.requests).toHaveLength(2);
  });

  it('drops a send past queueMax, counted', async () => {
    const w = world({ coalesceMs: 0, queueMax: 2, concurrency: 1 });
    for (let n = 1; n <= 3; n++) await w.subscribe('bob', n);
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    expect(w.webpush.requests).toHaveLength(2);
    expect(w.counters.seen).toContain('dropped:queue_full');
  });
});

describe('subscriptions', () => {
  it('a user without subscriptions is looked up once per emptyCacheMs; a subscribe here clears that', async () => {
    const w = world({ coalesceMs: 0, emptyCacheMs: 60_000 });
    let reads = 0;
    const list = w.store.listPushSubscriptions.bind(w.store);
    w.store.listPushSubscriptions = (user: string): Promise<PushSubscriptionRecord[]> => {
      reads++;
      return list(user);
    };
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    w.notifier.notify(message('bob', 'alice'));
    w.notifier.notify(message('bob', 'carol'));
    await settle();
    expect(reads).toBe(1);
    await w.subscribe('bob');
    const before = reads;
    w.notifier.notify(message('bob', 'alice'));
    await settle();
    expect(reads).toBe(before + 1);
    expect(w.webpush.requests).toHaveLength(1);
  });

  it('keeps at most subscriptionsPerUserMax per user, replacing the oldest; the same endpoint again replaces its record', async () => {
    const w = world({ subscriptionsPerUserMax: 2 });
    const a = await w.subscribe('bob', 1);
    w.clock.setNow(w.clock.now() + 1);
    await w.subscribe('bob', 2);
    w.clock.setNow(w.clock.now() + 1);
    await w.subscribe('bob', 3);
    const targets = (await w.store.listPushSubscriptions('bob')).map((s) => s.target);
    expect(targets).toEqual(['https://push.example/bob/2', 'https://push.example/bob/3']);
    w.clock.setNow(w.clock.now() + 1);
    expect(await w.subscribe('bob', 3, true)).not.toBe(a);
    const again = await w.store.listPushSubscriptions('bob');
    expect(again).toHaveLength(2);
    expect(again[1]!.previews).toBe(true);
  });

  it('refuses http: endpoints unless allowed, and webhook ones without a relay', async () => {
    const clock = new VirtualClock();
    const registry = new PushRegistry({
      store: new MemoryStore({ clock }),
      clock,
      subscriptionsPerUserMax: 10,
      emptyCacheMs: 1000,
      allowHttp: false,
      webhook: false,
    });
    await expect(
      registry.subscribe(
        'bob',
        { kind: 'webpush', endpoint: 'http://10.0.0.1/x', keys: { p256dh: P256, auth: AUTH } },
        false,
      ),
    ).rejects.toThrow(
      'subscription.endpoint must be an https: URL, got "http://10.0.0.1/x" (http: is accepted only with PARLEY_PUSH_ALLOW_HTTP=1)',
    );
    await expect(
      registry.subscribe('bob', { kind: 'webhook', platform: 'apns', token: 't' }, false),
    ).rejects.toThrow(/^this node has no webhook relay for native push/);
  });
});
