/**
 * chat-1to1's flags, parsed and checked at the boundary (pure: tested on its
 * own). Defaults beside the fields; every error names the flag and quotes the
 * bad value.
 *
 * - `--users 4000`, `--rates 250,...,30000` (ascending positive numbers),
 *   `--duration 8`, `--warmup 2`, `--p99-bound 100`, `--final-duration 10`;
 * - `--url ws://…/ws` once per node (or comma-separated) with `--secret S`
 *   (the cluster's JWT secret) and optionally `--pids P1,P2,…`;
 * - `--cluster N` (2..16): one node first, then a cluster of N it starts
 *   itself, reported side by side; `--cluster-users` / `--cluster-rates`
 *   (default `--users` / `--rates`) for the cluster part; `--one-node skip`
 *   leaves the one-node part out; `--cluster-logs DIR` keeps the nodes' logs;
 * - `--at10k skip` leaves out the run at exactly 10,000 msgs/s;
 * - `--encoding json|msgpack` (default json): the clients' wire, JSON text
 *   frames or the `parley.v1.msgpack` subprotocol;
 * - `--cpu-prof FILE` profiles the (first) node during the half-rate run,
 *   or over the climb when no step kept up (with `--cluster`, the cluster's
 *   node-1 goes to FILE with `.node-1` before its extension).
 */
import { NODES_MAX } from './cluster-process.ts';

export const DEFAULT_RATES = [
  250, 500, 1000, 2000, 4000, 6000, 8000, 10000, 12500, 15000, 17500, 20000, 25000, 30000,
] as const;

export interface ChatArgs {
  readonly users: number;
  readonly rates: readonly number[];
  readonly durationS: number;
  readonly warmupS: number;
  readonly p99BoundMs: number;
  readonly finalS: number;
  readonly at10k: boolean;
  readonly cpuProf: string | undefined;
  readonly encoding: 'json' | 'msgpack';
  /** How the nodes are had: one child of ours, a given cluster, or one child then our own cluster. */
  readonly mode:
    | { readonly kind: 'one-node' }
    | {
        readonly kind: 'urls';
        readonly urls: readonly string[];
        readonly secret: string;
        readonly pids: readonly number[];
      }
    | {
        readonly kind: 'cluster';
        readonly nodes: number;
        readonly oneNode: boolean;
        readonly users: number;
        readonly rates: readonly number[];
        /** Keep the nodes' logs here (default: a temporary folder, removed). */
        readonly logs: string | undefined;
      };
}

export class ChatArgError extends Error {
  readonly code = 'invalid_argument';
  constructor(message: string) {
    super(message);
    this.name = 'ChatArgError';
  }
}

function values(args: readonly string[], name: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] !== `--${name}`) continue;
    const v = args[i + 1];
    if (v === undefined || v.startsWith('--'))
      throw new ChatArgError(`--${name} needs a value, got ${JSON.stringify(v)}`);
    out.push(v);
  }
  return out;
}

function last(args: readonly string[], name: string): string | undefined {
  return values(args, name).at(-1);
}

function positive(args: readonly string[], name: string, fallback: number): number {
  const raw = last(args, name);
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0)
    throw new ChatArgError(`--${name} needs a positive number, got ${JSON.stringify(raw)}`);
  return v;
}

function evenUsers(args: readonly string[], name: string, fallback: number): number {
  const v = positive(args, name, fallback);
  if (!Number.isInteger(v) || v % 2 !== 0)
    throw new ChatArgError(`--${name} needs an even integer (users are paired), got ${v}`);
  return v;
}

function rateList(args: readonly string[], name: string, fallback: readonly number[]): number[] {
  const raw = last(args, name);
  if (raw === undefined) return [...fallback];
  const rates = raw.split(',').map(Number);
  rates.forEach((r, i) => {
    if (!Number.isFinite(r) || r <= 0 || (i > 0 && r <= rates[i - 1]!))
      throw new ChatArgError(
        `--${name} needs ascending positive numbers, got ${JSON.stringify(raw)}`,
      );
  });
  return rates;
}

