/**
 * A `NodeAdmin` with fixed, small answers, for tests of the admin server and
 * `parleyctl` (and for trying the CLI without a cluster). It records the
 * kills and drains asked of it. Keys it knows: `user:<name>` and
 * `group:<name>` listed in `actors`; any other key is `not_found`.
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';
import type { ActorInfo, NodeAdmin, NodeStats, TreeNode } from './types.ts';

export interface FakeAdmin extends NodeAdmin {
  readonly killed: string[];
  readonly drained: number;
}

export interface FakeAdminOptions {
  readonly node: string;
  /** Every node of the fake cluster, in view order. */
  readonly members: readonly string[];
  /** Keys active on this node. */
  readonly keys: readonly string[];
  readonly startedAtMs?: number;
}

export function fakeAdmin(options: FakeAdminOptions): FakeAdmin {
  const { node, members, keys } = options;
  const startedAtMs = options.startedAtMs ?? 1_700_000_000_000;
  const killed: string[] = [];
  let drained = 0;
  const shardsOf = (i: number) => {
    const ids: number[] = [];
    for (let s = i; s < 16; s += members.length) ids.push(s);
    return ids;
  };
  const actor = (key: string, i: number): ActorInfo => ({
    node,
    key,
    ref: `${node}/${i + 10}`,
    mailbox: i,
    state: 'active',
  });
  const worker = (id: string, ref: string, behavior: string): TreeNode => ({
    id,
    ref,
    behavior,
    kind: 'worker',
    restart: 'permanent',
    children: [],
  });
  return {
    killed,
    get drained() {
      return drained;
    },
    nodes: () => ({
      viewVersion: 7,
      answeredBy: node,
      nodes: members.map((id, i) => ({
        id,
        status: 'up',
        creation: 100 + i,
        http: `http://127.0.0.1:${8080 + i}`,
        ws: `ws://127.0.0.1:${8080 + i}/ws`,
        admin: `127.0.0.1:${7070 + i}`,
        startedAtMs,
        shards: shardsOf(i).length,
      })),
    }),
    ring: () => ({
      viewVersion: 7,
      shardCount: 16,
      nodes: members.map((id, i) => ({
        node: id,
        shards: shardsOf(i).length,
        shardIds: shardsOf(i),
      })),
    }),
    actors: () => keys.map(actor),
    inspect: async (key) => {
      const i = keys.indexOf(key);
      if (i < 0)
        throw new ParleyError(
          ErrorCode.NotFound,
          `no actor for key ${quote(key)} on node ${quote(node)}`,
        );
      const user = key.startsWith('user:');
      return {
        key,
        node,
        shard: 3,
        active: true,
        ref: actor(key, i).ref,
        mailbox: i,
        epoch: 42,
        devices: user
          ? [
              { device: 'phone', node },
              { device: 'laptop', node: '' },
            ]
          : [],
        members: user ? 0 : 5,
      };
    },
    kill: (key) => {
      const active = keys.includes(key) && !killed.includes(key);
      if (active) killed.push(key);
      return { key, node, killed: active };
    },
    tree: () => ({
      id: 'root',
      ref: `${node}/1`,
      behavior: 'supervisor',
      kind: 'supervisor',
      restart: '',
      children: [
        worker('activator', `${node}/2`, 'activator'),
        {
          id: 'edges',
          ref: `${node}/3`,
          behavior: 'supervisor',
          kind: 'supervisor',
          restart: 'permanent',
          children: [{ ...worker('edge-1', `${node}/4`, 'edge'), restart: 'temporary' }],
        },
      ],
    }),
    drain: () => {
      drained++;
      return {
        node,
        state: drained === 1 ? 'draining' : 'already_draining',
        shards: shardsOf(members.indexOf(node)).length,
        clients: 2,
      };
    },
    stats: (): NodeStats => ({
      node,
      actors: keys.length + 4,
      mailboxes: 3,
      messages: 1234,
      deadLetters: { no_proc: 2, stale_incarnation: 1, mailbox_full: 0 },
      store: { appends: 50, fenced: 0 },
      transport: { frames_in: 10, frames_out: 12 },
      uptimeMs: 3_725_000,
      memoryRssBytes: 150 * 1024 * 1024,
      heapUsedBytes: 40 * 1024 * 1024,
      clients: 2,
    }),
  };
}
