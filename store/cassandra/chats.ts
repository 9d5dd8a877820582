/**
 * The chat list of the Cassandra store (contract: "Chat list" in
 * `../contract.ts`), in the user's own `user_log` partition:
 *
 *   Chat      tag = conversation, seq 0        body = ChatRow JSON   one per conversation
 *   Activity  tag '', seq = last seq, sub = conversation, the same body  ordered by activity
 *
 * Why in the inbox partition rather than a table of its own: the append stays
 * one conditional single-partition batch (`append.ts`), so the chat list is
 * written atomically with the entries, fenced by the same condition, and a
 * retry after an unknown outcome needs no second, idempotent write to catch
 * up. The append reads the Chat rows of the conversations it touches in its
 * observation and writes, per conversation, the new Chat row, the new
 * Activity row and a delete of the previous Activity row (at another seq, so
 * the delete never shadows the insert of the same batch).
 *
 * `markRead` is a conditional batch too (`IF epoch = e AND head = h`, head
 * unchanged): fenced, and applied only on the state whose unread count it
 * computed; it runs under the partition's LWT queue like the appends, and
 * recognises its own landed attempt by the Chat row's `wid`. The chat list
 * is one read of `limit + 1` Activity rows, newest first. No row of the chat
 * list carries a TTL.
 */
import { quote } from '../../runtime/index.ts';
import { type ChatRow, chatRowAfter } from '../chat-row.ts';
import type {
  ConversationPage,
  ConversationSummary,
  InboxAppend,
  InboxEntry,
  ReadMark,
} from '../contract.ts';
import { resolveLast } from '../group-ref.ts';
import { checkEpoch, checkId, checkInt, checkKey, checkLimit } from '../validate.ts';
import { fence } from './append.ts';
import { type CasAttempt, newWid, runCas } from './cas.ts';
import { type Ctx, live, SEQ_MAX } from './context.ts';
import type { BatchQuery } from './cql.ts';
import { guard } from './driver-errors.ts';
import { logContents } from './group-refs.ts';
import { Kind, num } from './rows.ts';

export type { ChatRow };

/** Conversations per `IN` read. */
const IN_CHUNK = 100;

/** The stored Chat rows of `conversations`, by conversation. */
export async function readChatRows(
  ctx: Ctx,
  user: string,
  conversations: readonly string[],
): Promise<Map<string, ChatRow>> {
  const out = new Map<string, ChatRow>();
  for (let i = 0; i < conversations.length; i += IN_CHUNK) {
    const chunk = conversations.slice(i, i + IN_CHUNK);
    const rows = await ctx.exec.rows(ctx.st.chatRows, [user, chunk], { limit: chunk.length });
    for (const row of rows)
      out.set(row.get('tag') as string, JSON.parse(row.get('body') as string) as ChatRow);
  }
  return out;
}

function chatWrites(
  ctx: Ctx,
  user: string,
  conversation: string,
  row: ChatRow,
  wid: string,
): BatchQuery[] {
  const body = JSON.stringify(row);
  const insert = (kind: Kind, tag: string, seq: bigint, sub: string) => ({
    query: ctx.st.userRow,
    params: [user, kind, tag, seq, sub, body, wid, null, 0],
  });
  return [
    insert(Kind.Chat, conversation, 0n, ''),
    insert(Kind.Activity, '', BigInt(row.last.seq), conversation),
  ];
}

/** The chat list rows of one append batch: per conversation touched, its new rows and the drop of its old Activity row. */
export function chatBatchRows(
  ctx: Ctx,
  user: string,
  fresh: readonly { readonly item: InboxAppend; readonly seq: number }[],
  stored: ReadonlyMap<string, ChatRow>,
  wid: string,
): BatchQuery[] {
  const next = new Map<string, ChatRow>();
  for (const { item, seq } of fresh) {
    const prev = next.get(item.conversation) ?? stored.get(item.conversation);
    next.set(item.conversation, chatRowAfter(prev, user, { ...item.record, user, seq }));
  }
  const out: BatchQuery[] = [];
  for (const [conversation, row] of next) {
    const old = stored.get(conversation);
    if (old !== undefined)
      out.push({
        query: ctx.st.activityDrop,
        params: [user, BigInt(old.last.seq), conversation],
      });
    out.push(...chatWrites(ctx, user, conversation, row, wid));
  }
  return out;
}

