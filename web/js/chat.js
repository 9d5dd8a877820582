/**
 * The controller: turns server frames into state updates and user actions
 * into frames. It owns the protocol duties of a client:
 *
 * - acks `delivered` for every received message (repeats too, so the server
 *   stops resending them) and `read` for the newest unread message of each
 *   sender when the conversation is open and the page visible;
 * - keeps unsent messages (status `pending`) and resends them with the same
 *   id after every reconnect, after 20 s without `sent`, and after a backoff
 *   when the server said `unavailable` or `rate_limited`;
 * - sends `typing started` while the user types (again every 5 s) and
 *   `stopped` after 4 s idle, on send, or on leaving the conversation;
 * - renews presence subscriptions and the last-seen setting on each connect;
 * - keeps the chat list, group details and read state in step with the
 *   user's other devices (protocol v1.1, `chat-list.js`);
 * - uploads files (`POST /api/v1/media`) and sends them as image, video,
 *   audio or document content (`attachments.js`);
 * - keeps the notification setting's push subscription on the server
 *   (`notifications.js`).
 *
 * Events: `notice` (detail `{ text, kind }`) for the views to show.
 */
import { mediaSrc, uploadMedia } from './api.js';
import { attachmentContent } from './attachments.js';
import { ChatListSync } from './chat-list.js';
import { newId } from './dom.js';
import { NotificationSync } from './notifications.js';
import { groupKey, userKey } from './state.js';

const HISTORY_PAGE = 30;
const RESEND_AFTER_MS = 20_000;
const TYPING_IDLE_MS = 4_000;
const TYPING_REFRESH_MS = 5_000;
const RETRYABLE = new Set(['unavailable', 'rate_limited']);

export class ChatController extends EventTarget {
  /**
   * @param {{ state: import('./state.js').ChatState,
   *           connection: import('./connection.js').Connection,
   *           token: () => string }} deps
   */
  constructor({ state, connection, token }) {
    super();
    this.state = state;
    this.connection = connection;
    this.token = token;
    /** ref → what the request was, for its reply or error. */
    this.requests = new Map();
    /** Users whose presence this connection asked for. */
    this.watched = new Set();
    this.typingSent = null;
    this.typingIdleTimer = undefined;
    this.sentAtMs = new Map();
    this.retryTimer = undefined;
    this.chatList = new ChatListSync({ state, connection, requests: this.requests });
    this.notifications = new NotificationSync(this);

    connection.addEventListener('open', () => this.onOpen());
    connection.addEventListener('frame', (e) => this.onFrame(e.detail));
    this.listening = new AbortController();
    const { signal } = this.listening;
    const check = () => this.scheduleReadCheck();
    state.addEventListener('change', check, { signal });
    document.addEventListener('visibilitychange', check, { signal });
    window.addEventListener('focus', check, { signal });
    this.resendTimer = setInterval(() => this.resendStale(), 5_000);
  }

  dispose() {
    this.listening.abort();
    clearInterval(this.resendTimer);
    clearTimeout(this.retryTimer);
    clearTimeout(this.typingIdleTimer);
    this.chatList.dispose();
  }

  // ---- frames from the server ---------------------------------------------

  onOpen() {
    this.requests.clear();
    for (const conv of this.state.conversations.values()) conv.historyLoading = false;
    const users = new Set(this.watched);
    for (const conv of this.state.conversations.values())
      if (conv.kind === 'user') users.add(conv.id);
    users.delete(this.state.me);
    this.watched = users;
    if (users.size > 0) this.connection.send({ type: 'presence.subscribe', users: [...users] });
    if (this.state.settings.lastSeen !== undefined)
      this.connection.send({ type: 'settings', lastSeen: this.state.settings.lastSeen });
    this.flushOutbox();
    this.chatList.onOpen();
    this.notifications.onOpen();
    const open = this.state.openConversation;
    if (open !== null && open.next === undefined) this.loadHistory(open);
  }

