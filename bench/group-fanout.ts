/**
 * group-fanout: delivery latency of group messages to every member, all
 * online. Metric: p99 over every (message, member) pair of send→arrival.
 *
 * A server child on a fresh data directory; `--members` clients connect, the
 * first creates one group of all of them (`group.create`). Then `--messages`
 * messages, one every `--interval` ms on a fixed schedule (open loop), each
 * from the next of the first 16 members in turn; every other member's arrival
 * is timed from the scheduled send, and members ack `delivered` on arrival
 * like a real client (`--no-ack` to skip). The first `--warmup` messages are
 * not measured. Also reported: per message, the time until its last member
 * had it, and the `sent` ack latency.
 *
 * Defaults: --members 1024, --messages 60, --warmup 5, --interval 250.
 * Target: p99 ≤ 100 ms. `--cpu-prof FILE`: a CPU profile of the server's
 * main thread over the messages (see `bench/load/profile-top.ts`).
 */
import { randomBytes } from 'node:crypto';
import { arg, argString } from './args.ts';
import { Latency } from './load/histogram.ts';
import { load1, machine, sleepMs } from './load/machine.ts';
import { cpuMeter } from './load/proc.ts';
import { scrape, storeCalls } from './load/server-metrics.ts';
import { startServer } from './load/server-process.ts';
import { mapLimit, signedTokens } from './load/tokens.ts';
import { type Conn, connect, type ServerFrame } from './load/ws-client.ts';
import type { BenchResult } from './run.ts';

const log = (line: string) => process.stderr.write(`[group-fanout] ${line}\n`);
const TIMEOUT_MS = 30_000;
const SENDERS = 16;

interface Post {
  readonly dueMs: number;
  readonly measured: boolean;
  arrived: number;
  lastMs: number;
  sentMs: number;
}

export default async function groupFanout(args: string[]): Promise<BenchResult> {
  const members = arg(args, 'members', 1024);
  const messages = arg(args, 'messages', 60);
  const warmup = arg(args, 'warmup', 5);
  const intervalMs = arg(args, 'interval', 250);
  const ack = !args.includes('--no-ack');
  const cpuProf = argString(args, 'cpu-prof', '');
  const at = await machine();
  const prefix = `g${randomBytes(3).toString('hex')}u`;
  const server = await startServer();
  const tokens = signedTokens(server.secret);
  const perMember = new Latency();
  const lastMember = new Latency();
  const sentAck = new Latency();
  const posts = new Map<string, Post>();
  const errors: Record<string, number> = {};
  let groupId: string | undefined;
  let groupJoined = 0;
  let created!: (id: string) => void;
  const groupCreated = new Promise<string>((resolve) => {
    created = resolve;
  });

  const onFrame = (f: ServerFrame, conn: Conn) => {
    const now = performance.now();
    if (f.type === 'message' && f.group !== undefined) {
      if (ack)
        conn.sendText(
          `{"type":"ack","id":"${f.id}","from":"${f.from}","status":"delivered","group":"${f.group}"}`,
        );
      const p = posts.get(f.id!);
      if (p === undefined) return;
      p.arrived++;
      p.lastMs = now;
      if (p.measured) perMember.recordMs(now - p.dueMs);
    } else if (f.type === 'ack' && f.status === 'sent') {
      const p = posts.get(f.id!);
      if (p !== undefined) {
        p.sentMs = now;
        if (p.measured) sentAck.recordMs(now - p.dueMs);
      }
    } else if (f.type === 'group') {
      if (f.ref === 'create') created(f.id as string);
      else groupJoined++;
    } else if (f.type === 'error') {
      errors[f.code ?? '?'] = (errors[f.code ?? '?'] ?? 0) + 1;
    }
  };

  try {
    const t0 = performance.now();
    const conns = await mapLimit(
      Array.from({ length: members }, (_, i) => i),
      100,
      async (i) => {
        const user = `${prefix}${i}`;
        return connect({
          url: server.url,
          token: await tokens(user, 'd'),
          user,
          device: 'd',
          timeoutMs: TIMEOUT_MS,
          onFrame,
        });
      },
    );
    log(`${members} members connected in ${Math.round(performance.now() - t0)} ms`);
    conns[0]!.send({
      type: 'group.create',
      ref: 'create',
      name: 'fanout',
      members: conns.slice(1).map((c) => c.user),
    });
    groupId = await Promise.race([
      groupCreated,
      sleepMs(TIMEOUT_MS).then(() => {
        throw new Error(`no group created in ${TIMEOUT_MS} ms: ${JSON.stringify(errors)}`);
      }),
    ]);
    while (groupJoined < members - 1 && performance.now() - t0 < TIMEOUT_MS) await sleepMs(50);
    log(`group ${groupId} of ${members}; ${groupJoined} members were told`);
    await sleepMs(1000);

    const before = await scrape(server.httpUrl);
    if (cpuProf !== '') await server.profileStart();
    const cpu = cpuMeter(server.pid);
    const start = performance.now() + 50;
    for (let k = 0; k < messages; k++) {
      const dueMs = start + k * intervalMs;
      const wait = dueMs - performance.now();
      if (wait > 0) await sleepMs(wait);
      const id = `p${k}`;
      posts.set(id, { dueMs, measured: k >= warmup, arrived: 0, lastMs: 0, sentMs: 0 });
      conns[k % SENDERS]!.sendText(
        `{"type":"message","id":"${id}","group":"${groupId}","content":{"type":"text","body":"fan-out ${k} ${'x'.repeat(64)}"}}`,
      );
      if (k % 10 === 9) {
        const p = posts.get(`p${k - 5}`)!;
        log(`${k + 1}/${messages} sent; message ${k - 5} reached ${p.arrived}/${members - 1}`);
      }
    }
    const expected = members - 1;
    const deadline = performance.now() + TIMEOUT_MS;
    while ([...posts.values()].some((p) => p.arrived < expected) && performance.now() < deadline)
      await sleepMs(50);
    const serverCpu = cpu.stop();
    if (cpuProf !== '') log(`profile: ${await server.profileStop(cpuProf)}`);
    const calls = storeCalls(before, await scrape(server.httpUrl));
    let missing = 0;
    for (const p of posts.values()) {
      missing += expected - p.arrived;
      if (p.measured && p.arrived === expected) lastMember.recordMs(p.lastMs - p.dueMs);
    }
    for (const c of conns) c.close();
    const s = perMember.summary();
    return {
      metric: 'p99_delivery_ms',
      value: s.p99Ms,
      unit: 'ms',
      target: 100,
      members,
      messages,
      measured: messages - warmup,
      intervalMs,
      ack,
      perMember: s,
      allMembers: lastMember.summary(),
      sentAck: sentAck.summary(),
      missing,
      errors,
      serverCpu,
      storeCalls: calls,
      loadAvg1: load1(),
      machine: at,
    };
  } finally {
    await server.stop();
  }
}
