/**
 * PROTOCOL.md guarantees 2 (idempotent send), 3 (delivered at least once,
 * shown once) and 4 (order), and the backlog-then-live rule of
 * "Connecting", for 1:1 messages. Senders and recipients sit on different
 * nodes when the target has several.
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../support/frame-log.ts';
import { type Harness, isType, type ProtocolClient, text } from '../harness.ts';

/** Waits until `user`'s actor has handled everything `c` sent before (a history round trip). */
export async function actorBarrier(c: ProtocolClient, peer: string): Promise<void> {
  const reply = await c.request({ type: 'history', with: peer, limit: 1 });
  expect(reply.type).toBe('history');
}

/** Sends `count` messages without waiting; returns the ids in the order their `sent` acks came. */
export async function pipeline(
  c: ProtocolClient,
  to: { to: string } | { group: string },
  prefix: string,
  count: number,
): Promise<string[]> {
  const from = c.mark();
  for (let i = 1; i <= count; i++)
    c.send({ type: 'message', id: `${prefix}${i}`, ...to, content: text(`${prefix}${i}`) });
  const acks = await c.waitForCount(
    (f) => f.type === 'ack' && f.status === 'sent' && String(f.id).startsWith(prefix),
    count,
    10_000,
    from,
  );
  expect(c.all('error')).toEqual([]);
  return acks.map((f) => f.id as string);
}

export const ids = (frames: readonly Frame[]): string[] => frames.map((f) => f.id as string);
export const seqs = (frames: readonly Frame[]): number[] => frames.map((f) => f.seq as number);

export function expectConsecutive(values: readonly number[]): void {
  for (let i = 1; i < values.length; i++) expect(values[i]).toBe(values[i - 1]! + 1);
}

