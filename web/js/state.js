/**
 * The client's model: conversations, their messages, receipts, presence and
 * typing, for one signed-in user. Pure bookkeeping: it sends nothing (the
 * controller does) and renders nothing (the views do); it says `change`
 * (an EventTarget event) after every update.
 *
 * Invariants:
 * - A message is known once per (from, id): repeats are dropped.
 * - An own message's status only goes up: pending → sent → delivered → read.
 * - A conversation's messages are ordered by server time; own messages not
 *   yet acked `sent` (no server time) come last, in the order they were written.
 *
 * - Unread (`read-state.js`): messages from others not read on any device of
 *   the user; the server's count (protocol v1.1 `conversations`) plus what
 *   came after it, lowered by reads here and `read` frames from the user's
 *   other devices.
 *
 * Persisted (`storage.js`) per user and device, so a reload shows the chats
 * at once and keeps unsent messages (they are resent on connect).
 */

import { byTime, higher, lastActivity, lower, messageKey, STATUS_RANK } from './message-order.js';
import {
  conversationUnread,
  itemKey,
  mergeConversations,
  raiseReadUpTo,
  readHere,
} from './read-state.js';
import { loadState, saveState, storageKey } from './storage.js';

export { STATUS_RANK } from './message-order.js';

const LOOSE_RECEIPTS_MAX = 1000;
const TYPING_EXPIRES_MS = 10_000;

/** `u:<user>` for a 1:1 conversation, `g:<group>` for a group. */
export const userKey = (user) => `u:${user}`;
export const groupKey = (group) => `g:${group}`;

export class ChatState extends EventTarget {
  constructor(me, device = 'default') {
    super();
    this.me = me;
    /** @type {Map<string, Conversation>} */
    this.conversations = new Map();
    /** Own messages by id (ids are unique per sender). */
    this.ownById = new Map();
    /** Receipts for own messages not (yet) known here: id → { by: status }. */
    this.looseReceipts = new Map();
    /** user → { online, lastSeen } */
    this.presence = new Map();
    this.openKey = null;
    this.order = 0;
    this.storageKey = storageKey(me, device);
    this.saveTimer = undefined;
    this.settings = { lastSeen: undefined };
  }

  // ---- conversations ------------------------------------------------------

  /** The conversation with `key`, created when missing. */
  conversation(key) {
    let conv = this.conversations.get(key);
    if (conv === undefined) {
      const isGroup = key.startsWith('g:');
      const id = key.slice(2);
      conv = {
        key,
        kind: isGroup ? 'group' : 'user',
        id,
        name: id,
        members: [],
        admins: [],
        left: false,
        messages: [],
        byKey: new Map(),
        /** History cursor: undefined = not asked yet this session, null = nothing older. */
        next: undefined,
        historyLoading: false,
        /** user → expiry (ms, local clock) */
        typing: new Map(),
        draft: '',
        /** The user's read watermark (inbox seq), from the server; 0 = none known. */
        readUpTo: 0,
        /** The server's unread count `{ count, atSeq }` as of its inbox seq `atSeq`, or undefined. */
        serverUnread: undefined,
        /** Whether `group.info` was asked for on this connection. */
        infoAsked: false,
      };
      this.conversations.set(key, conv);
    }
    return conv;
  }

  /** Conversations, the most recently active first. */
  sortedConversations() {
    return [...this.conversations.values()].sort((a, b) => lastActivity(b) - lastActivity(a));
  }

  open(key) {
    this.openKey = key;
    if (key !== null) this.conversation(key);
    this.changed();
  }

  get openConversation() {
    return this.openKey === null ? null : this.conversation(this.openKey);
  }

  /**
   * Applies a `group` frame (a reply or a push): name, members, admins,
   * whether I left. `touch`: a change now (created, added), which puts a
   * group without messages at the top; not for a `group.info` answer.
   */
  applyGroup(frame, { touch = true } = {}) {
    const conv = this.conversation(groupKey(frame.id));
    conv.name = frame.name;
    conv.members = [...frame.members];
    conv.admins = [...frame.admins];
    conv.left = !frame.members.includes(this.me);
    if (touch && conv.lastTs === undefined) conv.lastTs = Date.now();
    for (const m of conv.messages) if (m.mine) this.recompute(conv, m);
    this.changed();
    return conv;
  }

  unreadCount(conv) {
    return conversationUnread(conv);
  }

  // ---- messages -----------------------------------------------------------

