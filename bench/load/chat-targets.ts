/**
 * What chat-1to1 runs against, behind one interface: its own server child
 * (a fresh one, on a fresh LMDB directory, for every run), a running cluster
 * given by `--url` (shared by every run, fresh user ids each time), or a
 * cluster it starts itself (`cluster-process.ts`, shared the same way and
 * stopped by `end()`). On a cluster, users are placed so messages cross
 * nodes (`chat-placement.ts`).
 */
import { type Placement, placeUsers } from './chat-placement.ts';
import { clusterOwners, type Owners } from './cluster-owners.ts';
import { type RunningCluster, startCluster } from './cluster-process.ts';
import { startServer } from './server-process.ts';
import { httpBase } from './tokens.ts';

export interface Servers {
  readonly nodes: number;
  readonly store: 'lmdb' | 'cassandra';
  readonly urls: readonly string[];
  readonly httpUrls: readonly string[];
  readonly secret: string;
  /** The node whose CPU the load session meters (main thread and all); -1 when unknown. */
  readonly pid: number;
  /** Every process whose CPU share a step reports, by name. */
  readonly pids: Readonly<Record<string, number>>;
  /** Where `users` users go; undefined: round-robin over `urls`. */
  placement(users: number, prefix: string): Placement | undefined;
  /** CPU profile of the first node's main thread. */
  profileStart(): Promise<void>;
  profileStop(path: string): Promise<string>;
}

export interface Target {
  /** Servers for one run. */
  open(): Promise<Servers>;
  /** After that run. */
  release(s: Servers): Promise<void>;
  /** After every run: stops what this target started. */
  end(): Promise<void>;
}

export function oneNodeTarget(): Target {
  const stops = new Map<Servers, () => Promise<void>>();
  return {
    async open() {
      const child = await startServer();
      const s: Servers = {
        nodes: 1,
        store: 'lmdb',
        urls: [child.url],
        httpUrls: [child.httpUrl],
        secret: child.secret,
        pid: child.pid,
        pids: { server: child.pid },
        placement: () => undefined,
        profileStart: () => child.profileStart(),
        profileStop: (path) => child.profileStop(path),
      };
      stops.set(s, () => child.stop());
      return s;
    },
    async release(s) {
      await stops.get(s)?.();
      stops.delete(s);
    },
    async end() {
      for (const s of [...stops.keys()]) await this.release(s);
    },
  };
}

const unsupported = () =>
  Promise.reject(new Error('--cpu-prof needs a node this benchmark started'));

/** A cluster someone else runs: `--url` per node, `--secret`, optional `--pids`. */
export function givenClusterTarget(
  urls: readonly string[],
  secret: string,
  pids: readonly number[],
): Target {
  let shared: Promise<Servers> | undefined;
  const make = async (): Promise<Servers> => {
    const owners = await clusterOwners(urls);
    return {
      nodes: urls.length,
      store: 'cassandra',
      urls,
      httpUrls: urls.map(httpBase),
      secret,
      pid: pids[0] ?? -1,
      pids: Object.fromEntries(pids.map((p, i) => [owners.names[i] ?? `pid-${i}`, p])),
      placement: (users, prefix) => place(users, prefix, owners),
      profileStart: unsupported,
      profileStop: unsupported,
    };
  };
  return {
    open: () => {
      shared ??= make();
      return shared;
    },
    release: async () => {},
    end: async () => {},
  };
}

/** A cluster of `nodes` this benchmark starts on first use and stops at `end()`. */
export function ownClusterTarget(
  nodes: number,
  say: (line: string) => void,
  logs?: string,
): Target {
  let started: Promise<{ cluster: RunningCluster; servers: Servers }> | undefined;
  const start = async () => {
    const cluster = await startCluster({
      nodes,
      ...(logs !== undefined ? { logs } : {}),
      debugHooks: true,
      // Every load client comes from 127.0.0.1: lift the per-address cap (default 256).
      env: { PARLEY_MAX_CONNS_PER_IP: '1000000', PARLEY_DEV_TOKENS: '1' },
      say,
      onExit: (id, pid, how) => say(`${id} (pid ${pid}) exited: ${how}`),
    });
    try {
      const urls = cluster.nodes.map((n) => n.ws);
      const owners = await clusterOwners(urls);
      const first = cluster.nodes[0]!;
      const pids: Record<string, number> = {};
      for (const n of cluster.nodes) pids[n.id] = n.pid;
      if (cluster.cassandra.pid !== undefined) pids.cassandra = cluster.cassandra.pid;
      pids.nats = cluster.nats.pid;
      pids.redis = cluster.redis.pid;
      const servers: Servers = {
        nodes,
        store: 'cassandra',
        urls,
        httpUrls: cluster.nodes.map((n) => n.url),
        secret: cluster.jwtSecret,
        pid: first.pid,
        pids,
        placement: (users, prefix) => place(users, prefix, owners),
        profileStart: () => first.profileStart(),
        profileStop: (path) => first.profileStop(path),
      };
      return { cluster, servers };
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  };
  return {
    async open() {
      started ??= start();
      return (await started).servers;
    },
    release: async () => {},
    async end() {
      if (started === undefined) return;
      const s = started;
      started = undefined;
      await (await s.catch(() => undefined))?.cluster.stop();
    },
  };
}

function place(users: number, prefix: string, owners: Owners): Placement {
  return placeUsers(users, owners.names.length, prefix, (id) => owners.ownerOf(id));
}
