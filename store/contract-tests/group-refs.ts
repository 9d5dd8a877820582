/**
 * Contract: group messages by reference. An inbox record with `group` and
 * `gseq` and no `content` takes a seq, a key, a history row and the chat
 * list's `last` like any record, and every read returns it with the content
 * of its group log entry; a record without content that is not such a
 * reference is refused. Once the log entry is gone (expired or never
 * written) the reference reads as expired: skipped by readInbox, findByKey,
 * listPending and history (which still fill `limit`), shown with content
 * `{ type: 'expired' }` as a chat list's `last`.
 */
import { describe, expect, it } from 'vitest';
import type { GroupRefRecord, InboxAppend, InboxEntry, Store } from '../contract.ts';
import {
  dm,
  entryOf,
  expectInvalid,
  type Fixture,
  groupRecord,
  rejection,
  TS,
  uid,
} from './kit.ts';

/** A reference to entry `gseq` of `group`, posted by `from` as message `id`. */
function ref(
  group: string,
  gseq: number,
  from: string,
  id: string,
  pendingFor?: readonly string[],
): InboxAppend<GroupRefRecord> {
  return {
    record: { key: `${group}/${from}/${id}`, from, id, group, gseq, ts: TS + gseq },
    conversation: `g:${group}`,
    ...(pendingFor ? { pendingFor } : {}),
  };
}

/** What `item` reads back as at `seq` with the log's `text`. */
function resolvedAt(
  user: string,
  seq: number,
  item: InboxAppend<GroupRefRecord>,
  text: string,
): InboxEntry {
  return { ...item.record, content: { type: 'text', text }, user, seq };
}

async function setUp(
  store: Store,
): Promise<{ user: string; epoch: number; group: string; gEpoch: number }> {
  const user = uid('member');
  const group = uid('g');
  return {
    user,
    group,
    epoch: await store.acquireEpoch(`user:${user}`),
    gEpoch: await store.acquireEpoch(`group:${group}`),
  };
}

export function groupRefTests(f: Fixture): void {
  describe('group references', () => {
    it('a reference reads back with its group log content through every read', async () => {
      const store = f.store();
      const { user, epoch, group, gEpoch } = await setUp(store);
      await store.appendGroupLog(group, gEpoch, [
        groupRecord('bob', '1', 'first'),
        groupRecord('carol', '2', 'second'),
      ]);
      const r1 = ref(group, 1, 'bob', '1', ['bob']);
      const direct = dm('dave', '1', user);
      const r2 = ref(group, 2, 'carol', '2');
      expect(await store.appendInbox(user, epoch, [r1, direct, r2])).toEqual([
        { seq: 1, duplicate: false },
        { seq: 2, duplicate: false },
        { seq: 3, duplicate: false },
      ]);
      const e1 = resolvedAt(user, 1, r1, 'first');
      const e3 = resolvedAt(user, 3, r2, 'second');
      expect(await store.readInbox(user, 0, 10)).toEqual([e1, entryOf(user, 2, direct), e3]);
      expect(await store.findByKey(user, r2.record.key)).toEqual(e3);
      expect(await store.listPending(user, 10)).toEqual([{ recipient: 'bob', entry: e1 }]);
      expect(await store.history(user, `g:${group}`, null, 10)).toEqual({
        entries: [e1, e3],
        nextBeforeSeq: null,
      });
      const chats = await store.conversations(user, null, 10);
      expect(chats.items.map((c) => [c.conversation, c.last, c.unread])).toEqual([
        [`g:${group}`, e3, 2],
        ['u:dave', entryOf(user, 2, direct), 1],
      ]);
    });

    it('a reference is idempotent on its key, like any record', async () => {
      const store = f.store();
      const { user, epoch, group, gEpoch } = await setUp(store);
      await store.appendGroupLog(group, gEpoch, [groupRecord('bob', '1', 'one')]);
      const r1 = ref(group, 1, 'bob', '1');
      expect(await store.appendInbox(user, epoch, [r1, r1])).toEqual([
        { seq: 1, duplicate: false },
        { seq: 1, duplicate: true },
      ]);
      const other = { ...r1, record: { ...r1.record, gseq: 2 } };
      expect(await store.appendInbox(user, epoch, [other])).toEqual([{ seq: 1, duplicate: true }]);
      expect(await store.readInbox(user, 0, 10)).toEqual([resolvedAt(user, 1, r1, 'one')]);
      expect(await store.inboxHead(user)).toBe(1);
    });

    it('a record without content is refused unless it names both group and gseq', async () => {
      const store = f.store();
      const { user, epoch, group } = await setUp(store);
      const { gseq: _gseq, ...noGseq } = ref(group, 1, 'bob', '1').record;
      const { group: _group, ...noGroup } = ref(group, 1, 'bob', '2').record;
      for (const record of [noGseq, noGroup]) {
        const item = { record, conversation: `g:${group}` } as unknown as InboxAppend;
        const err = await rejection(store.appendInbox(user, epoch, [item]), 'invalid_argument');
        expect(err.message).toBe(
          'invalid items[0].record.content undefined: must be an object with a string `type`; only a group reference (both `group` and `gseq` set) has no content',
        );
      }
      const zero = ref(group, 0, 'bob', '3');
      await expectInvalid(store.appendInbox(user, epoch, [zero]), 'items[0].record.gseq', '0');
      expect(await store.inboxHead(user)).toBe(0);
    });
  });
}

