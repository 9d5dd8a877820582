/**
 * Contract: the per-user inbox (gapless seq from 1, idempotency on key,
 * atomic appends with key index, history rows and pending marks), pending
 * marks, and history paging.
 */
import { describe, expect, it } from 'vitest';
import type { InboxAppend, InboxEntry, InboxRecord } from '../contract.ts';
import { dm, entryOf, expectInvalid, type Fixture, TS, uid } from './kit.ts';

async function owned(f: Fixture, prefix = 'alice'): Promise<{ user: string; epoch: number }> {
  const user = uid(prefix);
  return { user, epoch: await f.store().acquireEpoch(`user:${user}`) };
}

export function inboxTests(f: Fixture): void {
  describe('inbox', () => {
    it('seq starts at 1 and is gapless across calls; readInbox returns every field in order', async () => {
      const { user, epoch } = await owned(f);
      const own: InboxAppend<InboxRecord> = {
        record: {
          key: `${user}/c1`,
          from: user,
          id: 'c1',
          to: 'carol',
          device: 'phone',
          ts: TS + 5,
          content: { type: 'image', media: 'm1', caption: 'x', nested: { a: [1, 2] } },
        },
        conversation: 'u:carol',
      };
      const inGroup: InboxAppend<InboxRecord> = {
        record: {
          key: 'g1/7',
          from: 'dave',
          id: 'd7',
          group: 'g1',
          gseq: 7,
          ts: TS + 6,
          content: { type: 'text', text: 'group hello' },
        },
        conversation: 'g:g1',
      };
      const first = await f.store().appendInbox(user, epoch, [dm('bob', '1', user), own]);
      const second = await f.store().appendInbox(user, epoch, [inGroup]);
      expect(first).toEqual([
        { seq: 1, duplicate: false },
        { seq: 2, duplicate: false },
      ]);
      expect(second).toEqual([{ seq: 3, duplicate: false }]);
      expect(await f.store().readInbox(user, 0, 100)).toEqual([
        entryOf(user, 1, dm('bob', '1', user)),
        entryOf(user, 2, own),
        entryOf(user, 3, inGroup),
      ]);
      expect(await f.store().inboxHead(user)).toBe(3);
    });

    it('readInbox pages with afterSeq and limit', async () => {
      const { user, epoch } = await owned(f);
      const items = Array.from({ length: 7 }, (_, i) => dm('bob', `${i + 1}`, user));
      await f.store().appendInbox(user, epoch, items);
      const seqs = async (after: number, limit: number) =>
        (await f.store().readInbox(user, after, limit)).map((e) => e.seq);
      expect(await seqs(0, 3)).toEqual([1, 2, 3]);
      expect(await seqs(3, 3)).toEqual([4, 5, 6]);
      expect(await seqs(6, 3)).toEqual([7]);
      expect(await seqs(7, 3)).toEqual([]);
      expect(await seqs(100, 3)).toEqual([]);
    });

    it('inboxHead is 0 for a user without entries', async () => {
      expect(await f.store().inboxHead(uid('nobody'))).toBe(0);
      expect(await f.store().readInbox(uid('nobody'), 0, 10)).toEqual([]);
    });

    it('appending a key again returns its first seq with duplicate true and writes nothing, even when the record differs', async () => {
      const { user, epoch } = await owned(f);
      const original = dm('bob', '1', user, { tag: 'original', pendingFor: ['bob'] });
      await f.store().appendInbox(user, epoch, [original]);
      await f.store().appendInbox(user, epoch, [dm('bob', '2', user)]);
      const again = dm('bob', '1', user, {
        tag: 'changed',
        pendingFor: ['eve'],
        conversation: 'u:elsewhere',
      });
      expect(await f.store().appendInbox(user, epoch, [again])).toEqual([
        { seq: 1, duplicate: true },
      ]);
      expect(await f.store().inboxHead(user)).toBe(2);
      expect((await f.store().readInbox(user, 0, 10))[0]).toEqual(entryOf(user, 1, original));
      expect((await f.store().listPending(user, 10)).map((p) => p.recipient)).toEqual(['bob']);
      expect((await f.store().history(user, 'u:elsewhere', null, 10)).entries).toEqual([]);
    });

    it('a key repeated within one call is a duplicate of its first occurrence', async () => {
      const { user, epoch } = await owned(f);
      const res = await f
        .store()
        .appendInbox(user, epoch, [
          dm('bob', '1', user, { tag: 'first' }),
          dm('bob', '2', user),
          dm('bob', '1', user, { tag: 'second' }),
        ]);
      expect(res).toEqual([
        { seq: 1, duplicate: false },
        { seq: 2, duplicate: false },
        { seq: 1, duplicate: true },
      ]);
      expect((await f.store().findByKey(user, 'bob/1'))?.content).toEqual({
        type: 'text',
        text: 'first',
      });
    });

    it('concurrent appends of distinct keys get distinct, gapless seqs', async () => {
      const { user, epoch } = await owned(f);
      const res = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          f.store().appendInbox(user, epoch, [dm('bob', `${i}`, user)]),
        ),
      );
      const seqs = res.map(([r]) => r!.seq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
      for (const [i, [r]] of res.entries())
        expect((await f.store().findByKey(user, `bob/${i}`))?.seq).toBe(r!.seq);
    });

    it('concurrent appends of the same key store it once and all report its seq', async () => {
      const { user, epoch } = await owned(f);
      await f.store().appendInbox(user, epoch, [dm('bob', 'before', user)]);
      const res = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          f.store().appendInbox(user, epoch, [dm('bob', 'same', user, { tag: `copy ${i}` })]),
        ),
      );
      expect(res.map(([r]) => r!.seq)).toEqual(Array(10).fill(2));
      expect(res.filter(([r]) => !r!.duplicate)).toHaveLength(1);
      expect(await f.store().inboxHead(user)).toBe(2);
    });

    it('findByKey returns the entry appended under a key, undefined for an unknown key', async () => {
      const { user, epoch } = await owned(f);
      await f.store().appendInbox(user, epoch, [dm('bob', '1', user), dm('bob', '2', user)]);
      expect(await f.store().findByKey(user, 'bob/2')).toEqual(
        entryOf(user, 2, dm('bob', '2', user)),
      );
      expect(await f.store().findByKey(user, 'bob/3')).toBeUndefined();
      expect(await f.store().findByKey(uid('other'), 'bob/2')).toBeUndefined();
    });

    it('one append writes its entries, key index, history rows and pending marks together', async () => {
      const { user, epoch } = await owned(f);
      const items = [
        dm(user, 'o1', 'bob', { conversation: 'u:bob', pendingFor: ['bob'] }),
        dm('carol', 'c1', user, { conversation: 'u:carol' }),
        dm(user, 'o2', 'bob', { conversation: 'u:bob', pendingFor: ['bob', 'bob'] }),
      ];
      await f.store().appendInbox(user, epoch, items);
      const entries = items.map((it, i) => entryOf(user, i + 1, it));
      expect(await f.store().readInbox(user, 0, 10)).toEqual(entries);
      for (const e of entries) expect(await f.store().findByKey(user, e.key)).toEqual(e);
      expect((await f.store().history(user, 'u:bob', null, 10)).entries).toEqual([
        entries[0],
        entries[2],
      ]);
      expect((await f.store().history(user, 'u:carol', null, 10)).entries).toEqual([entries[1]]);
      expect(await f.store().listPending(user, 10)).toEqual([
        { recipient: 'bob', entry: entries[0] },
        { recipient: 'bob', entry: entries[2] },
      ]);
    });

    it('an empty append returns [] and writes nothing', async () => {
      const { user, epoch } = await owned(f);
      expect(await f.store().appendInbox(user, epoch, [])).toEqual([]);
      expect(await f.store().inboxHead(user)).toBe(0);
    });

    it('bad arguments are invalid_argument', async () => {
      const { user, epoch } = await owned(f);
      await expectInvalid(f.store().readInbox(user, 0, 0), 'limit', '0');
      await expectInvalid(f.store().readInbox(user, -1, 10), 'afterSeq', '-1');
      await expectInvalid(f.store().readInbox('', 0, 10), 'user', '""');
      await expectInvalid(f.store().inboxHead(''), 'user', '""');
      const bad = { ...dm('bob', '1', user), record: { ...dm('bob', '1', user).record, key: '' } };
      await expectInvalid(f.store().appendInbox(user, epoch, [bad]), 'items[0].record.key', '""');
      expect(await f.store().inboxHead(user)).toBe(0);
    });
  });

  describe('pending marks', () => {
    it('listPending lists (recipient, entry) oldest first; clearPending removes one mark and is idempotent', async () => {
      const { user, epoch } = await owned(f);
      const items = [
        dm(user, '1', 'bob', { conversation: 'u:bob', pendingFor: ['bob'] }),
        dm(user, '2', 'grp', { conversation: 'g:grp', pendingFor: ['carol', 'bob'] }),
        dm('dave', '3', user),
      ];
      await f.store().appendInbox(user, epoch, items);
      const e = items.map((it, i) => entryOf(user, i + 1, it));
      expect(await f.store().listPending(user, 10)).toEqual([
        { recipient: 'bob', entry: e[0] },
        { recipient: 'bob', entry: e[1] },
        { recipient: 'carol', entry: e[1] },
      ]);
      expect(await f.store().listPending(user, 2)).toHaveLength(2);
      await f.store().clearPending(user, 2, 'bob');
      await f.store().clearPending(user, 2, 'bob');
      await f.store().clearPending(user, 3, 'nobody');
      expect(await f.store().listPending(user, 10)).toEqual([
        { recipient: 'bob', entry: e[0] },
        { recipient: 'carol', entry: e[1] },
      ]);
      await f.store().clearPending(user, 1, 'bob');
      await f.store().clearPending(user, 2, 'carol');
      expect(await f.store().listPending(user, 10)).toEqual([]);
      expect(await f.store().inboxHead(user)).toBe(3);
    });

    it('listPending of a user without marks is empty', async () => {
      expect(await f.store().listPending(uid('nobody'), 10)).toEqual([]);
    });
  });

  describe('history', () => {
    it('pages back through one conversation: newest `limit` before beforeSeq, oldest first', async () => {
      const { user, epoch } = await owned(f);
      const items: InboxAppend<InboxRecord>[] = [];
      for (let i = 1; i <= 9; i++)
        items.push(
          i % 3 === 0
            ? dm('carol', `${i}`, user)
            : dm(user, `${i}`, 'bob', { conversation: 'u:bob' }),
        );
      await f.store().appendInbox(user, epoch, items);
      const bob: InboxEntry[] = items
        .map((it, i) => entryOf(user, i + 1, it))
        .filter((e) => e.seq % 3 !== 0);
      const seqs = (p: { entries: readonly InboxEntry[] }) => p.entries.map((e) => e.seq);

      const p1 = await f.store().history(user, 'u:bob', null, 4);
      expect(p1.entries).toEqual(bob.slice(2));
      expect(p1.nextBeforeSeq).toBe(4);
      const p2 = await f.store().history(user, 'u:bob', p1.nextBeforeSeq, 4);
      expect(seqs(p2)).toEqual([1, 2]);
      expect(p2.nextBeforeSeq).toBeNull();
      expect(seqs(await f.store().history(user, 'u:carol', null, 10))).toEqual([3, 6, 9]);
      expect((await f.store().history(user, 'u:carol', null, 10)).nextBeforeSeq).toBeNull();
      expect(seqs(await f.store().history(user, 'u:carol', 6, 10))).toEqual([3]);
      expect(seqs(await f.store().history(user, 'u:carol', 3, 10))).toEqual([]);
      const exact = await f.store().history(user, 'u:carol', null, 3);
      expect(seqs(exact)).toEqual([3, 6, 9]);
      expect(exact.nextBeforeSeq).toBeNull();
      expect(await f.store().history(user, 'u:nobody', null, 10)).toEqual({
        entries: [],
        nextBeforeSeq: null,
      });
    });
  });
}
