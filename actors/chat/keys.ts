/**
 * The names the chat gives things in the store, in one place: idempotency
 * keys of inbox entries, conversation names, and the names of a user's
 * cumulative cursors. Every key of one user's store space is built here.
 *
 * Invariants: a 1:1 message of `from` is `${from}/${id}` in both its
 * sender's and its recipient's inbox (a repeated client id is one entry);
 * a group message is `g/${group}/${from}/${id}` in every member's inbox.
 * Cursor names cannot collide: a device id has no `:`-prefixed namespace
 * of its own (`r:`, `g:`, `rw:` are reserved by their prefixes).
 */

/** The inbox key of a 1:1 message `id` sent by `from`. */
export const directKey = (from: string, id: string): string => `${from}/${id}`;

/** The inbox key of group message `id` sent by `from` to `group`. */
export const groupEntryKey = (group: string, from: string, id: string): string =>
  `g/${group}/${from}/${id}`;

/** The key of the message an ack or a receipt names. */
export const ackedKey = (from: string, id: string, group: string | undefined): string =>
  group !== undefined ? groupEntryKey(group, from, id) : directKey(from, id);

/** The history conversation with `peer` (also for one's own sends to them). */
export const peerConversation = (peer: string): string => `u:${peer}`;

/** The history conversation of `group`. */
export const groupConversation = (group: string): string => `g:${group}`;

/** The conversation of a message from `from` (in `group`, when set). */
export const conversationOf = (from: string, group: string | undefined): string =>
  group !== undefined ? groupConversation(group) : peerConversation(from);

/** Cursor: receipt log rseq pushed to `device`. (A device's inbox cursor is named by the device id itself.) */
export const receiptCursor = (device: string): string => `r:${device}`;

/** Cursor: the highest group seq of `group` in this member's inbox. */
export const groupCursor = (group: string): string => `g:${group}`;

/** Cursor: the highest own seq `by` has read (in `group`, or 1:1 when undefined): earlier `delivered` receipts are stale. */
export const readWatermark = (group: string | undefined, by: string): string =>
  `rw:${group ?? ''}:${by}`;

/** The group log key of message `id` posted by `from`: a repeated client id is one entry. */
export const groupLogKey = (from: string, id: string): string => `${from}/${id}`;

/** Cursor, in the group's own space (`group:<id>`): the highest gseq `member` confirmed. */
export const memberCursor = (member: string): string => member;
