/**
 * Contract: the chat list ("Chat list" in `../contract.ts`). `appendInbox`
 * keeps one summary per conversation (last entry, unread from others, read
 * watermark) in the same atomic step; `markRead` moves the watermark only up,
 * fenced; `conversations` pages by last activity, newest first.
 */
import { describe, expect, it } from 'vitest';
import type { InboxAppend, InboxRecord } from '../contract.ts';
import { dm, entryOf, expectFenced, expectInvalid, type Fixture, TS, uid } from './kit.ts';

async function owned(f: Fixture): Promise<{ user: string; epoch: number }> {
  const user = uid('chat');
  return { user, epoch: await f.store().acquireEpoch(`user:${user}`) };
}

/** A copy of `user`'s own send to `to`, as the sender's inbox holds it. */
function own(user: string, id: string, to: string): InboxAppend<InboxRecord> {
  return {
    record: { key: `${user}/${id}`, from: user, id, to, ts: TS, content: { type: 'text', t: id } },
    conversation: `u:${to}`,
  };
}

function inGroup(group: string, from: string, gseq: number): InboxAppend<InboxRecord> {
  return {
    record: {
      key: `g/${group}/${from}/${gseq}`,
      from,
      id: `${gseq}`,
      group,
      gseq,
      ts: TS,
      content: { type: 'text', t: `${gseq}` },
    },
    conversation: `g:${group}`,
  };
}

