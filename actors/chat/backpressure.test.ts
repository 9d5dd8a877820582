/**
 * Overload makes no more work: a slow recipient is not buried under resends
 * (each message is appended to its inbox once). The node-wide bound that
 * refuses new messages when too many are in flight is the edge's
 * (`actors/edge/edge-actor.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import type { Ref } from '../../runtime/index.ts';
import { Deterministic, probe } from '../../runtime/testing/index.ts';
import { type InboxAppend, MemoryStore, type Store } from '../../store/index.ts';
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

const seed = Number(process.env.FC_SEED);

/** A memory store whose appends to `slowUser` take `delayMs` each, counting appends per user. */
function slowStore(det: Deterministic, slowUser: string, delayMs: number) {
  const inner = new MemoryStore();
  const appends = new Map<string, number>();
  const store = new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop !== 'appendInbox') {
        const v = Reflect.get(target, prop, receiver);
        return typeof v === 'function' ? v.bind(target) : v;
      }
      return async (user: string, epoch: number, items: readonly InboxAppend[]) => {
        appends.set(user, (appends.get(user) ?? 0) + 1);
        if (user === slowUser)
          await new Promise<void>((resolve) => det.clock.setTimer(delayMs, resolve));
        return target.appendInbox(user, epoch, items);
      };
    },
  }) as Store;
  return { store, appends };
}

function world(store: Store, det: Deterministic) {
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
  const connect = (user: string) => {
    const edge = probe<EdgeMsg>(system);
    directory.send(`user:${user}`, { t: 'attach', device: 'd1', edge: edge.ref });
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
        device: 'd1',
        edge: edge.ref as Ref<EdgeMsg>,
        frame,
      });
    return { frames, send };
  };
  return { connect };
}

const text = (body: string) => ({ type: 'text' as const, body });

describe('no resend storms', () => {
  it('appends each message to a slow recipient once, however long it takes', async () => {
    const det = new Deterministic(seed);
    // 3 s per append to bob: 20 messages take a minute, far past every resend timeout.
    const { store, appends } = slowStore(det, 'bob', 3000);
    const w = world(store, det);
    const alice = w.connect('alice');
    const bob = w.connect('bob');
    await det.settle();
    for (let i = 1; i <= 20; i++)
      alice.send({ type: 'message', id: `m${i}`, to: 'bob', content: text(`${i}`) });
    await det.advance(120_000);
    const got = bob.frames().filter((f) => f.type === 'message');
    expect(got.map((f) => f.id)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i + 1}`));
    expect(got.map((f) => f.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // With a fixed 2 s resend of everything pending, bob appended each message many times.
    expect(appends.get('bob')).toBeLessThanOrEqual(21);
    expect(appends.get('alice')).toBe(20);
  });

  it('an idle connected user actor keeps no timer; the next message starts its tick again', async () => {
    const det = new Deterministic(seed);
    const w = world(new MemoryStore(), det);
    const alice = w.connect('alice');
    w.connect('bob');
    alice.send({ type: 'message', id: 'm1', to: 'bob', content: text('hi') });
    await det.settle();
    await det.advance(DEFAULT_CHAT_CONFIG.quietMs + 3 * DEFAULT_CHAT_CONFIG.tickMs);
    expect(det.clock.nextTimerAt()).toBeUndefined();
    alice.send({ type: 'message', id: 'm2', to: 'bob', content: text('again') });
    await det.settle();
    expect(det.clock.nextTimerAt()).toBe(det.clock.now() + DEFAULT_CHAT_CONFIG.tickMs);
  });
});
