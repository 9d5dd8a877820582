/**
 * A small deterministic world for the group actor's tests: the one-node chat
 * of `testing-world.ts` over a `MemoryStore` whose calls are counted, probe
 * edges standing in for devices (their pushes visible), and a helper that
 * makes a group.
 */
import type { Ref } from '../../../runtime/index.ts';
import { Deterministic, probe } from '../../../runtime/testing/index.ts';
import { MemoryStore, type Store } from '../../../store/index.ts';
import type { ClientFrame } from '../../protocol/index.ts';
import type { EdgeMsg } from '../messages.ts';
import { chatWorld } from '../testing-world.ts';

type Call = { readonly method: string; readonly args: readonly unknown[] };

export function groupWorld(seed = Number(process.env.FC_SEED)) {
  const det = new Deterministic(seed);
  const memory = new MemoryStore();
  const calls: Call[] = [];
  const store = new Proxy(memory, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        calls.push({ method: String(prop), args });
        return v.apply(target, args);
      };
    },
  }) as Store;
  const { system, directory, env } = chatWorld(store, det);
  const connect = (user: string, device = 'd1') => {
    const edge = probe<EdgeMsg>(system);
    directory.send(`user:${user}`, { t: 'attach', device, edge: edge.ref });
    return {
      edge,
      /** Every frame pushed to this device, decoded. */
      frames: () =>
        edge.messages.flatMap((m) =>
          m.t === 'push'
            ? [JSON.parse(m.json)]
            : m.t === 'push_many'
              ? m.json.map((j) => JSON.parse(j))
              : [],
        ),
      send: (frame: ClientFrame) =>
        directory.send(`user:${user}`, {
          t: 'client',
          device,
          edge: edge.ref as Ref<EdgeMsg>,
          frame,
        }),
    };
  };
  /** Store calls of `method`, those whose first argument is `first` when given. */
  const count = (method: string, first?: string) =>
    calls.filter((c) => c.method === method && (first === undefined || c.args[0] === first)).length;
  type Device = ReturnType<typeof connect>;
  /** `admin` creates a group of itself and `members`; resolves its id. */
  const createGroup = async (admin: Device, members: string[]): Promise<string> => {
    admin.send({ type: 'group.create', ref: 'create', name: 'g', members });
    await det.settle();
    const created = admin.frames().find((f) => f.type === 'group' && f.ref === 'create');
    return created.id as string;
  };
  return { det, system, store, memory, directory, env, calls, connect, count, createGroup };
}
