/**
 * The MQTT edge on a real node (`startNode` with `mqttPort: 0`, LMDB in a
 * temporary folder), over real TCP on 127.0.0.1 with the `mqtt` client:
 * CONNECT refusals, the topic scheme and its ACL, QoS 1 down, chat with a
 * WebSocket user, replay on reconnect whatever the clean flag, multi-device,
 * bad payloads, keep-alive as the heartbeat, replacement and shutdown.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { grantedKeepAlive, KEEP_ALIVE_MAX_SEC } from '../actors/edge/mqtt/index.ts';
import { type ChatNode, startNode } from '../actors/node.ts';
import { signDevToken } from '../actors/protocol/index.ts';
import { MqttClient, type MqttOpenOptions, refusedConnect } from './support/mqtt-client.ts';
import { nowSec, signToken } from './support/tokens.ts';
import { type Frame, WsClient } from './support/ws-client.ts';

const SECRET = 'mqtt-test-secret-of-enough-length-0123456789';
const text = (body: string) => ({ type: 'text', body });
const isType =
  (type: string, more: Readonly<Record<string, unknown>> = {}) =>
  (f: Frame) =>
    f.type === type && Object.entries(more).every(([k, v]) => f[k] === v);

let node: ChatNode;
let dir: string;
let counter = 0;
const opened: (MqttClient | WsClient)[] = [];

async function start(): Promise<ChatNode> {
  return startNode({
    host: '127.0.0.1',
    port: 0,
    mqttPort: 0,
    dataDir: await mkdtemp(join(dir, 'node-')),
    jwtSecret: SECRET,
    devTokens: false,
    logger: pino({ level: 'silent' }),
  });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-mqtt-'));
  node = await start();
});
afterEach(async () => {
  const clients = opened.splice(0);
  for (const c of clients) c.terminate();
  await Promise.all(clients.map((c) => c.closed));
});
afterAll(async () => {
  await node.close();
  await rm(dir, { recursive: true, force: true });
});

const uid = (name: string) => `${name}-${process.pid}-${++counter}`;
const mqttUrl = (n: ChatNode = node) => `mqtt://127.0.0.1:${n.mqtt!.port}`;

async function mqttClient(
  user: string,
  device = 'phone',
  options: MqttOpenOptions = {},
  n: ChatNode = node,
): Promise<MqttClient> {
  const client = await MqttClient.open(mqttUrl(n), {
    token: await signDevToken(SECRET, user, device),
    ...options,
  });
  opened.push(client);
  await client.waitFor(isType('welcome'));
  return client;
}

async function wsClient(user: string, device = 'web'): Promise<WsClient> {
  const client = await WsClient.open(`ws://127.0.0.1:${node.port}/ws`, {
    token: await signDevToken(SECRET, user, device),
  });
  opened.push(client);
  await client.waitFor(isType('welcome'));
  return client;
}

async function sendText(client: MqttClient | WsClient, to: string, id: string): Promise<Frame> {
  const from = client.mark();
  client.send({ type: 'message', id, to, content: text(id) });
  return client.waitFor(
    (f) => (f.type === 'ack' && f.id === id) || (f.type === 'error' && f.id === id),
    5000,
    from,
  );
}

/** MQTT's variable-length integer. */
function varint(n: number): Buffer {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Buffer.from(out);
}

const mqttString = (s: string) => {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([Buffer.from([bytes.length >> 8, bytes.length & 0xff]), bytes]);
};

/** A CONNECT packet of MQTT 3.1.1 (clean session, keep-alive 60 s) with a username and password. */
function connectPacket(clientId: string, username: string, password: string): Buffer {
  const body = Buffer.concat([
    mqttString('MQTT'),
    Buffer.from([4, 0xc2, 0, 60]),
    mqttString(clientId),
    mqttString(username),
    mqttString(password),
  ]);
  return Buffer.concat([Buffer.from([0x10]), varint(body.length), body]);
}