export function conversationTests(f: Fixture): void {
  describe('chat list', () => {
    it('lists each conversation once, newest activity first, with its last entry, unread from others and readUpTo 0', async () => {
      const { user, epoch } = await owned(f);
      const b1 = dm('bob', '1', user);
      const c1 = dm('carol', '1', user);
      const b2 = dm('bob', '2', user);
      const mine = own(user, 'x', 'carol');
      const g = inGroup('g1', 'dave', 1);
      await f.store().appendInbox(user, epoch, [b1, c1]);
      await f.store().appendInbox(user, epoch, [b2, mine, g]);
      const page = await f.store().conversations(user, null, 50);
      expect(page).toEqual({
        items: [
          { conversation: 'g:g1', last: entryOf(user, 5, g), unread: 1, readUpTo: 0 },
          { conversation: 'u:carol', last: entryOf(user, 4, mine), unread: 1, readUpTo: 0 },
          { conversation: 'u:bob', last: entryOf(user, 3, b2), unread: 2, readUpTo: 0 },
        ],
        nextBeforeSeq: null,
      });
    });

    it('is empty for a user without entries', async () => {
      expect(await f.store().conversations(uid('nobody'), null, 10)).toEqual({
        items: [],
        nextBeforeSeq: null,
      });
    });

    it('never counts the user’s own messages as unread, nor a duplicate append twice', async () => {
      const { user, epoch } = await owned(f);
      await f.store().appendInbox(user, epoch, [own(user, 'a', 'bob'), own(user, 'b', 'bob')]);
      await f.store().appendInbox(user, epoch, [dm('bob', '1', user)]);
      await f.store().appendInbox(user, epoch, [dm('bob', '1', user), own(user, 'a', 'bob')]);
      const [item] = (await f.store().conversations(user, null, 10)).items;
      expect(item).toMatchObject({ conversation: 'u:bob', unread: 1, readUpTo: 0 });
      expect(item?.last.seq).toBe(3);
    });

    it('pages with beforeSeq and limit until nextBeforeSeq is null', async () => {
      const { user, epoch } = await owned(f);
      const peers = ['p1', 'p2', 'p3', 'p4', 'p5'];
      for (const p of peers) await f.store().appendInbox(user, epoch, [dm(p, '1', user)]);
      // p2 is active again: it moves to the front.
      await f.store().appendInbox(user, epoch, [dm('p2', '2', user)]);
      const names = (page: { items: readonly { conversation: string }[] }) =>
        page.items.map((i) => i.conversation);
      const first = await f.store().conversations(user, null, 2);
      expect(names(first)).toEqual(['u:p2', 'u:p5']);
      expect(first.nextBeforeSeq).toBe(5);
      const second = await f.store().conversations(user, first.nextBeforeSeq, 2);
      expect(names(second)).toEqual(['u:p4', 'u:p3']);
      expect(second.nextBeforeSeq).toBe(3);
      const last = await f.store().conversations(user, second.nextBeforeSeq, 2);
      expect(names(last)).toEqual(['u:p1']);
      expect(last.nextBeforeSeq).toBeNull();
      const exact = await f.store().conversations(user, null, 5);
      expect(exact.items).toHaveLength(5);
      expect(exact.nextBeforeSeq).toBeNull();
    });

    it('markRead moves the watermark up, recounts unread after it, and is idempotent', async () => {
      const { user, epoch } = await owned(f);
      await f
        .store()
        .appendInbox(user, epoch, [
          dm('bob', '1', user),
          own(user, 'r', 'bob'),
          dm('bob', '2', user),
          dm('bob', '3', user),
          dm('carol', '1', user),
        ]);
      const store = f.store();
      expect(await store.markRead(user, epoch, 'u:bob', 1)).toEqual({
        readUpTo: 1,
        unread: 2,
        raised: true,
      });
      expect(await store.markRead(user, epoch, 'u:bob', 1)).toEqual({
        readUpTo: 1,
        unread: 2,
        raised: false,
      });
      // Monotonic: a lower watermark changes nothing.
      expect(await store.markRead(user, epoch, 'u:bob', 0)).toEqual({
        readUpTo: 1,
        unread: 2,
        raised: false,
      });
      expect(await store.markRead(user, epoch, 'u:bob', 3)).toEqual({
        readUpTo: 3,
        unread: 1,
        raised: true,
      });
      // Beyond the conversation's last seq: up to its last seq.
      expect(await store.markRead(user, epoch, 'u:bob', 99)).toEqual({
        readUpTo: 4,
        unread: 0,
        raised: true,
      });
      const items = (await store.conversations(user, null, 10)).items;
      expect(items.map((i) => [i.conversation, i.unread, i.readUpTo])).toEqual([
        ['u:carol', 1, 0],
        ['u:bob', 0, 4],
      ]);
      // A new message from bob is unread again; the watermark stays.
      await store.appendInbox(user, epoch, [dm('bob', '4', user)]);
      const [bob] = (await store.conversations(user, null, 1)).items;
      expect(bob).toMatchObject({ conversation: 'u:bob', unread: 1, readUpTo: 4 });
      expect(bob?.last.seq).toBe(6);
    });

    it('markRead of a conversation the user does not have writes nothing and resolves undefined', async () => {
      const { user, epoch } = await owned(f);
      await f.store().appendInbox(user, epoch, [dm('bob', '1', user)]);
      expect(await f.store().markRead(user, epoch, 'u:nobody', 5)).toBeUndefined();
      expect((await f.store().conversations(user, null, 10)).items).toHaveLength(1);
    });

    it('markRead works for a group conversation the same way', async () => {
      const { user, epoch } = await owned(f);
      await f
        .store()
        .appendInbox(user, epoch, [
          inGroup('g7', 'dave', 1),
          inGroup('g7', user, 2),
          inGroup('g7', 'erin', 3),
        ]);
      expect(await f.store().markRead(user, epoch, 'g:g7', 2)).toEqual({
        readUpTo: 2,
        unread: 1,
        raised: true,
      });
    });

    it('markRead is fenced by the user’s epoch', async () => {
      const { user, epoch } = await owned(f);
      await f.store().appendInbox(user, epoch, [dm('bob', '1', user)]);
      const newer = await f.store().acquireEpoch(`user:${user}`);
      await expectFenced(f.store().markRead(user, epoch, 'u:bob', 1), `user:${user}`, epoch, newer);
      const [item] = (await f.store().conversations(user, null, 1)).items;
      expect(item).toMatchObject({ unread: 1, readUpTo: 0 });
    });

    it('a fenced append leaves the chat list as it was', async () => {
      const { user, epoch } = await owned(f);
      await f.store().appendInbox(user, epoch, [dm('bob', '1', user)]);
      await f.store().acquireEpoch(`user:${user}`);
      await f
        .store()
        .appendInbox(user, epoch, [dm('bob', '2', user)])
        .catch(() => undefined);
      const [item] = (await f.store().conversations(user, null, 1)).items;
      expect(item).toMatchObject({ unread: 1, last: { id: '1', seq: 1 } });
    });

    it('refuses bad arguments with invalid_argument', async () => {
      const { user, epoch } = await owned(f);
      await expectInvalid(f.store().conversations(user, -1, 10), 'beforeSeq', '-1');
      await expectInvalid(f.store().conversations(user, null, 0), 'limit', '0');
      await expectInvalid(f.store().conversations('', null, 10), 'user', '""');
      await expectInvalid(f.store().markRead(user, epoch, 'u:bob', -1), 'upTo', '-1');
      await expectInvalid(f.store().markRead(user, epoch, 'u:bob', 1.5), 'upTo', '1.5');
      await expectInvalid(f.store().markRead(user, epoch, '', 1), 'conversation', '""');
      await expectInvalid(f.store().markRead(user, 0, 'u:bob', 1), 'epoch', '0');
    });
  });
}
