/**
 * connections: server memory per idle connection, its user actor included.
 * Metric: bytes_per_connection (RSS growth ÷ connections).
 *
 * A server child on a fresh data directory; `--warm` connections first (so
 * code paths, pools and caches exist before the baseline), then the baseline
 * (`process.memoryUsage()` after two full GCs, read through the child's IPC
 * hook, and VmRSS from /proc); then `--n` more connections, held by
 * `--procs` child processes (the open-files cap is per process), each waiting
 * for `welcome`; `--settle` seconds idle; then the same readings again.
 * Reported per connection: RSS, V8 heap used, external + array buffers.
 *
 * Defaults: --n 15000, --procs 2, --warm 200, --settle 5. Target ≤ 8 KB (8192 B).
 * `--heap-snapshots DIR` also writes V8 heap snapshots of the server at both
 * readings (`before.heapsnapshot`, `after.heapsnapshot`); compare them with
 * `npx tsx bench/load/heap-diff.ts DIR/before.heapsnapshot DIR/after.heapsnapshot --per N`.
 * `--cpu-prof FILE`: a CPU profile of the server's main thread while the
 * connections are made (see `bench/load/profile-top.ts`).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, argString } from './args.ts';
import { load1, machine, sleepMs } from './load/machine.ts';
import { mib, rssBytes } from './load/proc.ts';
import { scrape, series } from './load/server-metrics.ts';
import { type ProcessMemory, type ServerProcess, startServer } from './load/server-process.ts';
import type { BenchResult } from './run.ts';

const here = dirname(fileURLToPath(import.meta.url));
const log = (line: string) => process.stderr.write(`[connections] ${line}\n`);

interface Ready {
  readonly t: 'ready';
  readonly connected: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly ms: number;
}

interface Holder {
  readonly child: ChildProcess;
  readonly ready: Promise<Ready>;
  close(): Promise<void>;
}

function hold(
  server: ServerProcess,
  prefix: string,
  from: number,
  count: number,
  timeoutMs: number,
): Holder {
  const child = fork(join(here, 'load', 'conn-holder.ts'), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<Ready>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`connection holder did not get ready in ${timeoutMs} ms`)),
      timeoutMs,
    );
    child.on('message', (m: Ready) => {
      if (m.t !== 'ready') return;
      clearTimeout(timer);
      resolve(m);
    });
    void exited.then(() => reject(new Error('connection holder exited early')));
  });
  child.send({
    t: 'open',
    url: server.url,
    secret: server.secret,
    prefix,
    from,
    count,
    concurrency: 200,
    timeoutMs: 30_000,
  });
  return {
    child,
    ready,
    async close() {
      if (child.exitCode === null) child.send({ t: 'close' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Reading {
  readonly memory: ProcessMemory;
  readonly vmRss: number;
  readonly actors: number;
  readonly connectionsOpen: number;
}

async function read(server: ServerProcess): Promise<Reading> {
  const memory = await server.memory(true);
  const metrics = await scrape(server.httpUrl);
  return {
    memory,
    vmRss: rssBytes(server.pid),
    actors: series(metrics, 'parley_actors'),
    connectionsOpen: series(metrics, 'parley_connections_open'),
  };
}

export default async function connections(args: string[]): Promise<BenchResult> {
  const n = arg(args, 'n', 15_000);
  const procs = arg(args, 'procs', 2);
  const warm = arg(args, 'warm', 200);
  const settleS = arg(args, 'settle', 5);
  const snapshots = argString(args, 'heap-snapshots', '');
  const cpuProf = argString(args, 'cpu-prof', '');
  const at = await machine();
  const prefix = `k${randomBytes(3).toString('hex')}u`;
  const server = await startServer();
  const holders: Holder[] = [];
  try {
    const warmHolder = hold(server, `${prefix}w`, 0, warm, 60_000);
    holders.push(warmHolder);
    const w = await warmHolder.ready;
    log(`warm-up: ${w.connected} connections (${w.failed} failed) in ${w.ms} ms`);
    await sleepMs(settleS * 1000);
    const before = await read(server);
    if (snapshots !== '') await server.heapSnapshot(join(snapshots, 'before.heapsnapshot'));
    log(
      `baseline: RSS ${mib(before.vmRss)} MiB, heap used ${mib(before.memory.heapUsed)} MiB, actors ${before.actors}, open ${before.connectionsOpen}`,
    );
    const per = Math.ceil(n / procs);
    if (cpuProf !== '') await server.profileStart();
    const t0 = performance.now();
    const batch: Holder[] = [];
    for (let p = 0; p < procs; p++) {
      const count = Math.min(per, n - p * per);
      if (count > 0) batch.push(hold(server, prefix, p * per, count, 600_000));
    }
    holders.push(...batch);
    const readies = await Promise.all(batch.map((h) => h.ready));
    const connected = readies.reduce((s, r) => s + r.connected, 0);
    const failed = readies.reduce((s, r) => s + r.failed, 0);
    const connectMs = Math.round(performance.now() - t0);
    if (cpuProf !== '') log(`profile: ${await server.profileStop(cpuProf)}`);
    log(
      `${connected} connected, ${failed} failed in ${connectMs} ms${failed > 0 ? `; first error: ${readies.find((r) => r.firstError)?.firstError}` : ''}`,
    );
    await sleepMs(settleS * 1000);
    const after = await read(server);
    if (snapshots !== '') await server.heapSnapshot(join(snapshots, 'after.heapsnapshot'));
    log(
      `after: RSS ${mib(after.vmRss)} MiB, heap used ${mib(after.memory.heapUsed)} MiB, actors ${after.actors}, open ${after.connectionsOpen}`,
    );
    const perConn = (a: number, b: number) => Math.round((a - b) / Math.max(1, connected));
    const rssPer = perConn(after.vmRss, before.vmRss);
    return {
      metric: 'bytes_per_connection',
      value: rssPer,
      unit: 'B',
      target: 8192,
      connections: connected,
      failed,
      connectMs,
      connectsPerS: Math.round((connected / connectMs) * 1000),
      heapUsedPerConnection: perConn(after.memory.heapUsed, before.memory.heapUsed),
      heapTotalPerConnection: perConn(after.memory.heapTotal, before.memory.heapTotal),
      externalPerConnection: perConn(
        after.memory.external + after.memory.arrayBuffers,
        before.memory.external + before.memory.arrayBuffers,
      ),
      actorsAdded: after.actors - before.actors,
      before: { rssMiB: mib(before.vmRss), heapUsedMiB: mib(before.memory.heapUsed) },
      after: { rssMiB: mib(after.vmRss), heapUsedMiB: mib(after.memory.heapUsed) },
      serverLogLines: { ...server.logLines },
      loadAvg1: load1(),
      machine: at,
    };
  } finally {
    await Promise.all(holders.map((h) => h.close()));
    await server.stop();
  }
}
