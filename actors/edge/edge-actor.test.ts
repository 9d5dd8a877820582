import { describe, expect, test } from 'vitest';
import type { ActorSystem, Ref } from '../../runtime/index.ts';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import { Deterministic } from '../../runtime/testing/index.ts';
import type { EdgeMsg } from '../chat/messages.ts';
import { MemoryPresence, type Presence } from '../presence/index.ts';
import type { EdgeCounters } from './counters.ts';
import { edgeBehavior } from './edge-actor.ts';
import type { EdgeSocket } from './edge-socket.ts';
import type { EdgeLimits } from './limits.ts';
import { EdgeLoad } from './load.ts';
import { RecordingDirectory } from './testing.ts';

class FakeSocket implements EdgeSocket {
  readonly sent: string[] = [];
  closed: { code: number; reason: string } | undefined;
  pings = 0;
  pongs = 0;
  bufferedAmount = 0;
  receivedChars = 0;
  send(text: string): void {
    this.sent.push(text);
  }
  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }
  ping(): void {
    this.pings++;
  }
  received(chars: number): void {
    this.receivedChars += chars;
  }
  frames(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
  last(): Record<string, unknown> | undefined {
    return this.frames().at(-1);
  }
}

const T0 = 1_700_000_000_000;

interface Harness {
  d: Deterministic;
  system: ActorSystem;
  socket: FakeSocket;
  directory: RecordingDirectory;
  presence: MemoryPresence;
  edge: Ref<EdgeMsg>;
  frame(data: unknown): Promise<void>;
}

async function start(
  options: {
    limits?: Partial<EdgeLimits>;
    presence?: Presence;
    counters?: EdgeCounters;
    load?: EdgeLoad;
  } = {},
): Promise<Harness> {
  const d = new Deterministic(7, { startMs: T0 });
  const system = d.system();
  const socket = new FakeSocket();
  const directory = new RecordingDirectory();
  const presence = new MemoryPresence({ clock: d.clock });
  const edge = system.spawn(
    edgeBehavior({
      socket,
      user: 'alice',
      device: 'phone',
      directory,
      presence: options.presence ?? presence,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.counters === undefined ? {} : { counters: options.counters }),
      ...(options.load === undefined ? {} : { load: options.load }),
    }),
    { trapExit: true },
  );
  await d.settle();
  return {
    d,
    system,
    socket,
    directory,
    presence,
    edge,
    async frame(data) {
      system.send(edge, {
        t: 'socket_frame',
        data: typeof data === 'string' ? data : JSON.stringify(data),
      });
      await d.settle();
    },
  };
}

describe('edge actor: opening', () => {
  test('writes welcome first, then attaches to the user actor and marks the device online', async () => {
    const h = await start();
    expect(h.socket.frames()).toEqual([
      { type: 'welcome', user: 'alice', device: 'phone', ts: T0 },
    ]);
    expect(h.directory.sent).toEqual([
      { key: 'user:alice', msg: { t: 'attach', device: 'phone', edge: h.edge } },
    ]);
    expect(await h.presence.get(['alice'])).toEqual([
      { user: 'alice', online: true, lastSeen: T0 },
    ]);
  });

  test('writes pushed frames in order, replay batches included', async () => {
    const h = await start();
    h.system.send(h.edge, {
      t: 'push_many',
      json: ['{"type":"pong","ts":1}', '{"type":"pong","ts":2}'],
    });
    h.system.send(h.edge, { t: 'push', json: '{"type":"pong","ts":3}' });
    await h.d.settle();
    expect(h.socket.sent.slice(1)).toEqual([
      '{"type":"pong","ts":1}',
      '{"type":"pong","ts":2}',
      '{"type":"pong","ts":3}',
    ]);
  });
});