  onFrame(frame) {
    const { state } = this;
    switch (frame.type) {
      case 'message': {
        if (typeof frame.from !== 'string' || typeof frame.id !== 'string') return;
        state.addIncoming(frame);
        if (frame.from !== state.me) {
          this.connection.send({
            type: 'ack',
            id: frame.id,
            from: frame.from,
            status: 'delivered',
            ...(frame.group ? { group: frame.group } : {}),
          });
          if (!frame.group) this.watch(frame.from);
        }
        return;
      }
      case 'ack':
        if (frame.status === 'sent') {
          this.sentAtMs.delete(frame.id);
          state.applySent(frame);
        } else if (frame.status === 'delivered' || frame.status === 'read') {
          state.applyReceipt(frame);
        }
        return;
      case 'typing':
        state.applyTyping(frame);
        return;
      case 'presence':
        state.applyPresence(frame);
        return;
      case 'history':
        this.onHistory(frame);
        return;
      case 'group':
        this.onGroup(frame);
        return;
      case 'conversations': {
        const request = this.take(frame.ref);
        if (Array.isArray(frame.items)) this.chatList.onConversations(frame, request);
        return;
      }
      case 'read':
        this.chatList.onRead(frame);
        return;
      case 'error':
        this.onError(frame);
        return;
      case 'push.subscribed':
      case 'push.unsubscribed':
        this.notifications.onFrame(frame);
        return;
      default:
    }
  }

  onHistory(frame) {
    const request = frame.ref === undefined ? undefined : this.requests.get(frame.ref);
    if (request !== undefined) this.requests.delete(frame.ref);
    const key =
      request?.key ??
      (frame.group ? groupKey(frame.group) : frame.with ? userKey(frame.with) : undefined);
    if (key === undefined || !Array.isArray(frame.messages)) return;
    this.state.applyHistory(key, frame);
  }

  /** The request a reply's `ref` answers (removed from the open ones), or undefined. */
  take(ref) {
    if (typeof ref !== 'string') return undefined;
    const request = this.requests.get(ref);
    if (request !== undefined) this.requests.delete(ref);
    return request;
  }

  onGroup(frame) {
    if (typeof frame.id !== 'string' || !Array.isArray(frame.members)) return;
    const request = this.take(frame.ref);
    const conv = this.state.applyGroup(frame, { touch: request?.kind !== 'group.info' });
    if (request?.kind === 'group.create') this.open(conv.key);
    else if (request?.kind === 'group.leave') this.notice(`You left ${conv.name}`);
  }

  onError(frame) {
    const request = frame.ref === undefined ? undefined : this.requests.get(frame.ref);
    if (request !== undefined) {
      this.requests.delete(frame.ref);
      if (request.kind === 'history') this.state.conversation(request.key).historyLoading = false;
      this.notifications.onError(frame, request);
      if (this.chatList.onError(frame, request)) return;
    }
    if (frame.id !== undefined) {
      if (this.state.ownById.get(frame.id)?.status === 'pending') {
        if (RETRYABLE.has(frame.code)) {
          this.sentAtMs.delete(frame.id);
          this.scheduleRetry();
          return;
        }
        this.state.markFailed(frame.id, `${frame.code}: ${frame.message}`);
      } else if (frame.code === 'not_found' && frame.ref === undefined) {
        // An ack for a message the server no longer holds for us: harmless.
        return;
      }
    }
    this.notice(frame.message ?? frame.code, 'error');
  }

  // ---- the outbox ---------------------------------------------------------

  flushOutbox() {
    for (const m of this.state.pending()) this.transmit(m);
  }

  transmit(m) {
    const target = m.group !== undefined ? { group: m.group } : { to: m.to };
    if (this.connection.send({ type: 'message', id: m.id, ...target, content: m.content }))
      this.sentAtMs.set(m.id, Date.now());
  }

  resendStale() {
    if (!this.connection.online) return;
    const now = Date.now();
    for (const m of this.state.pending()) {
      const at = this.sentAtMs.get(m.id);
      if (at === undefined || now - at > RESEND_AFTER_MS) this.transmit(m);
    }
  }

