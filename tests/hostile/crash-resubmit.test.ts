/**
 * A crash of a user actor must not drop the frames queued behind the one that
 * crashed it (issue 7, defect 1). The store here throws a plain `Error` (a
 * bug, not a `ParleyError`) on the first append of chosen message ids, so the
 * user actor really crashes with frames in its mailbox; the edge submits
 * what it had in flight again to the next incarnation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatNode, startNode } from '../../actors/node.ts';
import { signDevToken } from '../../actors/protocol/index.ts';
import { openLmdbStore, type Store } from '../../store/index.ts';
import { type Frame, WsClient } from '../support/ws-client.ts';

const SECRET = 'crash-resubmit-secret-0123456789abcdef';
/** Message ids whose append throws, and how many more times each will. */
const poison = new Map<string, number>();
let node: ChatNode;
let dir: string;
let crashes = 0;

function failingStore(store: Store): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (name !== 'appendInbox') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: Parameters<Store['appendInbox']>) => {
        const id = args[2][0]?.record.id;
        const left = id === undefined ? 0 : (poison.get(id) ?? 0);
        if (left > 0) {
          poison.set(id!, left - 1);
          crashes++;
          throw new Error(`injected crash on ${id}`);
        }
        return target.appendInbox(...args);
      };
    },
  });
}

async function connect(user: string): Promise<WsClient> {
  const client = await WsClient.open(`ws://127.0.0.1:${node.port}/ws`, {
    token: await signDevToken(SECRET, user, 'd1'),
  });
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}

const sentIds = (c: WsClient) =>
  new Set(c.frames.filter((f) => f.type === 'ack' && f.status === 'sent').map((f) => f.id));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-crash-'));
  const store = failingStore(await openLmdbStore({ path: join(dir, 'lmdb') }));
  node = await startNode({
    host: '127.0.0.1',
    port: 0,
    dataDir: dir,
    jwtSecret: SECRET,
    store,
    logger: pino({ level: process.env.T_LOG ?? 'silent' }),
  });
});

afterAll(async () => {
  await node?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a crash of the user actor', () => {
  it('loses none of the messages queued behind the frame that crashed it', async () => {
    const alice = await connect('crash-alice');
    const bob = await connect('crash-bob');
    poison.set('boom', 1);
    const ids = ['boom', ...Array.from({ length: 30 }, (_, i) => `m${i}`)];
    for (const id of ids)
      alice.send({ type: 'message', id, to: 'crash-bob', content: { type: 'text', body: id } });
    await alice.waitFor(() => ids.every((id) => sentIds(alice).has(id)), 10_000);
    const got = await bob.waitForCount((f: Frame) => f.type === 'message', ids.length, 10_000);
    expect(new Set(got.map((f) => f.id))).toEqual(new Set(ids));
    expect(crashes).toBe(1);
    expect(alice.frames.filter((f) => f.type === 'error')).toEqual([]);
    alice.terminate();
    bob.terminate();
  });

  it('answers unavailable, not silence, for a message that crashes the actor every time', async () => {
    const alice = await connect('crash-carol');
    poison.set('always', 100);
    alice.send({
      type: 'message',
      id: 'always',
      to: 'crash-bob',
      content: { type: 'text', body: 'x' },
    });
    alice.send({
      type: 'message',
      id: 'after',
      to: 'crash-bob',
      content: { type: 'text', body: 'y' },
    });
    const error = await alice.waitFor((f) => f.type === 'error' && f.id === 'always', 10_000);
    expect(error).toMatchObject({ code: 'unavailable' });
    expect(String(error.message)).toMatch(/failed 2 times/);
    await alice.waitFor((f) => f.type === 'ack' && f.id === 'after' && f.status === 'sent', 10_000);
    alice.terminate();
  });
});