describe('edge actor: paced replay and re-attach', () => {
  test('asks for the next replay batch only once the socket has drained', async () => {
    const h = await start({ limits: { sendBufferBytesMax: 4000 } });
    h.socket.bufferedAmount = 3000;
    h.system.send(h.edge, { t: 'push_many', json: ['{"type":"pong","ts":1}'], more: true });
    await h.d.settle();
    const more = { key: 'user:alice', msg: { t: 'replay_more', device: 'phone', edge: h.edge } };
    expect(h.directory.sent).not.toContainEqual(more);
    await h.d.advance(100);
    expect(h.directory.sent).not.toContainEqual(more);
    h.socket.bufferedAmount = 0;
    await h.d.advance(25);
    expect(h.directory.sent.filter((m) => (m.msg as { t: string }).t === 'replay_more')).toEqual([
      more,
    ]);
  });

  test('attaches again when the user actor serving it dies', async () => {
    const h = await start();
    const user = h.system.spawn<unknown, undefined>({ receive: () => undefined });
    h.system.send(h.edge, { t: 'attached', user });
    await h.d.settle();
    h.system.exit(user, 'kill');
    await h.d.settle();
    const attaches = h.directory.sent.filter((m) => (m.msg as { t: string }).t === 'attach');
    expect(attaches).toHaveLength(2);
  });

  test('sends attach again every attachRetryMs until attached (the first went to a node that is gone)', async () => {
    const h = await start({ limits: { attachRetryMs: 1000 } });
    const attaches = () => h.directory.kinds().filter((k) => k === 'attach').length;
    await h.d.advance(999);
    expect(attaches()).toBe(1);
    await h.d.advance(1);
    expect(attaches()).toBe(2);
    await h.d.advance(1000);
    expect(attaches()).toBe(3);
    h.system.send(h.edge, {
      t: 'attached',
      user: h.system.spawn<unknown, undefined>({ receive: () => undefined }),
    });
    await h.d.advance(10_000);
    expect(attaches()).toBe(3);
  });

  test('by default sends a lost attach again after 750 ms (well inside a failover)', async () => {
    const h = await start();
    const attaches = () => h.directory.kinds().filter((k) => k === 'attach').length;
    await h.d.advance(749);
    expect(attaches()).toBe(1);
    await h.d.advance(1);
    expect(attaches()).toBe(2);
  });

  test('does not attach again while replay batches come or wait for the socket to drain', async () => {
    const h = await start({ limits: { attachRetryMs: 1000, sendBufferBytesMax: 4000 } });
    const attaches = () => h.directory.kinds().filter((k) => k === 'attach').length;
    const batch = { t: 'push_many', json: ['{"type":"pong","ts":1}'], more: true } as const;
    for (let i = 0; i < 5; i++) {
      await h.d.advance(900);
      h.system.send(h.edge, batch);
    }
    // A slow socket: the next batch waits here, for longer than attachRetryMs.
    h.socket.bufferedAmount = 3000;
    h.system.send(h.edge, batch);
    await h.d.advance(5000);
    expect(attaches()).toBe(1);
    // Drained: replay_more goes out; no batch answers it, so the edge attaches again.
    h.socket.bufferedAmount = 0;
    await h.d.advance(2000);
    expect(h.directory.kinds().at(-2)).toBe('replay_more');
    expect(attaches()).toBe(2);
  });

  test('counts acks against their own bucket, so acking a backlog is never rate limited', async () => {
    const h = await start({ limits: { ratePerSec: 1, burst: 2 } });
    for (let i = 0; i < 50; i++)
      await h.frame({ type: 'ack', id: `m${i}`, from: 'bob', status: 'delivered' });
    expect(h.socket.frames().filter((f) => f.code === 'rate_limited')).toEqual([]);
    for (let i = 0; i < 3; i++) await h.frame({ type: 'typing', to: 'bob', status: 'started' });
    expect(h.socket.frames().filter((f) => f.code === 'rate_limited')).toHaveLength(1);
  });
});

