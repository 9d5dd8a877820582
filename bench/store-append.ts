/**
 * Inbox appends per second at a fixed concurrency, with per-append latency.
 *
 *   npm run bench -- store-append [--store lmdb|cassandra] [--concurrency N]
 *       [--count N] [--users N] [--items N] [--path DIR]
 *       [--contact host:port] [--dc NAME] [--keyspace NAME]
 *
 * `concurrency` appenders run at once; appender w owns the users u with
 * u % concurrency == w (default: one user each) and appends to them in turn,
 * each user with its own epoch, one call of `items` messages at a time (the
 * way a user actor persists). Every call is timed from issue to the resolve of
 * its promise, which for LMDB means durable on disk. Prints appends/s (items),
 * p50/p99 latency per call, and CPU per append: of the main thread
 * (`main_us_per_append`, from /proc on Linux; it is what the chat server's
 * event loop pays, and unlike appends/s it does not move when other
 * processes share the cores) and of the whole process (`process_us_per_append`,
 * adding lmdb-js's write thread: commits and fsync waits).
 *
 * LMDB runs in a fresh temporary directory (or `--path`). Cassandra needs
 * `--contact host:port` and a `openCassandraStore` export in store/index.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InboxAppend, Store } from '../store/index.ts';
import * as storeModule from '../store/index.ts';
import type { BenchResult } from './run.ts';

interface Args {
  readonly store: string;
  readonly concurrency: number;
  readonly count: number;
  readonly users: number;
  readonly items: number;
  readonly path: string | undefined;
  readonly contact: string | undefined;
  readonly dc: string;
  readonly keyspace: string;
}

function parse(argv: readonly string[]): Args {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i];
    const value = argv[i + 1];
    if (!name?.startsWith('--') || value === undefined) throw new Error(`bad argument ${name}`);
    flags.set(name.slice(2), value);
  }
  const int = (name: string, fallback: number) => {
    const raw = flags.get(name);
    const n = raw === undefined ? fallback : Number(raw);
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  const concurrency = int('concurrency', 1000);
  return {
    store: flags.get('store') ?? 'lmdb',
    concurrency,
    count: int('count', 200_000),
    users: int('users', concurrency),
    items: int('items', 1),
    path: flags.get('path'),
    contact: flags.get('contact'),
    dc: flags.get('dc') ?? 'datacenter1',
    keyspace: flags.get('keyspace') ?? `bench_append_${process.pid}`,
  };
}

async function openStore(args: Args): Promise<{ store: Store; close: () => Promise<void> }> {
  if (args.store === 'lmdb') {
    const dir = args.path ?? mkdtempSync(join(tmpdir(), 'parley-bench-'));
    const store = await storeModule.openLmdbStore({ path: dir, sweepIntervalMs: 0 });
    return {
      store,
      close: async () => {
        await store.close();
        if (!args.path) rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  if (args.store === 'cassandra') {
    const open = (storeModule as Record<string, unknown>).openCassandraStore;
    if (typeof open !== 'function') {
      console.error('store-append: store/index.ts does not export openCassandraStore (yet)');
      process.exit(2);
    }
    if (!args.contact) {
      console.error('store-append: --store cassandra needs --contact host:port');
      process.exit(2);
    }
    const store = (await open({
      contactPoints: [args.contact],
      localDataCenter: args.dc,
      keyspace: args.keyspace,
    })) as Store;
    return { store, close: () => store.close() };
  }
  console.error(`store-append: unknown --store ${args.store} (lmdb or cassandra)`);
  process.exit(2);
}

function message(user: string, n: number): InboxAppend {
  return {
    record: {
      key: `peer/${n}`,
      from: 'peer',
      id: `${n}`,
      to: user,
      ts: 1_700_000_000_000 + n,
      content: { type: 'text', text: `message number ${n} to ${user}, about this long` },
    },
    conversation: 'u:peer',
  };
}

/** CPU seconds of the main thread so far (Linux /proc; undefined elsewhere). */
function mainThreadCpuS(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    // Fields after the parenthesised name: utime and stime are the 12th and 13th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}

export default async function storeAppend(argv: string[]): Promise<BenchResult> {
  const args = parse(argv);
  const { store, close } = await openStore(args);
  const users = Array.from({ length: args.users }, (_, i) => `bench-u${i}`);
  const epochs = new Map<string, number>();
  for (let i = 0; i < users.length; i += 1000)
    await Promise.all(
      users
        .slice(i, i + 1000)
        .map(async (u) => epochs.set(u, await store.acquireEpoch(`user:${u}`))),
    );

  const calls = Math.ceil(args.count / args.items);
  const latencyMs = new Float64Array(calls);
  let issued = 0;
  let next = 0;
  const appender = async (w: number) => {
    const mine = users.filter((_, i) => i % args.concurrency === w);
    for (let turn = 0; mine.length > 0; turn++) {
      const call = issued++;
      if (call >= calls) return;
      const user = mine[turn % mine.length]!;
      const items = Array.from({ length: args.items }, () => message(user, next++));
      const started = performance.now();
      await store.appendInbox(user, epochs.get(user)!, items);
      latencyMs[call] = performance.now() - started;
    }
  };
  const mainCpu0 = mainThreadCpuS();
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(args.concurrency, users.length) }, (_, w) => appender(w)),
  );
  const elapsedS = (performance.now() - started) / 1000;
  const mainCpu1 = mainThreadCpuS();
  const cpu = process.cpuUsage(cpu0);
  await close();
  const appends = calls * args.items;
  const usPerAppend = (cpuS: number) => Number(((cpuS * 1e6) / appends).toFixed(1));

  latencyMs.sort();
  return {
    metric: 'inbox_appends_per_s',
    value: Math.round(appends / elapsedS),
    unit: 'appends/s',
    store: args.store,
    concurrency: args.concurrency,
    users: args.users,
    items_per_call: args.items,
    count: appends,
    elapsed_s: Number(elapsedS.toFixed(2)),
    p50_ms: Number(percentile(latencyMs, 0.5).toFixed(2)),
    p99_ms: Number(percentile(latencyMs, 0.99).toFixed(2)),
    main_us_per_append:
      mainCpu0 === undefined || mainCpu1 === undefined ? null : usPerAppend(mainCpu1 - mainCpu0),
    process_us_per_append: usPerAppend((cpu.user + cpu.system) / 1e6),
  };
}
