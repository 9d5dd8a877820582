/**
 * Read state per user (protocol v1.1): what is unread in a conversation,
 * from the server's chat list (`conversations`: `unread` and `readUpTo` per
 * conversation) and kept in step by `read` frames pushed when another
 * device of the user reads. Pure functions over a conversation of
 * `ChatState`; the state calls them and says `change`.
 *
 * Seqs here are the user's inbox seqs (`readUpTo`, `upTo`, `last.seq`, a live
 * message's `seq`); a message from a group's history carries the group's own
 * order instead and has no `inboxSeq`.
 *
 * Unread = the server's count as of its seq `atSeq` (while the watermark is
 * below it), plus messages from others after `atSeq` not read here; before
 * any chat list came (an old server), every message from others not read here.
 */

/** The unread count of `conv`. */
export function conversationUnread(conv) {
  const server = conv.serverUnread;
  let n = server !== undefined && server.atSeq > conv.readUpTo ? server.count : 0;
  const after = Math.max(server?.atSeq ?? 0, conv.readUpTo);
  for (const m of conv.messages) {
    if (m.mine || m.readSent) continue;
    if (m.inboxSeq !== undefined) {
      if (m.inboxSeq > after) n++;
    } else if (server === undefined) n++;
  }
  return n;
}

/**
 * Raises the watermark of `conv` to `upTo` and marks the messages it covers
 * read. Messages without an inbox seq (group history) count as covered when
 * they are no newer than the newest covered message (or `fallbackTs`).
 * Returns whether the server's count is now stale (it counted messages past
 * `upTo` that this client may not hold): then the caller asks again.
 */
export function raiseReadUpTo(conv, upTo, fallbackTs) {
  if (!Number.isSafeInteger(upTo)) return false;
  if (upTo > conv.readUpTo) conv.readUpTo = upTo;
  let boundaryTs = -Infinity;
  for (const m of conv.messages) {
    if (m.inboxSeq !== undefined && m.inboxSeq <= conv.readUpTo) {
      if (!m.mine) m.readSent = true;
      if (typeof m.ts === 'number' && m.ts > boundaryTs) boundaryTs = m.ts;
    }
  }
  if (boundaryTs === -Infinity && typeof fallbackTs === 'number') boundaryTs = fallbackTs;
  for (const m of conv.messages)
    if (m.inboxSeq === undefined && !m.mine && typeof m.ts === 'number' && m.ts <= boundaryTs)
      m.readSent = true;
  const server = conv.serverUnread;
  return server !== undefined && server.count > 0 && server.atSeq > conv.readUpTo;
}

/** This device read everything shown in `conv`: the server's count is used up. */
export function readHere(conv, taken) {
  for (const m of taken)
    if (m.inboxSeq !== undefined && m.inboxSeq > conv.readUpTo) conv.readUpTo = m.inboxSeq;
  if (conv.serverUnread !== undefined) conv.serverUnread = { ...conv.serverUnread, count: 0 };
}

/** A `conversations` item's conversation key, or undefined when the item is malformed. */
export function itemKey(item) {
  if (item === null || typeof item !== 'object') return undefined;
  if (typeof item.group === 'string') return `g:${item.group}`;
  if (typeof item.with === 'string') return `u:${item.with}`;
  return undefined;
}

/**
 * Merges a `conversations` page into `state`: each item's conversation (a
 * group's name), its last message, the server's unread count and watermark.
 * Returns the conversations it touched.
 */
export function mergeConversations(state, frame) {
  const touched = [];
  for (const item of Array.isArray(frame.items) ? frame.items : []) {
    const key = itemKey(item);
    if (key === undefined) continue;
    const conv = state.conversation(key);
    if (conv.kind === 'group' && typeof item.name === 'string') conv.name = item.name;
    const last = item.last;
    const lastOk =
      last !== null &&
      typeof last === 'object' &&
      typeof last.from === 'string' &&
      typeof last.id === 'string';
    if (typeof item.readUpTo === 'number') raiseReadUpTo(conv, item.readUpTo);
    if (lastOk) state.addIncoming(last, { key });
    if (lastOk && typeof last.seq === 'number' && typeof item.unread === 'number')
      conv.serverUnread = { count: item.unread, atSeq: last.seq };
    touched.push(conv);
  }
  return touched;
}
