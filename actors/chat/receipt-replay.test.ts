import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../store/index.ts';
import { replayableReceipts } from './receipt-replay.ts';

describe('replayableReceipts', () => {
  it('leaves out a delivered whose message is read by now, in the batch or only in the store', async () => {
    const store = new MemoryStore();
    const epoch = await store.acquireEpoch('user:alice');
    const ts = 1;
    const first = await store.recordReceipts('alice', epoch, [
      { id: 'm1', by: 'bob', status: 'delivered', ts },
      { id: 'm2', by: 'bob', status: 'delivered', ts },
      { id: 'm3', by: 'carol', status: 'delivered', ts },
    ]);
    await store.recordReceipts('alice', epoch, [{ id: 'm1', by: 'bob', status: 'read', ts }]);
    const later = await store.recordReceipts('alice', epoch, [
      { id: 'm2', by: 'bob', status: 'read', ts },
    ]);
    // A replay from a stale cursor: the batch ends before m2's read (only the store knows it).
    const batch = [...first, ...(await store.readReceipts('alice', first.at(-1)!.rseq, 1))];
    const kept = await replayableReceipts(store, 'alice', batch, () => 0);
    expect(kept.map((r) => `${r.id}:${r.by}:${r.status}`)).toEqual([
      'm3:carol:delivered',
      'm1:bob:read',
    ]);
    expect(later).toHaveLength(1);
  });

  it('keeps every entry when nothing was read', async () => {
    const store = new MemoryStore();
    const epoch = await store.acquireEpoch('user:alice');
    const batch = await store.recordReceipts('alice', epoch, [
      { id: 'm1', by: 'bob', status: 'delivered', ts: 1 },
    ]);
    expect(await replayableReceipts(store, 'alice', batch, () => 0)).toEqual(batch);
  });

  it('leaves out a delivered of a message at or below the reader watermark (read of a later one implies it)', async () => {
    const store = new MemoryStore();
    const epoch = await store.acquireEpoch('user:alice');
    const own = (id: string) => ({
      record: {
        key: `alice/${id}`,
        from: 'alice',
        id,
        to: 'bob',
        ts: 1,
        content: { type: 'text' },
      },
      conversation: 'u:bob',
    });
    const [m7, m8] = await store.appendInbox('alice', epoch, [own('m7'), own('m8')]);
    const batch = await store.recordReceipts('alice', epoch, [
      { id: 'm7', by: 'bob', status: 'delivered', ts: 1 },
      { id: 'm8', by: 'carol', status: 'delivered', ts: 1 },
    ]);
    // bob read m8 (watermark at its seq): his delivered of m7 is stale; carol read nothing.
    const upTo = (group: string | undefined, by: string) =>
      group === undefined && by === 'bob' ? m8!.seq : 0;
    expect(m7!.seq).toBeLessThan(m8!.seq);
    const kept = await replayableReceipts(store, 'alice', batch, upTo);
    expect(kept.map((r) => `${r.id}:${r.by}`)).toEqual(['m8:carol']);
  });
});
