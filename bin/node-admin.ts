/**
 * What one running node answers to the admin API (`NodeAdmin` of
 * cluster/admin): its view and shard map, its virtual actors (asked of its
 * activator), one key's actor, its supervision tree, its counters, and drain.
 * The same code serves the single node (a view of one member that never
 * changes) and a cluster member.
 */

import {
  ACTIVATOR_NAME,
  type ActivatorMsg,
  type InspectReply,
  type KillReply,
  type ListReply,
} from '../actors/virtual/index.ts';
import {
  type ActorInfo,
  type DrainResult,
  type InspectResult,
  type KillResult,
  type NodeAdmin,
  type NodeStats,
  type NodesResult,
  type RingResult,
  ShardMap,
  shardOf,
  type TreeNode,
} from '../cluster/index.ts';
import type { ActorSystem, AnyRef, Ref, SupervisorMsg } from '../runtime/index.ts';
import { whichChildren } from '../runtime/index.ts';

export interface MemberRow {
  readonly node: string;
  readonly creation: number;
  readonly status: string;
  readonly http?: string;
  readonly ws?: string;
  readonly admin?: string;
  readonly startedAt: number;
}

export interface AdminSources {
  readonly system: ActorSystem;
  readonly root: Ref<SupervisorMsg>;
  view(): { readonly version: number; readonly members: readonly MemberRow[] };
  /** The devices of `user` and the node each is connected to. */
  connections(user: string): Promise<readonly { device: string; node: string }[]>;
  drain(): Promise<DrainResult>;
  /** Open client connections on this node. */
  clients(): number;
  transportStats(): Record<string, number>;
  storeStats(): Record<string, number>;
  readonly startedAtMs: number;
}

const ASK_MS = 5000;

export function nodeAdmin(src: AdminSources): NodeAdmin {
  const { system } = src;
  const owners = () =>
    ShardMap.build(
      src
        .view()
        .members.filter((m) => m.status === 'up')
        .map((m) => m.node),
    );
  const askActivator = <R>(make: (replyTo: Ref<R>) => ActivatorMsg) =>
    system.askNamed<ActivatorMsg, R>(ACTIVATOR_NAME, make, ASK_MS);

  return {
    nodes(): NodesResult {
      const view = src.view();
      const counts = owners().counts();
      return {
        viewVersion: view.version,
        answeredBy: system.node,
        nodes: view.members.map((m) => ({
          id: m.node,
          status: m.status,
          creation: m.creation,
          http: m.http ?? '',
          ws: m.ws ?? '',
          admin: m.admin ?? '',
          startedAtMs: m.startedAt,
          shards: counts[m.node] ?? 0,
        })),
      };
    },
    ring(): RingResult {
      const view = src.view();
      const map = owners();
      return {
        viewVersion: view.version,
        shardCount: map.shardCount,
        nodes: view.members.map((m) => {
          const ids = map.shardsOf(m.node);
          return { node: m.node, shards: ids.length, shardIds: ids };
        }),
      };
    },
    async actors(): Promise<ActorInfo[]> {
      const list = await askActivator<ListReply>((replyTo) => ({ t: 'list', replyTo }));
      return list.actors.map((a) => ({ node: system.node, ...a }));
    },
    async inspect(key: string): Promise<InspectResult> {
      const reply = await askActivator<InspectReply>((replyTo) => ({ t: 'inspect', key, replyTo }));
      const user = key.startsWith('user:') ? key.slice(5) : undefined;
      const connected = user === undefined ? [] : await src.connections(user).catch(() => []);
      const devices = new Map(connected.map((c) => [c.device, c.node]));
      for (const d of reply.devices ?? []) if (!devices.has(d)) devices.set(d, '');
      return {
        key,
        node: reply.active ? system.node : (reply.owner ?? ''),
        shard: shardOf(key),
        active: reply.active,
        ref: reply.ref ?? '',
        mailbox: reply.mailbox ?? 0,
        epoch: reply.epoch ?? 0,
        devices: [...devices].map(([device, node]) => ({ device, node })),
        members: reply.members ?? 0,
      };
    },
    async kill(key: string): Promise<KillResult> {
      const reply = await askActivator<KillReply>((replyTo) => ({ t: 'kill', key, replyTo }));
      return { key, node: system.node, killed: reply.killed };
    },
    tree: () => treeOf(system, 'parley.root', src.root, 'supervisor', ''),
    drain: () => src.drain(),
    stats(): NodeStats {
      const memory = process.memoryUsage();
      let mailboxes = 0;
      let messages = 0;
      for (const cell of system.actors()) {
        const depth = cell.depth;
        if (depth > 0) mailboxes++;
        messages += depth;
      }
      return {
        node: system.node,
        actors: system.actorCount,
        mailboxes,
        messages,
        deadLetters: { ...system.deadLetters.counts, total: system.deadLetters.total },
        store: src.storeStats(),
        transport: src.transportStats(),
        uptimeMs: system.clock.now() - src.startedAtMs,
        memoryRssBytes: memory.rss,
        heapUsedBytes: memory.heapUsed,
        clients: src.clients(),
      };
    },
  };
}

async function treeOf(
  system: ActorSystem,
  id: string,
  ref: AnyRef,
  kind: 'supervisor' | 'worker',
  restart: string,
): Promise<TreeNode> {
  const cell = system.localCell(ref);
  const behavior = cell?.behavior.name ?? 'anonymous';
  if (kind !== 'supervisor') {
    return { id, ref: String(ref), behavior, kind, restart, children: [] };
  }
  const children = await whichChildren(system, ref as Ref<SupervisorMsg>);
  return {
    id,
    ref: String(ref),
    behavior,
    kind,
    restart,
    children: await Promise.all(
      children.map((c) =>
        c.ref === null
          ? Promise.resolve({
              id: c.id,
              ref: '',
              behavior: 'not running',
              kind: c.type,
              restart: c.restart,
              children: [],
            })
          : treeOf(system, c.id, c.ref, c.type, c.restart),
      ),
    ),
  };
}