describe('edge actor: inbound frames', () => {
  test('forwards a valid frame to the user actor with device and edge', async () => {
    const h = await start();
    await h.frame({ type: 'message', id: 'm1', to: 'bob', content: { type: 'text', body: 'hi' } });
    expect(h.directory.sent[1]).toEqual({
      key: 'user:alice',
      msg: {
        t: 'client',
        device: 'phone',
        edge: h.edge,
        frame: { type: 'message', id: 'm1', to: 'bob', content: { type: 'text', body: 'hi' } },
      },
    });
    expect(h.socket.sent).toHaveLength(1);
  });

  test('answers ping itself with pong, ts and the ref', async () => {
    const h = await start();
    h.d.clock.setNow(T0 + 42);
    await h.frame({ type: 'ping', ref: 'r1' });
    await h.frame({ type: 'ping' });
    expect(h.socket.frames().slice(1)).toEqual([
      { type: 'pong', ts: T0 + 42, ref: 'r1' },
      { type: 'pong', ts: T0 + 42 },
    ]);
    expect(h.directory.kinds()).toEqual(['attach']);
  });

  test.each([
    [
      'not JSON',
      '{"type":',
      { code: 'bad_frame', message: 'frame is not valid JSON, got "{\\"type\\":"' },
    ],
    [
      'not an object',
      '[1]',
      { code: 'bad_frame', message: 'frame must be a JSON object, got [1]' },
    ],
    [
      'an unknown type',
      '{"type":"dance","ref":"r9"}',
      { code: 'unknown_type', message: 'unknown frame type "dance"', ref: 'r9' },
    ],
    [
      'a missing field',
      '{"type":"message","id":"m7","to":"bob"}',
      {
        code: 'bad_frame',
        message: 'field "content" is missing; it must be an object',
        id: 'm7',
      },
    ],
    [
      'a wrong type',
      '{"type":"history","with":"bob","limit":0,"ref":"h1"}',
      { code: 'bad_frame', message: 'field "limit" must be an integer 1..200, got 0', ref: 'h1' },
    ],
  ])('refuses %s with an error frame and keeps the connection', async (_what, data, error) => {
    const h = await start();
    await h.frame(data);
    expect(h.socket.last()).toEqual({ type: 'error', ...error });
    await h.frame({ type: 'ping', ref: 'after' });
    expect(h.socket.last()).toMatchObject({ type: 'pong', ref: 'after' });
    expect(h.socket.closed).toBeUndefined();
    expect(h.directory.kinds()).toEqual(['attach']);
  });

  test('refuses a frame over 64 KiB as too_large before decoding it, and keeps the connection', async () => {
    const h = await start();
    const body = 'x'.repeat(64 * 1024);
    const data = JSON.stringify({
      type: 'message',
      id: 'big',
      to: 'bob',
      content: { type: 'text', body },
    });
    await h.frame(data);
    expect(h.socket.last()).toEqual({
      type: 'error',
      code: 'too_large',
      message: `frame is ${data.length} bytes; the limit is 65536`,
    });
    await h.frame({ type: 'ping' });
    expect(h.socket.last()).toMatchObject({ type: 'pong' });
    expect(h.socket.closed).toBeUndefined();
  });

  test('tells the transport how much it took off the mailbox', async () => {
    const h = await start();
    await h.frame('{"type":"ping"}');
    await h.frame('nope');
    expect(h.socket.receivedChars).toBe(15 + 4);
  });

  test('an exception while handling a frame becomes an error frame, not the end', async () => {
    const broken: Presence = {
      connect: async () => {},
      disconnect: async () => {},
      setLastSeenVisibility: () => Promise.reject(new Error('redis exploded')),
      get: () => Promise.reject(new ParleyError(ErrorCode.Unavailable, 'presence is down')),
      subscribe: () => {
        throw new ParleyError(ErrorCode.ResourceExhausted, 'too many subscriptions');
      },
    };
    const h = await start({ presence: broken });
    await h.frame({ type: 'settings', lastSeen: 'nobody', ref: 's1' });
    expect(h.socket.last()).toEqual({
      type: 'error',
      code: 'unavailable',
      message: 'could not handle the "settings" frame: internal error',
      ref: 's1',
    });
    await h.frame({ type: 'presence.subscribe', users: ['bob'], ref: 'p1' });
    expect(h.socket.last()).toEqual({
      type: 'error',
      code: 'unavailable',
      message: 'could not handle the "presence.subscribe" frame: too many subscriptions',
      ref: 'p1',
    });
    await h.frame({ type: 'ping' });
    expect(h.socket.last()).toMatchObject({ type: 'pong' });
    expect(h.system.isAlive(h.edge)).toBe(true);
  });
});

