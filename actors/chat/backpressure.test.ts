/**
 * Overload makes no more work: a slow recipient is not buried under resends
 * (each message is appended to its inbox once). The node-wide bound that
 * refuses new messages when too many are in flight is the edge's
 * (`actors/edge/edge-actor.test.ts`).
 */
import { describe, expect, it } from 'vitest';
import { Deterministic } from '../../runtime/testing/index.ts';
import { MemoryStore } from '../../store/index.ts';
import { DEFAULT_CHAT_CONFIG } from './env.ts';
import { chatWorld, hookedStore, text } from './testing-world.ts';

const seed = Number(process.env.FC_SEED);

/** A memory store whose appends to `slowUser` take `delayMs` each, counting appends per user. */
function slowStore(det: Deterministic, slowUser: string, delayMs: number) {
  const appends = new Map<string, number>();
  const store = hookedStore(
    new MemoryStore(),
    'appendInbox',
    (append) => async (user, epoch, items) => {
      appends.set(user, (appends.get(user) ?? 0) + 1);
      if (user === slowUser)
        await new Promise<void>((resolve) => det.clock.setTimer(delayMs, resolve));
      return append(user, epoch, items);
    },
  );
  return { store, appends };
}

const world = chatWorld;

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
    // Alice's 20 frames were taken in batches: at most one append each.
    expect(appends.get('alice')).toBeLessThanOrEqual(20);
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
