/**
 * PROTOCOL.md guarantee 9 (multi-device), `typing` (to a user and to a
 * group, never stored) and `presence.subscribe` / `settings`.
 */
import { describe, expect, it } from 'vitest';
import { type Harness, isType, type ProtocolClient } from '../harness.ts';
import { actorBarrier } from './delivery.ts';

const presenceOf = (
  c: ProtocolClient,
  user: string,
  from: number,
  more: Record<string, unknown> = {},
) => c.waitFor(isType('presence', { user, ...more }), 5000, from);

export function devicesTests(h: Harness): void {
  describe('multi-device: guarantee 9', () => {
    it('gives every device of the recipient every message, with the same seq', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const phone = await h.connect(bob, { device: 'phone', node: 1 });
      const laptop = await h.connect(bob, { device: 'laptop' });
      for (const id of ['m1', 'm2']) await h.send(a, { to: bob }, id);
      const onPhone = await h.messages(phone, 2);
      expect(await h.messages(laptop, 2)).toEqual(onPhone);
      const tablet = await h.connect(bob, { device: 'tablet', node: 1 });
      expect(await h.messages(tablet, 2)).toEqual(onPhone);
    });

    it('copies a user’s own sends to the user’s other devices as message frames with the sender’s own seq', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const d1 = await h.connect(alice, { device: 'd1' });
      const d2 = await h.connect(alice, { device: 'd2', node: 1 });
      const b = await h.connect(bob, { node: 1 });
      await h.send(d1, { to: bob }, 'mine');
      const [copy] = await h.messages(d2, 1);
      expect(copy).toEqual({
        type: 'message',
        id: 'mine',
        from: alice,
        to: bob,
        seq: expect.any(Number),
        ts: expect.any(Number),
        content: { type: 'text', body: 'mine' },
      });
      // The reply takes the next number of alice's inbox, on both of her devices.
      await h.send(b, { to: alice }, 'reply');
      const [onD2] = await h.messages(d2, 1, { id: 'reply' });
      const [onD1] = await h.messages(d1, 1, { id: 'reply' });
      expect(onD2).toEqual(onD1);
      expect(onD2!.seq).toBe((copy!.seq as number) + 1);
      // A third device connecting later gets both, in order, from the backlog.
      const d3 = await h.connect(alice, { device: 'd3' });
      expect(await h.messages(d3, 2)).toEqual([copy, onD1]);
    });

    it('stops replaying an own-send copy once the device acks it delivered', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const d1 = await h.connect(alice, { device: 'd1' });
      await h.send(d1, { to: bob }, 'mine');
      const d2 = await h.connect(alice, { device: 'd2', node: 1 });
      const [copy] = await h.messages(d2, 1);
      d2.send({ type: 'ack', id: 'mine', from: alice, status: 'delivered' });
      await actorBarrier(d2, bob);
      await d2.close();
      const again = await h.connect(alice, { device: 'd2' });
      await h.send(d1, { to: bob }, 'next');
      const [next] = await h.messages(again, 1);
      expect(next).toMatchObject({ id: 'next', seq: (copy!.seq as number) + 1 });
    });
  });

  describe('typing', () => {
    it('relays typing to every device of a user, with from and status', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b1 = await h.connect(bob, { device: 'd1', node: 1 });
      const b2 = await h.connect(bob, { device: 'd2' });
      a.send({ type: 'typing', to: bob, status: 'started' });
      a.send({ type: 'typing', to: bob, status: 'stopped' });
      for (const b of [b1, b2]) {
        const frames = await b.waitForCount(isType('typing'), 2);
        expect(frames).toEqual([
          { type: 'typing', from: alice, status: 'started' },
          { type: 'typing', from: alice, status: 'stopped' },
        ]);
      }
    });

    it('relays typing in a group to the other members, with group', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const c = await h.connect(carol);
      const group = await h.createGroup(a, [bob, carol]);
      a.send({ type: 'typing', group, status: 'started' });
      for (const member of [b, c])
        expect(await member.waitFor(isType('typing'))).toEqual({
          type: 'typing',
          from: alice,
          group,
          status: 'started',
        });
    });

    it('never stores typing: not replayed on reconnect, not in history', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      a.send({ type: 'typing', to: bob, status: 'started' });
      await actorBarrier(a, bob);
      await h.send(a, { to: bob }, 'm1');
      const b = await h.connect(bob, { node: 1 });
      await h.messages(b, 1);
      await b.barrier();
      expect(b.all('typing')).toEqual([]);
      const page = await b.request({ type: 'history', with: alice });
      expect((page.messages as { id: string }[]).map((m) => m.id)).toEqual(['m1']);
    });
  });

  describe('presence', () => {
    it('answers presence.subscribe at once with one frame per user: online, offline with lastSeen, never seen', async () => {
      const watcher = await h.connect(h.uid('watcher'));
      const online = h.uid('online');
      const gone = h.uid('gone');
      const never = h.uid('never');
      await h.connect(online, { node: 1 });
      const g = await h.connect(gone);
      let from = watcher.mark();
      watcher.send({ type: 'presence.subscribe', users: [gone] });
      await presenceOf(watcher, gone, from, { online: true });
      await g.close();
      await presenceOf(watcher, gone, from, { online: false });
      from = watcher.mark();
      const before = Date.now();
      watcher.send({ type: 'presence.subscribe', users: [online, never, gone] });
      const end = await watcher.barrier();
      const answers = watcher.frames.slice(from, end).filter((f) => f.type === 'presence');
      expect(answers).toHaveLength(3);
      const byUser = new Map(answers.map((f) => [f.user, f]));
      expect(byUser.get(online)).toEqual({
        type: 'presence',
        user: online,
        online: true,
        lastSeen: expect.any(Number),
      });
      expect(byUser.get(never)).toEqual({
        type: 'presence',
        user: never,
        online: false,
        lastSeen: null,
      });
      expect(byUser.get(gone)).toMatchObject({ online: false, lastSeen: expect.any(Number) });
      expect(byUser.get(gone)!.lastSeen as number).toBeLessThanOrEqual(before + 1000);
    });

    it('pushes each change: coming online and going offline with lastSeen', async () => {
      const watcher = await h.connect(h.uid('watcher'), { node: 1 });
      const dave = h.uid('dave');
      const from = watcher.mark();
      watcher.send({ type: 'presence.subscribe', users: [dave] });
      await presenceOf(watcher, dave, from, { online: false, lastSeen: null });
      const d = await h.connect(dave);
      await presenceOf(watcher, dave, from, { online: true });
      const closedAt = Date.now();
      const afterOnline = watcher.mark();
      await d.close();
      const offline = await presenceOf(watcher, dave, afterOnline, { online: false });
      expect(offline.lastSeen as number).toBeGreaterThanOrEqual(closedAt - 1000);
    });

    it('shows lastSeen null, but still online, for a user who set lastSeen to nobody', async () => {
      const erin = h.uid('erin');
      const watcher = await h.connect(h.uid('watcher'), { node: 1 });
      const e = await h.connect(erin);
      e.send({ type: 'settings', lastSeen: 'nobody' });
      await e.barrier();
      let from = watcher.mark();
      watcher.send({ type: 'presence.subscribe', users: [erin] });
      expect(await presenceOf(watcher, erin, from)).toEqual({
        type: 'presence',
        user: erin,
        online: true,
        lastSeen: null,
      });
      from = watcher.mark();
      await e.close();
      await presenceOf(watcher, erin, from, { online: false, lastSeen: null });
      const e2 = await h.connect(erin);
      await presenceOf(watcher, erin, from, { online: true, lastSeen: null });
      e2.send({ type: 'settings', lastSeen: 'everyone' });
      await e2.barrier();
      from = watcher.mark();
      await e2.close();
      const shown = await presenceOf(watcher, erin, from, { online: false });
      expect(shown.lastSeen).toEqual(expect.any(Number));
    });
  });
}
