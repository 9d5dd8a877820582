/**
 * Contract: retention. Rows expire after their own TTL (inbox entries with
 * their key index, pending marks and receipts: `inboxTtlMs`; group log:
 * `groupLogTtlMs`; history rows: `historyTtlMs`), counted from the write.
 * Expired rows are returned by no read; heads never expire, so sequences go
 * on gapless and a seq is never issued twice. Wake marks never expire.
 *
 * The TTLs are whole seconds and the checks keep >= 0.5 s from every
 * deadline, so the same test holds on server-side TTLs (Cassandra).
 */
import { describe, expect, it } from 'vitest';
import type { Retention } from '../contract.ts';
import { dm, entryOf, type Fixture, groupRecord, receipt, uid } from './kit.ts';

export const TEST_RETENTION: Retention = {
  inboxTtlMs: 3000,
  groupLogTtlMs: 5000,
  historyTtlMs: 7000,
};

export function retentionTests(f: Fixture): void {
  describe('retention', () => {
    it('each row expires after its own TTL; heads stay and sequences go on', async () => {
      const store = f.store();
      const user = uid('alice');
      const group = uid('g');
      const epoch = await store.acquireEpoch(`user:${user}`);
      const gEpoch = await store.acquireEpoch(`group:${group}`);
      const old = dm(user, '1', 'bob', { conversation: 'u:bob', pendingFor: ['bob'] });
      await store.appendInbox(user, epoch, [old]);
      await store.recordReceipts(user, epoch, [receipt('1', 'bob', 'delivered')]);
      await store.appendGroupLog(group, gEpoch, [groupRecord('bob', '1')]);
      await store.advanceCursor(user, 'phone', 1);

      // t = 3.5 s: inbox TTL (3 s) passed; group log (5 s) and history (7 s) not.
      await f.elapse(3500);
      expect(await store.readInbox(user, 0, 10)).toEqual([]);
      expect(await store.findByKey(user, old.record.key)).toBeUndefined();
      expect(await store.listPending(user, 10)).toEqual([]);
      expect(await store.readReceipts(user, 0, 10)).toEqual([]);
      expect(await store.receiptStatus(user, '1', 'bob')).toBeUndefined();
      expect(await store.inboxHead(user)).toBe(1);
      expect(await store.cursors(user)).toEqual({ phone: 1 });
      expect((await store.history(user, 'u:bob', null, 10)).entries).toEqual([
        entryOf(user, 1, old),
      ]);
      expect((await store.readGroupLog(group, 0, 10)).map((e) => e.gseq)).toEqual([1]);
      // The expired key is forgotten: appended again it gets a new seq.
      const fresh = dm(user, '2', 'bob', { conversation: 'u:bob', pendingFor: ['bob'] });
      expect(await store.appendInbox(user, epoch, [fresh, old])).toEqual([
        { seq: 2, duplicate: false },
        { seq: 3, duplicate: false },
      ]);
      expect(await store.recordReceipts(user, epoch, [receipt('1', 'bob', 'delivered')])).toEqual([
        { ...receipt('1', 'bob', 'delivered'), rseq: 2 },
      ]);

      // t = 5.5 s: the group log entry (5 s) is gone; the new inbox entries (3 s from 3.5) live.
      await f.elapse(2000);
      expect(await store.readGroupLog(group, 0, 10)).toEqual([]);
      expect(await store.groupHistory(group, null, 10)).toEqual({
        entries: [],
        nextBeforeSeq: null,
      });
      expect(await store.appendGroupLog(group, gEpoch, [groupRecord('bob', '2')])).toEqual([
        { seq: 2, duplicate: false },
      ]);
      expect((await store.readInbox(user, 0, 10)).map((e) => e.seq)).toEqual([2, 3]);
      expect((await store.listPending(user, 10)).map((p) => p.entry.seq)).toEqual([2, 3]);

      // t = 7.5 s: the first history row (7 s) is gone, the later ones (7 s from 3.5) live.
      await f.elapse(2000);
      const page = await store.history(user, 'u:bob', null, 10);
      expect(page.entries.map((e) => e.seq)).toEqual([2, 3]);
      expect(page.nextBeforeSeq).toBeNull();
      expect(await store.inboxHead(user)).toBe(3);
    });

    it('a wake mark outlives every TTL: marks never expire', async () => {
      const store = f.store();
      const owner = `group:${uid('wake')}`;
      await store.markWake(owner);
      await f.elapse(8000);
      expect(await store.listWake(null, 10_000)).toContain(owner);
    });
  });
}
