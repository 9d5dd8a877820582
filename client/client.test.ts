import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ClientOptions, ParleyClient } from './client.ts';
import type { ParleyClientError } from './errors.ts';
import type { ReceiptUpdate } from './receipts.ts';
import { type FakeConnection, FakeServer, type Frame } from './testing/fake-server.ts';

let server: FakeServer;
let clients: ParleyClient[] = [];

beforeEach(async () => {
  server = await FakeServer.start();
});
afterEach(async () => {
  for (const client of clients) client.close();
  clients = [];
  await server.stop();
});

function makeClient(options: Partial<ClientOptions> = {}): ParleyClient {
  const client = new ParleyClient({
    url: server.url,
    token: 'tok-1',
    WebSocket,
    heartbeat: false,
    random: () => 0,
    ...options,
  });
  clients.push(client);
  return client;
}

async function connected(
  options: Partial<ClientOptions> = {},
): Promise<[ParleyClient, FakeConnection]> {
  const client = makeClient(options);
  const welcome = client.connect();
  const connection = await server.accept();
  await welcome;
  return [client, connection];
}

const text = (body: string) => ({ type: 'text', body }) as const;
const message = (id: string, seq: number, extra: Partial<Frame> = {}): Frame => ({
  type: 'message',
  id,
  from: 'bob',
  to: 'alice',
  seq,
  ts: 10 + seq,
  content: text(id),
  ...extra,
});
/** Connects in the background; a later close() rejecting it is expected. */
const start = (client: ParleyClient) => {
  client.connect().catch(() => {});
};
/** Waits until the client has handled every frame the server sent before now. */
async function flush(client: ParleyClient, connection: FakeConnection): Promise<void> {
  const pong = client.ping();
  const ping = await connection.next('ping');
  connection.send({ type: 'pong', ref: ping.ref, ts: 0 });
  await pong;
}
/** Lets time pass, for checks that something does not happen. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

describe('ParleyClient connection', () => {
  it('connects with the token in the query and resolves connect() with the welcome', async () => {
    const client = makeClient();
    const welcome = client.connect();
    const connection = await server.accept('alice', 'phone');
    expect(connection.token).toBe('tok-1');
    expect(await welcome).toEqual({ type: 'welcome', user: 'alice', device: 'phone', ts: 1 });
    expect(client.connected).toBe(true);
    expect(client.identity).toEqual({ user: 'alice', device: 'phone' });
  });

  it('uses the ws package when given no WebSocket and there is no global one', async () => {
    const client = makeClient({ WebSocket: undefined });
    const welcome = client.connect();
    await server.accept();
    expect((await welcome).user).toBe('alice');
  });

  it('asks a token function again before every reconnect', async () => {
    let n = 0;
    const client = makeClient({ token: () => `tok-${++n}` });
    start(client);
    const first = await server.accept();
    first.terminate();
    const second = await server.accept();
    expect([first.token, second.token]).toEqual(['tok-1', 'tok-2']);
    expect(client.connected || (await client.next('welcome'))).toBeTruthy();
  });

  it('reports reconnect delays drawn with full jitter from the injected random', async () => {
    const client = makeClient({
      random: () => 0.5,
      reconnect: { initialDelayMs: 40, factor: 2, maxDelayMs: 60 },
    });
    const delays: number[] = [];
    client.on('reconnecting', (e) => delays.push(e.delayMs));
    start(client);
    (await server.next()).terminate();
    (await server.next()).terminate();
    (await server.next()).terminate();
    await server.accept();
    await client.next('welcome');
    expect(delays).toEqual([20, 30, 30]);
  });

  it('gives up after attemptsMax reconnects in a row and rejects unacked sends', async () => {
    const client = makeClient({ reconnect: { attemptsMax: 1 } });
    const connecting = client.connect();
    const firstClose = client.next('close');
    (await server.next()).terminate();
    expect(await firstClose).toMatchObject({ code: 1006, willReconnect: true });
    const sent = client.send({ to: 'bob', content: text('hi'), id: 'm1' });
    const secondClose = client.next('close');
    (await server.next()).terminate();
    expect(await secondClose).toMatchObject({ code: 1006, willReconnect: false });
    await expect(sent).rejects.toMatchObject({
      code: 'closed',
      message: 'gave up after the connection closed (1006)',
    });
    await expect(connecting).rejects.toMatchObject({ code: 'closed' });
    expect(client.connected).toBe(false);
  });

  it('close() stops reconnecting and rejects pending work', async () => {
    const [client, connection] = await connected();
    const sent = client.send({ to: 'bob', content: text('hi'), id: 'm1' });
    const history = client.history({ with: 'bob' });
    await connection.next('message');
    client.close();
    await expect(sent).rejects.toMatchObject({ code: 'closed' });
    await expect(history).rejects.toMatchObject({ code: 'closed' });
    await settle();
    expect(server.connections).toHaveLength(1);
    await expect(client.connect()).rejects.toMatchObject({ code: 'closed' });
  });

  it('drops a silent connection when a heartbeat pong does not come, then reconnects', async () => {
    const [client, connection] = await connected({ heartbeat: { intervalMs: 20, timeoutMs: 500 } });
    const ping = await connection.next('ping');
    connection.send({ type: 'pong', ref: ping.ref, ts: 5 });
    await connection.next('ping');
    const close = await client.next('close');
    expect(close).toEqual({ code: 4000, reason: 'heartbeat timeout', willReconnect: true });
    await server.accept();
    await client.next('welcome');
  });
});

describe('ParleyClient on injected timers', () => {
  /** Timers that fire only when the test advances them. */
  class ManualTimers {
    nowMs = 0;
    private pending = new Map<number, { at: number; fn: () => void }>();
    private nextHandle = 1;
    now = () => this.nowMs;
    set = (fn: () => void, delayMs: number) => {
      const handle = this.nextHandle++;
      this.pending.set(handle, { at: this.nowMs + delayMs, fn });
      return handle;
    };
    clear = (handle: unknown) => {
      this.pending.delete(handle as number);
    };
    advance(ms: number): void {
      const until = this.nowMs + ms;
      for (;;) {
        const due = [...this.pending]
          .filter(([, t]) => t.at <= until)
          .sort((a, b) => a[1].at - b[1].at)[0];
        if (due === undefined) break;
        this.pending.delete(due[0]);
        this.nowMs = due[1].at;
        due[1].fn();
      }
      this.nowMs = until;
    }
  }

  it('pings on its interval and reconnects when the pong is late, all on the injected timers', async () => {
    const timers = new ManualTimers();
    const [client, first] = await connected({
      timers,
      heartbeat: { intervalMs: 25_000, timeoutMs: 10_000 },
    });
    timers.advance(24_999);
    await settle();
    expect(first.frames.filter((f) => f.type === 'ping')).toEqual([]);
    timers.advance(1);
    await first.next('ping');
    const close = client.next('close');
    timers.advance(10_000);
    expect(await close).toEqual({ code: 4000, reason: 'heartbeat timeout', willReconnect: true });
    timers.advance(0);
    await server.accept();
    await client.next('welcome');
  });

  it('tries again when no welcome comes in connectTimeoutMs', async () => {
    const timers = new ManualTimers();
    const client = makeClient({ timers, connectTimeoutMs: 5000 });
    start(client);
    await server.next();
    const close = client.next('close');
    timers.advance(5000);
    expect(await close).toEqual({ code: 4000, reason: 'no welcome in time', willReconnect: true });
    timers.advance(0);
    await server.accept();
    await client.next('welcome');
  });
});

