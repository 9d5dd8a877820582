/**
 * Membership (`cluster/membership.ts`) against a real nats-server, started
 * by `tests/support/nats-server.ts` (a missing server fails the file, it
 * never skips). Bounds are asserted on the real clock with the default
 * timing: heartbeat 250 ms, down after 2 s.
 */
import { Worker } from 'node:worker_threads';
import { connect, type NatsConnection } from 'nats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClusterPlacement,
  decodeMembershipMessage as decodeWire,
  encodeMembershipMessage as encodeWire,
  Membership,
  type RemovalReason,
  type View,
} from '../cluster/index.ts';
import { systemClock } from '../runtime/index.ts';
import { captureLogger } from '../runtime/testing/index.ts';
import { type NatsServer, startNatsServer } from './support/nats-server.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

interface Removal {
  readonly atMs: number;
  readonly node: string;
  readonly reason: RemovalReason | 'unknown';
}

interface TestNode {
  readonly name: string;
  readonly nc: NatsConnection;
  readonly m: Membership;
  readonly removals: Removal[];
  readonly versions: number[];
}

let server: NatsServer;
let subjectSeq = 0;
const open: TestNode[] = [];

beforeAll(async () => {
  server = await startNatsServer();
});

afterAll(async () => {
  for (const n of open) {
    await n.m.close();
    await n.nc.close().catch(() => {});
  }
  await server?.stop();
});

async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