describe('edge actor: rate limit', () => {
  test('lets a burst of 200 through, drops the next frame as rate_limited echoing its id', async () => {
    const h = await start();
    const typing = JSON.stringify({ type: 'typing', to: 'bob', status: 'started' });
    for (let i = 0; i < 200; i++) h.system.send(h.edge, { t: 'socket_frame', data: typing });
    await h.d.settle();
    await h.frame({ type: 'message', id: 'm201', to: 'bob', content: { type: 'text', body: '' } });
    expect(h.directory.kinds().filter((k) => k === 'client')).toHaveLength(200);
    expect(h.socket.last()).toEqual({
      type: 'error',
      code: 'rate_limited',
      message:
        'rate limited: a connection may send 100 frames a second in bursts of 200; this frame was dropped',
      id: 'm201',
    });
    expect(h.socket.closed).toBeUndefined();
  });

  test('refills at the sustained rate', async () => {
    const h = await start({ limits: { ratePerSec: 100, burst: 2 } });
    for (const ref of ['a', 'b', 'c']) await h.frame({ type: 'ping', ref });
    expect(
      h.socket
        .frames()
        .slice(1)
        .map((f) => f.type),
    ).toEqual(['pong', 'pong', 'error']);
    await h.d.advance(10);
    await h.frame({ type: 'ping', ref: 'd' });
    expect(h.socket.last()).toMatchObject({ type: 'pong', ref: 'd' });
    await h.frame({ type: 'ping', ref: 'e' });
    expect(h.socket.last()).toMatchObject({ type: 'error', code: 'rate_limited', ref: 'e' });
  });
});

describe('edge actor: presence', () => {
  test('answers presence.subscribe at once per user, then pushes each change', async () => {
    const h = await start();
    await h.presence.connect('bob', 'laptop');
    h.d.clock.setNow(T0 + 5);
    await h.frame({ type: 'presence.subscribe', users: ['bob', 'carol'] });
    expect(h.socket.frames().slice(1)).toEqual([
      { type: 'presence', user: 'bob', online: true, lastSeen: T0 },
      { type: 'presence', user: 'carol', online: false, lastSeen: null },
    ]);
    await h.presence.disconnect('bob', 'laptop');
    await h.presence.setLastSeenVisibility('bob', 'nobody');
    await h.d.settle();
    expect(h.socket.frames().slice(3)).toEqual([
      { type: 'presence', user: 'bob', online: false, lastSeen: T0 + 5 },
      { type: 'presence', user: 'bob', online: false, lastSeen: null },
    ]);
  });

  test('keeps at most presenceUsersMax subscriptions, dropping the oldest', async () => {
    const h = await start({ limits: { presenceUsersMax: 2 } });
    await h.frame({ type: 'presence.subscribe', users: ['a', 'b'] });
    await h.frame({ type: 'presence.subscribe', users: ['c'] });
    expect(h.presence.subscriptionCount).toBe(2);
    const before = h.socket.sent.length;
    await h.presence.connect('a', 'd');
    await h.presence.connect('c', 'd');
    await h.d.settle();
    expect(h.socket.frames().slice(before)).toEqual([
      { type: 'presence', user: 'c', online: true, lastSeen: T0 },
    ]);
  });

  test('settings change who may see my last-seen time', async () => {
    const h = await start();
    await h.frame({ type: 'settings', lastSeen: 'nobody' });
    expect(await h.presence.get(['alice'])).toEqual([
      { user: 'alice', online: true, lastSeen: null },
    ]);
    expect(h.socket.sent).toHaveLength(1);
  });
});

