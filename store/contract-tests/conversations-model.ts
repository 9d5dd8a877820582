/**
 * Chat list property (fast-check, `FC_SEED`): random batches of appends
 * (from the user and from others, over three conversations, with repeated
 * keys) and random `markRead` calls agree with a reference model that
 * derives the whole chat list from the entries: one item per conversation,
 * newest `last.seq` first, `unread` = entries from others above `readUpTo`,
 * `readUpTo` = the highest watermark asked for, capped at the conversation's
 * last seq; paging with a small limit yields the same list. A failure prints
 * fast-check's seed and shrunk counterexample; rerun with `FC_SEED=<seed>`.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { InboxAppend, InboxRecord, Store } from '../contract.ts';
import { TS, uid } from './kit.ts';

const CONVERSATIONS = ['u:p1', 'u:p2', 'g:g1'] as const;

type Op =
  | {
      readonly t: 'append';
      readonly items: readonly { readonly c: number; readonly own: boolean; readonly k: number }[];
    }
  | { readonly t: 'read'; readonly c: number; readonly upTo: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant('append' as const),
    items: fc.array(fc.record({ c: fc.nat(2), own: fc.boolean(), k: fc.nat(11) }), {
      minLength: 1,
      maxLength: 3,
    }),
  }),
  fc.record({ t: fc.constant('read' as const), c: fc.nat(2), upTo: fc.nat(14) }),
);

interface ModelEntry {
  readonly seq: number;
  readonly conversation: string;
  readonly from: string;
  readonly key: string;
}

/** The appended item: key `k` names one message for good (same sender, same conversation). */
function itemFor(user: string, c: number, own: boolean, k: number): InboxAppend<InboxRecord> {
  const conversation = CONVERSATIONS[c]!;
  const from = own ? user : `other${c}`;
  const key = `${conversation}/${own ? 'own' : 'in'}/${k}`;
  return {
    record: { key, from, id: `${k}`, ts: TS, content: { type: 't' } },
    conversation,
  };
}

function expected(user: string, entries: readonly ModelEntry[], reads: Map<string, number>) {
  const lastOf = new Map<string, ModelEntry>();
  for (const e of entries) lastOf.set(e.conversation, e);
  return [...lastOf.values()]
    .sort((a, b) => b.seq - a.seq)
    .map((last) => {
      const readUpTo = reads.get(last.conversation) ?? 0;
      const unread = entries.filter(
        (e) => e.conversation === last.conversation && e.from !== user && e.seq > readUpTo,
      ).length;
      return { conversation: last.conversation, seq: last.seq, key: last.key, unread, readUpTo };
    });
}

export async function checkChatListModel(
  store: Store,
  seed: number,
  numRuns: number,
): Promise<void> {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
      const user = uid('chatmodel');
      const epoch = await store.acquireEpoch(`user:${user}`);
      const entries: ModelEntry[] = [];
      const reads = new Map<string, number>();
      const keys = new Map<string, number>();
      for (const o of ops) {
        if (o.t === 'append') {
          const items = o.items.map((i) => itemFor(user, i.c, i.own, i.k));
          const results = await store.appendInbox(user, epoch, items);
          items.forEach((item, i) => {
            const { key, from } = item.record;
            const known = keys.get(key);
            expect(results[i]).toEqual({
              seq: known ?? entries.length + 1,
              duplicate: known !== undefined,
            });
            if (known !== undefined) return;
            keys.set(key, entries.length + 1);
            entries.push({ seq: entries.length + 1, conversation: item.conversation, from, key });
          });
        } else {
          const conversation = CONVERSATIONS[o.c]!;
          const last = entries.filter((e) => e.conversation === conversation).at(-1);
          const mark = await store.markRead(user, epoch, conversation, o.upTo);
          if (last === undefined) {
            expect(mark).toBeUndefined();
            continue;
          }
          const before = reads.get(conversation) ?? 0;
          const after = Math.max(before, Math.min(o.upTo, last.seq));
          reads.set(conversation, after);
          const item = expected(user, entries, reads).find((i) => i.conversation === conversation);
          expect(mark).toEqual({ readUpTo: after, unread: item?.unread, raised: after > before });
        }
        const want = expected(user, entries, reads);
        const page = await store.conversations(user, null, 100);
        expect(page.nextBeforeSeq).toBeNull();
        const got = page.items.map((i) => ({
          conversation: i.conversation,
          seq: i.last.seq,
          key: i.last.key,
          unread: i.unread,
          readUpTo: i.readUpTo,
        }));
        expect(got).toEqual(want);
      }
      // Paging one at a time gives the same list.
      const paged: string[] = [];
      let before: number | null = null;
      for (let i = 0; i < 10; i++) {
        const page = await store.conversations(user, before, 1);
        paged.push(...page.items.map((item) => item.conversation));
        if (page.nextBeforeSeq === null) break;
        before = page.nextBeforeSeq;
      }
      expect(paged).toEqual(expected(user, entries, reads).map((i) => i.conversation));
    }),
    { seed, numRuns, verbose: true },
  );
}
