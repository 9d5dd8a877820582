/**
 * The protocol suite over the `parley.v1.msgpack` subprotocol (MessagePack
 * in binary frames) against a real server process, and a JSON client and a
 * MessagePack client of the same server chatting: the same frames, the same
 * guarantees, whichever encoding each side chose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { WsClient } from '../support/ws-client.ts';
import { runProtocolSuite } from './guarantees.ts';
import { isType, text, tokensFor } from './harness.ts';
import { wsMsgpack } from './transports.ts';

runProtocolSuite(
  'protocol v1 over parley.v1.msgpack against a server process',
  async () => {
    const server = await startServerProcess();
    return {
      urls: [server.url],
      httpUrls: [server.httpUrl],
      secret: server.secret,
      token: tokensFor(server.secret),
      close: () => server.stop(),
    };
  },
  wsMsgpack,
);

describe('JSON and MessagePack clients of one server', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess();
  });
  afterAll(() => server?.stop());

  const open = async (user: string, encoding: 'json' | 'msgpack', device = 'd1') => {
    const token = await tokensFor(server.secret)(user, device);
    const c = await WsClient.open(server.url, { token, encoding });
    await c.waitFor(isType('welcome'));
    return c;
  };

  it('selects parley.v1.msgpack when offered, parley.v1 for JSON, and none by default', async () => {
    const token = await tokensFor(server.secret)('sel', 'd1');
    const mp = await WsClient.open(server.url, { token, encoding: 'msgpack' });
    const named = await WsClient.open(server.url, { token, protocols: ['parley.v1'] });
    const plain = await WsClient.open(server.url, { token });
    try {
      expect(mp.ws.protocol).toBe('parley.v1.msgpack');
      expect(named.ws.protocol).toBe('parley.v1');
      expect(plain.ws.protocol).toBe('');
      expect(await named.waitFor(isType('welcome'))).toMatchObject({ user: 'sel' });
    } finally {
      for (const c of [mp, named, plain]) c.terminate();
    }
  });

  it('delivers the same frames to both, with sent, delivered and read acks across encodings', async () => {
    const a = await open('mix-a', 'json');
    const b = await open('mix-b', 'msgpack');
    const b2 = await open('mix-b', 'json', 'd2');
    try {
      a.send({ type: 'message', id: 'j1', to: 'mix-b', content: text('from json') });
      await a.waitFor(isType('ack', { id: 'j1', status: 'sent' }));
      b.send({ type: 'message', id: 'p1', to: 'mix-a', content: text('from msgpack') });
      await b.waitFor(isType('ack', { id: 'p1', status: 'sent' }));
      const [toB] = await b.waitForCount(isType('message', { id: 'j1' }), 1);
      const [toB2] = await b2.waitForCount(isType('message', { id: 'j1' }), 1);
      expect(toB).toEqual(toB2);
      expect(toB).toMatchObject({ from: 'mix-a', to: 'mix-b', content: text('from json') });
      expect(await a.waitFor(isType('message', { id: 'p1' }))).toMatchObject({
        from: 'mix-b',
        content: text('from msgpack'),
      });
      // b's own send is copied to its other device, in JSON there.
      expect(await b2.waitFor(isType('message', { id: 'p1' }))).toMatchObject({ from: 'mix-b' });
      b.send({ type: 'ack', id: 'j1', from: 'mix-a', status: 'read' });
      expect(await a.waitFor(isType('ack', { id: 'j1', status: 'read' }))).toMatchObject({
        by: 'mix-b',
      });
      expect(a.strayFrames).toEqual([]);
      expect(b.strayFrames).toEqual([]);
    } finally {
      for (const c of [a, b, b2]) c.terminate();
    }
  });
});