describe('ParleyClient sending', () => {
  it('sends a message and resolves send() on the sent ack', async () => {
    const [client, connection] = await connected();
    const sent = client.send({ to: 'bob', content: text('hi'), id: 'm1' });
    expect(await connection.next('message')).toEqual({
      type: 'message',
      id: 'm1',
      to: 'bob',
      content: { type: 'text', body: 'hi' },
    });
    expect(client.receipt('m1')?.status).toBe('pending');
    connection.send({ type: 'ack', id: 'm1', status: 'sent', ts: 99 });
    expect(await sent).toEqual({ id: 'm1', ts: 99 });
    expect(client.receipt('m1')?.status).toBe('sent');
    expect(client.unacked).toBe(0);
  });

  it('generates a message id when none is given', async () => {
    const [client, connection] = await connected({ newId: () => 'gen-1' });
    void client.send({ group: 'g1', content: text('hi') });
    expect(await connection.next('message')).toMatchObject({ id: 'gen-1', group: 'g1' });
  });

  it('resends unacked messages with the same ids, in order, after a reconnect', async () => {
    const [client, first] = await connected();
    const sends = ['m1', 'm2', 'm3'].map((id) => client.send({ to: 'bob', content: text(id), id }));
    await first.take(3, 'message');
    first.send({ type: 'ack', id: 'm1', status: 'sent', ts: 1 });
    await sends[0];
    first.terminate();
    const second = await server.accept();
    const resent = await second.take(2, 'message');
    expect(resent.map((f) => f.id)).toEqual(['m2', 'm3']);
    expect(resent[0]).toEqual({ type: 'message', id: 'm2', to: 'bob', content: text('m2') });
    for (const f of resent) second.send({ type: 'ack', id: f.id, status: 'sent', ts: 2 });
    expect(await Promise.all(sends)).toEqual([
      { id: 'm1', ts: 1 },
      { id: 'm2', ts: 2 },
      { id: 'm3', ts: 2 },
    ]);
  });

  it('queues messages sent before connecting and sends them after the welcome', async () => {
    const client = makeClient();
    const sent = client.send({ to: 'bob', content: text('early'), id: 'e1' });
    start(client);
    const connection = await server.next();
    await settle();
    expect(connection.frames).toEqual([]);
    connection.welcome();
    expect((await connection.next('message')).id).toBe('e1');
    connection.send({ type: 'ack', id: 'e1', status: 'sent', ts: 3 });
    expect(await sent).toEqual({ id: 'e1', ts: 3 });
  });

  it('returns the same promise for a repeated id and ignores repeated sent acks', async () => {
    const [client, connection] = await connected();
    const a = client.send({ to: 'bob', content: text('x'), id: 'same' });
    const b = client.send({ to: 'bob', content: text('x'), id: 'same' });
    expect(a).toBe(b);
    let sentEvents = 0;
    client.on('sent', () => sentEvents++);
    connection.send({ type: 'ack', id: 'same', status: 'sent', ts: 4 });
    connection.send({ type: 'ack', id: 'same', status: 'sent', ts: 4 });
    await a;
    await flush(client, connection);
    expect(sentEvents).toBe(1);
    expect(connection.frames.filter((f) => f.type === 'message')).toHaveLength(1);
  });

  it('rejects a send the server refuses for good, naming the code and message', async () => {
    const [client, connection] = await connected();
    const sent = client.send({ group: 'g9', content: text('x'), id: 'm1' });
    await connection.next('message');
    connection.send({
      type: 'error',
      code: 'forbidden',
      message: 'not a member of "g9"',
      id: 'm1',
    });
    await expect(sent).rejects.toMatchObject({
      name: 'ParleyClientError',
      code: 'forbidden',
      message: 'not a member of "g9"',
      id: 'm1',
    });
    expect(client.unacked).toBe(0);
  });

  it('retries with the same id after unavailable, and after an ack timeout', async () => {
    const [client, connection] = await connected({ sweepIntervalMs: 10, ackTimeoutMs: 60 });
    const sent = client.send({ to: 'bob', content: text('x'), id: 'm1' });
    await connection.next('message');
    connection.send({ type: 'error', code: 'unavailable', message: 'store down', id: 'm1' });
    expect((await connection.next('message')).id).toBe('m1');
    // Silence: the ack timeout resends it once more.
    expect((await connection.next('message')).id).toBe('m1');
    connection.send({ type: 'ack', id: 'm1', status: 'sent', ts: 7 });
    expect(await sent).toEqual({ id: 'm1', ts: 7 });
  });

  it('refuses locally a message over 64 KiB, an overlong id and a missing target', async () => {
    const [client] = await connected();
    await expect(
      client.send({ to: 'bob', content: text('x'.repeat(70_000)), id: 'big' }),
    ).rejects.toMatchObject({
      code: 'too_large',
      id: 'big',
    });
    await expect(
      client.send({ to: 'bob', content: text('x'), id: 'i'.repeat(65) }),
    ).rejects.toMatchObject({
      code: 'invalid',
      message: `id must be 1..64 chars, got "${'i'.repeat(65)}"`,
    });
    const neither = { content: text('x') } as unknown as Parameters<ParleyClient['send']>[0];
    await expect(client.send(neither)).rejects.toMatchObject({
      code: 'invalid',
      message: 'a message needs exactly one of "to" and "group"',
    });
    expect(client.unacked).toBe(0);
  });

  it('refuses sends past the outbox bound', async () => {
    const client = makeClient({ outboxMax: 2 });
    void client.send({ to: 'b', content: text('1'), id: '1' });
    void client.send({ to: 'b', content: text('2'), id: '2' });
    await expect(client.send({ to: 'b', content: text('3'), id: '3' })).rejects.toMatchObject({
      code: 'outbox_full',
      message: '2 messages await their ack',
    });
  });
});