describe('MQTT CONNECT', () => {
  it('refuses a missing, bad, expired or badly signed token with 4 and a username other than sub with 5, and opens no session', async () => {
    const user = uid('alice');
    const before = node.mqtt!.clients();
    const cases: [MqttOpenOptions, number][] = [
      [{ username: user }, 4],
      [{ username: user, token: 'not-a-jwt' }, 4],
      [{ token: await signToken(SECRET, { sub: user, exp: nowSec() - 60 }) }, 4],
      [{ token: await signToken('another-secret-entirely-0123456789', { sub: user }) }, 4],
      [{ token: await signToken(SECRET, { dev: 'd1' }), username: 'x' }, 4],
      [{ token: await signDevToken(SECRET, user, 'phone'), username: uid('mallory') }, 5],
    ];
    for (const [options, returnCode] of cases) {
      const refused = await refusedConnect(mqttUrl(), options);
      expect(refused.returnCode, JSON.stringify(options)).toBe(returnCode);
    }
    expect(node.mqtt!.clients()).toBe(before);
    expect(await node.presence.get([user])).toEqual([
      expect.objectContaining({ user, online: false }),
    ]);
  });

  it('counts MQTT sessions in parley_mqtt_sessions_open and _total', async () => {
    const metric = async (name: string) => {
      const text = await node.metrics.text();
      const line = text.split('\n').find((l) => l.startsWith(`${name} `));
      return Number(line?.split(' ')[1]);
    };
    const open = await metric('parley_mqtt_sessions_open');
    const total = await metric('parley_mqtt_sessions_total');
    const c = await mqttClient(uid('alice'));
    expect(await metric('parley_mqtt_sessions_open')).toBe(open + 1);
    expect(await metric('parley_mqtt_sessions_total')).toBe(total + 1);
    c.terminate();
    await c.closed;
    await expect.poll(() => metric('parley_mqtt_sessions_open')).toBe(open);
  });

  it('closes a connection past connectionsPerAddressMax unanswered', async () => {
    const n = await startNode({
      host: '127.0.0.1',
      port: 0,
      mqttPort: 0,
      dataDir: await mkdtemp(join(dir, 'node-')),
      jwtSecret: SECRET,
      logger: pino({ level: 'silent' }),
      serverLimits: { connectionsPerAddressMax: 1 },
    });
    try {
      await mqttClient(uid('alice'), 'phone', {}, n);
      const token = await signDevToken(SECRET, uid('bob'), 'phone');
      await expect(MqttClient.open(mqttUrl(n), { token })).rejects.toThrow(/closed before CONNACK/);
    } finally {
      await n.close();
    }
  });

  it('accepts the token with the username equal to sub or empty, and always answers sessionPresent 0', async () => {
    const user = uid('alice');
    const token = await signDevToken(SECRET, user, 'phone');
    for (const username of [user, '']) {
      for (const clean of [true, false]) {
        const c = await MqttClient.open(mqttUrl(), { token, username, clean, clientId: 'c1' });
        opened.push(c);
        expect(c.sessionPresent).toBe(false);
        expect(await c.waitFor(isType('welcome'))).toMatchObject({ user, device: 'phone' });
        await c.close();
      }
    }
  });

  it('refuses with 3 "server unavailable" while the node does not serve, and past connectionsMax', async () => {
    let serving = false;
    const n = await startNode({
      host: '127.0.0.1',
      port: 0,
      mqttPort: 0,
      dataDir: await mkdtemp(join(dir, 'node-')),
      jwtSecret: SECRET,
      logger: pino({ level: 'silent' }),
      availability: () => ({ serving, reason: 'draining' }),
      serverLimits: { connectionsMax: 1 },
    });
    try {
      const user = uid('alice');
      const token = await signDevToken(SECRET, user, 'phone');
      expect((await refusedConnect(mqttUrl(n), { token })).returnCode).toBe(3);
      serving = true;
      const first = await mqttClient(user, 'phone', {}, n);
      const other = await signDevToken(SECRET, uid('bob'), 'phone');
      expect((await refusedConnect(mqttUrl(n), { token: other })).returnCode).toBe(3);
      await first.close();
      await expect.poll(() => n.mqtt!.clients()).toBe(0);
      await mqttClient(uid('bob'), 'phone', {}, n);
    } finally {
      await n.close();
    }
  });

  it('refuses MQTT 5 with "unacceptable protocol version"', async () => {
    const { connectAsync } = await import('mqtt');
    const user = uid('alice');
    const err = await connectAsync(mqttUrl(), {
      protocolVersion: 5,
      reconnectPeriod: 0,
      username: user,
      password: await signDevToken(SECRET, user),
    }).then(
      (c) => {
        c.end(true);
        return undefined;
      },
      (e: Error & { code?: number }) => e,
    );
    expect(err?.code).toBe(1);
  });
});

