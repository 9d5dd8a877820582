import pino from 'pino';
import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { ActorSystem, seededRandom } from '../../runtime/index.ts';
import { MemoryPresence } from '../presence/index.ts';
import { hs256Verifier, signDevToken } from '../protocol/index.ts';
import { instrumentStore, Metrics } from './metrics.ts';
import { type Availability, type EdgeServer, startEdgeServer } from './server.ts';
import { MemoryBlobs, mediaOnlyStore, RecordingDirectory } from './testing.ts';

const SECRET = 'test-secret-of-enough-length-0123456789';
const running: { server: EdgeServer; system: ActorSystem }[] = [];

afterEach(async () => {
  for (const r of running.splice(0)) {
    await r.server.close();
    await r.system.shutdown();
  }
});

async function start(availability: () => Availability) {
  const system = new ActorSystem({ logger: pino({ level: 'silent' }) });
  const metrics = new Metrics({ system });
  const server = await startEdgeServer({
    system,
    directory: new RecordingDirectory(),
    presence: new MemoryPresence({ clock: system.clock }),
    store: instrumentStore(mediaOnlyStore(), metrics),
    blobs: new MemoryBlobs(),
    verifier: hs256Verifier(SECRET),
    jwtSecret: SECRET,
    devTokens: false,
    metrics,
    host: '127.0.0.1',
    port: 0,
    random: seededRandom(1),
    availability,
  });
  running.push({ server, system });
  return { server, system };
}

function open(port: number, token: string): Promise<{ ws: WebSocket; status?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws?token=${token}`);
    ws.once('open', () => resolve({ ws }));
    ws.once('unexpected-response', (_req, res) => resolve({ ws, status: res.statusCode }));
  });
}

describe('edge availability', () => {
  test('/healthz carries the details, and answers 503 with the reason while not serving', async () => {
    let now: Availability = { serving: true, details: { node: 'n1', view: { version: 3 } } };
    const { server } = await start(() => now);
    const ok = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: 'ok', node: 'n1', view: { version: 3 } });
    now = { serving: false, reason: 'cut off from the cluster', details: { node: 'n1' } };
    const down = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({
      status: 'unavailable',
      reason: 'cut off from the cluster',
      node: 'n1',
    });
  });

  test('refuses upgrades with 503 while not serving, and takes them again after', async () => {
    let serving = false;
    const { server } = await start(() => ({ serving, reason: 'draining' }));
    const token = await signDevToken(SECRET, 'alice', 'd1');
    const refused = await open(server.port, token);
    expect(refused.status).toBe(503);
    serving = true;
    const accepted = await open(server.port, token);
    expect(accepted.status).toBeUndefined();
    expect(server.clients()).toBe(1);
    accepted.ws.close();
  });

  test('sendAway closes every client with the given code', async () => {
    const { server } = await start(() => ({ serving: true }));
    const token = await signDevToken(SECRET, 'bob', 'd1');
    const a = await open(server.port, token);
    const b = await open(server.port, await signDevToken(SECRET, 'carol', 'd'));
    const closes = [a, b].map(
      ({ ws }) => new Promise<number>((resolve) => ws.once('close', (code) => resolve(code))),
    );
    expect(server.sendAway(1013, 'draining: reconnect to another node')).toBe(2);
    expect(await Promise.all(closes)).toEqual([1013, 1013]);
  });
});