/** Polls `pred` every 5 ms; returns the ms it took, or throws naming `what`. */
async function waitFor(what: string, pred: () => boolean, timeoutMs = 5000): Promise<number> {
  const start = performance.now();
  while (!pred()) {
    if (performance.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
  return performance.now() - start;
}

async function startNode(
  name: string,
  url: string,
  subject: string,
  creation = 1,
): Promise<TestNode> {
  const nc = await connect({
    servers: url,
    name,
    reconnectTimeWait: 250,
    maxReconnectAttempts: -1,
  });
  const m = new Membership({
    nc,
    self: { node: name, creation, http: `http://127.0.0.1/${name}` },
    clock: systemClock,
    subject,
    log: captureLogger('info').logger,
  });
  const node: TestNode = { name, nc, m, removals: [], versions: [] };
  m.onChange((view: View, previous: View) => {
    node.versions.push(view.version);
    for (const p of previous.members) {
      if (!view.members.some((v) => v.node === p.node && v.creation === p.creation)) {
        node.removals.push({ atMs: performance.now(), node: p.node, reason: 'unknown' });
      }
    }
  });
  open.push(node);
  return node;
}

const members = (n: TestNode) => n.m.view().members.map((m) => m.node);
const has = (n: TestNode, node: string) => members(n).includes(node);

describe('Membership over a real nats-server', () => {
  it('converges three nodes to one view within one heartbeat round, with growing versions', async () => {
    const subject = `t${++subjectSeq}.cluster`;
    const nodes = await Promise.all(['a', 'b', 'c'].map((n) => startNode(n, server.url, subject)));
    for (const n of nodes) n.m.start();
    const tookMs = await waitFor('three-node view', () =>
      nodes.every((n) => members(n).join() === 'a,b,c'),
    );
    console.log(`[membership] 3 nodes converged in ${tookMs.toFixed(0)} ms`);
    expect(tookMs).toBeLessThan(250);
    for (const n of nodes) {
      expect(n.versions).toEqual([...n.versions].sort((x, y) => x - y));
      expect(new Set(n.versions).size).toBe(n.versions.length);
    }
    // Same members, same owners.
    const placements = nodes.map((n) => new ClusterPlacement(n.m));
    for (const key of ['user:alice', 'user:bob', 'group:g1']) {
      expect(new Set(placements.map((p) => p.owner(key))).size).toBe(1);
    }
    for (const n of nodes) await n.m.close();
  });

  it('removes a node whose connection closed as soon as it is suspect (a probe finds no responders), well under downAfterMs', async () => {
    const subject = `t${++subjectSeq}.cluster`;
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((n) => startNode(n, server.url, subject)),
    );
    for (const n of [a!, b!, c!]) n.m.start();
    await waitFor('three-node view', () => [a!, b!, c!].every((n) => members(n).length === 3));
    await sleep(300);
    const closedAt = performance.now();
    await c!.nc.close();
    await waitFor('c removed', () => !has(a!, 'c') && !has(b!, 'c'), 4000);
    const took = [a!, b!].map((n) => n.removals.find((r) => r.node === 'c')!.atMs - closedAt);
    console.log(
      `[membership] closed node removed after ${took.map((t) => t.toFixed(0)).join(', ')} ms`,
    );
    for (const t of took) {
      // Suspect after 1 s of silence, then one tick and a probe's round trip (downAfterMs is 2 s).
      expect(t).toBeLessThanOrEqual(1600);
      // Silence counts from the last heartbeat, sent up to a (possibly late) period before the close.
      expect(t).toBeGreaterThanOrEqual(500);
    }
    expect(a!.m.stats.downs).toBe(1);
    expect(a!.m.stats.fastDowns).toBe(1);
    expect(b!.m.stats.fastDowns).toBe(1);
    expect(members(a!)).toEqual(['a', 'b']);
    for (const n of [a!, b!, c!]) await n.m.close();
  });

  it('removes a node that leaves at once, and ignores its late heartbeats', async () => {
    const subject = `t${++subjectSeq}.cluster`;
    const [a, b, c] = await Promise.all(
      ['a', 'b', 'c'].map((n) => startNode(n, server.url, subject)),
    );
    for (const n of [a!, b!, c!]) n.m.start();
    await waitFor('three-node view', () => [a!, b!, c!].every((n) => members(n).length === 3));
    const started = performance.now();
    await a!.m.leave();
    expect(members(a!)).toEqual(['b', 'c']);
    const tookMs = await waitFor('a gone', () => !has(b!, 'a') && !has(c!, 'a'), 1000);
    console.log(
      `[membership] leave seen by the others in ${(performance.now() - started).toFixed(0)} ms`,
    );
    // At once: well under a heartbeat period, where silence would take downAfterMs.
    expect(tookMs).toBeLessThan(250);
    // A heartbeat of the left incarnation arriving late (another path, a slow client) is stale.
    a!.nc.publish(
      `${subject}.heartbeat`,
      encodeWire({
        v: 1,
        type: 'heartbeat',
        join: false,
        member: { ...a!.m.self(), status: 'up' },
      }),
    );
    await sleep(100);
    expect(has(b!, 'a')).toBe(false);
    expect(b!.m.stats.left).toBe(1);
    expect(b!.m.stats.staleHeartbeats).toBeGreaterThanOrEqual(1);
    // A new incarnation of a joins again.
    const a2 = await startNode('a', server.url, subject, 2);
    a2.m.start();
    await waitFor('a@2 joined', () => [a2, b!, c!].every((n) => members(n).join() === 'a,b,c'));
    for (const n of [a2, b!, c!]) await n.m.close();
  });

  it('marks a node cut off from NATS isolated within the bound, and it judges nobody meanwhile', async () => {
    const subject = `t${++subjectSeq}.cluster`;
    const proxy = await startTcpProxy({ host: '127.0.0.1', port: server.port });
    try {
      const a = await startNode('a', server.url, subject);
      const b = await startNode('b', server.url, subject);
      const c = await startNode('c', `nats://127.0.0.1:${proxy.port}`, subject);
      const isolation: { atMs: number; isolated: boolean }[] = [];
      c.m.onIsolation((isolated) => isolation.push({ atMs: performance.now(), isolated }));
      for (const n of [a, b, c]) n.m.start();
      await waitFor('three-node view', () => [a, b, c].every((n) => members(n).length === 3));
      const placement = new ClusterPlacement(c.m);
      expect(placement.owner('user:alice')).toBeDefined();
      await sleep(300);
      const cutAt = performance.now();
      proxy.cut({ blackhole: true });
      await waitFor('c isolated', () => c.m.isolated(), 4000);
      const isolatedAfter = isolation[0]!.atMs - cutAt;
      await waitFor('c removed by the others', () => !has(a, 'c') && !has(b, 'c'), 4000);
      const removedAfter = a.removals.find((r) => r.node === 'c')!.atMs - cutAt;
      console.log(
        `[membership] cut-off node isolated after ${isolatedAfter.toFixed(0)} ms, removed by the others after ${removedAfter.toFixed(0)} ms`,
      );
      expect(isolatedAfter).toBeLessThanOrEqual(2300);
      expect(isolatedAfter).toBeGreaterThanOrEqual(1500);
      expect(removedAfter).toBeLessThanOrEqual(2300);
      // Its connection is still open at the server (black-holed): probes time out, no fast down.
      expect(removedAfter).toBeGreaterThanOrEqual(1500);
      expect(a.m.stats.fastDowns).toBe(0);
      expect(placement.owner('user:alice')).toBeUndefined();
      await sleep(500);
      // Cut off, c cannot tell dead peers from its own isolation: it keeps them.
      expect(members(c)).toEqual(['a', 'b', 'c']);
      expect(c.removals).toEqual([]);
      const healAt = performance.now();
      proxy.heal();
      await waitFor('c back', () => !c.m.isolated() && [a, b].every((n) => has(n, 'c')), 4000);
      console.log(`[membership] healed node back in ${(performance.now() - healAt).toFixed(0)} ms`);
      expect(isolation.map((i) => i.isolated)).toEqual([true, false]);
      expect(a.m.stats.rejoins).toBe(1);
      expect(placement.owner('user:alice')).toBeDefined();
      await sleep(2500);
      expect(c.removals).toEqual([]);
      expect(members(c)).toEqual(['a', 'b', 'c']);
      for (const n of [a, b, c]) await n.m.close();
    } finally {
      await proxy.close();
    }
  });

  it('recovers from a nats-server restart without removing anyone', async () => {
    const own = await startNatsServer();
    try {
      const subject = `t${++subjectSeq}.cluster`;
      const nodes = await Promise.all(['a', 'b', 'c'].map((n) => startNode(n, own.url, subject)));
      for (const n of nodes) n.m.start();
      await waitFor('three-node view', () => nodes.every((n) => members(n).length === 3));
      await sleep(500);
      const restartAt = performance.now();
      await own.restart();
      const back = await waitFor(
        'views after the restart',
        () => nodes.every((n) => members(n).length === 3 && n.nc.isClosed() === false),
        8000,
      );
      // Stay long enough for any false verdict to show (more than downAfterMs).
      await sleep(3000);
      const removals = nodes.flatMap((n) => n.removals);
      const isolations = nodes.map((n) => n.m.stats.isolations);
      console.log(
        `[membership] nats-server restart: restart took ${(performance.now() - restartAt - back - 3000).toFixed(0)} ms, false removals ${removals.length}, isolations per node ${isolations.join('/')}, late ticks ${nodes.map((n) => n.m.stats.lateTicks).join('/')}`,
      );
      expect(removals).toEqual([]);
      for (const n of nodes) {
        expect(members(n)).toEqual(['a', 'b', 'c']);
        expect(n.m.isolated()).toBe(false);
      }
      for (const n of nodes) await n.m.close();
    } finally {
      await own.stop();
    }
  });

  it('survives a nats-server outage longer than downAfterMs: all isolated, nobody removed', async () => {
    const first = await startNatsServer();
    let second: NatsServer | undefined;
    try {
      const subject = `t${++subjectSeq}.cluster`;
      const nodes = await Promise.all(['a', 'b', 'c'].map((n) => startNode(n, first.url, subject)));
      for (const n of nodes) n.m.start();
      await waitFor('three-node view', () => nodes.every((n) => members(n).length === 3));
      await first.stop();
      await waitFor('all isolated', () => nodes.every((n) => n.m.isolated()), 4000);
      await sleep(1000);
      second = await startNatsServer({ port: first.port });
      const back = await waitFor(
        'all reconnected',
        () => nodes.every((n) => !n.m.isolated() && members(n).length === 3),
        8000,
      );
      await sleep(3000);
      const removals = nodes.flatMap((n) => n.removals);
      console.log(
        `[membership] nats-server down ~3 s: back ${back.toFixed(0)} ms after the new server, false removals ${removals.length}, suspicions cleared ${nodes.map((n) => n.m.stats.suspicionsCleared).join('/')}`,
      );
      expect(removals).toEqual([]);
      for (const n of nodes) {
        expect(members(n)).toEqual(['a', 'b', 'c']);
        expect(n.m.stats.isolations).toBe(1);
      }
      for (const n of nodes) await n.m.close();
    } finally {
      await first.stop();
      await second?.stop();
    }
  });

  it('drops malformed messages, counting them, and rejects bad options by name', async () => {
    const subject = `t${++subjectSeq}.cluster`;
    const a = await startNode('a', server.url, subject);
    a.m.start();
    await waitFor('a in its view', () => has(a, 'a'));
    a.nc.publish(`${subject}.heartbeat`, new Uint8Array([0xc1]));
    a.nc.publish(`${subject}.heartbeat`, encodeWire({ v: 2 } as never));
    await waitFor('two bad messages', () => a.m.stats.badMessages === 2, 1000);
    expect(() => decodeWire(encodeWire({ v: 1, type: 'leave', node: '', creation: 1 }))).toThrow(
      'membership message node must be a name of 1..255 characters, got ""',
    );
    expect(
      () => new Membership({ nc: a.nc, self: { node: 'x', creation: -1 }, clock: systemClock }),
    ).toThrow('membership self.creation must be an integer >= 0, got -1');
    expect(
      () =>
        new Membership({
          nc: a.nc,
          self: { node: 'x', creation: 1 },
          clock: systemClock,
          subject: 'bad.*',
        }),
    ).toThrow('membership subject must be dot-separated tokens without wildcards, got "bad.*"');
    expect(() => a.m.setStatus('leaving' as never)).toThrow(
      'membership status must be "up" or "draining", got "leaving"',
    );
    // A status change reaches the others within a round trip and takes our shards away.
    const b = await startNode('b', server.url, subject);
    b.m.start();
    await waitFor('two members', () => members(a).length === 2 && members(b).length === 2);
    a.m.setStatus('draining');
    const placement = new ClusterPlacement(b.m);
    await waitFor('a draining at b', () => placement.shardMap().nodes.join() === 'b', 1000);
    expect(placement.owner('user:alice')).toBe('b');
    for (const n of [a, b]) await n.m.close();
  });
});

/**
 * One membership node in a worker thread: its own event loop, so that a busy-block in it is a
 * real local pause (Node runs expired timers before reading sockets afterwards). It posts
 * `{type: 'removed', node}` for every member it drops, `{type: 'ready'}` once it sees `expect`
 * members, and `{type: 'stats', stats}` when told `{type: 'stop'}`; told `{type: 'block', ms}` it
 * blocks its event loop that long.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
(async () => {
  (await import('tsx/esm/api')).register();
  const { connect } = await import('nats');
  const { Membership } = await import(workerData.cluster);
  const { systemClock } = await import(workerData.runtime);
  const nc = await connect({ servers: workerData.url, reconnectTimeWait: 250, maxReconnectAttempts: -1 });
  const m = new Membership({ nc, self: { node: workerData.node, creation: 1 }, clock: systemClock, subject: workerData.subject });
  let ready = false;
  m.onChange((view, previous) => {
    for (const p of previous.members)
      if (!view.members.some((v) => v.node === p.node)) parentPort.postMessage({ type: 'removed', node: p.node });
    if (!ready && view.members.length === workerData.expect) { ready = true; parentPort.postMessage({ type: 'ready' }); }
  });
  parentPort.on('message', async (msg) => {
    if (msg.type === 'block') { const end = performance.now() + msg.ms; while (performance.now() < end) {} }
    if (msg.type === 'stop') {
      parentPort.postMessage({ type: 'stats', stats: m.stats, members: m.view().members.map((x) => x.node) });
      await m.close(); await nc.close();
    }
  });
  m.start();
})().catch((err) => parentPort.postMessage({ type: 'error', err: String(err) }));
`;

interface WorkerNode {
  readonly node: string;
  readonly worker: Worker;
  readonly removed: string[];
  ready: Promise<void>;
}

function startWorker(node: string, url: string, subject: string, expect: number): WorkerNode {
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: {
      node,
      url,
      subject,
      expect,
      // The modules themselves, not the index files: a worker transpiles what it loads, and the
      // cluster index pulls in gRPC and the admin API.
      cluster: new URL('../cluster/membership.ts', import.meta.url).pathname,
      runtime: new URL('../runtime/clock.ts', import.meta.url).pathname,
    },
  });
  const removed: string[] = [];
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (msg: { type: string; node?: string; err?: string }) => {
      if (msg.type === 'ready') resolve();
      if (msg.type === 'removed') removed.push(msg.node!);
      if (msg.type === 'error') reject(new Error(`worker ${node}: ${msg.err}`));
    });
    worker.on('error', reject);
  });
  return { node, worker, removed, ready };
}

function stopWorker(w: WorkerNode): Promise<{ stats: Record<string, number>; members: string[] }> {
  return new Promise((resolve) => {
    w.worker.on(
      'message',
      (msg: { type: string; stats?: Record<string, number>; members?: string[] }) => {
        if (msg.type === 'stats') {
          resolve({ stats: msg.stats!, members: msg.members! });
          setTimeout(() => void w.worker.terminate(), 200);
        }
      },
    );
    w.worker.postMessage({ type: 'stop' });
  });
}

describe('Membership under real local pauses (a busy event loop in its own thread)', () => {
  it('neither removes others while paused nor is removed for pauses under downAfterMs; after a 3 s pause it rejoins', async () => {
    const seed = Number(process.env.FC_SEED);
    let x = seed >>> 0;
    const next = () => {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      return x / 2 ** 32;
    };
    // Pauses of 100..1400 ms: under downAfterMs minus one heartbeat, so none may cost a removal.
    const pauses = Array.from({ length: 6 }, () => Math.round(100 + next() * 1300));
    console.log(`[membership] FC_SEED=${seed} pauses ${pauses.join(', ')} ms`);
    const subject = `t${++subjectSeq}.cluster`;
    // a and b run here; c in a worker thread, so that only c's event loop is blocked.
    const c = startWorker('c', server.url, subject, 3);
    try {
      const [a, b] = await Promise.all(['a', 'b'].map((n) => startNode(n, server.url, subject)));
      for (const n of [a!, b!]) n.m.start();
      const readyFrom = performance.now();
      await c.ready;
      console.log(`[membership] worker ready in ${(performance.now() - readyFrom).toFixed(0)} ms`);
      await waitFor('three-node view', () => [a!, b!].every((n) => members(n).length === 3));
      for (const ms of pauses) {
        c.worker.postMessage({ type: 'block', ms });
        await sleep(ms + 200 + next() * 400);
      }
      await sleep(500);
      const removedBy = () => ({
        a: a!.removals.map((r) => r.node),
        b: b!.removals.map((r) => r.node),
        c: c.removed,
      });
      expect(removedBy()).toEqual({ a: [], b: [], c: [] });
      // Longer than downAfterMs: the others rightly drop c, but c, paused, drops nobody.
      c.worker.postMessage({ type: 'block', ms: 3000 });
      await sleep(3000 + 2000);
      const sc = await stopWorker(c);
      const [sa, sb] = [a!.m.stats, b!.m.stats];
      console.log(
        `[membership] paused node: late ticks ${sc.stats.lateTicks}, max tick gap ${sc.stats.maxTickGapMs} ms, downs ${sc.stats.downs}, deferred ${sc.stats.downsDeferred}; others: suspicions ${sa.suspicions}/${sb.suspicions}, cleared ${sa.suspicionsCleared}/${sb.suspicionsCleared}, rejoins ${sa.rejoins}/${sb.rejoins}`,
      );
      expect(removedBy()).toEqual({ a: ['c'], b: ['c'], c: [] });
      expect(sc.stats.downs).toBe(0);
      // A blocked event loop keeps its NATS subscriptions: probes of c time out, never fast-down it.
      expect([sa.fastDowns, sb.fastDowns]).toEqual([0, 0]);
      expect(sa.probesSent).toBeGreaterThan(0);
      expect(sc.stats.lateTicks).toBeGreaterThanOrEqual(pauses.filter((p) => p > 400).length + 1);
      expect([sa.rejoins, sb.rejoins]).toEqual([1, 1]);
      expect(sc.members).toEqual(['a', 'b', 'c']);
      for (const n of [a!, b!]) {
        expect(members(n)).toEqual(['a', 'b', 'c']);
        await n.m.close();
      }
    } finally {
      await c.worker.terminate();
    }
  }, 60_000);
});
