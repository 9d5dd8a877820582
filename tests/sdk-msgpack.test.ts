/**
 * The SDK on either wire against a real node (`actors/node.ts` on a fresh
 * LMDB): a MessagePack client and a JSON client chat, with acks, receipts,
 * history and errors the same on both (the wires' own encode and decode:
 * `client/wire.test.ts`).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type ChatNode, startNode } from '../actors/node.ts';
import { signDevToken } from '../actors/protocol/index.ts';
import { ParleyClient } from '../client/client.ts';
import type { IncomingMessage } from '../client/frames.ts';

let node: ChatNode;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'parley-sdk-wire-'));
  node = await startNode({ port: 0, dataDir: dir, jwtSecret: 'sdk-wire-test-secret-0123456789' });
});
afterAll(async () => {
  await node?.close();
  rmSync(dir, { recursive: true, force: true });
});

function client(user: string, encoding: 'json' | 'msgpack'): ParleyClient {
  return new ParleyClient({
    url: `ws://127.0.0.1:${node.port}/ws`,
    token: () => signDevToken(node.jwtSecret, user, 'd1'),
    WebSocket,
    encoding,
    heartbeat: false,
  });
}

function nextMessage(c: ParleyClient): Promise<IncomingMessage> {
  return c.next('message');
}

describe('the SDK over parley.v1.msgpack', () => {
  it('chats with a JSON client: sent acks, messages, read receipts and history', async () => {
    const mp = client('sdk-mp', 'msgpack');
    const js = client('sdk-js', 'json');
    try {
      await Promise.all([mp.connect(), js.connect()]);
      const arrived = nextMessage(js);
      const sent = await mp.send({ to: 'sdk-js', content: { type: 'text', body: 'över msgpack' } });
      expect(sent.ts).toEqual(expect.any(Number));
      const m = await arrived;
      expect(m).toMatchObject({ from: 'sdk-mp', id: sent.id, content: { body: 'över msgpack' } });
      const back = nextMessage(mp);
      await js.send({ to: 'sdk-mp', content: { type: 'text', body: 'and back' } });
      expect(await back).toMatchObject({ from: 'sdk-js', content: { body: 'and back' } });
      const read = new Promise((resolve) =>
        mp.on('receipt', (r) => {
          if (r.status === 'read') resolve(r);
        }),
      );
      js.markRead(m);
      expect(await read).toMatchObject({ id: sent.id, status: 'read', by: 'sdk-js' });
      const page = await mp.history({ with: 'sdk-js' });
      expect(page.messages.map((x) => x.content)).toEqual([
        { type: 'text', body: 'över msgpack' },
        { type: 'text', body: 'and back' },
      ]);
      await expect(mp.history({ with: 'not a user' })).rejects.toMatchObject({ code: 'bad_frame' });
    } finally {
      mp.close();
      js.close();
    }
  });

  it('refuses a frame over 64 KiB of MessagePack before sending it', async () => {
    const mp = client('sdk-big', 'msgpack');
    try {
      await mp.connect();
      await expect(
        mp.send({ to: 'sdk-js', content: { type: 'text', body: 'x'.repeat(70_000) } }),
      ).rejects.toMatchObject({ code: 'too_large' });
    } finally {
      mp.close();
    }
  });
});