export function deliveryTests(h: Harness): void {
  describe('delivery: guarantees 2, 3, 4', () => {
    it('acks sent to the sender, then delivers to the recipient with from, to, seq, ts and content', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const ack = await h.send(a, { to: bob }, 'm1', 'hello');
      expect(ack).toEqual({ type: 'ack', id: 'm1', status: 'sent', ts: expect.any(Number) });
      const [m] = await h.messages(b, 1);
      expect(m).toEqual({
        type: 'message',
        id: 'm1',
        from: alice,
        to: bob,
        seq: expect.any(Number),
        ts: expect.any(Number),
        content: { type: 'text', body: 'hello' },
      });
      expect(m!.seq as number).toBeGreaterThanOrEqual(1);
    });

    it('relays content unchanged: any text body, and every media field', async () => {
      const bob = h.uid('bob');
      const a = await h.connect(h.uid('alice'));
      const b = await h.connect(bob, { node: 1 });
      const contents = [
        { type: 'text', body: '' },
        { type: 'text', body: 'ünïcödé 😀 \u0000 "quoted" \\ {"type":"ping"}' },
        { type: 'text', body: 'q29tZSBjaXBoZXJ0ZXh0IG9ubHkgdGhlIGNsaWVudHMgY2FuIHJlYWQ=' },
        {
          type: 'image',
          url: '/api/v1/media/abc',
          key: 'k3y',
          mime: 'image/png',
          size: 1234,
          caption: 'a cat',
          thumbnail: 'iVBORw0KGgo=',
        },
        { type: 'video', url: 'https://cdn.example/v.mp4' },
        { type: 'audio', url: '/api/v1/media/a', mime: 'audio/ogg', size: 0 },
        { type: 'document', url: '/api/v1/media/d', caption: '' },
      ];
      for (const [i, content] of contents.entries())
        a.send({ type: 'message', id: `c${i}`, to: bob, content });
      const got = await h.messages(b, contents.length);
      expect(got.map((m) => m.content)).toEqual(contents);
    });

    it('2. answers a repeated id with the same sent ack and delivers it once, even with other content or another recipient', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const c = await h.connect(carol, { node: 1 });
      const first = await h.send(a, { to: bob }, 'm1', 'first');
      const [m1] = await h.messages(b, 1);
      const from = a.mark();
      a.send({ type: 'message', id: 'm1', to: bob, content: text('first') });
      a.send({ type: 'message', id: 'm1', to: bob, content: text('changed') });
      a.send({ type: 'message', id: 'm1', to: carol, content: text('elsewhere') });
      const again = await a.waitForCount(isType('ack', { id: 'm1' }), 3, 5000, from);
      expect(again).toEqual([first, first, first]);
      await h.send(a, { to: bob }, 'm2');
      await h.send(a, { to: carol }, 'c2');
      await h.messages(b, 1, { id: 'm2' });
      await h.messages(c, 1, { id: 'c2' });
      expect(b.all('message', (f) => f.id === 'm1')).toEqual([m1]);
      expect(c.all('message', (f) => f.id === 'm1')).toEqual([]);
      // Never acked, so it comes back on reconnect: still once, still the first content.
      b.terminate();
      const b2 = await h.connect(bob, { node: 1 });
      await h.messages(b2, 1, { id: 'm2' });
      expect(b2.all('message', (f) => f.id === 'm1')).toEqual([m1]);
    });

    it('2. recognises a repeated id after the sender reconnects, and from its other device', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a1 = await h.connect(alice, { device: 'd1' });
      const first = await h.send(a1, { to: bob }, 'm1', 'once');
      a1.terminate();
      const a1again = await h.connect(alice, { device: 'd1', node: 1 });
      expect(await h.send(a1again, { to: bob }, 'm1', 'once')).toEqual(first);
      const a2 = await h.connect(alice, { device: 'd2' });
      expect(await h.send(a2, { to: bob }, 'm1', 'twice?')).toEqual(first);
      await h.send(a2, { to: bob }, 'm2');
      const b = await h.connect(bob, { node: 1 });
      const backlog = await h.messages(b, 2);
      expect(ids(backlog)).toEqual(['m1', 'm2']);
      expect(backlog[0]!.content).toEqual(text('once'));
      await b.barrier();
      expect(b.all('message')).toHaveLength(2);
    });

    it('3. sends the backlog right after welcome, in seq order, then live traffic', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      for (const id of ['m1', 'm2', 'm3']) await h.send(a, { to: bob }, id);
      const b = await h.connect(bob, { node: 1 });
      await h.messages(b, 3);
      await h.send(a, { to: bob }, 'm4');
      await h.messages(b, 4);
      const types = b.frames.map((f) => f.type);
      expect(types.slice(0, 5)).toEqual(['welcome', 'message', 'message', 'message', 'message']);
      const got = b.frames.slice(1, 5);
      expect(ids(got)).toEqual(['m1', 'm2', 'm3', 'm4']);
      expectConsecutive(seqs(got));
    });

    it('3. replays unacked messages on every reconnect with the same from, id and seq, until the device acks delivered', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      for (const id of ['m1', 'm2', 'm3']) await h.send(a, { to: bob }, id);
      const b1 = await h.connect(bob, { node: 1 });
      const first = await h.messages(b1, 3);
      await b1.close();
      const b2 = await h.connect(bob);
      expect(await h.messages(b2, 3)).toEqual(first);
      b2.terminate();
      const b3 = await h.connect(bob, { node: 1 });
      expect(await h.messages(b3, 3)).toEqual(first);
      for (const m of first) b3.send({ type: 'ack', id: m.id, from: alice, status: 'delivered' });
      await actorBarrier(b3, alice);
      await b3.close();
      const b4 = await h.connect(bob);
      await h.send(a, { to: bob }, 'm4');
      const [live] = await h.messages(b4, 1);
      expect(live).toMatchObject({ id: 'm4', seq: (first[2]!.seq as number) + 1 });
      expect(b4.all('message')).toHaveLength(1);
    });

    it('3. replays to each device until that device acks: another device acking does not count', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      await h.send(a, { to: bob }, 'm1');
      const d1 = await h.connect(bob, { device: 'd1', node: 1 });
      const [m1] = await h.messages(d1, 1);
      d1.send({ type: 'ack', id: 'm1', from: alice, status: 'delivered' });
      await actorBarrier(d1, alice);
      const d2 = await h.connect(bob, { device: 'd2' });
      expect(await h.messages(d2, 1)).toEqual([m1]);
      d2.terminate();
      const d2again = await h.connect(bob, { device: 'd2', node: 1 });
      expect(await h.messages(d2again, 1)).toEqual([m1]);
    });

    it('3. keeps replaying a message the device has not acked, even after it acked a later one', async () => {
      const bob = h.uid('bob');
      const alice = h.uid('alice');
      const carol = h.uid('carol');
      const a = await h.connect(alice);
      const c = await h.connect(carol, { node: 1 });
      await h.send(a, { to: bob }, 'from-alice');
      await h.send(c, { to: bob }, 'from-carol');
      const b1 = await h.connect(bob);
      const [earlier, later] = await h.messages(b1, 2);
      b1.send({ type: 'ack', id: later!.id, from: later!.from, status: 'delivered' });
      await actorBarrier(b1, alice);
      await b1.close();
      const b2 = await h.connect(bob, { node: 1 });
      const [replayed] = await h.messages(b2, 1, {}, 0, 2000);
      expect(replayed).toEqual(earlier);
      await b2.barrier();
      expect(b2.all('message', (f) => f.id === later!.id)).toEqual([]);
    });

    it('4. delivers one sender’s messages in the order of its sent acks, seq strictly increasing, live and from the backlog', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const order = await pipeline(a, { to: bob }, 'live', 30);
      const live = await h.messages(b, 30);
      expect(ids(live)).toEqual(order);
      expectConsecutive(seqs(live));
      const offlineOrder = await pipeline(a, { to: carol }, 'off', 30);
      const c = await h.connect(carol, { node: 1 });
      const backlog = await h.messages(c, 30);
      expect(ids(backlog)).toEqual(offlineOrder);
      expectConsecutive(seqs(backlog));
    });

    it('4. numbers a user’s inbox strictly increasing and gapless across senders, the same on every device', async () => {
      const alice = h.uid('alice');
      const carol = h.uid('carol');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const c = await h.connect(carol, { node: 1 });
      const d1 = await h.connect(bob, { device: 'd1', node: 1 });
      const d2 = await h.connect(bob, { device: 'd2' });
      const [aliceOrder, carolOrder] = await Promise.all([
        pipeline(a, { to: bob }, 'a', 15),
        pipeline(c, { to: bob }, 'c', 15),
      ]);
      const got1 = await h.messages(d1, 30);
      const got2 = await h.messages(d2, 30);
      expect(got2).toEqual(got1);
      expectConsecutive(seqs(got1));
      expect(ids(got1.filter((m) => m.from === alice))).toEqual(aliceOrder);
      expect(ids(got1.filter((m) => m.from === carol))).toEqual(carolOrder);
    });
  });
}
