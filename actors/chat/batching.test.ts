/**
 * A user actor writes everything already in its mailbox in one store call:
 * a device's 1:1 messages (one `appendInbox` in the sender's inbox for the
 * burst) and forwards into a recipient's inbox. The guarantees stay those of
 * one message at a time: one sender's messages are never reordered, a failed
 * shared write acks none of its messages, and a refused frame refuses only
 * itself.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import { Deterministic } from '../../runtime/testing/index.ts';
import { type InboxAppend, MemoryStore, type Store } from '../../store/index.ts';
import { chatWorld, hookedStore, text } from './testing-world.ts';

const seed = Number(process.env.FC_SEED);

/** Appends to every user wait `delayMs` (so messages pile up behind one), recording each call's size per user. */
function slowAppends(
  det: Deterministic,
  delayMs: number,
  fail?: (user: string, items: readonly InboxAppend[]) => Error | undefined,
) {
  const calls: { user: string; ids: string[] }[] = [];
  const store = hookedStore(
    new MemoryStore(),
    'appendInbox',
    (append) => async (user, epoch, items) => {
      calls.push({ user, ids: items.map((i) => i.record.id) });
      await new Promise<void>((resolve) => det.clock.setTimer(delayMs, resolve));
      const err = fail?.(user, items);
      if (err !== undefined) throw err;
      return append(user, epoch, items);
    },
  );
  return { store, calls };
}

const messages = (frames: Record<string, unknown>[]) => frames.filter((f) => f.type === 'message');
const sentAcks = (frames: Record<string, unknown>[]) =>
  frames.filter((f) => f.type === 'ack' && f.status === 'sent').map((f) => f.id);

describe('batched writes', () => {
  it('store a burst of one device in one append and ack each, in order', async () => {
    const det = new Deterministic(seed);
    const { store, calls } = slowAppends(det, 50);
    const w = chatWorld(store, det);
    const alice = w.connect('alice');
    const bob = w.connect('bob');
    await det.settle();
    const ids = Array.from({ length: 30 }, (_, i) => `m${i + 1}`);
    for (const id of ids) alice.send({ type: 'message', id, to: 'bob', content: text(id) });
    await det.advance(10_000);
    expect(sentAcks(alice.frames())).toEqual(ids);
    expect(messages(bob.frames()).map((f) => f.id)).toEqual(ids);
    expect(messages(bob.frames()).map((f) => f.seq)).toEqual(ids.map((_, i) => i + 1));
    // The first waits alone; those behind it go in one or two writes, in order.
    const aliceCalls = calls.filter((c) => c.user === 'alice');
    expect(aliceCalls.length).toBeLessThanOrEqual(3);
    expect(aliceCalls.flatMap((c) => c.ids)).toEqual(ids);
    expect(calls.filter((c) => c.user === 'bob').length).toBeLessThanOrEqual(3);
  });

  it('a failed shared write acks none of its messages and answers each unavailable', async () => {
    const det = new Deterministic(seed);
    let failed: string[] | undefined;
    const { store } = slowAppends(det, 50, (user, items) => {
      if (user !== 'alice' || failed !== undefined || !items.some((i) => i.record.id === 'm4'))
        return undefined;
      failed = items.map((i) => i.record.id);
      return new ParleyError(ErrorCode.Unavailable, 'store down (test)');
    });
    const w = chatWorld(store, det);
    const alice = w.connect('alice');
    const bob = w.connect('bob');
    await det.settle();
    const ids = ['m1', 'm2', 'm3', 'm4', 'm5', 'm6'];
    for (const id of ids) alice.send({ type: 'message', id, to: 'bob', content: text(id) });
    await det.advance(10_000);
    expect(failed!.length).toBeGreaterThan(1);
    const stored = ids.filter((id) => !failed!.includes(id));
    expect(sentAcks(alice.frames())).toEqual(stored);
    const refused = alice.frames().filter((f) => f.type === 'error');
    expect(refused.map((f) => [f.code, f.id])).toEqual(failed!.map((id) => ['unavailable', id]));
    expect(messages(bob.frames()).map((f) => f.id)).toEqual(stored);
    // Sent again, they are stored and acked once each.
    for (const id of failed!) alice.send({ type: 'message', id, to: 'bob', content: text(id) });
    await det.advance(10_000);
    expect([...sentAcks(alice.frames())].sort()).toEqual(ids);
    expect(messages(bob.frames()).map((f) => f.id)).toEqual([...stored, ...failed!]);
  });

  it('a frame the store refuses is answered bad_frame alone; the rest of its batch is stored', async () => {
    const det = new Deterministic(seed);
    const { store } = slowAppends(det, 50, (user, items) =>
      items.some((i) => i.record.id === 'bad')
        ? new ParleyError(ErrorCode.InvalidArgument, 'id "bad" refused (test)')
        : undefined,
    );
    const w = chatWorld(store, det);
    const alice = w.connect('alice');
    const bob = w.connect('bob');
    await det.settle();
    for (const id of ['m1', 'm2', 'bad', 'm3'])
      alice.send({ type: 'message', id, to: 'bob', content: text(id) });
    await det.advance(10_000);
    expect(sentAcks(alice.frames())).toEqual(['m1', 'm2', 'm3']);
    const refused = alice.frames().filter((f) => f.type === 'error');
    expect(refused.map((f) => [f.code, f.id])).toEqual([['bad_frame', 'bad']]);
    expect(messages(bob.frames()).map((f) => f.id)).toEqual(['m1', 'm2', 'm3']);
  });

  it("never reorders one sender's messages, whatever the interleaving and store latency (fast-check)", async () => {
    const senders = ['alice', 'carol'];
    const step = fc.record({
      from: fc.constantFrom(...senders),
      device: fc.constantFrom('d1', 'd2'),
      pauseMs: fc.constantFrom(0, 0, 0, 5, 40),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 0, max: 60 }),
        async (steps, delayMs) => {
          const det = new Deterministic(seed);
          const store: Store = delayMs === 0 ? new MemoryStore() : slowAppends(det, delayMs).store;
          const w = chatWorld(store, det);
          const devices = new Map(
            senders.flatMap((u) =>
              ['d1', 'd2'].map((d) => [`${u}/${d}`, w.connect(u, d)] as const),
            ),
          );
          const bob = w.connect('bob');
          await det.settle();
          const sent = new Map<string, string[]>(senders.map((u) => [u, []]));
          for (const [i, { from, device, pauseMs }] of steps.entries()) {
            const id = `${device}-${i}`;
            devices
              .get(`${from}/${device}`)!
              .send({ type: 'message', id, to: 'bob', content: text(id) });
            sent.get(from)!.push(id);
            if (pauseMs > 0) await det.advance(pauseMs);
          }
          await det.advance(60_000);
          const got = messages(bob.frames());
          for (const u of senders)
            expect(got.filter((f) => f.from === u).map((f) => f.id)).toEqual(sent.get(u));
          expect(got.map((f) => f.seq)).toEqual(got.map((_, i) => i + 1));
          for (const [name, dev] of devices) {
            const [u, d] = name.split('/') as [string, string];
            const mine = sent.get(u)!.filter((id) => id.startsWith(`${d}-`));
            expect(sentAcks(dev.frames())).toEqual(mine);
          }
        },
      ),
      { seed, numRuns: 60 },
    );
  });
});