  scheduleRetry() {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.flushOutbox(), 1_000 + Math.random() * 2_000);
  }

  // ---- user actions -------------------------------------------------------

  /** Opens a conversation (null closes), asking for its history the first time. */
  open(key) {
    const previous = this.state.openConversation;
    if (previous !== null && previous.key !== key) this.stopTyping();
    this.state.open(key);
    if (key === null) return;
    const conv = this.state.conversation(key);
    if (conv.kind === 'user') this.watch(conv.id);
    else this.chatList.askInfo(conv);
    if (conv.next === undefined) this.loadHistory(conv);
  }

  /** Starts (or reopens) the 1:1 chat with `user`. */
  startChat(user) {
    const conv = this.state.conversation(userKey(user));
    if (conv.messages.length === 0) conv.lastTs = Date.now();
    this.open(conv.key);
  }

  sendText(text) {
    const conv = this.state.openConversation;
    if (conv === null || text.trim() === '') return;
    this.stopTyping();
    this.send(conv, { type: 'text', body: text });
  }

  /** Uploads files one by one into the open conversation; a failed upload says why. */
  async sendFiles(files) {
    const conv = this.state.openConversation;
    if (conv === null || conv.left) return;
    for (const file of files) {
      try {
        const url = await uploadMedia(this.token(), file);
        this.send(conv, attachmentContent(file, url));
      } catch (err) {
        this.notice(`Could not upload ${file.name || 'the file'}: ${err.message}`, 'error');
      }
    }
  }

  send(conv, content) {
    const m = this.state.addOutgoing(conv.key, newId(), content);
    this.transmit(m);
  }

  /** Called on every edit of the composer. */
  typed(text) {
    const conv = this.state.openConversation;
    if (conv === null || conv.left) return;
    conv.draft = text;
    if (text === '') {
      this.stopTyping();
      return;
    }
    const now = Date.now();
    if (this.typingSent?.key !== conv.key || now - this.typingSent.atMs > TYPING_REFRESH_MS) {
      if (this.sendTyping(conv, 'started')) this.typingSent = { key: conv.key, atMs: now };
    }
    clearTimeout(this.typingIdleTimer);
    this.typingIdleTimer = setTimeout(() => this.stopTyping(), TYPING_IDLE_MS);
  }

  stopTyping() {
    clearTimeout(this.typingIdleTimer);
    if (this.typingSent === null) return;
    const conv = this.state.conversation(this.typingSent.key);
    this.typingSent = null;
    this.sendTyping(conv, 'stopped');
  }

  sendTyping(conv, status) {
    const target = conv.kind === 'group' ? { group: conv.id } : { to: conv.id };
    return this.connection.send({ type: 'typing', ...target, status });
  }

  loadHistory(conv) {
    if (conv.historyLoading || conv.next === null) return;
    const ref = newId();
    const target = conv.kind === 'group' ? { group: conv.id } : { with: conv.id };
    const frame = { type: 'history', ref, ...target, limit: HISTORY_PAGE };
    if (conv.next !== undefined) frame.before = conv.next;
    if (!this.connection.send(frame)) return;
    conv.historyLoading = true;
    this.requests.set(ref, { kind: 'history', key: conv.key });
    this.state.changed();
  }

  createGroup(name, members) {
    this.request('group.create', { name, members });
  }

  addMembers(group, members) {
    this.request('group.add', { group, members });
  }

  removeMember(group, member) {
    this.request('group.remove', { group, members: [member] });
  }

  leaveGroup(group) {
    this.request('group.leave', { group });
  }

  setLastSeen(value) {
    this.state.settings = { ...this.state.settings, lastSeen: value };
    this.state.changed();
    this.connection.send({ type: 'settings', lastSeen: value });
  }

  request(type, fields) {
    const ref = newId();
    if (!this.connection.send({ type, ref, ...fields })) {
      this.notice('Not connected; try again in a moment', 'error');
      return;
    }
    this.requests.set(ref, { kind: type });
  }

  watch(user) {
    if (user === this.state.me || this.watched.has(user)) return;
    this.watched.add(user);
    this.connection.send({ type: 'presence.subscribe', users: [user] });
  }

  /** A loadable URL (token in the query) for a path of this server's media. */
  mediaUrl(path) {
    return mediaSrc(path, this.token());
  }

  // ---- read receipts ------------------------------------------------------

  scheduleReadCheck() {
    if (this.readCheckQueued) return;
    this.readCheckQueued = true;
    queueMicrotask(() => {
      this.readCheckQueued = false;
      this.markRead();
    });
  }

  markRead() {
    const conv = this.state.openConversation;
    if (conv === null || document.visibilityState !== 'visible' || !this.connection.online) return;
    for (const m of this.state.takeUnread(conv)) {
      this.connection.send({
        type: 'ack',
        id: m.id,
        from: m.from,
        status: 'read',
        ...(m.group ? { group: m.group } : {}),
      });
    }
  }

  notice(text, kind = 'info') {
    this.dispatchEvent(new CustomEvent('notice', { detail: { text, kind } }));
  }
}