describe('edge actor: closing', () => {
  test('on socket close: detaches, goes offline, drops subscriptions and stops', async () => {
    const h = await start();
    await h.frame({ type: 'presence.subscribe', users: ['bob'] });
    h.d.clock.setNow(T0 + 9);
    h.system.send(h.edge, { t: 'socket_closed' });
    await h.d.settle();
    expect(h.directory.sent.at(-1)).toEqual({
      key: 'user:alice',
      msg: { t: 'detach', device: 'phone', edge: h.edge },
    });
    expect(h.system.isAlive(h.edge)).toBe(false);
    expect(h.presence.subscriptionCount).toBe(0);
    expect(await h.presence.get(['alice'])).toEqual([
      { user: 'alice', online: false, lastSeen: T0 + 9 },
    ]);
  });

  test('a close from the user actor closes the socket with its code', async () => {
    const h = await start();
    h.system.send(h.edge, { t: 'close', code: 4001, reason: 'replaced by a newer session' });
    await h.d.settle();
    expect(h.socket.closed).toEqual({ code: 4001, reason: 'replaced by a newer session' });
    expect(h.directory.kinds()).toEqual(['attach', 'detach']);
    expect(h.system.isAlive(h.edge)).toBe(false);
  });

  test('closes with 4000 after two unanswered pings, under virtual time', async () => {
    const h = await start();
    h.system.send(h.edge, {
      t: 'attached',
      user: h.system.spawn<unknown, undefined>({ receive: () => undefined }),
    });
    await h.d.advance(30_000);
    expect(h.socket.pings).toBe(1);
    await h.d.advance(30_000);
    expect(h.socket.pings).toBe(2);
    expect(h.socket.closed).toBeUndefined();
    await h.d.advance(30_000);
    expect(h.socket.closed).toEqual({
      code: 4000,
      reason: 'heartbeat timeout: no pong to 2 pings',
    });
    expect(h.directory.kinds()).toEqual(['attach', 'detach']);
    expect(h.system.isAlive(h.edge)).toBe(false);
  });

  test('stays open while pongs come back', async () => {
    const h = await start({ limits: { heartbeatIntervalMs: 1000 } });
    for (let i = 0; i < 10; i++) {
      await h.d.advance(1000);
      h.socket.pongs++;
    }
    expect(h.socket.pings).toBe(10);
    expect(h.socket.closed).toBeUndefined();
    await h.d.advance(3000);
    expect(h.socket.closed?.code).toBe(4000);
  });

  test('closes a slow consumer with 1013 once the send buffer passes its limit', async () => {
    const h = await start({ limits: { sendBufferBytesMax: 1000 } });
    h.system.send(h.edge, { t: 'push', json: '{"type":"pong","ts":1}' });
    await h.d.settle();
    expect(h.socket.closed).toBeUndefined();
    h.socket.bufferedAmount = 1001;
    h.system.send(h.edge, { t: 'push_many', json: ['{"a":1}', '{"a":2}', '{"a":3}'] });
    await h.d.settle();
    expect(h.socket.closed).toEqual({
      code: 1013,
      reason: 'slow consumer: over 1000 bytes unsent',
    });
    expect(h.socket.sent.at(-1)).toBe('{"a":1}');
    expect(h.directory.kinds()).toEqual(['attach', 'detach']);
    expect(h.system.isAlive(h.edge)).toBe(false);
  });

  test('an exit signal closes the socket and cleans up like any other end', async () => {
    const h = await start();
    h.system.exit(h.edge, 'shutdown');
    await h.d.settle();
    expect(h.socket.closed).toEqual({ code: 1001, reason: 'edge stopped: shutdown' });
    expect(h.directory.kinds()).toEqual(['attach', 'detach']);
    expect((await h.presence.get(['alice']))[0]?.online).toBe(false);
    expect(h.system.isAlive(h.edge)).toBe(false);
  });
});

