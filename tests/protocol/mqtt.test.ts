/**
 * The protocol suite over MQTT (docs/mqtt.md) against a real server process
 * with `PARLEY_MQTT_PORT=0`, then what the suite leaves to each transport,
 * in MQTT's terms: the token refusals of PROTOCOL.md "Connecting" as CONNACK
 * return codes (no session opened), `welcome` first with the claims' user
 * and device, and an MQTT user chatting with a WebSocket user of the same
 * server, with every receipt.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MqttClient, refusedConnect } from '../support/mqtt-client.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { nowSec, signToken, unsignedToken } from '../support/tokens.ts';
import { WsClient } from '../support/ws-client.ts';
import { runProtocolSuite } from './guarantees.ts';
import { isType, text, tokensFor } from './harness.ts';
import { mqttJson } from './mqtt-transport.ts';

const ID_64 = `a.B_-9${'x'.repeat(58)}`;

/** The `mqttPort` of the server's "parley node serving" log line. */
function mqttUrlOf(server: ServerProcess): string {
  for (const line of server.output.split('\n')) {
    if (!line.includes('parley node serving')) continue;
    const { mqttPort } = JSON.parse(line) as { mqttPort?: unknown };
    if (typeof mqttPort === 'number') return `mqtt://127.0.0.1:${mqttPort}`;
  }
  throw new Error(`the server logged no mqttPort:\n${server.output}`);
}

const startWithMqtt = () => startServerProcess({ env: { PARLEY_MQTT_PORT: '0' } });

runProtocolSuite(
  'protocol v1 over MQTT against a server process',
  async () => {
    const server = await startWithMqtt();
    return {
      urls: [server.url],
      httpUrls: [server.httpUrl],
      mqttUrls: [mqttUrlOf(server)],
      secret: server.secret,
      token: tokensFor(server.secret),
      close: () => server.stop(),
    };
  },
  mqttJson,
);

describe('MQTT clients of a server process', () => {
  let server: ServerProcess;
  let url: string;
  let n = 0;
  const uid = (name: string) => `${name}-mq-${++n}`;
  beforeAll(async () => {
    server = await startWithMqtt();
    url = mqttUrlOf(server);
  });
  afterAll(() => server?.stop());

  const refusals: [string, (secret: string, user: string) => Promise<string | undefined>][] = [
    ['a missing token', async () => undefined],
    ['a token that is not a JWT', async () => 'not-a-jwt'],
    ['a JWT of garbage parts', async () => 'eyJhbGciOi.eyJzdWIiOi.c2ln'],
    [
      'a badly signed token',
      (_s, u) => signToken('another-secret-entirely-0123456789', { sub: u }),
    ],
    ['an expired token', (s, u) => signToken(s, { sub: u, exp: nowSec() - 60 })],
    ['an unsigned (alg none) token', async (_s, u) => unsignedToken({ sub: u })],
    ['a token without sub', (s) => signToken(s, { dev: 'd1' })],
    ['a token with an empty sub', (s) => signToken(s, { sub: '' })],
    ['a token with a 65-character sub', (s) => signToken(s, { sub: `${ID_64}x` })],
    ['a token with a space in sub', (s) => signToken(s, { sub: 'al ice' })],
    ['a token with a slash in sub', (s) => signToken(s, { sub: 'al/ice' })],
    ['a token with a numeric sub', (s) => signToken(s, { sub: 42 })],
    ['a token with a bad dev', (s, u) => signToken(s, { sub: u, dev: 'my phone' })],
    ['a token with a 65-character dev', (s, u) => signToken(s, { sub: u, dev: `${ID_64}x` })],
  ];
  it.each(refusals)('answers %s with CONNACK 4 and opens no session', async (_, make) => {
    const user = uid('mallory');
    const token = await make(server.secret, user);
    const refused = await refusedConnect(url, {
      ...(token !== undefined ? { token } : {}),
      username: user,
      user,
    });
    expect(refused.returnCode).toBe(4);
  });

  it('answers a valid token under another username with CONNACK 5', async () => {
    const user = uid('alice');
    const token = await signToken(server.secret, { sub: user });
    expect((await refusedConnect(url, { token, username: uid('bob') })).returnCode).toBe(5);
  });

  it('sends welcome first, with the claims: dev defaulting to "default", ids of 64 characters', async () => {
    const user = uid('alice');
    const noDev = await MqttClient.open(url, {
      token: await signToken(server.secret, { sub: user, exp: nowSec() + 60 }),
    });
    const long = await MqttClient.open(url, {
      token: await signToken(server.secret, { sub: ID_64, dev: ID_64 }),
    });
    try {
      await noDev.barrier();
      expect(noDev.frames[0]).toEqual({
        type: 'welcome',
        user,
        device: 'default',
        ts: expect.any(Number),
      });
      expect(noDev.down).toBe(`parley/v1/${user}/default/down`);
      expect(await long.waitFor(isType('welcome'))).toMatchObject({ user: ID_64, device: ID_64 });
      expect(long.frames[0]!.type).toBe('welcome');
    } finally {
      noDev.terminate();
      long.terminate();
    }
  });

  it('lets an MQTT user and a WebSocket user chat both ways with sent, delivered and read acks', async () => {
    const mia = uid('mia');
    const will = uid('will');
    const tokens = tokensFor(server.secret);
    const m = await MqttClient.open(url, { token: await tokens(mia, 'phone') });
    const w = await WsClient.open(server.url, { token: await tokens(will, 'web') });
    try {
      await m.waitFor(isType('welcome'));
      await w.waitFor(isType('welcome'));
      m.send({ type: 'message', id: 'm1', to: will, content: text('from mqtt') });
      await m.waitFor(isType('ack', { id: 'm1', status: 'sent' }));
      expect(await w.waitFor(isType('message', { id: 'm1' }))).toMatchObject({
        from: mia,
        to: will,
        content: text('from mqtt'),
      });
      w.send({ type: 'ack', id: 'm1', from: mia, status: 'delivered' });
      expect(await m.waitFor(isType('ack', { id: 'm1', status: 'delivered' }))).toMatchObject({
        by: will,
      });
      w.send({ type: 'ack', id: 'm1', from: mia, status: 'read' });
      await m.waitFor(isType('ack', { id: 'm1', status: 'read' }));
      w.send({ type: 'message', id: 'w1', to: mia, content: text('from ws') });
      await w.waitFor(isType('ack', { id: 'w1', status: 'sent' }));
      expect(await m.waitFor(isType('message', { id: 'w1' }))).toMatchObject({
        from: will,
        content: text('from ws'),
      });
      m.send({ type: 'ack', id: 'w1', from: will, status: 'read' });
      expect(await w.waitFor(isType('ack', { id: 'w1', status: 'read' }))).toMatchObject({
        by: mia,
      });
      expect(m.packets.every((p) => p.qos === 1 && !p.retain)).toBe(true);
      expect(m.strayFrames).toEqual([]);
    } finally {
      m.terminate();
      w.terminate();
    }
  });
});
