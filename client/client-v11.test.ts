/**
 * The SDK on protocol v1.1: `conversations()` and `groupInfo()` requests
 * correlated by ref (errors reject them), and `read` frames as events.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { ParleyClient } from './client.ts';
import type { ParleyClientError } from './errors.ts';
import type { ReadFrame } from './frames.ts';
import { type FakeConnection, FakeServer } from './testing/fake-server.ts';

let server: FakeServer;
let client: ParleyClient;
let connection: FakeConnection;

beforeEach(async () => {
  server = await FakeServer.start();
  client = new ParleyClient({ url: server.url, token: 't', WebSocket, heartbeat: false });
  const welcome = client.connect();
  connection = await server.accept('alice', 'phone');
  await welcome;
});
afterEach(async () => {
  client.close();
  await server.stop();
});

const last = {
  type: 'message',
  id: 'm9',
  from: 'bob',
  to: 'alice',
  seq: 9,
  ts: 19,
  content: { type: 'text', body: 'hi' },
};

describe('ParleyClient protocol v1.1', () => {
  it('asks for a chat list page and resolves with the reply of its ref', async () => {
    const page = client.conversations({ before: '12', limit: 2 });
    const asked = await connection.next('conversations');
    expect(asked).toEqual({
      type: 'conversations',
      ref: expect.any(String),
      before: '12',
      limit: 2,
    });
    const reply = {
      type: 'conversations',
      ref: asked.ref,
      items: [
        { with: 'bob', last, unread: 3, readUpTo: 6 },
        {
          group: 'g1',
          name: 'Trip',
          last: { ...last, to: undefined, group: 'g1', gseq: 4 },
          unread: 0,
          readUpTo: 9,
        },
      ],
      next: '9',
    };
    connection.send(reply);
    expect(await page).toEqual(JSON.parse(JSON.stringify(reply)));
    const first = client.conversations();
    expect(await connection.next('conversations')).toEqual({
      type: 'conversations',
      ref: expect.any(String),
    });
    connection.send({ type: 'conversations', items: [], next: null });
    expect(await first).toEqual({ type: 'conversations', items: [], next: null });
  });

  it('asks for group info and rejects with the error naming its ref', async () => {
    const info = client.groupInfo('g1');
    const asked = await connection.next('group.info');
    expect(asked).toEqual({ type: 'group.info', ref: expect.any(String), group: 'g1' });
    const group = {
      type: 'group',
      ref: asked.ref,
      id: 'g1',
      name: 'T',
      members: ['alice'],
      admins: ['alice'],
    };
    connection.send(group);
    expect(await info).toEqual(group);
    const refused = client.groupInfo('g2');
    const second = await connection.next('group.info');
    connection.send({ type: 'error', code: 'forbidden', message: 'not a member', ref: second.ref });
    const err = (await refused.catch((e: unknown) => e)) as ParleyClientError;
    expect(err.code).toBe('forbidden');
    expect(err.message).toBe('not a member');
  });

  it('emits read frames from other devices, and reports a malformed one', async () => {
    const reads: ReadFrame[] = [];
    const problems: string[] = [];
    client.on('read', (r) => reads.push(r));
    client.on('protocolError', (p) => problems.push(p.reason));
    connection.send({ type: 'read', with: 'bob', upTo: 7, ts: 100 });
    connection.send({ type: 'read', group: 'g1', upTo: 8, ts: 101 });
    connection.send({ type: 'read', with: 'bob', group: 'g1', upTo: 8, ts: 101 });
    const pong = client.ping();
    const ping = await connection.next('ping');
    connection.send({ type: 'pong', ref: ping.ref, ts: 0 });
    await pong;
    expect(reads).toEqual([
      { type: 'read', with: 'bob', upTo: 7, ts: 100 },
      { type: 'read', group: 'g1', upTo: 8, ts: 101 },
    ]);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^malformed read frame/);
  });
});