/** With `TEST_RETENTION` (inbox 3 s, group log 5 s, history 7 s), on the suite's clock. */
export function groupRefRetentionTests(f: Fixture): void {
  describe('group references and retention', () => {
    it('a reference whose log entry is gone or was never written reads as expired', async () => {
      const store = f.store();
      const { user, epoch, group, gEpoch } = await setUp(store);
      await store.appendGroupLog(group, gEpoch, [groupRecord('bob', '1', 'soon gone')]);
      // t = 3 s: the log entry lives until 5 s, the inbox rows written now until 6 s.
      await f.elapse(3000);
      const r1 = ref(group, 1, 'bob', '1', ['bob']);
      const never = ref(group, 9, 'carol', '9');
      const direct = dm('dave', '1', user);
      await store.appendInbox(user, epoch, [r1, never, direct]);
      const live = resolvedAt(user, 1, r1, 'soon gone');
      expect(await store.readInbox(user, 0, 10)).toEqual([live, entryOf(user, 3, direct)]);
      expect(await store.findByKey(user, never.record.key)).toBeUndefined();
      expect(await store.history(user, `g:${group}`, null, 10)).toEqual({
        entries: [live],
        nextBeforeSeq: null,
      });

      // t = 5.5 s: the log entry expired; the inbox rows live on.
      await f.elapse(2500);
      expect(await store.readInbox(user, 0, 10)).toEqual([entryOf(user, 3, direct)]);
      // Skipped references do not count against the limit.
      expect(await store.readInbox(user, 0, 1)).toEqual([entryOf(user, 3, direct)]);
      expect(await store.findByKey(user, r1.record.key)).toBeUndefined();
      expect(await store.listPending(user, 10)).toEqual([]);
      expect(await store.history(user, `g:${group}`, null, 1)).toEqual({
        entries: [],
        nextBeforeSeq: null,
      });
      const chats = await store.conversations(user, null, 10);
      expect(chats.items.map((c) => [c.conversation, c.last])).toEqual([
        ['u:dave', entryOf(user, 3, direct)],
        [`g:${group}`, { ...never.record, content: { type: 'expired' }, user, seq: 2 }],
      ]);
      // The key still holds while the inbox row lives.
      expect(await store.appendInbox(user, epoch, [r1])).toEqual([{ seq: 1, duplicate: true }]);
      expect(await store.inboxHead(user)).toBe(3);
    });
  });
}