  /** The conversation a message frame belongs to. */
  keyOf(frame) {
    if (frame.group !== undefined && frame.group !== null) return groupKey(frame.group);
    return userKey(frame.from === this.me ? frame.to : frame.from);
  }

  /**
   * Adds a message frame (live or from history). Returns the stored message
   * and whether it was new; a repeat (same from and id) changes nothing.
   */
  addIncoming(frame, { fromHistory = false, key = this.keyOf(frame), readSent } = {}) {
    const conv = this.conversation(key);
    const mkey = messageKey(frame.from, frame.id);
    const known = conv.byKey.get(mkey);
    // A group's history numbers messages by the group's order; every other frame by my inbox.
    const inboxSeq =
      typeof frame.seq === 'number' && !(fromHistory && conv.kind === 'group')
        ? frame.seq
        : undefined;
    if (known !== undefined) {
      if (known.inboxSeq === undefined && inboxSeq !== undefined) known.inboxSeq = inboxSeq;
      // Our own pending message, seen stored (e.g. in history) before its `sent` ack.
      if (known.mine && known.status === 'pending' && typeof frame.ts === 'number') {
        known.ts = frame.ts;
        conv.messages.sort(byTime);
        this.setStatus(known, 'sent');
        this.changed();
      }
      return { message: known, isNew: false };
    }
    const mine = frame.from === this.me;
    const message = {
      key: mkey,
      id: frame.id,
      from: frame.from,
      to: frame.to ?? (conv.kind === 'user' ? (mine ? conv.id : this.me) : undefined),
      group: conv.kind === 'group' ? conv.id : undefined,
      ts: frame.ts,
      inboxSeq,
      order: this.order++,
      content: frame.content,
      mine,
      status: mine ? 'sent' : undefined,
      receipts: {},
      // Read already (known from the server's watermark), or history of a
      // conversation not open: old news, not counted unread.
      readSent:
        mine ||
        readSent === true ||
        (inboxSeq !== undefined && inboxSeq <= conv.readUpTo) ||
        (readSent === undefined && fromHistory && this.openKey !== key),
    };
    this.insert(conv, message);
    if (mine) {
      this.ownById.set(message.id, message);
      const loose = this.looseReceipts.get(message.id);
      if (loose !== undefined) {
        this.looseReceipts.delete(message.id);
        for (const [by, status] of Object.entries(loose))
          this.applyReceipt({ id: message.id, by, status });
      }
    }
    // A message from someone ends their typing.
    conv.typing.delete(frame.from);
    this.changed();
    return { message, isNew: true };
  }

  /** Adds an own message not yet sent; returns it. */
  addOutgoing(key, id, content) {
    const conv = this.conversation(key);
    const message = {
      key: messageKey(this.me, id),
      id,
      from: this.me,
      to: conv.kind === 'user' ? conv.id : undefined,
      group: conv.kind === 'group' ? conv.id : undefined,
      ts: undefined,
      localTs: Date.now(),
      order: this.order++,
      content,
      mine: true,
      status: 'pending',
      receipts: {},
      readSent: true,
    };
    this.insert(conv, message);
    this.ownById.set(id, message);
    this.changed();
    return message;
  }

  /** Own messages waiting for `sent`, oldest first (the outbox). */
  pending() {
    const out = [];
    for (const m of this.ownById.values()) if (m.status === 'pending' && !m.failed) out.push(m);
    return out.sort((a, b) => a.order - b.order);
  }

  /** `ack sent`: the message is stored; it gets its server time. */
  applySent(frame) {
    const m = this.ownById.get(frame.id);
    if (m === undefined) return;
    m.failed = undefined;
    if (m.ts === undefined) {
      m.ts = frame.ts;
      const conv = this.conversation(this.keyOf(m));
      conv.messages.sort(byTime);
    }
    this.setStatus(m, 'sent');
    this.changed();
  }

  /** An error about an own message's id: shown on the message. */
  markFailed(id, reason) {
    const m = this.ownById.get(id);
    if (m === undefined || m.status !== 'pending') return false;
    m.failed = reason;
    this.changed();
    return true;
  }

