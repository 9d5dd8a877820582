import { describe, expect, it } from 'vitest';
import type { EdgeMsg } from '../messages.ts';
import { GROUP_RECEIPTS_DELAY_MS } from '../user/receipts.ts';
import { groupWorld } from './test-world.ts';

const text = (body: string) => ({ type: 'text', body }) as const;

const isReceipt = (json: string) => {
  const f = JSON.parse(json);
  return f.type === 'ack' && f.status !== 'sent';
};
/** The pushes to an edge that carry receipts. */
const receiptPushes = (messages: readonly EdgeMsg[]) =>
  messages.filter(
    (m) => (m.t === 'push' && isReceipt(m.json)) || (m.t === 'push_many' && m.json.some(isReceipt)),
  );

/** Alice, on two devices, and `n` members, in a group; alice posted `g1` and every member has it. */
async function groupOf(n: number) {
  const w = groupWorld();
  const alice = w.connect('alice');
  const alice2 = w.connect('alice', 'd2');
  const members = Array.from({ length: n }, (_, i) => `m${i + 1}`);
  const devices = members.map((m) => w.connect(m));
  await w.det.settle();
  const group = await w.createGroup(alice, members);
  alice.send({ type: 'message', id: 'g1', group, content: text('hello') });
  await w.det.settle();
  return { w, alice, alice2, members, devices, group };
}

describe('group receipts', () => {
  it('aggregates a burst of receipts for one group message: one write and one push per device of the sender', async () => {
    const { w, alice, alice2, members, devices, group } = await groupOf(50);
    for (const d of devices) {
      d.send({ type: 'ack', id: 'g1', from: 'alice', group, status: 'delivered' });
      d.send({ type: 'ack', id: 'g1', from: 'alice', group, status: 'read' });
    }
    await w.det.advance(2 * GROUP_RECEIPTS_DELAY_MS);
    expect(w.count('recordReceipts', 'alice')).toBe(1);
    for (const device of [alice, alice2]) {
      expect(receiptPushes(device.edge.messages)).toHaveLength(1);
      const receipts = device.frames().filter((f) => f.type === 'ack' && f.status !== 'sent');
      // One ack per member and status, as the protocol says; never delivered after read.
      expect(receipts).toHaveLength(100);
      for (const m of members) {
        const mine = receipts.filter((f) => f.by === m);
        expect(mine.map((f) => [f.id, f.group, f.status])).toEqual([
          ['g1', group, 'delivered'],
          ['g1', group, 'read'],
        ]);
      }
    }
  });

  it('writes and pushes once per interval when the receipts of a burst come spread out', async () => {
    const { w, alice, devices, group } = await groupOf(30);
    for (let wave = 0; wave < 3; wave++) {
      for (const d of devices.slice(wave * 10, wave * 10 + 10))
        d.send({ type: 'ack', id: 'g1', from: 'alice', group, status: 'read' });
      await w.det.advance(GROUP_RECEIPTS_DELAY_MS + 50);
    }
    expect(w.count('recordReceipts', 'alice')).toBe(3);
    expect(receiptPushes(alice.edge.messages)).toHaveLength(3);
    expect(alice.frames().filter((f) => f.type === 'ack' && f.status === 'read')).toHaveLength(30);
  });

  it('relays a 1:1 receipt at once, taking the group receipts waiting for their interval along', async () => {
    const { w, alice, devices, group } = await groupOf(3);
    alice.send({ type: 'message', id: 'd1', to: 'm1', content: text('direct') });
    await w.det.settle();
    const writes = w.count('recordReceipts', 'alice');
    devices[1]!.send({ type: 'ack', id: 'g1', from: 'alice', group, status: 'read' });
    await w.det.settle();
    expect(w.count('recordReceipts', 'alice')).toBe(writes);
    devices[0]!.send({ type: 'ack', id: 'd1', from: 'alice', status: 'read' });
    await w.det.settle();
    expect(w.count('recordReceipts', 'alice')).toBe(writes + 1);
    const receipts = alice.frames().filter((f) => f.type === 'ack' && f.status === 'read');
    expect(receipts.map((f) => [f.id, f.by])).toEqual([
      ['g1', 'm2'],
      ['d1', 'm1'],
    ]);
  });
});
