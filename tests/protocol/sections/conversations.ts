/**
 * PROTOCOL.md "Protocol v1.1 additions": the chat list (`conversations`,
 * with the last message, unread count and read watermark per user), paging
 * with `before`/`limit`, `read` frames pushed to the user's other devices,
 * `group.info` (members only), and exact `bad_frame` errors for bad frames.
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../support/frame-log.ts';
import { type Harness, isType, type ProtocolClient } from '../harness.ts';
import { pipeline } from './delivery.ts';

type Item = Frame & { last: Frame; unread: number; readUpTo: number };

const items = (page: Frame): Item[] => page.items as Item[];

/** The whole chat list of `c`, following `next` with pages of `limit`. */
async function chatList(c: ProtocolClient, limit?: number): Promise<Item[]> {
  const out: Item[] = [];
  let before: unknown;
  for (let i = 0; i < 50; i++) {
    const page = await c.request({
      type: 'conversations',
      ...(limit !== undefined ? { limit } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    expect(page.type, JSON.stringify(page)).toBe('conversations');
    out.push(...items(page));
    if (page.next === null) return out;
    expect(page.next).toEqual(expect.any(String));
    before = page.next;
  }
  throw new Error('the chat list did not end within 50 pages');
}

export function conversationsTests(h: Harness): void {
  describe('protocol v1.1: conversations, read, group.info', () => {
    it('a second device sees the chat list with the last message, unread counts and readUpTo after 70 messages', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const carol = h.uid('carol');
      const a = await h.connect(alice);
      const c = await h.connect(carol, { node: 1 });
      const phone = await h.connect(bob, { device: 'phone', node: 1 });
      const order = await pipeline(a, { to: bob }, 'm', 70);
      await h.send(c, { to: bob }, 'from-carol');
      await h.send(phone, { to: carol }, 'bob-to-carol');
      const onPhone = await h.messages(phone, 71);
      const lastFromAlice = onPhone.filter((m) => m.from === alice).at(-1)!;
      expect(lastFromAlice.id).toBe(order.at(-1));

      const laptop = await h.connect(bob, { device: 'laptop' });
      const list = await chatList(laptop);
      expect(list).toHaveLength(2);
      // Most recent activity first: bob's own message to carol is the newest.
      expect(list[0]).toEqual({
        with: carol,
        last: {
          type: 'message',
          id: 'bob-to-carol',
          from: bob,
          to: carol,
          seq: expect.any(Number),
          ts: expect.any(Number),
          content: { type: 'text', body: 'bob-to-carol' },
        },
        unread: 1,
        readUpTo: 0,
      });
      expect(list[1]).toEqual({ with: alice, last: lastFromAlice, unread: 70, readUpTo: 0 });

      // Reading on the phone reaches the laptop and the next chat list.
      const from = laptop.mark();
      const read40 = onPhone.filter((m) => m.from === alice)[39]!;
      phone.send({ type: 'ack', id: read40.id, from: alice, status: 'read' });
      expect(await laptop.waitFor(isType('read'), 5000, from)).toEqual({
        type: 'read',
        with: alice,
        upTo: read40.seq,
        ts: expect.any(Number),
      });
      const after = await chatList(laptop);
      expect(after.find((i) => i.with === alice)).toMatchObject({
        unread: 30,
        readUpTo: read40.seq,
      });
      // The device that read gets no `read` frame of its own.
      await phone.barrier();
      expect(phone.all('read')).toEqual([]);
    });

    it('reading the last message clears unread on every device; an older read moves nothing', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const d1 = await h.connect(bob, { device: 'd1', node: 1 });
      const d2 = await h.connect(bob, { device: 'd2' });
      for (const id of ['x1', 'x2', 'x3']) await h.send(a, { to: bob }, id);
      const got = await h.messages(d1, 3);
      await h.messages(d2, 3);
      d1.send({ type: 'ack', id: 'x3', from: alice, status: 'read' });
      const read = await d2.waitFor(isType('read', { with: alice }));
      expect(read.upTo).toBe(got[2]!.seq);
      expect(items(await d2.request({ type: 'conversations' }))[0]).toMatchObject({
        with: alice,
        unread: 0,
        readUpTo: got[2]!.seq,
      });
      // Monotonic: reading an earlier message again pushes nothing and changes nothing.
      const mark = d2.mark();
      d1.send({ type: 'ack', id: 'x1', from: alice, status: 'read' });
      await d1.barrier();
      expect(items(await d1.request({ type: 'conversations' }))[0]).toMatchObject({
        unread: 0,
        readUpTo: got[2]!.seq,
      });
      await d2.barrier();
      expect(d2.all('read').length).toBe(1);
      expect(d2.mark()).toBeGreaterThan(mark);
    });

    it('lists a group with its name and last message, and pushes read with group', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b1 = await h.connect(bob, { device: 'b1', node: 1 });
      const group = await h.createGroup(a, [bob], 'Trip');
      await h.send(a, { group }, 'g1');
      await h.send(b1, { group }, 'g2');
      await h.send(a, { group }, 'g3');
      const onB1 = await h.messages(b1, 2, { from: alice });
      const b2 = await h.connect(bob, { device: 'b2' });
      const [item] = items(await b2.request({ type: 'conversations' }));
      expect(item).toEqual({
        group,
        name: 'Trip',
        last: onB1[1],
        unread: 2,
        readUpTo: 0,
      });
      expect(item!.last).toMatchObject({ id: 'g3', group, gseq: 3 });
      b1.send({ type: 'ack', id: 'g1', from: alice, group, status: 'read' });
      expect(await b2.waitFor(isType('read'))).toEqual({
        type: 'read',
        group,
        upTo: onB1[0]!.seq,
        ts: expect.any(Number),
      });
      expect(items(await b2.request({ type: 'conversations' }))[0]).toMatchObject({
        unread: 1,
        readUpTo: onB1[0]!.seq,
      });
      // The sender's own messages are never unread for the sender.
      expect(items(await a.request({ type: 'conversations' }))[0]).toMatchObject({
        group,
        unread: 1,
        readUpTo: 0,
      });
    });

    it('pages with before and limit, newest activity first, until next is null', async () => {
      const bob = h.uid('bob');
      const b = await h.connect(bob, { node: 1 });
      const peers: string[] = [];
      for (let i = 0; i < 5; i++) {
        const peer = h.uid('p');
        peers.push(peer);
        await h.send(b, { to: peer }, `to-${i}`);
      }
      const first = await b.request({ type: 'conversations', limit: 2 });
      expect(items(first).map((i) => i.with)).toEqual([peers[4], peers[3]]);
      expect(first.next).toEqual(expect.any(String));
      const second = await b.request({ type: 'conversations', limit: 2, before: first.next });
      expect(items(second).map((i) => i.with)).toEqual([peers[2], peers[1]]);
      const third = await b.request({ type: 'conversations', limit: 2, before: second.next });
      expect(items(third).map((i) => i.with)).toEqual([peers[0]]);
      expect(third.next).toBeNull();
      expect((await chatList(b, 1)).map((i) => i.with)).toEqual([...peers].reverse());
      const all = await b.request({ type: 'conversations' });
      expect(items(all)).toHaveLength(5);
      expect(all.next).toBeNull();
    });

    it('answers an empty chat list with no items and next null', async () => {
      const c = await h.connect(h.uid('new'));
      const reply = await c.request({ type: 'conversations' });
      expect(reply).toEqual({ type: 'conversations', ref: reply.ref, items: [], next: null });
    });

    it('group.info answers a member with the group, a non-member forbidden, an unknown group not_found', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const eve = h.uid('eve');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const e = await h.connect(eve);
      const group = await h.createGroup(a, [bob], 'Team');
      const info = await b.request({ type: 'group.info', group });
      expect(info).toEqual({
        type: 'group',
        ref: info.ref,
        id: group,
        name: 'Team',
        members: [alice, bob],
        admins: [alice],
      });
      const refused = await e.request({ type: 'group.info', group });
      expect(refused).toMatchObject({ type: 'error', code: 'forbidden', ref: refused.ref });
      const unknown = await e.request({ type: 'group.info', group: h.uid('nogroup') });
      expect(unknown).toMatchObject({ type: 'error', code: 'not_found', ref: unknown.ref });
    });

    it.each([
      [{ type: 'conversations', limit: 0 }, 'field "limit" must be an integer 1..200, got 0'],
      [{ type: 'conversations', limit: 201 }, 'field "limit" must be an integer 1..200, got 201'],
      [{ type: 'conversations', limit: 'x' }, 'field "limit" must be an integer 1..200, got "x"'],
      [
        { type: 'conversations', before: 7 },
        'field "before" must be a string of 1..128 chars, got 7',
      ],
      [
        { type: 'conversations', before: 'abc' },
        'field "before" must be a cursor from a previous conversations page, got "abc"',
      ],
      [{ type: 'group.info' }, 'field "group" is missing; it must be an id (1..64 chars)'],
    ])('refuses %j with bad_frame, echoing the ref', async (frame, message) => {
      const c = await h.connect(h.uid('alice'));
      const reply = await c.request(frame);
      expect(reply).toEqual({ type: 'error', code: 'bad_frame', message, ref: reply.ref });
      expect((await c.request({ type: 'ping' })).type).toBe('pong');
    });

    it('refuses conversations and group.info without a ref with bad_frame', async () => {
      const c = await h.connect(h.uid('alice'));
      for (const frame of [{ type: 'conversations' }, { type: 'group.info', group: 'g' }]) {
        const from = c.mark();
        c.send(frame);
        expect(await c.waitFor(isType('error'), 5000, from)).toEqual({
          type: 'error',
          code: 'bad_frame',
          message: 'field "ref" is missing; it must be an id (1..64 chars)',
        });
      }
    });
  });
}
