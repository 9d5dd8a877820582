/**
 * Contract: delivery cursors (max), receipts (monotonic, gapless rseq),
 * groups (compare-and-set on version), the group log (fenced, gapless,
 * idempotent, paged) and media metadata.
 */
import { describe, expect, it } from 'vitest';
import type { GroupMeta } from '../contract.ts';
import { FencedError } from '../errors.ts';
import { expectInvalid, type Fixture, groupRecord, receipt, rejection, TS, uid } from './kit.ts';

function meta(id: string, members: string[] = ['alice', 'bob']): Omit<GroupMeta, 'version'> {
  return { id, name: `group ${id}`, members, admins: ['alice'], createdBy: 'alice', createdTs: TS };
}

export function otherTests(f: Fixture): void {
  describe('delivery cursors', () => {
    it('advanceCursor keeps the maximum and returns it; cursors lists every device', async () => {
      const user = uid('alice');
      expect(await f.store().cursors(user)).toEqual({});
      expect(await f.store().advanceCursor(user, 'phone', 5)).toBe(5);
      expect(await f.store().advanceCursor(user, 'phone', 3)).toBe(5);
      expect(await f.store().advanceCursor(user, 'laptop', 0)).toBe(0);
      expect(await f.store().advanceCursor(user, 'laptop', 2)).toBe(2);
      expect(await f.store().advanceCursor(user, 'phone', 9)).toBe(9);
      expect(await f.store().cursors(user)).toEqual({ phone: 9, laptop: 2 });
    });

    it('concurrent advances keep the maximum', async () => {
      const user = uid('alice');
      const seqs = [4, 17, 3, 12, 17, 8, 1, 16];
      const after = await Promise.all(seqs.map((s) => f.store().advanceCursor(user, 'phone', s)));
      for (const [i, a] of after.entries()) expect(a).toBeGreaterThanOrEqual(seqs[i]!);
      expect(await f.store().cursors(user)).toEqual({ phone: 17 });
    });

    it('a negative seq is invalid_argument', async () => {
      await expectInvalid(f.store().advanceCursor(uid('alice'), 'phone', -1), 'seq', '-1');
    });
  });

  describe('receipts', () => {
    it('records only receipts that raise the stored status, with gapless rseq from 1', async () => {
      const sender = uid('alice');
      const epoch = await f.store().acquireEpoch(`user:${sender}`);
      const first = await f
        .store()
        .recordReceipts(sender, epoch, [
          receipt('m1', 'bob', 'delivered'),
          receipt('m1', 'carol', 'read'),
        ]);
      expect(first).toEqual([
        { ...receipt('m1', 'bob', 'delivered'), rseq: 1 },
        { ...receipt('m1', 'carol', 'read'), rseq: 2 },
      ]);
      const second = await f
        .store()
        .recordReceipts(sender, epoch, [
          receipt('m1', 'bob', 'delivered', TS + 1),
          receipt('m1', 'carol', 'delivered', TS + 1),
          receipt('m1', 'bob', 'read', TS + 2),
        ]);
      expect(second).toEqual([{ ...receipt('m1', 'bob', 'read', TS + 2), rseq: 3 }]);
      expect(await f.store().recordReceipts(sender, epoch, [receipt('m1', 'bob', 'read')])).toEqual(
        [],
      );
      expect(await f.store().receiptStatus(sender, 'm1', 'bob')).toBe('read');
      expect(await f.store().receiptStatus(sender, 'm1', 'carol')).toBe('read');
      expect(await f.store().receiptStatus(sender, 'm2', 'bob')).toBeUndefined();
    });

    it('within one call a pair is raised once per higher status', async () => {
      const sender = uid('alice');
      const epoch = await f.store().acquireEpoch(`user:${sender}`);
      const res = await f
        .store()
        .recordReceipts(sender, epoch, [
          receipt('m1', 'bob', 'delivered'),
          receipt('m1', 'bob', 'delivered'),
          receipt('m1', 'bob', 'read'),
          receipt('m1', 'bob', 'delivered'),
          { ...receipt('m2', 'bob', 'read'), group: 'g1' },
        ]);
      expect(res.map((r) => [r.id, r.status, r.rseq])).toEqual([
        ['m1', 'delivered', 1],
        ['m1', 'read', 2],
        ['m2', 'read', 3],
      ]);
      expect(res[2]).toEqual({ ...receipt('m2', 'bob', 'read'), group: 'g1', rseq: 3 });
    });

    it('readReceipts pages the log by rseq', async () => {
      const sender = uid('alice');
      const epoch = await f.store().acquireEpoch(`user:${sender}`);
      await f.store().recordReceipts(
        sender,
        epoch,
        ['b', 'c', 'd', 'e', 'f'].map((by) => receipt('m1', by, 'delivered')),
      );
      const rseqs = async (after: number, limit: number) =>
        (await f.store().readReceipts(sender, after, limit)).map((r) => [r.rseq, r.by]);
      expect(await rseqs(0, 2)).toEqual([
        [1, 'b'],
        [2, 'c'],
      ]);
      expect(await rseqs(2, 10)).toEqual([
        [3, 'd'],
        [4, 'e'],
        [5, 'f'],
      ]);
      expect(await rseqs(5, 10)).toEqual([]);
      expect(await f.store().readReceipts(uid('nobody'), 0, 10)).toEqual([]);
    });

    it('a bad status is invalid_argument', async () => {
      const sender = uid('alice');
      const epoch = await f.store().acquireEpoch(`user:${sender}`);
      const bad = { ...receipt('m1', 'bob', 'delivered'), status: 'seen' } as never;
      await expectInvalid(
        f.store().recordReceipts(sender, epoch, [bad]),
        'receipts[0].status',
        '"seen"',
      );
    });
  });

  describe('groups', () => {
    it('getGroup of an unknown group is undefined', async () => {
      expect(await f.store().getGroup(uid('g'))).toBeUndefined();
    });

    it('expectedVersion 0 creates version 1; creating again is already_exists', async () => {
      const id = uid('g');
      const saved = await f.store().saveGroup(meta(id), 0);
      expect(saved).toEqual({ ...meta(id), version: 1 });
      expect(await f.store().getGroup(id)).toEqual(saved);
      const err = await rejection(f.store().saveGroup(meta(id, ['eve']), 0), 'already_exists');
      expect(err.message).toContain(id);
      expect(await f.store().getGroup(id)).toEqual(saved);
    });

    it('an update applies when the version matches and is fenced naming both versions when not', async () => {
      const id = uid('g');
      await f.store().saveGroup(meta(id), 0);
      const v2 = await f.store().saveGroup(meta(id, ['alice', 'bob', 'carol']), 1);
      expect(v2.version).toBe(2);
      expect((await f.store().getGroup(id))?.members).toEqual(['alice', 'bob', 'carol']);
      const err = await rejection(f.store().saveGroup(meta(id, ['eve']), 1), 'fenced', FencedError);
      expect(err.message).toContain(id);
      expect(err.message).toMatch(/\b2\b/);
      expect(err.message).toMatch(/\b1\b/);
      expect(await f.store().getGroup(id)).toEqual(v2);
    });

    it('updating a group that does not exist is fenced', async () => {
      await rejection(f.store().saveGroup(meta(uid('g')), 3), 'fenced', FencedError);
    });

    it('concurrent saves with the same expected version: exactly one wins', async () => {
      const id = uid('g');
      await f.store().saveGroup(meta(id), 0);
      const results = await Promise.allSettled(
        ['x', 'y', 'z', 'w'].map((m) => f.store().saveGroup(meta(id, [m]), 1)),
      );
      const won = results.filter((r) => r.status === 'fulfilled');
      expect(won).toHaveLength(1);
      for (const r of results)
        if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('fenced');
      expect((await f.store().getGroup(id))?.version).toBe(2);
    });
  });

  describe('group log', () => {
    it('gseq starts at 1, is gapless and idempotent on key; readGroupLog pages', async () => {
      const group = uid('g');
      const epoch = await f.store().acquireEpoch(`group:${group}`);
      const res = await f
        .store()
        .appendGroupLog(group, epoch, [
          groupRecord('bob', '1'),
          groupRecord('carol', '1'),
          groupRecord('bob', '1', 'changed'),
        ]);
      expect(res).toEqual([
        { seq: 1, duplicate: false },
        { seq: 2, duplicate: false },
        { seq: 1, duplicate: true },
      ]);
      const withDevice = { ...groupRecord('bob', '2'), device: 'tablet' };
      expect(
        await f.store().appendGroupLog(group, epoch, [groupRecord('carol', '1'), withDevice]),
      ).toEqual([
        { seq: 2, duplicate: true },
        { seq: 3, duplicate: false },
      ]);
      expect(await f.store().readGroupLog(group, 0, 10)).toEqual([
        { ...groupRecord('bob', '1'), group, gseq: 1 },
        { ...groupRecord('carol', '1'), group, gseq: 2 },
        { ...withDevice, group, gseq: 3 },
      ]);
      expect((await f.store().readGroupLog(group, 1, 1)).map((e) => e.gseq)).toEqual([2]);
      expect(await f.store().readGroupLog(group, 3, 10)).toEqual([]);
    });

    it('concurrent group appends get distinct, gapless gseqs', async () => {
      const group = uid('g');
      const epoch = await f.store().acquireEpoch(`group:${group}`);
      const res = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          f.store().appendGroupLog(group, epoch, [groupRecord('bob', `${i}`)]),
        ),
      );
      expect(res.map(([r]) => r!.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 1),
      );
    });

    it('groupHistory pages back: newest `limit` before beforeGseq, oldest first', async () => {
      const group = uid('g');
      const epoch = await f.store().acquireEpoch(`group:${group}`);
      await f.store().appendGroupLog(
        group,
        epoch,
        Array.from({ length: 5 }, (_, i) => groupRecord('bob', `${i + 1}`)),
      );
      const gseqs = (p: { entries: { gseq: number }[] }) => p.entries.map((e) => e.gseq);
      const p1 = await f.store().groupHistory(group, null, 2);
      expect(gseqs(p1)).toEqual([4, 5]);
      expect(p1.nextBeforeSeq).toBe(4);
      const p2 = await f.store().groupHistory(group, 4, 2);
      expect(gseqs(p2)).toEqual([2, 3]);
      expect(p2.nextBeforeSeq).toBe(2);
      const p3 = await f.store().groupHistory(group, 2, 2);
      expect(gseqs(p3)).toEqual([1]);
      expect(p3.nextBeforeSeq).toBeNull();
      expect(await f.store().groupHistory(uid('g'), null, 5)).toEqual({
        entries: [],
        nextBeforeSeq: null,
      });
    });
  });

  describe('media metadata', () => {
    it('putMedia then getMedia returns it; a second put replaces it; an unknown id is undefined', async () => {
      const id = uid('media');
      const m = { id, owner: 'alice', mime: 'image/png', size: 1234, ts: TS };
      await f.store().putMedia(m);
      expect(await f.store().getMedia(id)).toEqual(m);
      await f.store().putMedia({ ...m, size: 99 });
      expect(await f.store().getMedia(id)).toEqual({ ...m, size: 99 });
      expect(await f.store().getMedia(uid('media'))).toBeUndefined();
    });
  });
}