describe('ParleyClient receiving', () => {
  it('delivers each message once, acking every copy delivered', async () => {
    const [client, first] = await connected();
    const seen: string[] = [];
    client.on('message', (m) => seen.push(m.id));
    first.send(message('a', 1));
    first.send(message('a', 1));
    first.send(message('b', 2));
    first.send(message('stale', 2));
    const acks = await first.take(4, 'ack');
    expect(acks.map((a) => [a.id, a.status])).toEqual([
      ['a', 'delivered'],
      ['a', 'delivered'],
      ['b', 'delivered'],
      ['stale', 'delivered'],
    ]);
    first.terminate();
    const second = await server.accept();
    second.send(message('b', 2));
    second.send(message('c', 3));
    await second.take(2, 'ack');
    expect(seen).toEqual(['a', 'b', 'c']);
  });

  it('keeps conversations apart when judging seq', async () => {
    const [client, connection] = await connected();
    const seen: string[] = [];
    client.on('message', (m) => seen.push(m.id));
    connection.send(message('g', 5, { to: undefined, group: 'g1' }));
    connection.send(message('d', 6, { from: 'carol' }));
    await connection.take(2, 'ack');
    expect(seen).toEqual(['g', 'd']);
  });

  it('with autoAckDelivered off, acks only when told; repeats get the ack given', async () => {
    const [client, connection] = await connected({ autoAckDelivered: false });
    const received = client.next('message');
    connection.send(message('g1m', 1, { to: undefined, group: 'g1' }));
    const m = await received;
    await settle();
    expect(connection.frames).toEqual([]);
    client.markRead(m);
    expect(await connection.next('ack')).toEqual({
      type: 'ack',
      id: 'g1m',
      from: 'bob',
      status: 'read',
      group: 'g1',
    });
    connection.send(message('g1m', 1, { to: undefined, group: 'g1' }));
    expect(await connection.next('ack')).toMatchObject({ id: 'g1m', status: 'read' });
  });

  it('reports receipts only when they upgrade, never going back', async () => {
    const [client, connection] = await connected();
    const updates: ReceiptUpdate[] = [];
    client.on('receipt', (u) => updates.push(u));
    void client.send({ to: 'bob', content: text('x'), id: 'm1' });
    await connection.next('message');
    connection.send({ type: 'ack', id: 'm1', status: 'sent', ts: 1 });
    connection.send({ type: 'ack', id: 'm1', status: 'read', by: 'bob', ts: 3 });
    connection.send({ type: 'ack', id: 'm1', status: 'delivered', by: 'bob', ts: 2 });
    connection.send({ type: 'ack', id: 'm1', status: 'read', by: 'bob', ts: 4 });
    await flush(client, connection);
    expect(updates).toEqual([{ id: 'm1', by: 'bob', status: 'read', overall: 'read', ts: 3 }]);
    expect(client.receipt('m1')?.status).toBe('read');
  });

  it('applies a read receipt to every earlier message to the same peer', async () => {
    const [client, connection] = await connected();
    const updates: string[] = [];
    client.on('receipt', (u) => updates.push(`${u.id}:${u.status}`));
    for (const id of ['m1', 'm2', 'm3']) void client.send({ to: 'bob', content: text(id), id });
    void client.send({ to: 'carol', content: text('c'), id: 'c1' });
    await connection.take(4, 'message');
    connection.send({ type: 'ack', id: 'm1', status: 'delivered', by: 'bob', ts: 1 });
    connection.send({ type: 'ack', id: 'm3', status: 'read', by: 'bob', ts: 2 });
    await flush(client, connection);
    expect(updates).toEqual(['m1:delivered', 'm3:read', 'm2:read', 'm1:read']);
    expect(client.receipt('c1')?.status).toBe('pending');
  });
});

