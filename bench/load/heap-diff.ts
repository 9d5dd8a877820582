/**
 * `npx tsx bench/load/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--per N] [--top K]`:
 * what grew between two V8 heap snapshots, by node type and constructor (or
 * string/closure name), as count and self bytes, divided by `N` (e.g. the
 * connections added) when given. Self sizes only: retained sizes need a
 * dominator tree, which the question "what does one connection cost" does
 * not.
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly strings: readonly string[];
}

type Groups = Map<string, { count: number; bytes: number }>;

export function group(file: string): Groups {
  const s = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = s.snapshot.meta.node_fields;
  const types = s.snapshot.meta.node_types[0];
  const width = fields.length;
  const iType = fields.indexOf('type');
  const iName = fields.indexOf('name');
  const iSize = fields.indexOf('self_size');
  const out: Groups = new Map();
  for (let i = 0; i < s.nodes.length; i += width) {
    const type = types[s.nodes[i + iType]!] ?? '?';
    let name = s.strings[s.nodes[i + iName]!] ?? '?';
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = '';
    else if (name.length > 60) name = `${name.slice(0, 60)}…`;
    const key = `${type} ${name}`;
    const g = out.get(key) ?? { count: 0, bytes: 0 };
    g.count++;
    g.bytes += s.nodes[i + iSize]!;
    out.set(key, g);
  }
  return out;
}

export function diff(before: Groups, after: Groups, per: number, top: number): string[] {
  const rows: { key: string; count: number; bytes: number }[] = [];
  for (const [key, a] of after) {
    const b = before.get(key) ?? { count: 0, bytes: 0 };
    rows.push({ key, count: a.count - b.count, bytes: a.bytes - b.bytes });
  }
  rows.sort((x, y) => y.bytes - x.bytes);
  const total = rows.reduce((s, r) => s + r.bytes, 0);
  const f = (n: number) => (n / per).toFixed(per === 1 ? 0 : 1);
  return [
    `total self bytes grown: ${total} (${f(total)} per unit)`,
    `${'bytes/unit'.padStart(11)} ${'count/unit'.padStart(11)}  type name`,
    ...rows
      .slice(0, top)
      .map((r) => `${f(r.bytes).padStart(11)} ${f(r.count).padStart(11)}  ${r.key}`),
  ];
}

if (process.argv[1]?.endsWith('heap-diff.ts')) {
  const args = process.argv.slice(2);
  const files = args.filter((a) => a.endsWith('.heapsnapshot'));
  const opt = (name: string, fallback: number) =>
    args.includes(`--${name}`) ? Number(args[args.indexOf(`--${name}`) + 1]) : fallback;
  if (files.length !== 2) {
    console.error(
      'usage: npx tsx bench/load/heap-diff.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--per N] [--top K]',
    );
    process.exit(2);
  }
  console.log(diff(group(files[0]!), group(files[1]!), opt('per', 1), opt('top', 40)).join('\n'));
}
