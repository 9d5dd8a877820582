/**
 * A one-node chat on the deterministic runtime for tests: the activator,
 * user and group actors over a given store, and devices as probes that
 * send client frames and read what was pushed to them.
 */
import type { Ref } from '../../runtime/index.ts';
import { type Deterministic, probe } from '../../runtime/testing/index.ts';
import type { Store } from '../../store/index.ts';
import type { ClientFrame } from '../protocol/index.ts';
import {
  ACTIVATOR_NAME,
  activator,
  functionPlacement,
  VirtualDirectory,
} from '../virtual/index.ts';
import { type ChatEnv, DEFAULT_CHAT_CONFIG } from './env.ts';
import { groupActor } from './group-actor.ts';
import type { EdgeMsg } from './messages.ts';
import { userActor } from './user/actor.ts';

export interface Device {
  /** Every frame pushed to this device so far, parsed. */
  frames(): Record<string, unknown>[];
  send(frame: ClientFrame): void;
}

export function chatWorld(store: Store, det: Deterministic) {
  const system = det.system({ node: 'n1' });
  const placement = functionPlacement(() => 'n1');
  const directory = new VirtualDirectory(system, placement);
  const env: ChatEnv = { store, directory, config: DEFAULT_CHAT_CONFIG };
  system.spawn(
    activator(
      {
        user: (id, act) => userActor(id, env, act),
        group: (id, act) => groupActor(id, env, act),
      },
      directory,
    ),
    { name: ACTIVATOR_NAME },
  );
  const connect = (user: string, device = 'd1'): Device => {
    const edge = probe<EdgeMsg>(system);
    directory.send(`user:${user}`, { t: 'attach', device, edge: edge.ref });
    const frames = () =>
      edge.messages.flatMap((m) =>
        m.t === 'push'
          ? [JSON.parse(m.json)]
          : m.t === 'push_many'
            ? m.json.map((j) => JSON.parse(j))
            : [],
      );
    const send = (frame: ClientFrame) =>
      directory.send(`user:${user}`, {
        t: 'client',
        device,
        edge: edge.ref as Ref<EdgeMsg>,
        frame,
      });
    return { frames, send };
  };
  return { system, directory, env, connect };
}

/**
 * `inner` with one method wrapped: `wrap` gets the original (bound) and
 * returns its replacement. Every other method is `inner`'s own.
 */
export function hookedStore<K extends keyof Store>(
  inner: Store,
  method: K,
  wrap: (original: Store[K]) => Store[K],
): Store {
  const hooked = wrap((inner[method] as (...a: unknown[]) => unknown).bind(inner) as Store[K]);
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === method) return hooked;
      const v = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? v.bind(target) : v;
    },
  }) as Store;
}

export const text = (body: string) => ({ type: 'text' as const, body });