describe('ParleyClient requests', () => {
  it('correlates replies by ref whatever their order', async () => {
    const [client, connection] = await connected();
    const group = client.createGroup('Team', ['bob']);
    const history = client.history({ with: 'bob', limit: 10 });
    const ping = client.ping();
    const [create, page, p] = [
      await connection.next('group.create'),
      await connection.next('history'),
      await connection.next('ping'),
    ];
    expect(create).toEqual({
      type: 'group.create',
      ref: create.ref,
      name: 'Team',
      members: ['bob'],
    });
    expect(page).toEqual({ type: 'history', ref: page.ref, with: 'bob', limit: 10 });
    connection.send({ type: 'pong', ref: p.ref, ts: 77 });
    connection.send({
      type: 'history',
      ref: page.ref,
      with: 'bob',
      messages: [message('h', 1)],
      next: null,
    });
    connection.send({
      type: 'group',
      ref: create.ref,
      id: 'g1',
      name: 'Team',
      members: ['alice', 'bob'],
      admins: ['alice'],
    });
    expect(await ping).toBe(77);
    expect((await history).messages.map((m) => m.id)).toEqual(['h']);
    expect(await group).toMatchObject({ id: 'g1', admins: ['alice'] });
  });

  it('rejects the request an error names by ref', async () => {
    const [client, connection] = await connected();
    const add = client.addMembers('g1', ['dave']);
    const leave = client.leaveGroup('g2');
    const [a, l] = [await connection.next('group.add'), await connection.next('group.leave')];
    connection.send({ type: 'error', code: 'not_found', message: 'no group "g2"', ref: l.ref });
    connection.send({
      type: 'error',
      code: 'forbidden',
      message: 'not an admin of "g1"',
      ref: a.ref,
    });
    await expect(add).rejects.toMatchObject({
      code: 'forbidden',
      message: 'not an admin of "g1"',
      ref: a.ref,
    });
    await expect(leave).rejects.toMatchObject({
      code: 'not_found',
      message: 'no group "g2"',
      ref: l.ref,
    });
  });

  it('matches history and pong replies without a ref by request order', async () => {
    const [client, connection] = await connected();
    const bob1 = client.history({ with: 'bob' });
    const grp = client.history({ group: 'g1' });
    const bob2 = client.history({ with: 'bob', before: 'c1' });
    const ping = client.ping();
    await connection.take(3, 'history');
    connection.send({ type: 'history', group: 'g1', messages: [], next: null });
    connection.send({ type: 'history', with: 'bob', messages: [], next: 'c1' });
    connection.send({ type: 'history', with: 'bob', messages: [], next: null });
    connection.send({ type: 'pong', ts: 5 });
    expect((await bob1).next).toBe('c1');
    expect((await bob2).next).toBeNull();
    expect((await grp).group).toBe('g1');
    expect(await ping).toBe(5);
  });

  it('rejects pending requests when the connection drops, and new ones while it is down', async () => {
    const [client, connection] = await connected({ reconnect: { initialDelayMs: 10_000 } });
    const history = client.history({ with: 'bob' });
    await connection.next('history');
    connection.terminate();
    const error = (await history.catch((e: unknown) => e)) as ParleyClientError;
    expect(error.code).toBe('disconnected');
    await expect(client.ping()).rejects.toMatchObject({
      code: 'not_connected',
      message: 'cannot send ping while disconnected',
    });
  });

  it('times a request out', async () => {
    const [client] = await connected({ requestTimeoutMs: 30 });
    await expect(client.ping()).rejects.toMatchObject({ code: 'timeout' });
  });

  it('sends typing, and renews presence subscriptions and settings after a reconnect', async () => {
    const [client, first] = await connected();
    client.subscribePresence(['bob', 'carol']);
    client.setLastSeen('nobody');
    expect(client.typing({ to: 'bob' }, 'started')).toBe(true);
    expect(await first.next('presence.subscribe')).toEqual({
      type: 'presence.subscribe',
      users: ['bob', 'carol'],
    });
    expect(await first.next('settings')).toEqual({ type: 'settings', lastSeen: 'nobody' });
    expect(await first.next('typing')).toEqual({ type: 'typing', to: 'bob', status: 'started' });
    const presence = client.next('presence');
    first.send({ type: 'presence', user: 'bob', online: true, lastSeen: null });
    expect(await presence).toEqual({ type: 'presence', user: 'bob', online: true, lastSeen: null });
    first.terminate();
    const second = await server.accept();
    expect(await second.next('settings')).toEqual({ type: 'settings', lastSeen: 'nobody' });
    expect(await second.next('presence.subscribe')).toEqual({
      type: 'presence.subscribe',
      users: ['bob', 'carol'],
    });
  });

  it('reports unreadable server frames and uncorrelated errors as events', async () => {
    const [client, connection] = await connected();
    const protocolError = client.next('protocolError');
    connection.socket.send('not json');
    expect((await protocolError).reason).toBe('not JSON: not json');
    const error = client.next('error');
    connection.send({ type: 'error', code: 'rate_limited', message: 'slow down' });
    expect(await error).toEqual({ type: 'error', code: 'rate_limited', message: 'slow down' });
  });
});