describe('edge actor: counters and limits', () => {
  test('counts frames, messages and errors', async () => {
    const seen: string[] = [];
    const counters: EdgeCounters = {
      frameIn: () => seen.push('in'),
      frameOut: (n) => seen.push(`out:${n}`),
      messageIn: () => seen.push('msg-in'),
      messageOut: (n) => seen.push(`msg-out:${n}`),
      error: (code) => seen.push(`error:${code}`),
    };
    const h = await start({ counters });
    await h.frame({ type: 'message', id: 'm1', to: 'bob', content: { type: 'text', body: 'x' } });
    await h.frame('junk');
    h.system.send(h.edge, {
      t: 'push_many',
      json: ['{"type":"message","id":"a"}', '{"type":"ack"}'],
    });
    await h.d.settle();
    expect(seen).toEqual([
      'out:1',
      'in',
      'msg-in',
      'in',
      'error:bad_frame',
      'out:1',
      'out:2',
      'msg-out:1',
    ]);
  });

  test('refuses bad limits naming the value', () => {
    const base = {
      socket: new FakeSocket(),
      user: 'a',
      device: 'd',
      directory: new RecordingDirectory(),
      presence: new MemoryPresence({ clock: new Deterministic(1).clock }),
    };
    expect(() => edgeBehavior({ ...base, limits: { burst: 0.5 } })).toThrow(
      'burst must be a positive integer, got 0.5',
    );
    expect(() => edgeBehavior({ ...base, limits: { ratePerSec: -1 } })).toThrow(
      'ratePerSec must be a positive number, got -1',
    );
  });
});

describe('edge actor: the node-wide bound on messages in flight', () => {
  const msg = (id: string) => ({
    type: 'message',
    id,
    to: 'bob',
    content: { type: 'text', body: id },
  });
  const forwarded = (h: Harness) =>
    h.directory.sent.flatMap((s) =>
      s.msg.t === 'client' ? [(s.msg.frame as { id: string }).id] : [],
    );

  test('refuses a new message unavailable while the node is full, takes them again once answers come', async () => {
    const load = new EdgeLoad(2);
    const h = await start({ load });
    await h.frame(msg('m1'));
    await h.frame(msg('m2'));
    expect(load.inFlight).toBe(2);
    await h.frame(msg('m3'));
    expect(forwarded(h)).toEqual(['m1', 'm2']);
    expect(h.socket.frames().at(-1)).toMatchObject({
      type: 'error',
      code: 'unavailable',
      id: 'm3',
    });
    h.system.send(h.edge, { t: 'push', json: '{"type":"ack","id":"m1","status":"sent","ts":1}' });
    await h.d.settle();
    expect(load.inFlight).toBe(1);
    await h.frame(msg('m3'));
    expect(forwarded(h)).toEqual(['m1', 'm2', 'm3']);
    expect(load.inFlight).toBe(2);
    // A connection that ends gives back what it still had in flight.
    h.system.send(h.edge, { t: 'socket_closed' });
    await h.d.settle();
    expect(load.inFlight).toBe(0);
  });
});

describe('edge actor: push frames', () => {
  const P256 = Buffer.from([4, ...new Array(64).fill(1)]).toString('base64url');
  const AUTH = Buffer.alloc(16, 2).toString('base64url');
  const subscription = { endpoint: 'https://push.example/x', keys: { p256dh: P256, auth: AUTH } };

  test('a node without push refuses push.subscribe and push.unsubscribe with bad_frame, echoing the ref', async () => {
    const h = await start();
    await h.frame({ type: 'push.subscribe', ref: 'p1', subscription });
    await h.frame({ type: 'push.unsubscribe', ref: 'p2', id: 'x' });
    expect(h.socket.frames().slice(1)).toEqual([
      {
        type: 'error',
        code: 'bad_frame',
        message: 'push notifications are off on this node',
        ref: 'p1',
      },
      {
        type: 'error',
        code: 'bad_frame',
        message: 'push notifications are off on this node',
        ref: 'p2',
      },
    ]);
    expect(h.directory.sent.filter((m) => (m.msg as { t: string }).t === 'client')).toEqual([]);
  });
});
