/**
 * PROTOCOL.md guarantees 6 (authorization: a client acts only as its token's
 * `sub`) and 7 (bad input changes nothing stored).
 */
import { describe, expect, it } from 'vitest';
import { type Harness, isType, type ProtocolClient, text } from '../harness.ts';
import { actorBarrier } from './delivery.ts';

async function historyOf(c: ProtocolClient, query: Record<string, unknown>) {
  return c.request({ type: 'history', limit: 200, ...query });
}

export function authorizationTests(h: Harness): void {
  describe('authorization: guarantee 6', () => {
    it('sends as the token’s user whatever the frame claims', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      a.send({
        type: 'message',
        id: 'm1',
        to: bob,
        from: 'mallory',
        user: 'mallory',
        content: text('x'),
      });
      const [m] = await h.messages(b, 1);
      expect(m).toMatchObject({ id: 'm1', from: alice });
      a.send({ type: 'typing', to: bob, from: 'mallory', status: 'started' });
      expect(await b.waitFor(isType('typing'))).toMatchObject({ from: alice });
    });

    it('never shows one user’s conversations in another user’s history', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const mallory = h.uid('mallory');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      await h.send(a, { to: bob }, 'secret-1');
      await h.send(b, { to: alice }, 'secret-2');
      await h.messages(a, 1);
      const m = await h.connect(mallory);
      for (const peer of [alice, bob]) {
        const page = await historyOf(m, { with: peer });
        expect(page).toMatchObject({ type: 'history', with: peer, messages: [], next: null });
      }
      const own = await historyOf(a, { with: bob });
      expect((own.messages as unknown[]).length).toBe(2);
    });

    it('ignores an ack for a message the acking user never received: no receipt reaches the sender', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const mallory = h.uid('mallory');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const m = await h.connect(mallory);
      await h.send(a, { to: bob }, 'm1');
      await h.messages(b, 1);
      m.send({ type: 'ack', id: 'm1', from: alice, status: 'read' });
      m.send({ type: 'ack', id: 'm1', from: alice, status: 'delivered' });
      await actorBarrier(m, alice);
      expect(m.isOpen).toBe(true);
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'delivered' });
      await a.waitFor(isType('ack', { id: 'm1', status: 'delivered' }));
      await a.barrier();
      expect(a.all('ack', (f) => f.status !== 'sent')).toEqual([
        expect.objectContaining({ id: 'm1', status: 'delivered', by: bob }),
      ]);
    });

    it('refuses a post to a group by a non-member with forbidden, and no member gets it', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const group = await h.createGroup(a, [bob]);
      const m = await h.connect(h.uid('mallory'), { node: 1 });
      const from = m.mark();
      m.send({ type: 'message', id: 'intrude', group, content: text('hi') });
      expect(await m.waitFor(isType('error'), 5000, from)).toMatchObject({
        code: 'forbidden',
        id: 'intrude',
      });
      expect(m.all('ack')).toEqual([]);
      await h.send(a, { group }, 'legit');
      await h.messages(b, 1, { id: 'legit' });
      expect(b.all('message', (f) => f.id === 'intrude')).toEqual([]);
      const page = await historyOf(b, { group });
      expect((page.messages as { id: string }[]).map((x) => x.id)).toEqual(['legit']);
    });

    it('refuses a group’s history to a non-member with forbidden', async () => {
      const a = await h.connect(h.uid('alice'));
      const group = await h.createGroup(a, []);
      await h.send(a, { group }, 'private');
      const m = await h.connect(h.uid('mallory'), { node: 1 });
      const reply = await historyOf(m, { group });
      expect(reply).toMatchObject({ type: 'error', code: 'forbidden' });
    });

    it('answers a post to a group that does not exist with an error and stores nothing', async () => {
      const m = await h.connect(h.uid('mallory'));
      const from = m.mark();
      m.send({ type: 'message', id: 'x', group: h.uid('nogroup'), content: text('hi') });
      const error = await m.waitFor(isType('error'), 5000, from);
      expect(['forbidden', 'not_found']).toContain(error.code);
      expect(error.id).toBe('x');
    });

    it('relays no typing from a non-member into a group', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const group = await h.createGroup(a, [bob]);
      const m = await h.connect(h.uid('mallory'));
      m.send({ type: 'typing', group, status: 'started' });
      await actorBarrier(m, alice);
      a.send({ type: 'typing', group, status: 'started' });
      await b.waitFor(isType('typing', { from: alice }));
      expect(b.all('typing')).toHaveLength(1);
    });

    it('refuses group changes by a non-admin member or a non-member with forbidden, and changes nothing', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const mallory = h.uid('mallory');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const group = await h.createGroup(a, [bob, carol]);
      const m = await h.connect(mallory, { node: 1 });
      const attempts: [ProtocolClient, Record<string, unknown>][] = [
        [b, { type: 'group.add', group, members: [mallory] }],
        [b, { type: 'group.remove', group, members: [carol] }],
        [b, { type: 'group.remove', group, members: [alice] }],
        [m, { type: 'group.add', group, members: [mallory] }],
        [m, { type: 'group.remove', group, members: [alice] }],
      ];
      for (const [c, frame] of attempts) {
        const reply = await c.request(frame);
        expect(reply, JSON.stringify(frame)).toMatchObject({ type: 'error', code: 'forbidden' });
      }
      // Unchanged: an admin's no-op add answers with the current group.
      const now = await a.request({ type: 'group.add', group, members: [bob] });
      expect(now).toMatchObject({ type: 'group', id: group, admins: [alice] });
      expect([...(now.members as string[])].sort()).toEqual([alice, bob, carol].sort());
    });

    it('stops a removed member from posting, reading history and receiving messages', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const c = await h.connect(carol);
      const group = await h.createGroup(a, [bob, carol]);
      expect(await a.request({ type: 'group.remove', group, members: [bob] })).toMatchObject({
        type: 'group',
      });
      await h.send(a, { group }, 'after-removal');
      await h.messages(c, 1, { id: 'after-removal' });
      const from = b.mark();
      b.send({ type: 'message', id: 'still-here', group, content: text('?') });
      expect(await b.waitFor(isType('error'), 5000, from)).toMatchObject({ code: 'forbidden' });
      expect(await historyOf(b, { group })).toMatchObject({ type: 'error', code: 'forbidden' });
      await b.barrier();
      expect(b.all('message', (f) => f.id === 'after-removal')).toEqual([]);
    });
  });

  describe('bad input: guarantee 7', () => {
    it('changes nothing stored when frames are refused', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      await h.send(a, { to: bob }, 'm1', 'original');
      const [m1] = await h.messages(b, 1);
      const before = await historyOf(a, { with: bob });
      const group = await h.createGroup(a, [bob]);
      const groupBefore = await a.request({ type: 'group.add', group, members: [bob] });
      const refused: unknown[] = [
        { type: 'message', id: 'm1', to: bob, content: { type: 'text', body: 42 } },
        { type: 'message', id: 'm1', to: bob, content: text('x'.repeat(40_000)) },
        { type: 'message', id: 'm1', to: bob, group, content: text('both') },
        { type: 'message', id: 'm2', to: 'not a user', content: text('x') },
        { type: 'ack', id: 'm1', from: bob, status: 'seen' },
        { type: 'group.add', group, members: 'everyone', ref: 'r1' },
        { type: 'group.remove', group, members: [], ref: 'r2' },
        { type: 'group.create', ref: 'r3', name: '', members: [] },
        { type: 'settings', lastSeen: 'sometimes' },
        'not json at all',
      ];
      for (const frame of refused) {
        const from = a.mark();
        if (typeof frame === 'string') a.sendRaw(h.transport.wire.malformed[0]![1]);
        else a.send(frame as Record<string, unknown>);
        expect(await a.waitFor(isType('error'), 5000, from)).toMatchObject({ code: 'bad_frame' });
      }
      expect(await historyOf(a, { with: bob })).toEqual({ ...before, ref: expect.any(String) });
      expect(await a.request({ type: 'group.add', group, members: [bob] })).toEqual({
        ...groupBefore,
        ref: expect.any(String),
      });
      await h.send(a, { to: bob }, 'm3');
      await h.messages(b, 1, { id: 'm3' });
      expect(b.all('message')).toEqual([m1, expect.objectContaining({ id: 'm3' })]);
    });
  });
}
