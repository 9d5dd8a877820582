/**
 * Protocol v1.1 on the client: the chat list and group details come from the
 * server, so a new device (or a cleared cache) sees what the others see.
 *
 * - On every connect it asks for `conversations` and follows `next` for up
 *   to `PAGES_MAX` pages; each page is merged into the state (last message,
 *   unread count, read watermark, group names).
 * - It asks `group.info` for a group once per connection: when the group is
 *   opened, and for the first `INFO_PREFETCH` listed groups whose members
 *   are not known.
 * - A `read` frame (another device read) lowers the unread counts; when the
 *   server's count is then stale, the chat list is asked for again (at most
 *   once per `REFRESH_MS`).
 * - An old (v1) server answers these requests with an error: the client then
 *   stays as it was (unread counted from the messages it holds), silently.
 */
import { newId } from './dom.js';

const PAGE = 50;
const PAGES_MAX = 10;
const INFO_PREFETCH = 20;
const REFRESH_MS = 1_000;

export class ChatListSync {
  /**
   * @param {{ state: import('./state.js').ChatState,
   *           connection: import('./connection.js').Connection,
   *           requests: Map<string, object> }} deps
   *   `requests`: the controller's ref → request map (replies are routed by it).
   */
  constructor({ state, connection, requests }) {
    this.state = state;
    this.connection = connection;
    this.requests = requests;
    this.supported = true;
    this.refreshTimer = undefined;
    this.refreshQueued = false;
  }

  dispose() {
    clearTimeout(this.refreshTimer);
  }

  /** After `welcome`: forget what was asked on the previous connection, ask for the list. */
  onOpen() {
    for (const conv of this.state.conversations.values()) conv.infoAsked = false;
    this.supported = true;
    this.askList(undefined, 1);
    const open = this.state.openConversation;
    if (open !== null) this.askInfo(open);
  }

  askList(before, page) {
    if (!this.supported) return;
    const ref = newId();
    const frame = { type: 'conversations', ref, limit: PAGE };
    if (before !== undefined) frame.before = before;
    if (this.connection.send(frame)) this.requests.set(ref, { kind: 'conversations', page });
  }

  /** The reply to `conversations` (`request` = what was asked, or undefined for an unasked push). */
  onConversations(frame, request) {
    const touched = this.state.applyConversations(frame);
    const page = request?.page ?? 1;
    if (typeof frame.next === 'string' && page < PAGES_MAX) this.askList(frame.next, page + 1);
    let asked = 0;
    for (const conv of touched) {
      if (asked >= INFO_PREFETCH) break;
      if (conv.kind === 'group' && conv.members.length === 0 && this.askInfo(conv)) asked++;
    }
  }

  /** A `read` frame from another device of mine. */
  onRead(frame) {
    if (this.state.applyRead(frame)) this.refreshSoon();
  }

  /** Asks `group.info` for a group conversation, once per connection; true when sent. */
  askInfo(conv) {
    if (conv.kind !== 'group' || conv.infoAsked || conv.left || !this.supported) return false;
    const ref = newId();
    if (!this.connection.send({ type: 'group.info', ref, group: conv.id })) return false;
    conv.infoAsked = true;
    this.requests.set(ref, { kind: 'group.info', key: conv.key });
    return true;
  }

  /** An error answering one of these requests: true when handled (nothing to show). */
  onError(frame, request) {
    if (request.kind === 'conversations') {
      if (frame.code === 'unknown_type' || frame.code === 'bad_frame') this.supported = false;
      return true;
    }
    if (request.kind === 'group.info') {
      if (frame.code === 'unknown_type') this.supported = false;
      else if (frame.code === 'forbidden' || frame.code === 'not_found') {
        const conv = this.state.conversation(request.key);
        conv.left = true;
        this.state.changed();
      }
      return true;
    }
    return false;
  }

  refreshSoon() {
    if (this.refreshQueued) return;
    this.refreshQueued = true;
    this.refreshTimer = setTimeout(() => {
      this.refreshQueued = false;
      this.askList(undefined, 1);
    }, REFRESH_MS);
  }
}