function runOrSkip(args: readonly string[], name: string): boolean {
  const raw = last(args, name);
  if (raw === undefined || raw === 'run') return true;
  if (raw === 'skip') return false;
  throw new ChatArgError(`--${name} is run or skip, got ${JSON.stringify(raw)}`);
}

function encodingOf(args: readonly string[]): 'json' | 'msgpack' {
  const raw = last(args, 'encoding');
  if (raw === undefined || raw === 'json') return 'json';
  if (raw === 'msgpack') return 'msgpack';
  throw new ChatArgError(`--encoding is json or msgpack, got ${JSON.stringify(raw)}`);
}

export function parseChatArgs(args: readonly string[]): ChatArgs {
  const users = evenUsers(args, 'users', 4000);
  const rates = rateList(args, 'rates', DEFAULT_RATES);
  const urls = values(args, 'url').flatMap((v) => v.split(',').filter((u) => u !== ''));
  const clusterRaw = last(args, 'cluster');
  const common = {
    users,
    rates,
    durationS: positive(args, 'duration', 8),
    warmupS: positive(args, 'warmup', 2),
    p99BoundMs: positive(args, 'p99-bound', 100),
    finalS: positive(args, 'final-duration', 10),
    at10k: runOrSkip(args, 'at10k'),
    cpuProf: last(args, 'cpu-prof'),
    encoding: encodingOf(args),
  };
  const oneNode = runOrSkip(args, 'one-node');
  if (clusterRaw !== undefined) {
    const nodes = Number(clusterRaw);
    if (!Number.isInteger(nodes) || nodes < 2 || nodes > NODES_MAX)
      throw new ChatArgError(
        `--cluster needs an integer 2..${NODES_MAX}, got ${JSON.stringify(clusterRaw)}`,
      );
    if (urls.length > 0)
      throw new ChatArgError('--cluster starts its own nodes: it cannot be combined with --url');
    return {
      ...common,
      mode: {
        kind: 'cluster',
        nodes,
        oneNode,
        users: evenUsers(args, 'cluster-users', users),
        rates: rateList(args, 'cluster-rates', rates),
        logs: last(args, 'cluster-logs'),
      },
    };
  }
  for (const flag of ['one-node', 'cluster-users', 'cluster-rates', 'cluster-logs'])
    if (last(args, flag) !== undefined) throw new ChatArgError(`--${flag} needs --cluster N`);
  if (urls.length === 0) return { ...common, mode: { kind: 'one-node' } };
  for (const u of urls)
    if (!/^wss?:\/\/[^/]+/.test(u))
      throw new ChatArgError(`--url needs ws://HOST:PORT/ws, got ${JSON.stringify(u)}`);
  const secret = last(args, 'secret');
  if (secret === undefined || secret === '')
    throw new ChatArgError(
      '--url needs --secret: the JWT secret of the cluster (npm run cluster prints it)',
    );
  const pids = values(args, 'pids').flatMap((v) => v.split(',').filter((p) => p !== ''));
  for (const p of pids)
    if (!/^[1-9]\d*$/.test(p))
      throw new ChatArgError(`--pids needs process ids, got ${JSON.stringify(p)}`);
  if (common.cpuProf !== undefined)
    throw new ChatArgError('--cpu-prof needs a node this benchmark started: not with --url');
  return { ...common, mode: { kind: 'urls', urls, secret, pids: pids.map(Number) } };
}

/** `x.cpuprofile` → `x.node-1.cpuprofile` (the cluster's profile beside the one node's). */
export function clusterProfilePath(path: string, node: string): string {
  const dot = path.lastIndexOf('.');
  const slash = path.lastIndexOf('/');
  return dot > slash + 1 ? `${path.slice(0, dot)}.${node}${path.slice(dot)}` : `${path}.${node}`;
}
