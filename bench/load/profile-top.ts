/**
 * `npx tsx bench/load/profile-top.ts FILE.cpuprofile... [--top N]`: the top N
 * (default 30) functions of V8 CPU profiles (from `--cpu-prof`; one file per
 * thread, each reported on its own) by self time, and by total time
 * (self plus callees, each function counted once per sample), with the share
 * of all samples. For finding where a benchmark's server spends its time.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
}

/** Where a sample's time goes: the nearest frame (leaf first) that matches a category. */
const CATEGORIES: readonly (readonly [string, RegExp])[] = [
  ['gc', /^\(garbage collector\)/],
  ['idle', /^\(idle\)/],
  ['store: cassandra-driver', /node_modules\/cassandra-driver\//],
  ['store: lmdb-js', /node_modules\/(lmdb|ordered-binary)\//],
  // Records in LMDB, frames between nodes: wherever it is called from.
  ['msgpack (msgpackr)', /node_modules\/msgpackr\//],
  ['NATS (nats.js)', /node_modules\/nats\//],
  ['redis (ioredis)', /node_modules\/(ioredis|@ioredis|redis-parser)\//],
  ['store: store/ code', /(^|\/)store\//],
  ['cluster/ (transport, membership, placement)', /(^|\/)cluster\//],
  ['metrics (prom-client)', /node_modules\/prom-client\/|actors\/edge\/metrics\.ts/],
  ['websocket + sockets', /node_modules\/ws\/|node:net|node:internal\/stream|writev|stream_base/],
  ['logging (pino)', /node_modules\/(pino|sonic-boom)/],
  ['auth (jose, crypto)', /node_modules\/jose|node:internal\/crypto/],
  ['frame decode/encode', /actors\/protocol\/|frames-out\.ts|JSON/],
  ['chat actors', /actors\/chat\/|actors\/virtual\/|actors\/presence\//],
  ['edge actor', /actors\/edge\//],
  ['runtime (actors, mailboxes, timers)', /(^|\/)runtime\/|node:internal\/timers/],
  ['promises/microtasks', /runMicrotasks|processTicksAndRejections|task_queues/],
];

export function categories(profile: Profile): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const memo = new Map<number, string>();
  const categoryOf = (id: number): string => {
    const hit = memo.get(id);
    if (hit !== undefined) return hit;
    const node = byId.get(id)!;
    const f = node.callFrame;
    const text = `${f.functionName} ${f.url}`;
    const own = CATEGORIES.find(([, re]) => re.test(text))?.[0];
    const parentId = parent.get(id);
    const cat = own ?? (parentId === undefined ? 'other' : categoryOf(parentId));
    memo.set(id, cat);
    return cat;
  };
  const counts = new Map<string, number>();
  for (const id of profile.samples)
    counts.set(categoryOf(id), (counts.get(categoryOf(id)) ?? 0) + 1);
  const all = profile.samples.length;
  const busy = all - (counts.get('idle') ?? 0);
  return [
    `-- by category (share of busy samples; busy = ${((busy / all) * 100).toFixed(1)}% of all) --`,
    ...[...counts.entries()]
      .filter(([c]) => c !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${((n / busy) * 100).toFixed(1).padStart(5)}%  ${c}`),
  ];
}

export function topFunctions(profile: Profile, n: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const c of node.children ?? []) parent.set(c, node.id);
  const label = (node: ProfileNode) => {
    const f = node.callFrame;
    const file = f.url.replace(/^file:\/\/.*?\/(node_modules|bench|actors|runtime|store)\//, '$1/');
    return `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  for (const id of profile.samples) {
    const node = byId.get(id);
    if (node === undefined) continue;
    self.set(label(node), (self.get(label(node)) ?? 0) + 1);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const l = label(byId.get(cur)!);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + 1);
    }
  }
  const all = profile.samples.length;
  const fmt = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([l, c]) => `${((c / all) * 100).toFixed(1).padStart(5)}%  ${l}`);
  return [`samples ${all}`, '-- self --', ...fmt(self), '-- total --', ...fmt(total)];
}

if (process.argv[1]?.endsWith('profile-top.ts')) {
  const args = process.argv.slice(2);
  const top = args.indexOf('--top') >= 0 ? Number(args[args.indexOf('--top') + 1]) : 30;
  const files = args.filter((a) => a.endsWith('.cpuprofile'));
  if (files.length === 0 || !Number.isInteger(top)) {
    console.error('usage: npx tsx bench/load/profile-top.ts FILE.cpuprofile... [--top N]');
    process.exit(2);
  }
  for (const file of files) {
    const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
    console.log(
      `== ${file}\n${topFunctions(profile, top).join('\n')}\n${categories(profile).join('\n')}`,
    );
  }
}