export async function conversations(
  ctx: Ctx,
  user: string,
  beforeSeq: number | null,
  limit: number,
): Promise<ConversationPage> {
  checkId('user', user);
  if (beforeSeq !== null) checkInt('beforeSeq', beforeSeq, 0);
  const max = checkLimit(limit);
  const before = beforeSeq === null ? SEQ_MAX : BigInt(beforeSeq);
  // One row more than asked tells whether another page exists.
  const rows = await guard(`conversations(${quote(user)})`, () =>
    ctx.exec.rows(ctx.st.activityBefore, [user, before], { limit: max + 1 }),
  );
  const stored = rows.slice(0, max).map((r) => ({
    conversation: r.get('sub') as string,
    row: JSON.parse(r.get('body') as string) as ChatRow,
  }));
  const contentOf = await guard(`conversations(${quote(user)})`, () =>
    logContents(
      ctx,
      stored.map((s) => s.row.last),
    ),
  );
  const items: ConversationSummary[] = stored.map(({ conversation, row }) => ({
    conversation,
    last: resolveLast(row.last, contentOf),
    unread: row.unread,
    readUpTo: row.readUpTo,
  }));
  return { items, nextBeforeSeq: rows.length > max ? (items.at(-1)?.last.seq ?? null) : null };
}

interface ReadState {
  readonly epoch: number | null;
  readonly head: number;
  readonly row: ChatRow | undefined;
  readonly wid: string | undefined;
  /** Unread after the new watermark, counted when it would rise. */
  readonly unread: number;
}

/** History entries of `conversation` after `seq` (still live) that someone else sent. */
async function unreadAfter(
  ctx: Ctx,
  user: string,
  conversation: string,
  seq: number,
): Promise<number> {
  const rows = await ctx.exec.rows(ctx.st.historyAfter, [user, conversation, BigInt(seq)], {
    limit: Number.MAX_SAFE_INTEGER,
    keep: live(ctx),
  });
  let count = 0;
  for (const row of rows)
    if ((JSON.parse(row.get('body') as string) as InboxEntry).from !== user) count++;
  return count;
}

export async function markRead(
  ctx: Ctx,
  user: string,
  epoch: number,
  conversation: string,
  upTo: number,
): Promise<ReadMark | undefined> {
  checkId('user', user);
  checkEpoch(epoch);
  checkKey('conversation', conversation);
  checkInt('upTo', upTo, 0);
  const owner = `user:${user}`;
  return ctx.lock.run(`u:${user}`, () =>
    runCas<ReadState, ReadMark | undefined>(
      {
        what: `markRead(${quote(user)}, ${quote(conversation)}, ${upTo})`,
        async observe(serial) {
          // One serial read completes any in-flight proposal; the later reads see it at
          // the ordinary consistency (more Paxos reads of the partition at once time out).
          const state = await ctx.exec.first(ctx.st.userState, [user], serial);
          const chat = await ctx.exec.first(ctx.st.chatRow, [user, conversation]);
          const current = state?.get('epoch');
          const row = chat ? (JSON.parse(chat.get('body') as string) as ChatRow) : undefined;
          const target = row === undefined ? 0 : Math.min(upTo, row.last.seq);
          const rises = row !== undefined && target > row.readUpTo;
          return {
            epoch: current === null || current === undefined ? null : num(current),
            head: num(state?.get('head')),
            row,
            wid: chat ? ((chat.get('wid') as string | null) ?? undefined) : undefined,
            unread: rises ? await unreadAfter(ctx, user, conversation, target) : 0,
          };
        },
        landed(o, uncertain) {
          return uncertain.find((a) => a.wid === o.wid)?.result;
        },
        decide(o) {
          fence(owner, o.epoch, epoch);
          const row = o.row;
          if (row === undefined) return { done: undefined };
          const target = Math.min(upTo, row.last.seq);
          if (target <= row.readUpTo)
            return { done: { readUpTo: row.readUpTo, unread: row.unread, raised: false } };
          const next: ChatRow = { last: row.last, unread: o.unread, readUpTo: target };
          const wid = newWid();
          const head = BigInt(o.head);
          const cas = { query: ctx.st.inboxHeadCas, params: [head, user, BigInt(epoch), head] };
          const attempt: CasAttempt<ReadMark> = {
            wid,
            result: { readUpTo: target, unread: o.unread, raised: true },
            write: () =>
              ctx.exec.casBatch([cas, ...chatWrites(ctx, user, conversation, next, wid)], user),
          };
          return { attempt };
        },
      },
      ctx.clock,
    ),
  );
}