  /**
   * A recipient's receipt (`ack` delivered/read with `by`). `read` of a
   * message implies `read` of every earlier own message in the conversation.
   */
  applyReceipt(frame) {
    const m = this.ownById.get(frame.id);
    if (m === undefined) {
      const loose = this.looseReceipts.get(frame.id) ?? {};
      loose[frame.by] = higher(loose[frame.by], frame.status);
      this.looseReceipts.set(frame.id, loose);
      if (this.looseReceipts.size > LOOSE_RECEIPTS_MAX)
        this.looseReceipts.delete(this.looseReceipts.keys().next().value);
      return;
    }
    const conv = this.conversation(this.keyOf(m));
    const targets = [m];
    if (frame.status === 'read') {
      for (const other of conv.messages) {
        if (other === m) break;
        if (other.mine) targets.push(other);
      }
    }
    for (const t of targets) {
      t.receipts[frame.by] = higher(t.receipts[frame.by], frame.status);
      this.recompute(conv, t);
    }
    this.changed();
  }

  /** An own message's status from its receipts: for groups, the lowest over the members. */
  recompute(conv, m) {
    let status;
    if (conv.kind === 'user') {
      status = m.receipts[conv.id];
    } else {
      const others = conv.members.filter((u) => u !== this.me);
      const by = others.length > 0 ? others : Object.keys(m.receipts);
      status = by.length === 0 ? undefined : 'read';
      for (const u of by) status = lower(status, m.receipts[u]);
    }
    if (status !== undefined) this.setStatus(m, status);
  }

  /** Raises a status; never lowers it. */
  setStatus(m, status) {
    if (STATUS_RANK[status] > STATUS_RANK[m.status]) m.status = status;
  }

  /**
   * For each other sender in the conversation, the newest message not yet
   * acked `read`; they are marked read here (the caller sends the acks).
   */
  takeUnread(conv) {
    const newest = new Map();
    const taken = [];
    for (const m of conv.messages) {
      if (m.mine || m.readSent) continue;
      m.readSent = true;
      taken.push(m);
      newest.set(m.from, m);
    }
    const hadServerCount = (conv.serverUnread?.count ?? 0) > 0;
    readHere(conv, taken);
    if (newest.size > 0 || hadServerCount) this.changed();
    return [...newest.values()];
  }

  insert(conv, message) {
    conv.byKey.set(message.key, message);
    conv.messages.push(message);
    const n = conv.messages.length;
    if (n > 1 && byTime(conv.messages[n - 2], message) > 0) conv.messages.sort(byTime);
  }

  // ---- the chat list and read state across devices (protocol v1.1) --------

  /** Merges a `conversations` page (see `read-state.js`); returns the conversations it touched. */
  applyConversations(frame) {
    const touched = mergeConversations(this, frame);
    this.changed();
    return touched;
  }

  /** A `read` frame: another device of mine read a conversation. Returns whether counts went stale. */
  applyRead(frame) {
    const key = itemKey(frame);
    if (key === undefined || typeof frame.upTo !== 'number') return false;
    const stale = raiseReadUpTo(this.conversation(key), frame.upTo, frame.ts);
    this.changed();
    return stale;
  }

  // ---- history ------------------------------------------------------------

  /** Merges a `history` page into its conversation; returns the conversation. */
  applyHistory(key, frame) {
    const conv = this.conversation(key);
    for (const m of frame.messages) this.addIncoming(m, { fromHistory: true, key });
    conv.next = frame.next ?? null;
    conv.historyLoading = false;
    this.changed();
    return conv;
  }

  // ---- presence and typing ------------------------------------------------

  applyPresence(frame) {
    this.presence.set(frame.user, { online: frame.online, lastSeen: frame.lastSeen ?? null });
    this.changed();
  }

  applyTyping(frame) {
    const key = frame.group ? groupKey(frame.group) : userKey(frame.from);
    const conv = this.conversation(key);
    if (frame.status === 'started') {
      conv.typing.set(frame.from, Date.now() + TYPING_EXPIRES_MS);
      // Without a `stopped` (the typist went away), the indicator ends by itself.
      setTimeout(() => this.changed(), TYPING_EXPIRES_MS + 100);
    } else conv.typing.delete(frame.from);
    this.changed();
  }

  /** Who is typing in `conv` now (expired entries dropped). */
  typers(conv) {
    const now = Date.now();
    const out = [];
    for (const [user, until] of conv.typing) {
      if (until > now) out.push(user);
      else conv.typing.delete(user);
    }
    return out;
  }

  // ---- persistence --------------------------------------------------------

  changed() {
    this.dispatchEvent(new Event('change'));
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => this.save(), 300);
  }

  save() {
    saveState(this);
  }

  load() {
    loadState(this);
  }
}
