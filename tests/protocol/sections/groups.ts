/**
 * PROTOCOL.md guarantee 8 (groups) and the group frames: create, add,
 * remove, leave, each answered with a `group` frame echoing `ref` and pushed
 * to the members; up to 1024 members; a message reaches every member,
 * the sender's other devices included, in one per-group order.
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../support/frame-log.ts';
import { type Harness, isType, type ProtocolClient } from '../harness.ts';
import { expectConsecutive, ids, pipeline, seqs } from './delivery.ts';

const sorted = (xs: unknown): string[] => [...(xs as string[])].sort();

function groupFrame(c: ProtocolClient, group: string, has: (members: string[]) => boolean) {
  return c.waitFor((f) => f.type === 'group' && f.id === group && has(f.members as string[]));
}

export function groupsTests(h: Harness): void {
  describe('groups: guarantee 8', () => {
    it('answers group.create with ref, id, name, members and admins, and pushes it to every member', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const a1 = await h.connect(alice, { device: 'd1' });
      const a2 = await h.connect(alice, { device: 'd2', node: 1 });
      const b = await h.connect(bob, { node: 1 });
      const c = await h.connect(carol);
      a1.send({ type: 'group.create', ref: 'create-1', name: 'Team ✨', members: [bob, carol] });
      const reply = await a1.waitFor(isType('group', { ref: 'create-1' }));
      expect(reply).toEqual({
        type: 'group',
        ref: 'create-1',
        id: expect.any(String),
        name: 'Team ✨',
        members: expect.any(Array),
        admins: [alice],
      });
      expect(sorted(reply.members)).toEqual([alice, bob, carol].sort());
      for (const member of [a2, b, c]) {
        const pushed = await member.waitFor(isType('group', { id: reply.id }));
        expect(pushed).toMatchObject({ name: 'Team ✨', admins: [alice] });
        expect(sorted(pushed.members)).toEqual([alice, bob, carol].sort());
      }
    });

    it('counts the creator once when listed, and members once when repeated', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const reply = await a.request({
        type: 'group.create',
        name: 'dups',
        members: [alice, bob, bob],
      });
      expect(sorted(reply.members)).toEqual([alice, bob].sort());
    });

    it('pushes add and remove to the members, the added and the removed included', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const c = await h.connect(carol);
      const group = await h.createGroup(a, [bob]);
      const added = await a.request({ type: 'group.add', group, members: [carol] });
      expect(added).toMatchObject({ type: 'group', id: group, admins: [alice] });
      expect(sorted(added.members)).toEqual([alice, bob, carol].sort());
      await groupFrame(b, group, (m) => m.includes(carol));
      await groupFrame(c, group, (m) => m.includes(carol));
      await h.send(a, { group }, 'after-add');
      await h.messages(c, 1, { id: 'after-add' });
      const removed = await a.request({ type: 'group.remove', group, members: [bob] });
      expect(sorted(removed.members)).toEqual([alice, carol].sort());
      await groupFrame(c, group, (m) => !m.includes(bob));
      // [ours] the removed member is told once, by a frame without them.
      await groupFrame(b, group, (m) => !m.includes(bob));
    });

    it('answers group.leave with the group without the leaver, tells the rest, and passes admin on [ours]', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const c = await h.connect(carol);
      const group = await h.createGroup(a, [bob, carol]);
      const left = await b.request({ type: 'group.leave', group });
      expect(left).toMatchObject({ type: 'group', id: group });
      expect(sorted(left.members)).toEqual([alice, carol].sort());
      await groupFrame(a, group, (m) => !m.includes(bob));
      await groupFrame(c, group, (m) => !m.includes(bob));
      const adminLeft = await a.request({ type: 'group.leave', group });
      expect(adminLeft.members).toEqual([carol]);
      const last = await groupFrame(c, group, (m) => !m.includes(alice));
      expect(last.admins).toEqual([carol]);
      const from = b.mark();
      b.send({ type: 'message', id: 'gone', group, content: { type: 'text', body: 'x' } });
      expect(await b.waitFor(isType('error'), 5000, from)).toMatchObject({ code: 'forbidden' });
    });

    it('delivers a group message to every member and the sender’s other devices, in one per-group order', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const a1 = await h.connect(alice, { device: 'd1' });
      const a2 = await h.connect(alice, { device: 'd2', node: 1 });
      const b = await h.connect(bob, { node: 1 });
      const c = await h.connect(carol);
      const group = await h.createGroup(a1, [bob, carol]);
      const [aliceOrder, bobOrder] = await Promise.all([
        pipeline(a1, { group }, 'a', 12),
        pipeline(b, { group }, 'b', 12),
      ]);
      const reference = await h.messages(c, 24, { group });
      for (const m of reference) {
        expect(m).toEqual({
          type: 'message',
          id: expect.any(String),
          from: expect.any(String),
          group,
          seq: expect.any(Number),
          ts: expect.any(Number),
          content: { type: 'text', body: m.id },
          ...(m.gseq !== undefined ? { gseq: expect.any(Number) } : {}),
        });
      }
      expectConsecutive(seqs(reference));
      expect(ids(reference.filter((m) => m.from === alice))).toEqual(aliceOrder);
      expect(ids(reference.filter((m) => m.from === bob))).toEqual(bobOrder);
      const order = ids(reference);
      const sameOrder = (got: Frame[], from: string) =>
        expect(ids(got)).toEqual(order.filter((_, i) => reference[i]!.from === from));
      // alice's second device gets everything, her own first device's sends included.
      expect(ids(await h.messages(a2, 24, { group }))).toEqual(order);
      sameOrder(await h.messages(b, 12, { group, from: alice }), alice);
      sameOrder(await h.messages(a1, 12, { group, from: bob }), bob);
    });

    it('stores a repeated group message id once and acks it the same', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const group = await h.createGroup(a, [bob]);
      const first = await h.send(a, { group }, 'g1', 'one');
      expect(await h.send(a, { group }, 'g1', 'two')).toEqual(first);
      await h.send(a, { group }, 'g2');
      await h.messages(b, 1, { id: 'g2' });
      expect(b.all('message', (f) => f.id === 'g1')).toEqual([
        expect.objectContaining({ content: { type: 'text', body: 'one' } }),
      ]);
    });

    it('holds 1024 members and delivers to them, the last added included; the 1025th is refused', async () => {
      const alice = h.uid('alice');
      const prefix = h.uid('m');
      const others = Array.from({ length: 1023 }, (_, i) => `${prefix}-${i}`);
      const a = await h.connect(alice);
      const tooMany = await a.request(
        { type: 'group.create', name: 'too big', members: [...others, `${prefix}-extra`] },
        15_000,
      );
      expect(tooMany).toMatchObject({ type: 'error', code: 'bad_frame' });
      const created = await a.request(
        { type: 'group.create', name: 'big', members: others },
        15_000,
      );
      expect(created.type).toBe('group');
      expect((created.members as string[]).length).toBe(1024);
      const group = created.id as string;
      const refused = await a.request(
        { type: 'group.add', group, members: [`${prefix}-extra`] },
        15_000,
      );
      expect(refused).toMatchObject({ type: 'error', code: 'bad_frame' });
      await h.send(a, { group }, 'to-all');
      // Every 8th member and the last 8: a fan-out cut short or striding misses some.
      // (Connecting all 1023 costs seconds of user-actor activation, run twice.)
      const sample = others.filter((_, i) => i % 8 === 3 || i >= others.length - 8);
      await Promise.all(
        sample.map(async (user, i) => {
          const c = await h.connect(user, { node: i });
          await c.waitFor(isType('message', { id: 'to-all', group, from: alice }), 10_000);
        }),
      );
    });
  });
}
