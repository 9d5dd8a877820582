/**
 * PROTOCOL.md guarantee 1, durable on `sent`, end to end: a sender pipelines
 * messages to an offline recipient; as soon as N `sent` acks are in, the
 * server process gets SIGKILL (more sends still in flight); a new process on
 * the same data directory must deliver every acked message to the recipient
 * when it connects, in the order of the acks, none twice, with strictly
 * increasing `seq`. Only the recipient connects after the restart: the
 * sender is not needed for its acked messages to arrive.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../../actors/protocol/index.ts';
import { type ServerProcess, startServerProcess } from '../support/server-process.ts';
import { type Frame, WsClient } from '../support/ws-client.ts';
import { text } from './harness.ts';

const ACKED_BEFORE_KILL = 120;
// Together under the burst of 200 frames a connection may send at once.
const IN_FLIGHT = 70;

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

async function connect(server: ServerProcess, user: string): Promise<WsClient> {
  const c = await WsClient.open(server.url, { token: await signDevToken(server.secret, user) });
  await c.waitFor((f) => f.type === 'welcome');
  return c;
}

const isSent = (f: Frame) => f.type === 'ack' && f.status === 'sent';

describe('kill -9 of the server process', () => {
  it('delivers every message acked sent before the kill to the recipient after a restart, in order, once', async () => {
    const server = await startServerProcess();
    servers.push(server);
    const a = await connect(server, 'alice');
    const total = ACKED_BEFORE_KILL + IN_FLIGHT;
    for (let i = 1; i <= total; i++)
      a.send({ type: 'message', id: `m${i}`, to: 'bob', content: text(`body ${i}`) });
    await a.waitForCount(isSent, ACKED_BEFORE_KILL, 15_000);
    const killed = await server.kill('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    await a.closed;
    const acked = a.frames.filter(isSent).map((f) => f.id as string);
    expect(acked.length).toBeGreaterThanOrEqual(ACKED_BEFORE_KILL);
    expect(a.all('error')).toEqual([]);

    await server.restart();
    const b = await connect(server, 'bob');
    const ackedSet = new Set(acked);
    // The backlog comes at once; 6 s leaves room for a resend interval or two.
    await b
      .waitForCount((f) => f.type === 'message' && ackedSet.has(f.id as string), acked.length, 6000)
      .catch(() => undefined);
    await b.barrier();
    const got = b.all('message');
    const arrived = new Set(got.map((m) => m.id));
    expect(
      acked.filter((id) => !arrived.has(id)),
      'acked sent, never delivered',
    ).toEqual([]);
    expect(got.map((m) => m.from).every((from) => from === 'alice')).toBe(true);
    // In ack order (= send order here), acked and unacked alike, and none twice.
    const order = got.map((m) => Number((m.id as string).slice(1)));
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(new Set(order).size).toBe(order.length);
    expect(got.filter((m) => ackedSet.has(m.id as string)).map((m) => m.id)).toEqual(acked);
    const seqs = got.map((m) => m.seq as number);
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBeGreaterThan(seqs[i - 1]!);
    for (const m of got) expect(m.content).toEqual(text(`body ${(m.id as string).slice(1)}`));

    // The sender, reconnecting, resends what it has no ack for: those get acked
    // now, and the recipient still sees each message once.
    const a2 = await connect(server, 'alice');
    for (let i = 1; i <= total; i++)
      a2.send({ type: 'message', id: `m${i}`, to: 'bob', content: text(`body ${i}`) });
    await a2.waitForCount(isSent, total, 15_000);
    await b.waitForCount((f) => f.type === 'message', total, 15_000);
    await b.barrier();
    const all = b.all('message').map((m) => m.id);
    expect(all).toEqual(Array.from({ length: total }, (_, i) => `m${i + 1}`));
    a2.terminate();
    b.terminate();
  });
});
