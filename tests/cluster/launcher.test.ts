/**
 * `npm run cluster -- --nodes 3 --json` as an operator (and an unseen
 * acceptance test) runs it: one JSON line once everything answers; a person
 * on node 1 chats with a person on node 3, over WebSocket and over MQTT
 * (every node serves its own MQTT port); every `parleyctl` command works
 * against it, as a table and as `--json`; SIGTERM stops everything.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../../cluster/index.ts';
import { parleyctl } from '../support/cluster-keys.ts';
import { MqttClient } from '../support/mqtt-client.ts';
import { signToken } from '../support/tokens.ts';
import { WsClient } from '../support/ws-client.ts';

interface Summary {
  nodes: { id: string; url: string; ws: string; mqtt: string; admin: string; pid: number }[];
  nats: string;
  redis: string;
  cassandra: string;
  jwtSecret: string;
}

let launcher: ChildProcess;
let summary: Summary;
let launcherErr = '';

beforeAll(async () => {
  const { contactPoint, localDataCenter } = inject('cassandra');
  launcher = spawn('npm', ['run', '--silent', 'cluster', '--', '--nodes', '3', '--json'], {
    cwd: process.cwd(),
    env: {
      ...process.env,
      PARLEY_TEST_CASSANDRA: contactPoint,
      PARLEY_TEST_CASSANDRA_DC: localDataCenter,
      PARLEY_CASSANDRA_KEYSPACE: `launcher_${process.pid}`,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  launcher.stderr?.on('data', (c: Buffer) => {
    launcherErr += c.toString();
  });
  const lines = createInterface({ input: launcher.stdout! });
  summary = await new Promise<Summary>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no JSON line in 150 s:\n${launcherErr}`)),
      150_000,
    );
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as Summary);
      } catch (err) {
        reject(new Error(`not JSON: ${line} (${String(err)})`));
      }
    });
    launcher.once('exit', (code) => reject(new Error(`launcher exited ${code}:\n${launcherErr}`)));
  });
}, 180_000);

const running = () =>
  launcher !== undefined && launcher.exitCode === null && launcher.signalCode === null;

afterAll(async () => {
  if (running()) {
    const exited = new Promise((r) => launcher.once('exit', r));
    process.kill(-launcher.pid!, 'SIGTERM');
    await exited;
  }
});

/** parleyctl in this process (the same `runCli` the bin runs): fast enough to try every command. */
async function ctl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
    env: {},
  });
  return { code, stdout, stderr };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm run cluster -- --nodes 3 --json', () => {
  it('prints one line with every node, the services and the secret', () => {
    expect(summary.nodes.map((n) => n.id)).toEqual(['node-1', 'node-2', 'node-3']);
    for (const n of summary.nodes) {
      expect(n.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(n.ws).toBe(`${n.url.replace('http:', 'ws:')}/ws`);
      expect(n.admin).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(n.mqtt).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
      expect(Number.isInteger(n.pid)).toBe(true);
      expect(() => process.kill(n.pid, 0)).not.toThrow();
    }
    expect(summary.nats).toMatch(/^nats:\/\/127\.0\.0\.1:\d+$/);
    expect(summary.redis).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(summary.jwtSecret.length).toBeGreaterThan(16);
  });

  it('lets a person on node 1 chat with a person on node 3', async () => {
    const token = (sub: string) => signToken(summary.jwtSecret, { sub, dev: 'web' });
    const ann = await WsClient.open(summary.nodes[0]!.ws, { token: await token('ann') });
    const ben = await WsClient.open(summary.nodes[2]!.ws, { token: await token('ben') });
    await ann.waitFor((f) => f.type === 'welcome');
    await ben.waitFor((f) => f.type === 'welcome');
    ann.send({
      type: 'message',
      id: 'hello-1',
      to: 'ben',
      content: { type: 'text', body: 'hi ben' },
    });
    await ann.waitFor((f) => f.type === 'ack' && f.status === 'sent', 15_000);
    const got = await ben.waitFor((f) => f.type === 'message' && f.id === 'hello-1', 15_000);
    expect(got.from).toBe('ann');
    ben.send({
      type: 'message',
      id: 'hello-2',
      to: 'ann',
      content: { type: 'text', body: 'hi ann' },
    });
    await ann.waitFor((f) => f.type === 'message' && f.id === 'hello-2', 15_000);
    await ann.close();
    await ben.close();
  });

  it('lets an MQTT user on node 1 chat with a WebSocket user on node 3, with receipts', async () => {
    const token = (sub: string, dev: string) => signToken(summary.jwtSecret, { sub, dev });
    const cal = await MqttClient.open(summary.nodes[0]!.mqtt, {
      token: await token('cal', 'phone'),
    });
    const dee = await WsClient.open(summary.nodes[2]!.ws, { token: await token('dee', 'web') });
    try {
      expect(await cal.waitFor((f) => f.type === 'welcome')).toMatchObject({
        user: 'cal',
        device: 'phone',
      });
      await dee.waitFor((f) => f.type === 'welcome');
      cal.send({ type: 'message', id: 'mq-1', to: 'dee', content: { type: 'text', body: 'hi' } });
      await cal.waitFor((f) => f.type === 'ack' && f.id === 'mq-1' && f.status === 'sent', 15_000);
      expect(
        await dee.waitFor((f) => f.type === 'message' && f.id === 'mq-1', 15_000),
      ).toMatchObject({ from: 'cal', to: 'dee' });
      dee.send({ type: 'ack', id: 'mq-1', from: 'cal', status: 'read' });
      await cal.waitFor((f) => f.type === 'ack' && f.id === 'mq-1' && f.status === 'read', 15_000);
      dee.send({ type: 'message', id: 'ws-1', to: 'cal', content: { type: 'text', body: 'yo' } });
      expect(
        await cal.waitFor((f) => f.type === 'message' && f.id === 'ws-1', 15_000),
      ).toMatchObject({ from: 'dee', to: 'cal' });
      expect(cal.packets.every((p) => p.qos === 1)).toBe(true);
    } finally {
      await cal.close();
      await dee.close();
    }
  });

  it('answers parleyctl nodes, ring, actors, inspect, kill, tree and stats', async () => {
    const admin = summary.nodes[0]!.admin;
    // The bin itself, once, as an operator runs it from the checkout.
    const viaNpx = await parleyctl(['--admin', admin, 'nodes']);
    expect(viaNpx.stderr).toBe('');
    expect(viaNpx.code).toBe(0);
    expect(viaNpx.stdout).toMatch(/node-1/);
    expect(viaNpx.stdout).toMatch(/node-3/);

    const nodes = await ctl(['--admin', admin, 'nodes', '--json']);
    expect(nodes.code).toBe(0);
    const nodesDoc = JSON.parse(nodes.stdout);
    expect(nodesDoc.nodes.map((n: { id: string }) => n.id).sort()).toEqual([
      'node-1',
      'node-2',
      'node-3',
    ]);

    const ring = JSON.parse((await ctl(['--admin', admin, 'ring', '--json'])).stdout);
    const total = ring.nodes.reduce((n: number, r: { shards: number }) => n + r.shards, 0);
    expect(total).toBe(ring.shardCount);
    expect((await ctl(['--admin', admin, 'ring'])).stdout).toMatch(/SHARDS/);

    const inspect = await ctl(['--admin', admin, 'inspect', 'user:ann', '--json']);
    expect(inspect.code).toBe(0);
    const doc = JSON.parse(inspect.stdout);
    expect(doc.key).toBe('user:ann');
    expect(summary.nodes.map((n) => n.id)).toContain(doc.node);

    const actors = await ctl(['--admin', admin, 'actors', '--node', doc.node, '--json']);
    expect(actors.code).toBe(0);
    expect(actors.stdout).toContain('user:ann');
    expect((await ctl(['--admin', admin, 'actors'])).code).toBe(0);

    const killed = await ctl(['--admin', admin, 'kill', 'user:ann', '--json']);
    expect(killed.code).toBe(0);
    expect(JSON.parse(killed.stdout).killed).toBe(true);

    const tree = await ctl(['--admin', admin, 'tree', '--node', 'node-2', '--json']);
    expect(tree.code).toBe(0);
    expect(tree.stdout).toContain('activator');
    expect((await ctl(['--admin', admin, 'tree'])).stdout).toContain('parley.root');

    const stats = await ctl(['--admin', admin, 'stats', '--json']);
    expect(stats.code).toBe(0);
    expect(JSON.parse(stats.stdout).nodes).toHaveLength(3);

    expect((await ctl(['--admin', admin, 'nosuchcommand'])).code).toBe(2);
    const down = await ctl(['--admin', '127.0.0.1:1', 'nodes']);
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('127.0.0.1:1');
  }, 120_000);

  it('stops every process it started on SIGTERM', async () => {
    const pids = summary.nodes.map((n) => n.pid);
    const exited = new Promise((r) => launcher.once('exit', r));
    // As Ctrl-C in a terminal does: the signal goes to the launcher's whole process group.
    process.kill(-launcher.pid!, 'SIGTERM');
    await exited;
    // The nodes drain and exit within their bound.
    const deadline = Date.now() + 20_000;
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);
});