describe('MQTT topics and frames', () => {
  it('publishes welcome first on parley/v1/<user>/<device>/down, every frame with QoS 1 and not retained', async () => {
    const user = uid('alice');
    const before = Date.now();
    const c = await mqttClient(user, 'phone');
    expect(c.frames[0]).toEqual({ type: 'welcome', user, device: 'phone', ts: expect.any(Number) });
    expect(c.frames[0]!.ts as number).toBeGreaterThanOrEqual(before - 1000);
    await c.barrier();
    expect(c.packets.length).toBe(c.frames.length);
    for (const p of c.packets)
      expect(p).toEqual({ topic: `parley/v1/${user}/phone/down`, qos: 1, retain: false });
    expect(c.strayFrames).toEqual([]);
  });

  it('answers bad payloads like the WebSocket edge: not JSON, not UTF-8, unknown type, over 64 KiB; the connection stays', async () => {
    const c = await mqttClient(uid('alice'));
    let from = c.mark();
    c.sendRaw('not json');
    expect(await c.waitFor(isType('error'), 5000, from)).toMatchObject({ code: 'bad_frame' });
    from = c.mark();
    c.sendRaw(Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(await c.waitFor(isType('error'), 5000, from)).toMatchObject({ code: 'bad_frame' });
    from = c.mark();
    c.send({ type: 'nope', ref: 'r1' });
    expect(await c.waitFor(isType('error'), 5000, from)).toMatchObject({
      code: 'unknown_type',
      ref: 'r1',
    });
    from = c.mark();
    c.sendRaw(JSON.stringify({ type: 'ping', pad: 'x'.repeat(70 * 1024) }));
    expect(await c.waitFor(isType('error'), 5000, from)).toMatchObject({ code: 'too_large' });
    await c.barrier();
    expect(c.isOpen).toBe(true);
  });

  it('disconnects a packet over the 1 MiB hard ceiling', async () => {
    const c = await mqttClient(uid('alice'));
    c.sendRaw('x'.repeat(1024 * 1024 + 10), 0);
    expect((await c.closed).code).toBe(1006);
  });

  it('ends the connection once a packet header announces more than 1 MiB, before the body arrives', async () => {
    const user = uid('alice');
    const conn = tcpConnect(node.mqtt!.port, '127.0.0.1');
    const received: Buffer[] = [];
    conn.on('data', (b: Buffer) => received.push(b));
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    conn.on('error', () => {});
    conn.write(connectPacket('raw', user, await signDevToken(SECRET, user, 'raw')));
    await new Promise((r) => setTimeout(r, 200));
    // CONNACK accepted (0x20 0x02 0x00 0x00), then welcome.
    expect(Buffer.concat(received).subarray(0, 4)).toEqual(Buffer.from([0x20, 2, 0, 0]));
    const announced = 2 * 1024 * 1024;
    conn.write(Buffer.concat([Buffer.from([0x30]), varint(announced), Buffer.alloc(1000, 0x61)]));
    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('grants a SUBSCRIBE to the own down topic QoS 1 and refuses every other filter (0x80), delivering nothing foreign', async () => {
    const bob = uid('bob');
    const b = await mqttClient(bob, 'phone');
    const m = await mqttClient(uid('mallory'), 'phone');
    expect(await m.subscribe(m.down)).toBe(1);
    expect(await m.subscribe(b.down)).toBe(128);
    expect(await m.subscribe(`parley/v1/${bob}/#`)).toBe(128);
    expect(await m.subscribe('#')).toBe(128);
    expect(await m.subscribe('$SYS/#')).toBe(128);
    const a = await wsClient(uid('alice'));
    expect(await sendText(a, bob, 'm1')).toMatchObject({ status: 'sent' });
    await b.waitFor(isType('message', { id: 'm1' }));
    await m.barrier();
    expect(m.strayFrames).toEqual([]);
    expect(m.all('message')).toEqual([]);
  });

  it("disconnects a PUBLISH to another user's topic and delivers nothing from it", async () => {
    const bob = uid('bob');
    const b = await mqttClient(bob, 'phone');
    const m = await mqttClient(uid('mallory'), 'phone');
    m.sendRaw('{"type":"ping"}');
    await m.waitFor(isType('pong'));
    void m
      .publishTo(
        b.up,
        JSON.stringify({ type: 'message', id: 'spoof', to: bob, content: text('hi') }),
      )
      .catch(() => {});
    void m.publishTo(b.down, JSON.stringify({ type: 'welcome', user: 'fake' })).catch(() => {});
    expect((await m.closed).code).toBe(1006);
    await b.barrier();
    expect(b.frames.filter((f) => f.type !== 'welcome' && f.type !== 'pong')).toEqual([]);
    expect(b.strayFrames).toEqual([]);
  });

  it('ignores the retain flag: a retained frame is handled once and never kept for later subscribers', async () => {
    const user = uid('alice');
    const c = await mqttClient(user);
    await c.publishTo(c.up, JSON.stringify({ type: 'ping', ref: 'kept?' }), { retain: true });
    await c.waitFor(isType('pong', { ref: 'kept?' }));
    const d = await mqttClient(user, 'tablet');
    expect(await d.subscribe(d.down)).toBe(1);
    await d.barrier();
    expect(d.strayFrames).toEqual([]);
    expect(d.all('pong', (f) => f.ref === 'kept?')).toEqual([]);
  });
});

describe('MQTT isolation between users', () => {
  it('keeps two users with the same client id both connected, and drops a will aimed at another user', async () => {
    const bob = uid('bob');
    const b = await mqttClient(bob, 'phone', { clientId: 'same-id' });
    const spoof = JSON.stringify({ type: 'message', id: 'will', to: bob, content: text('x') });
    const m = await mqttClient(uid('mallory'), 'phone', {
      clientId: 'same-id',
      will: { topic: b.up, payload: spoof },
    });
    const own = await mqttClient(uid('eve'), 'phone', {
      will: { topic: `parley/v1/${uid('eve')}/phone/up`, payload: spoof },
    });
    await b.barrier();
    expect(b.isOpen).toBe(true);
    m.terminate();
    own.terminate();
    await Promise.all([m.closed, own.closed]);
    await new Promise((r) => setTimeout(r, 200));
    await b.barrier();
    expect(b.isOpen).toBe(true);
    expect(b.all('message')).toEqual([]);
    expect(b.strayFrames).toEqual([]);
  });
});

describe('MQTT chat with a WebSocket user', () => {
  it('chats both ways with sent, delivered and read acks', async () => {
    const alice = uid('alice');
    const bob = uid('bob');
    const a = await mqttClient(alice, 'phone');
    const b = await wsClient(bob, 'web');
    expect(await sendText(a, bob, 'a1')).toMatchObject({ status: 'sent', id: 'a1' });
    const got = await b.waitFor(isType('message', { id: 'a1' }));
    expect(got).toMatchObject({ from: alice, to: bob, content: text('a1') });
    b.send({ type: 'ack', id: 'a1', from: alice, status: 'delivered' });
    expect(await a.waitFor(isType('ack', { id: 'a1', status: 'delivered' }))).toMatchObject({
      by: bob,
    });
    b.send({ type: 'ack', id: 'a1', from: alice, status: 'read' });
    await a.waitFor(isType('ack', { id: 'a1', status: 'read' }));

    expect(await sendText(b, alice, 'b1')).toMatchObject({ status: 'sent' });
    const back = await a.waitFor(isType('message', { id: 'b1' }));
    expect(back).toMatchObject({
      from: bob,
      to: alice,
      content: text('b1'),
      seq: expect.any(Number),
    });
    a.send({ type: 'ack', id: 'b1', from: bob, status: 'read' });
    expect(await b.waitFor(isType('ack', { id: 'b1', status: 'read' }))).toMatchObject({
      by: alice,
    });
  });

  it('takes QoS 0 publishes too', async () => {
    const bob = uid('bob');
    const a = await mqttClient(uid('alice'));
    const b = await wsClient(bob);
    a.send({ type: 'message', id: 'q0', to: bob, content: text('q0') }, 0);
    await a.waitFor(isType('ack', { id: 'q0', status: 'sent' }));
    await b.waitFor(isType('message', { id: 'q0' }));
  });

  for (const clean of [true, false]) {
    it(`replays from the delivered cursor after a reconnect with clean=${clean}, each message once, in seq order`, async () => {
      const alice = uid('alice');
      const bob = uid('bob');
      const a = await wsClient(alice);
      const options = { clean, clientId: uid('c').slice(0, 23) };
      const b1 = await mqttClient(bob, 'phone', options);
      for (const id of ['m1', 'm2', 'm3']) await sendText(a, bob, id);
      await b1.waitForCount(isType('message'), 3);
      b1.send({ type: 'ack', id: 'm1', from: alice, status: 'delivered' });
      await a.waitFor(isType('ack', { id: 'm1', status: 'delivered' }));
      b1.terminate();
      await b1.closed;
      for (const id of ['m4', 'm5']) await sendText(a, bob, id);
      const b2 = await mqttClient(bob, 'phone', options);
      expect(b2.sessionPresent).toBe(false);
      const replay = await b2.waitForCount(isType('message'), 4);
      expect(replay.map((f) => f.id)).toEqual(['m2', 'm3', 'm4', 'm5']);
      const seqs = replay.map((f) => f.seq as number);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      await b2.barrier();
      expect(b2.all('message').length).toBe(4);
      expect(b2.frames[0]!.type).toBe('welcome');
    });
  }
});

describe('MQTT sessions', () => {
  it('serves an MQTT and a WebSocket device of one user: both get messages, and own sends are copied', async () => {
    const alice = uid('alice');
    const bob = uid('bob');
    const a = await wsClient(alice);
    const phone = await mqttClient(bob, 'phone');
    const web = await wsClient(bob, 'web');
    await sendText(a, bob, 'to-both');
    await phone.waitFor(isType('message', { id: 'to-both' }));
    await web.waitFor(isType('message', { id: 'to-both' }));
    await sendText(phone, alice, 'from-phone');
    expect(await web.waitFor(isType('message', { id: 'from-phone' }))).toMatchObject({
      from: bob,
      to: alice,
    });
    await sendText(web, alice, 'from-web');
    await phone.waitFor(isType('message', { id: 'from-web' }));
  });

  it('replaces an older connection of the same device: it gets close 4001 and is disconnected', async () => {
    const user = uid('alice');
    const first = await mqttClient(user, 'phone');
    const second = await mqttClient(user, 'phone');
    expect((await first.closed).code).toBe(4001);
    await second.barrier();
    expect(second.isOpen).toBe(true);
  });

  it('takes keep-alive as the heartbeat: a client silent past 1.5x its keep-alive is dropped and goes offline', async () => {
    const user = uid('alice');
    const watcher = await wsClient(uid('watcher'));
    const c = await mqttClient(user, 'phone', { keepalive: 1 });
    const from = watcher.mark();
    watcher.send({ type: 'presence.subscribe', users: [user] });
    await watcher.waitFor(isType('presence', { user, online: true }), 5000, from);
    c.stopPinging();
    await watcher.waitFor(isType('presence', { user, online: false }), 5000, from);
    expect((await c.closed).code).toBe(1006);
  });

  it('holds a keep-alive of 0 or above 300 s to 300 s, and keeps any other', () => {
    expect(KEEP_ALIVE_MAX_SEC).toBe(300);
    expect(grantedKeepAlive(0, 300)).toBe(300);
    expect(grantedKeepAlive(301, 300)).toBe(300);
    expect(grantedKeepAlive(65_535, 300)).toBe(300);
    expect(grantedKeepAlive(300, 300)).toBe(300);
    expect(grantedKeepAlive(1, 300)).toBe(1);
    expect(grantedKeepAlive(120, 300)).toBe(120);
  });

  it('stops promptly with a TCP connection open that never sent CONNECT', async () => {
    const n = await start();
    const conn = tcpConnect(n.mqtt!.port, '127.0.0.1');
    conn.on('error', () => {});
    await new Promise<void>((resolve) => conn.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => conn.once('close', () => resolve()));
    const started = Date.now();
    await n.close();
    await closed;
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('keeps a client that pings within its keep-alive, past the edge heartbeat interval', async () => {
    const n = await startNode({
      host: '127.0.0.1',
      port: 0,
      mqttPort: 0,
      dataDir: await mkdtemp(join(dir, 'node-')),
      jwtSecret: SECRET,
      logger: pino({ level: 'silent' }),
      serverLimits: { heartbeatIntervalMs: 100, missedPongsMax: 2 },
    });
    try {
      const c = await mqttClient(uid('alice'), 'phone', { keepalive: 5 }, n);
      await new Promise((r) => setTimeout(r, 600));
      await c.barrier();
      expect(c.isOpen).toBe(true);
    } finally {
      await n.close();
    }
  });

  it('closes a client that does not read once more than sendBufferBytesMax waits unsent (slow consumer)', async () => {
    const n = await startNode({
      host: '127.0.0.1',
      port: 0,
      mqttPort: 0,
      dataDir: await mkdtemp(join(dir, 'node-')),
      jwtSecret: SECRET,
      logger: pino({ level: 'silent' }),
      serverLimits: { sendBufferBytesMax: 64 * 1024 },
    });
    try {
      const bob = uid('bob');
      const b = await mqttClient(bob, 'phone', {}, n);
      b.client.stream.pause();
      const a = await mqttClient(uid('alice'), 'phone', {}, n);
      expect(n.mqtt!.clients()).toBe(2);
      const body = 'x'.repeat(30_000);
      for (let i = 0; i < 250 && n.mqtt!.clients() === 2; i++) {
        a.send({ type: 'message', id: `big${i}`, to: bob, content: text(body) });
        if (i % 50 === 49) await a.waitFor(isType('ack', { id: `big${i}` }), 10_000);
      }
      await expect.poll(() => n.mqtt!.clients(), { timeout: 5000 }).toBe(1);
      await expect
        .poll(async () => (await n.presence.get([bob]))[0]?.online, { timeout: 5000 })
        .toBe(false);
      expect(a.isOpen).toBe(true);
    } finally {
      await n.close();
    }
  });

  it('sends MQTT clients away with the code asked (a draining node: 1013) and counts them', async () => {
    const n = await start();
    try {
      const c = await mqttClient(uid('alice'), 'phone', {}, n);
      expect(n.mqtt!.sendAway(1013, 'draining: connect to another node')).toBe(1);
      expect(await c.closed).toEqual({ code: 1013, reason: 'draining: connect to another node' });
      await expect.poll(() => n.mqtt!.clients()).toBe(0);
    } finally {
      await n.close();
    }
  });

  it('disconnects every MQTT client on node shutdown with close 1001, and they go offline', async () => {
    const n = await start();
    const user = uid('alice');
    const c = await mqttClient(user, 'phone', {}, n);
    expect(n.mqtt!.clients()).toBe(1);
    await n.close();
    expect(await c.closed).toEqual({ code: 1001, reason: 'server shutting down' });
    expect(await n.presence.get([user])).toEqual([
      expect.objectContaining({ user, online: false }),
    ]);
  });
});
