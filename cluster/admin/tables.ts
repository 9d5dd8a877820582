/**
 * How `parleyctl` shows each answer to people: aligned tables and short
 * key/value blocks, each ending with a newline. Pure functions of the result
 * (times are shown relative to `nowMs`), so tests compare exact text.
 */
import type {
  ActorsResult,
  DrainResult,
  InspectResult,
  KillResult,
  NodesResult,
  NodeTree,
  RingResult,
  StatsResult,
  TreeNode,
  TreeResult,
} from './types.ts';

/** Columns padded to the widest cell, two spaces apart; no trailing spaces. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return `${[header, ...rows].map(line).join('\n')}\n`;
}

export function nodesTable(r: NodesResult, nowMs: number): string {
  const rows = r.nodes.map((n) => [
    n.id === r.answeredBy ? `${n.id} *` : n.id,
    n.status,
    String(n.creation),
    String(n.shards),
    n.http || '-',
    n.admin || '-',
    n.startedAtMs > 0 ? duration(nowMs - n.startedAtMs) : '-',
  ]);
  return `${table(['NODE', 'STATUS', 'CREATION', 'SHARDS', 'HTTP', 'ADMIN', 'UP'], rows)}view ${r.viewVersion}, ${r.nodes.length} node(s), answered by ${r.answeredBy} (*)\n`;
}

export function ringTable(r: RingResult): string {
  const total = r.shardCount || 1;
  const rows = r.nodes.map((n) => [
    n.node,
    String(n.shards),
    `${((100 * n.shards) / total).toFixed(1)}%`,
    ranges(n.shardIds),
  ]);
  const owned = r.nodes.reduce((sum, n) => sum + n.shards, 0);
  const unowned = r.shardCount - owned;
  return `${table(['NODE', 'SHARDS', 'SHARE', 'SHARD IDS'], rows)}${r.shardCount} shards, view ${r.viewVersion}${unowned > 0 ? `, ${unowned} without an owner` : ''}\n`;
}

export function actorsTable(r: ActorsResult): string {
  const rows = r.actors.map((a) => [a.node, a.key, a.state, String(a.mailbox), a.ref]);
  return `${table(['NODE', 'KEY', 'STATE', 'MAILBOX', 'REF'], rows)}${r.actors.length} actor(s)\n`;
}

export function inspectBlock(r: InspectResult): string {
  const devices = r.devices.map((d) =>
    d.node === '' ? `${d.device} (offline)` : `${d.device}@${d.node}`,
  );
  const rows: [string, string][] = [
    ['key', r.key],
    ['owner', r.node],
    ['shard', String(r.shard)],
    ['active', r.active ? 'yes' : 'no'],
  ];
  if (r.active)
    rows.push(['ref', r.ref], ['mailbox', String(r.mailbox)], ['epoch', String(r.epoch)]);
  if (r.key.startsWith('group:')) rows.push(['members', String(r.members)]);
  else rows.push(['devices', devices.length > 0 ? devices.join(', ') : '-']);
  const width = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(width)}  ${v}\n`).join('');
}

export function killLine(r: KillResult): string {
  return r.killed
    ? `killed ${r.key} on node ${r.node}; it restarts on its next message\n`
    : `${r.key} was not active on node ${r.node}; nothing to kill\n`;
}

export function treeText(r: TreeResult): string {
  return r.trees.map(nodeTree).join('');
}

function nodeTree(t: NodeTree): string {
  const lines = [`node ${t.node}`];
  const walk = (n: TreeNode, prefix: string, last: boolean) => {
    lines.push(`${prefix}${last ? '└─ ' : '├─ '}${describe(n)}`);
    const inner = prefix + (last ? '   ' : '│  ');
    n.children.forEach((c, i) => {
      walk(c, inner, i === n.children.length - 1);
    });
  };
  walk(t.root, '', true);
  return `${lines.join('\n')}\n`;
}

function describe(n: TreeNode): string {
  const what = [n.kind, n.restart].filter((s) => s !== '').join(', ');
  return `${n.id} ${n.behavior ? `[${n.behavior}] ` : ''}(${what}) ${n.ref}`.trimEnd();
}

export function drainLine(r: DrainResult): string {
  if (r.state === 'already_draining') return `node ${r.node} is already draining\n`;
  return `node ${r.node} is draining: ${r.shards} shard(s) and ${r.clients} client(s) to move; it leaves the cluster when done\n`;
}

export function statsTable(r: StatsResult): string {
  const rows = r.nodes.map((s) => [
    s.node,
    String(s.actors),
    String(s.mailboxes),
    String(s.messages),
    String(s.deadLetters.total ?? sum(s.deadLetters)),
    String(s.clients),
    duration(s.uptimeMs),
    bytes(s.memoryRssBytes),
    bytes(s.heapUsedBytes),
  ]);
  const head = ['NODE', 'ACTORS', 'QUEUED', 'MESSAGES', 'DEAD', 'CLIENTS', 'UP', 'RSS', 'HEAP'];
  const details = r.nodes
    .map((s) =>
      [
        `${s.node} dead letters: ${counters(s.deadLetters)}`,
        `${s.node} store: ${counters(s.store)}`,
        `${s.node} transport: ${counters(s.transport)}`,
      ].join('\n'),
    )
    .join('\n');
  return `${table(head, rows)}${details === '' ? '' : `${details}\n`}`;
}

/** The non-zero counters, by name (`--json` has them all). */
function counters(c: Readonly<Record<string, number>>): string {
  const entries = Object.entries(c)
    .filter(([, v]) => v !== 0)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? '-' : entries.map(([k, v]) => `${k}=${v}`).join(' ');
}

function sum(c: Readonly<Record<string, number>>): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}

/** `0-3,7,9-12` for ascending shard ids. */
export function ranges(ids: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ids.length; ) {
    let j = i;
    while (j + 1 < ids.length && ids[j + 1] === ids[j]! + 1) j++;
    parts.push(j === i ? `${ids[i]}` : `${ids[i]}-${ids[j]}`);
    i = j + 1;
  }
  const text = parts.join(',');
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** `3d4h`, `2h5m`, `4m10s`, `12s`. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${m}m`;
  if (m > 0) return `${m}m${s % 60}s`;
  return `${s}s`;
}

/** `512B`, `1.5KiB`, `230.0MiB`, `1.2GiB`. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value}B` : `${value.toFixed(1)}${units[unit]}`;
}
