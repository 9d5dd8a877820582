/**
 * `MqttEdgeSocket` and `encodePublish` on their own, with a stand-in aedes
 * client over a real stream: PUBLISH bytes, message ids, backpressure
 * accounting, the inbound bound holding the broker's callback, liveness,
 * and the `close` frame.
 */
import { Buffer } from 'node:buffer';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ActorSystem, Ref } from '../../../runtime/index.ts';
import type { EdgeMsg } from '../../chat/messages.ts';
import { MqttEdgeSocket, type ParleyClient } from './mqtt-socket.ts';
import { encodePublish } from './publish-packet.ts';

interface Decoded {
  readonly header: number;
  readonly topic: string;
  readonly messageId: number;
  readonly payload: string;
  readonly size: number;
}

/** Reads one PUBLISH (QoS 1) from `buf` at `at`, by the MQTT 3.1.1 layout. */
function decode(buf: Buffer, at = 0): Decoded {
  const header = buf[at]!;
  let length = 0;
  let multiplier = 1;
  let i = at + 1;
  for (;;) {
    const byte = buf[i++]!;
    length += (byte & 0x7f) * multiplier;
    multiplier *= 128;
    if ((byte & 0x80) === 0) break;
  }
  const body = buf.subarray(i, i + length);
  const topicLength = body.readUInt16BE(0);
  const topic = body.subarray(2, 2 + topicLength).toString('utf8');
  const messageId = body.readUInt16BE(2 + topicLength);
  const payload = body.subarray(4 + topicLength).toString('utf8');
  return { header, topic, messageId, payload, size: i - at + length };
}

describe('encodePublish', () => {
  it('writes a QoS 1 PUBLISH with the remaining length on 1 to 4 bytes', () => {
    const topic = Buffer.from('parley/v1/alice/phone/down');
    const overhead = 2 + topic.length + 2;
    for (const remaining of [127, 128, 16_383, 16_384, 2_097_151, 2_097_152]) {
      const payload = `"${'é'.repeat(Math.floor((remaining - overhead - 2) / 2))}${'x'.repeat((remaining - overhead - 2) % 2)}"`;
      const packet = encodePublish(topic, 513, payload);
      const decoded = decode(packet);
      expect(decoded).toEqual({
        header: 0x32,
        topic: topic.toString(),
        messageId: 513,
        payload,
        size: packet.length,
      });
      const lengthBytes =
        remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
      expect(packet.length).toBe(1 + lengthBytes + remaining);
    }
  });
});

/** A stand-in aedes client: a real stream as its connection. */
function fakeClient(): ParleyClient & { conn: PassThrough; closes: number } {
  const conn = new PassThrough({ highWaterMark: 16 });
  const client = {
    conn,
    closed: false,
    closes: 0,
    close() {
      client.closed = true;
      client.closes++;
      conn.destroy();
    },
  };
  return client as unknown as ParleyClient & { conn: PassThrough; closes: number };
}

/** A stand-in system that records what is sent to the edge. */
function recordingSystem(): { system: ActorSystem; sent: EdgeMsg[] } {
  const sent: EdgeMsg[] = [];
  const system = {
    send: (_to: unknown, msg: EdgeMsg) => sent.push(msg),
    isAlive: () => true,
  } as unknown as ActorSystem;
  return { system, sent };
}

const identity = { user: 'alice', device: 'phone' };
const edgeRef = { id: 7 } as unknown as Ref<EdgeMsg>;
const owner = { socketClosed: () => {} };

describe('MqttEdgeSocket', () => {
  it('publishes each frame on the down topic with message ids 1, 2, ... wrapping after 65535, counted in bufferedAmount at once', async () => {
    const client = fakeClient();
    const socket = new MqttEdgeSocket(client, identity);
    socket.send('{"type":"welcome"}');
    expect(socket.bufferedAmount).toBeGreaterThan(0);
    for (let i = 2; i <= 65_536; i++) socket.send('{}');
    const chunks: Buffer[] = [];
    client.conn.on('data', (b: Buffer) => chunks.push(b));
    await new Promise((r) => setTimeout(r, 50));
    const all = Buffer.concat(chunks);
    expect(decode(all)).toMatchObject({
      topic: 'parley/v1/alice/phone/down',
      messageId: 1,
      payload: '{"type":"welcome"}',
    });
    let at = 0;
    let last: Decoded | undefined;
    let count = 0;
    while (at < all.length) {
      last = decode(all, at);
      at += last.size;
      count++;
    }
    expect(count).toBe(65_536);
    expect(last!.messageId).toBe(1);
  });

  it('holds the broker callback past the inbound bound and releases it once the edge is below half', () => {
    const client = fakeClient();
    const socket = new MqttEdgeSocket(client, identity);
    const { system, sent } = recordingSystem();
    socket.wire(system, edgeRef, owner, { inboundFramesMax: 2, inboundCharsMax: 1000 });
    const done: number[] = [];
    for (let i = 0; i < 4; i++) socket.frame(Buffer.from(`{"n":${i}}`), () => done.push(i));
    expect(sent).toHaveLength(4);
    expect(sent[0]).toEqual({ t: 'socket_frame', data: '{"n":0}' });
    expect(done).toEqual([0, 1]);
    socket.received(7);
    socket.received(7);
    expect(done).toEqual([0, 1]);
    socket.received(7);
    expect(done).toEqual([0, 1, 2, 3]);
  });

  it('hands a payload that is not UTF-8 to the edge as binary, so it answers bad_frame', () => {
    const socket = new MqttEdgeSocket(fakeClient(), identity);
    const { system, sent } = recordingSystem();
    socket.wire(system, edgeRef, owner, { inboundFramesMax: 8, inboundCharsMax: 1000 });
    socket.frame(Buffer.from([0x7b, 0xff, 0x7d]), () => {});
    expect(sent[0]).toMatchObject({ t: 'socket_frame', binary: true });
  });

  it('counts pings as answered only while the connection is open', () => {
    const client = fakeClient();
    const socket = new MqttEdgeSocket(client, identity);
    socket.ping();
    socket.ping();
    expect(socket.pongs).toBe(2);
    client.close();
    socket.ping();
    expect(socket.pongs).toBe(2);
  });

  it('on close publishes a close frame with the code and reason, ends the connection and sends nothing after', async () => {
    const client = fakeClient();
    const socket = new MqttEdgeSocket(client, identity);
    const chunks: Buffer[] = [];
    client.conn.on('data', (b: Buffer) => chunks.push(b));
    socket.close(4001, 'replaced');
    socket.send('{"type":"late"}');
    await new Promise<void>((resolve) => client.conn.once('end', () => resolve()));
    const out = decode(Buffer.concat(chunks));
    expect(JSON.parse(out.payload)).toEqual({ type: 'close', code: 4001, reason: 'replaced' });
    expect(out.size).toBe(Buffer.concat(chunks).length);
    await new Promise((r) => setImmediate(r));
    expect(client.closes).toBe(1);
  });
});
