/**
 * PROTOCOL.md guarantee 5 (receipts are monotonic) and the receipt `ack`
 * frames: a recipient's `delivered`/`read` reaches every device of the
 * original sender with `by` and `ts` (and `group` for a group message);
 * never `delivered` after `read` for the same message; `read` implies every
 * earlier message from the same sender in the conversation.
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../support/frame-log.ts';
import { type Harness, isType, type ProtocolClient } from '../harness.ts';

const receipts = (c: ProtocolClient, id?: string): Frame[] =>
  c.all('ack', (f) => f.status !== 'sent' && (id === undefined || f.id === id));

/** Statuses of the receipts for `id` never go down (read is never followed by delivered). */
function expectMonotonic(c: ProtocolClient, id: string): void {
  const statuses = receipts(c, id).map((f) => f.status);
  const firstRead = statuses.indexOf('read');
  if (firstRead >= 0) expect(statuses.slice(firstRead)).not.toContain('delivered');
}

export function receiptsTests(h: Harness): void {
  describe('receipts: guarantee 5', () => {
    it('relays delivered and read to every device of the sender, with by and ts', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a1 = await h.connect(alice, { device: 'd1' });
      const a2 = await h.connect(alice, { device: 'd2', node: 1 });
      const b = await h.connect(bob, { node: 1 });
      await h.send(a1, { to: bob }, 'm1');
      await h.messages(b, 1);
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'delivered' });
      for (const a of [a1, a2])
        expect(await a.waitFor(isType('ack', { id: 'm1', status: 'delivered' }))).toEqual({
          type: 'ack',
          id: 'm1',
          status: 'delivered',
          by: bob,
          ts: expect.any(Number),
        });
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'read' });
      for (const a of [a1, a2])
        expect(await a.waitFor(isType('ack', { id: 'm1', status: 'read' }))).toMatchObject({
          by: bob,
          ts: expect.any(Number),
        });
    });

    it('never relays delivered after read for the same message', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      await h.send(a, { to: bob }, 'm1');
      await h.send(a, { to: bob }, 'm2');
      await h.messages(b, 2);
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'read' });
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'delivered' });
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'read' });
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'delivered' });
      // The receipt for m2 travels behind those for m1: once it is in, m1's are too.
      b.send({ type: 'ack', id: 'm2', from: alice, status: 'delivered' });
      await a.waitFor(isType('ack', { id: 'm2', status: 'delivered' }));
      expect(receipts(a, 'm1').map((f) => f.status)[0]).toBe('read');
      expectMonotonic(a, 'm1');
    });

    it('takes read of a message for every earlier one: a later delivered for an earlier message is not relayed', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      for (const id of ['m1', 'm2', 'm3', 'm4']) await h.send(a, { to: bob }, id);
      await h.messages(b, 4);
      b.send({ type: 'ack', id: 'm3', from: alice, status: 'read' });
      await a.waitFor(isType('ack', { id: 'm3', status: 'read' }));
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'delivered' });
      b.send({ type: 'ack', id: 'm2', from: alice, status: 'delivered' });
      b.send({ type: 'ack', id: 'm4', from: alice, status: 'delivered' });
      await a.waitFor(isType('ack', { id: 'm4', status: 'delivered' }));
      const after = receipts(a).map((f) => `${f.id}:${f.status}`);
      expect(after).not.toContain('m1:delivered');
      expect(after).not.toContain('m2:delivered');
      expect(after).toEqual(['m3:read', 'm4:delivered']);
    });

    it('keeps receipts monotonic for a device that connects later [ours: receipt replay]', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a1 = await h.connect(alice, { device: 'd1' });
      const b = await h.connect(bob, { node: 1 });
      await h.send(a1, { to: bob }, 'm1');
      await h.messages(b, 1);
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'delivered' });
      b.send({ type: 'ack', id: 'm1', from: alice, status: 'read' });
      await a1.waitFor(isType('ack', { id: 'm1', status: 'read' }));
      const a2 = await h.connect(alice, { device: 'd2', node: 1 });
      await a2.waitFor(isType('ack', { id: 'm1', status: 'read', by: bob }));
      expectMonotonic(a2, 'm1');
    });

    it('relays a group member’s receipt to the sender with group and by', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const group = await h.createGroup(a, [bob]);
      await h.send(a, { group }, 'g1');
      const [m] = await h.messages(b, 1, { group });
      b.send({ type: 'ack', id: m!.id, from: alice, group, status: 'delivered' });
      expect(await a.waitFor(isType('ack', { id: 'g1', status: 'delivered' }))).toEqual({
        type: 'ack',
        id: 'g1',
        status: 'delivered',
        by: bob,
        group,
        ts: expect.any(Number),
      });
      b.send({ type: 'ack', id: 'g1', from: alice, group, status: 'read' });
      b.send({ type: 'ack', id: 'g1', from: alice, group, status: 'delivered' });
      await a.waitFor(isType('ack', { id: 'g1', status: 'read' }));
      await h.send(a, { group }, 'g2');
      await h.messages(b, 1, { id: 'g2' });
      b.send({ type: 'ack', id: 'g2', from: alice, group, status: 'delivered' });
      await a.waitFor(isType('ack', { id: 'g2', status: 'delivered' }));
      expectMonotonic(a, 'g1');
    });
  });
}
