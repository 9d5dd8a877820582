/**
 * Test support: the chat over several in-process nodes, each with its own
 * hand-driven `ManualPlacement` (so views can differ: split brain), sharing
 * one store that records every inbox append with the epoch it carried.
 * Clients are probes on a node of their choosing that send through that
 * node's directory, as an edge does. For tests only; not exported.
 */
import { InProcessNetwork, type Ref } from '../../runtime/index.ts';
import { Deterministic, type Probe, probe } from '../../runtime/testing/index.ts';
import { MemoryStore, type Store } from '../../store/index.ts';
import type { ClientFrame } from '../protocol/index.ts';
import {
  ACTIVATOR_NAME,
  type ActivatorOptions,
  activator,
  ManualPlacement,
  VirtualDirectory,
} from '../virtual/index.ts';
import { type ChatEnv, DEFAULT_CHAT_CONFIG } from './env.ts';
import { groupActor } from './group-actor.ts';
import type { EdgeMsg } from './messages.ts';
import { userActor } from './user/actor.ts';
import { WakeOnGain } from './wake.ts';

/** One successful (not duplicate) inbox append: who issued `seq` for `user`, under which epoch. */
export interface Issued {
  readonly user: string;
  readonly epoch: number;
  readonly seq: number;
  readonly key: string;
}

/** `inner` with every successful `appendInbox` recorded in `issued`. */
export function recordingStore(inner: Store, issued: Issued[]): Store {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === 'appendInbox') {
        return async (user: string, epoch: number, items: Parameters<Store['appendInbox']>[2]) => {
          const results = await target.appendInbox(user, epoch, items);
          results.forEach((r, i) => {
            if (!r.duplicate) issued.push({ user, epoch, seq: r.seq, key: items[i]!.record.key });
          });
          return results;
        };
      }
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
}

export interface Client {
  readonly user: string;
  readonly device: string;
  readonly edge: Probe<EdgeMsg>;
  frames(): Record<string, any>[];
  send(frame: ClientFrame): void;
  attach(): void;
}

export function chatCluster(
  seed: number,
  nodeNames: readonly string[],
  options: { store?: Store; activator?: Partial<ActivatorOptions> } = {},
) {
  const det = new Deterministic(seed);
  const network = new InProcessNetwork(det.clock);
  const memory = new MemoryStore({ clock: det.clock });
  const issued: Issued[] = [];
  const store = recordingStore(options.store ?? memory, issued);
  const nodes = nodeNames.map((name) => {
    const system = det.system({ transport: network.join(name) });
    const placement = new ManualPlacement();
    const directory = new VirtualDirectory(system, placement);
    const env: ChatEnv = { store, directory, config: DEFAULT_CHAT_CONFIG };
    system.spawn(
      activator(
        {
          user: (id, act) => userActor(id, env, act),
          group: (id, act) => groupActor(id, env, act),
        },
        directory,
        options.activator,
      ),
      { name: ACTIVATOR_NAME },
    );
    const waker = new WakeOnGain(system, store, directory, placement);
    void waker.start();
    return { name, system, placement, directory, waker };
  });
  const node = (name: string) => nodes.find((n) => n.name === name)!;
  const view = (owner: (key: string) => string | undefined, only?: readonly string[]) => {
    for (const n of nodes) if (only === undefined || only.includes(n.name)) n.placement.set(owner);
  };
  const connect = (user: string, device = 'd1', at = nodeNames[0]!): Client => {
    const { system, directory } = node(at);
    const edge = probe<EdgeMsg>(system);
    const key = `user:${user}`;
    return {
      user,
      device,
      edge,
      frames: () =>
        edge.messages.flatMap((m) =>
          m.t === 'push'
            ? [JSON.parse(m.json)]
            : m.t === 'push_many'
              ? m.json.map((j) => JSON.parse(j))
              : [],
        ),
      send: (frame) =>
        directory.send(key, { t: 'client', device, edge: edge.ref as Ref<EdgeMsg>, frame }),
      attach: () => directory.send(key, { t: 'attach', device, edge: edge.ref }),
    };
  };
  /** Settles the run (so an ask can be answered), then awaits `p`. */
  const answer = async <T>(p: Promise<T>): Promise<T> => {
    await det.settle();
    return p;
  };
  return { det, network, memory, store, issued, nodes, node, view, connect, answer };
}

/** Ids acked `sent` to `client`, in the order the acks arrived (first ack of each). */
export function ackedIds(client: Client): string[] {
  const out: string[] = [];
  for (const f of client.frames())
    if (f.type === 'ack' && f.status === 'sent' && !out.includes(f.id)) out.push(f.id);
  return out;
}
