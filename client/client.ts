/**
 * `ParleyClient`: one user device's connection to a Parley server.
 *
 * What it guarantees the app, on top of the server's guarantees:
 * - it stays connected: after a drop it reconnects with exponential backoff
 *   and full jitter (bounded by `reconnect.maxDelayMs`, and by
 *   `reconnect.attemptsMax` attempts in a row); reconnecting is the whole
 *   resume protocol, the server resends what this device has not acked;
 * - `send()` resolves once the server stored the message (`ack` `sent`);
 *   until then the message stays in a bounded outbox and is resent with the
 *   same `id`, in the original order, after every reconnect (and while
 *   connected after `ackTimeoutMs` without an ack, or after a backoff when
 *   the server answered `unavailable` or `rate_limited`);
 * - each message reaches the `message` event once: repeats are dropped by
 *   (`from`, `id`) and per-conversation `seq`, and acked again so the server
 *   stops resending them; received messages are acked `delivered` unless
 *   `autoAckDelivered` is false;
 * - `receipt` events only ever upgrade a message (sent → delivered → read);
 * - requests (history, chat list, group operations and info, ping) are correlated by `ref` and
 *   time out; they are rejected with `disconnected` when the connection goes,
 *   since a group operation cannot be safely replayed.
 * A closed client stays closed; make a new one to reconnect.
 */
import { type BackoffOptions, backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts';
import { BoundedMap } from './bounded-map.ts';
import type {
  ClientEvents,
  ClientOptions,
  ConversationsQuery,
  HistoryQuery,
  MessageRef,
  SendInput,
} from './client-types.ts';
import { Connection } from './connection.ts';
import { conversationOf, Dedupe } from './dedupe.ts';
import { Emitter, type Listener } from './emitter.ts';
import { randomId, systemTimers, type Timers } from './environment.ts';
import { ParleyClientError } from './errors.ts';
import {
  type ClientFrame,
  type Conversation,
  type ConversationsFrame,
  type ErrorFrame,
  FRAME_BYTES_MAX,
  type GroupFrame,
  type HistoryFrame,
  ID_LENGTH_MAX,
  type IncomingMessage,
  type LastSeenVisibility,
  type OutgoingMessage,
  type ReceiptStatus,
  type SentAckFrame,
  type ServerFrame,
  type Target,
  type TypingStatus,
  type WelcomeFrame,
} from './frames.ts';
import { Outbox, type SentAck } from './outbox.ts';
import { readDecoded } from './read-frame.ts';
import { type Receipt, ReceiptTracker } from './receipts.ts';
import { type RequestKind, Requests } from './requests.ts';
import { type Wire, wireFor } from './wire.ts';

export type {
  ClientEvents,
  ClientOptions,
  CloseEvent,
  ConversationsQuery,
  HistoryQuery,
  MessageRef,
  SendInput,
} from './client-types.ts';

/** Users per `presence.subscribe` frame, as the server caps it. */
const PRESENCE_CHUNK = 1024;
/** Presence subscriptions a server keeps per connection, and the SDK renews. */
const PRESENCE_SUBSCRIPTIONS_MAX = 4096;
const ACK_QUEUE_MAX = 1000;

export class ParleyClient {
  private readonly events = new Emitter<ClientEvents>();
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly newId: () => string;
  /** Backoff of resends the server answered `unavailable` or `rate_limited`. */
  private readonly retryBackoff: BackoffOptions;
  private readonly autoAck: boolean;
  private readonly requestTimeoutMs: number;
  private readonly ackTimeoutMs: number;
  private readonly outbox: Outbox;
  private readonly dedupe: Dedupe;
  private readonly receipts: ReceiptTracker;
  private readonly requests: Requests;
  private readonly presenceUsers = new BoundedMap<string, true>(PRESENCE_SUBSCRIPTIONS_MAX);
  private readonly ackQueue: ClientFrame[] = [];
  private readonly connection: Connection;
  /** How frames are encoded on this client's sockets (`options.encoding`). */
  private readonly wire: Wire;
  private welcomed: WelcomeFrame | undefined;
  private retries = 0;
  private lastSeen: LastSeenVisibility | undefined;
  private sweepTimer: unknown;
  private heartbeatTimer: unknown;
  private waiters: { resolve: (w: WelcomeFrame) => void; reject: (e: Error) => void }[] = [];

  constructor(private readonly options: ClientOptions) {
    const urls = typeof options.url === 'string' ? [options.url] : options.url;
    if (urls.length === 0)
      throw new ParleyClientError('invalid', 'url must name at least one server');
    for (const each of urls) {
      const url = new URL(each);
      if (url.protocol !== 'ws:' && url.protocol !== 'wss:')
        throw new ParleyClientError('invalid', `url must be ws: or wss:, got "${each}"`);
    }
    this.timers = options.timers ?? systemTimers;
    this.random = options.random ?? Math.random;
    this.newId = options.newId ?? (() => randomId(this.random));
    this.retryBackoff =
      options.reconnect === false ? DEFAULT_BACKOFF : { ...DEFAULT_BACKOFF, ...options.reconnect };
    this.autoAck = options.autoAckDelivered ?? true;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.ackTimeoutMs = options.ackTimeoutMs ?? 20_000;
    this.outbox = new Outbox(options.outboxMax ?? 1000);
    this.dedupe = new Dedupe(options.dedupeCapacity ?? 10_000);
    this.receipts = new ReceiptTracker(options.receiptCapacity ?? 10_000);
    this.requests = new Requests(this.timers);
    this.wire = wireFor(options.encoding);
    this.connection = new Connection(
      {
        url: options.url,
        token: options.token,
        WebSocket: options.WebSocket,
        protocols: this.wire.protocols,
        backoff: options.reconnect === false ? false : { ...DEFAULT_BACKOFF, ...options.reconnect },
        handshakeTimeoutMs: options.connectTimeoutMs ?? 30_000,
        timers: this.timers,
        random: this.random,
      },
      {
        open: () => this.events.emit('open', undefined),
        data: (data) => this.receive(data),
        lost: (code, reason, willReconnect) => this.lost(code, reason, willReconnect),
        reconnecting: (attempt, delayMs) => this.events.emit('reconnecting', { attempt, delayMs }),
      },
    );
  }

  on<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.events.on(event, listener);
  }

  off<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): void {
    this.events.off(event, listener);
  }

  /** Resolves with the next event of a kind (handy in tests and scripts). */
  next<K extends keyof ClientEvents>(event: K): Promise<ClientEvents[K]> {
    return this.events.next(event);
  }

  /** The user and device of the current or last connection. */
  get identity(): { readonly user: string; readonly device: string } | undefined {
    return this.welcomed === undefined
      ? undefined
      : { user: this.welcomed.user, device: this.welcomed.device };
  }

  get connected(): boolean {
    return this.connection.state === 'ready';
  }

  /** Messages sent but not yet acked `sent`. */
  get unacked(): number {
    return this.outbox.size;
  }

  /** Connects (if not already) and resolves on the next `welcome`. */
  connect(): Promise<WelcomeFrame> {
    if (this.connection.state === 'closed') return Promise.reject(closedError());
    if (this.connection.state === 'ready' && this.welcomed !== undefined)
      return Promise.resolve(this.welcomed);
    const promise = new Promise<WelcomeFrame>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
    });
    this.connection.start();
    return promise;
  }

  /** Closes for good: no reconnect; pending requests and unacked sends are rejected with `closed`. */
  close(): void {
    if (this.connection.state === 'closed') return;
    this.connection.close();
    this.stopConnectionTimers();
    this.requests.rejectAll(
      (ref) => new ParleyClientError('closed', 'the client was closed', { ref }),
    );
    this.outbox.failAll(closedError());
    for (const waiter of this.waiters.splice(0)) waiter.reject(closedError());
    this.events.emit('close', { code: 1000, reason: 'client closed', willReconnect: false });
  }

  /** Sends a message; resolves when the server stored it. Queued while disconnected. */
  send(input: SendInput): Promise<SentAck> {
    const id = input.id ?? this.newId();
    const invalid = (message: string) =>
      Promise.reject(new ParleyClientError('invalid', message, { id }));
    if (typeof id !== 'string' || id.length < 1 || id.length > ID_LENGTH_MAX)
      return invalid(`id must be 1..${ID_LENGTH_MAX} chars, got ${JSON.stringify(id)}`);
    if ((input.to === undefined) === (input.group === undefined))
      return invalid('a message needs exactly one of "to" and "group"');
    if (this.connection.state === 'closed') return Promise.reject(closedError());
    const existing = this.outbox.pending(id);
    if (existing !== undefined) return existing;
    if (this.outbox.size >= this.outbox.capacity)
      return Promise.reject(
        new ParleyClientError('outbox_full', `${this.outbox.size} messages await their ack`, {
          id,
        }),
      );
    const frame: OutgoingMessage =
      input.group !== undefined
        ? { type: 'message', id, group: input.group, content: input.content }
        : { type: 'message', id, to: input.to, content: input.content };
    const encoded = this.wire.encode(frame);
    const bytes = this.wire.size(encoded);
    if (bytes > FRAME_BYTES_MAX)
      return Promise.reject(
        new ParleyClientError(
          'too_large',
          `message is ${bytes} bytes; the limit is ${FRAME_BYTES_MAX}`,
          {
            id,
          },
        ),
      );
    const conversation = input.group !== undefined ? `g:${input.group}` : `u:${input.to}`;
    this.receipts.track(id, conversation);
    const promise = this.outbox.add(frame);
    if (this.connection.state === 'ready') {
      this.connection.write(encoded);
      this.outbox.defer(id, this.timers.now() + this.ackTimeoutMs);
    }
    return promise;
  }

  /** What is known of a sent message's receipts. */
  receipt(id: string): Receipt | undefined {
    return this.receipts.get(id);
  }

  /** Acks `delivered` (only needed with `autoAckDelivered: false`). */
  ackDelivered(message: MessageRef): void {
    this.ack(message, 'delivered');
  }

  /** Acks `read`, which the server takes to imply every earlier message from that sender. */
  markRead(message: MessageRef): void {
    this.ack(message, 'read');
  }

  /** Sends a typing indicator; dropped (false) while disconnected, as typing is never stored. */
  typing(target: Target, status: TypingStatus): boolean {
    if (this.connection.state !== 'ready') return false;
    const frame: ClientFrame =
      target.group !== undefined
        ? { type: 'typing', group: target.group, status }
        : { type: 'typing', to: target.to, status };
    this.write(frame);
    return true;
  }

  /**
   * Subscribes to presence; remembered and renewed after every reconnect (the
   * latest 4096 users, the server's cap per connection).
   */
  subscribePresence(users: readonly string[]): void {
    const fresh = users.filter((user) => !this.presenceUsers.has(user));
    for (const user of fresh) this.presenceUsers.set(user, true);
    if (this.connection.state === 'ready') this.sendPresence(users);
  }

  /** Who may see my last-seen time; sent now or on the next connect, and after every reconnect. */
  setLastSeen(visibility: LastSeenVisibility): void {
    this.lastSeen = visibility;
    if (this.connection.state === 'ready') this.write({ type: 'settings', lastSeen: visibility });
  }

  /** One page of a conversation, newest first page; pass the previous page's `next` as `before`. */
  history(query: HistoryQuery): Promise<HistoryFrame> {
    const ref = this.requests.nextRef('history');
    const conversation: Conversation =
      query.group !== undefined ? { group: query.group } : { with: query.with };
    const frame: ClientFrame = {
      type: 'history',
      ref,
      ...conversation,
      ...(query.before === undefined ? {} : { before: query.before }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    };
    return this.request(frame, ref, 'history', historyKey(conversation));
  }

  /** v1.1: one page of the chat list, most recent activity first. */
  conversations(query: ConversationsQuery = {}): Promise<ConversationsFrame> {
    const ref = this.requests.nextRef('conversations');
    const frame: ClientFrame = {
      type: 'conversations',
      ref,
      ...(query.before === undefined ? {} : { before: query.before }),
      ...(query.limit === undefined ? {} : { limit: query.limit }),
    };
    return this.request(frame, ref, 'conversations', '');
  }

  /** v1.1: a group's name, members and admins (members only: else `forbidden`). */
  groupInfo(group: string): Promise<GroupFrame> {
    const ref = this.requests.nextRef('group');
    return this.request({ type: 'group.info', ref, group }, ref, 'group', '');
  }

  createGroup(name: string, members: readonly string[]): Promise<GroupFrame> {
    const ref = this.requests.nextRef('group');
    return this.request({ type: 'group.create', ref, name, members }, ref, 'group', '');
  }

  addMembers(group: string, members: readonly string[]): Promise<GroupFrame> {
    const ref = this.requests.nextRef('group');
    return this.request({ type: 'group.add', ref, group, members }, ref, 'group', '');
  }

  removeMembers(group: string, members: readonly string[]): Promise<GroupFrame> {
    const ref = this.requests.nextRef('group');
    return this.request({ type: 'group.remove', ref, group, members }, ref, 'group', '');
  }

  /** Leaves a group; resolves with the group as it is after leaving. */
  leaveGroup(group: string): Promise<GroupFrame> {
    const ref = this.requests.nextRef('group');
    return this.request({ type: 'group.leave', ref, group }, ref, 'group', '');
  }

  /** Round trip to the server; resolves with the server's time. */
  ping(timeoutMs: number = this.requestTimeoutMs): Promise<number> {
    const ref = this.requests.nextRef('ping');
    return this.request({ type: 'ping', ref }, ref, 'ping', '', timeoutMs);
  }

  // ---- connection lifecycle ---------------------------------------------

  /** The connection went away: what was waiting on it fails; unacked messages wait for the next. */
  private lost(code: number, reason: string, willReconnect: boolean): void {
    this.stopConnectionTimers();
    this.requests.rejectAll(
      (ref) => new ParleyClientError('disconnected', `the connection closed (${code})`, { ref }),
    );
    this.events.emit('close', { code, reason, willReconnect });
    if (willReconnect) return;
    const why = reason === '' ? `${code}` : `${code} ${reason}`;
    const gaveUp = () =>
      new ParleyClientError('closed', `gave up after the connection closed (${why})`);
    this.outbox.failAll(gaveUp());
    for (const waiter of this.waiters.splice(0)) waiter.reject(gaveUp());
  }

  private welcome(frame: WelcomeFrame): void {
    this.stopConnectionTimers();
    this.connection.ready();
    this.welcomed = frame;
    const now = this.timers.now();
    for (const message of this.outbox.takeAll(now + this.ackTimeoutMs)) this.write(message);
    for (const ack of this.ackQueue.splice(0)) this.write(ack);
    if (this.lastSeen !== undefined) this.write({ type: 'settings', lastSeen: this.lastSeen });
    if (this.presenceUsers.size > 0) this.sendPresence(this.presenceUsers.keys());
    this.startConnectionTimers();
    this.events.emit('welcome', frame);
    for (const waiter of this.waiters.splice(0)) waiter.resolve(frame);
  }

  private startConnectionTimers(): void {
    const sweep = () => {
      const now = this.timers.now();
      for (const message of this.outbox.takeDue(now, now + this.ackTimeoutMs)) this.write(message);
      this.sweepTimer = this.timers.set(sweep, this.options.sweepIntervalMs ?? 1000);
    };
    this.sweepTimer = this.timers.set(sweep, this.options.sweepIntervalMs ?? 1000);
    const heartbeat = this.options.heartbeat ?? { intervalMs: 25_000, timeoutMs: 10_000 };
    if (heartbeat === false) return;
    const beat = () => {
      this.ping(heartbeat.timeoutMs).then(
        () => {
          if (this.connection.state === 'ready')
            this.heartbeatTimer = this.timers.set(beat, heartbeat.intervalMs);
        },
        (error: ParleyClientError) => {
          if (error.code === 'timeout') this.connection.abandon('heartbeat timeout');
        },
      );
    };
    this.heartbeatTimer = this.timers.set(beat, heartbeat.intervalMs);
  }

  private stopConnectionTimers(): void {
    this.timers.clear(this.sweepTimer);
    this.timers.clear(this.heartbeatTimer);
    this.sweepTimer = undefined;
    this.heartbeatTimer = undefined;
  }

  // ---- inbound ----------------------------------------------------------

  private receive(data: unknown): void {
    const read = readDecoded(this.wire.decode(data));
    if (!read.ok) {
      this.events.emit('protocolError', { reason: read.reason });
      return;
    }
    const frame: ServerFrame | undefined = read.frame;
    if (frame === undefined) return;
    switch (frame.type) {
      case 'welcome':
        this.welcome(frame);
        break;
      case 'message':
        this.incoming(frame);
        break;
      case 'ack':
        if (frame.status === 'sent') this.stored(frame);
        else for (const update of this.receipts.apply(frame)) this.events.emit('receipt', update);
        break;
      case 'typing':
        this.events.emit('typing', frame);
        break;
      case 'presence':
        this.events.emit('presence', frame);
        break;
      case 'history':
        if (!(frame.ref !== undefined && this.requests.resolve(frame.ref, frame)))
          this.requests.resolveOldest('history', historyKey(frame), frame);
        this.events.emit('history', frame);
        break;
      case 'group':
        if (frame.ref !== undefined) this.requests.resolve(frame.ref, frame);
        this.events.emit('group', frame);
        break;
      case 'pong':
        if (!(frame.ref !== undefined && this.requests.resolve(frame.ref, frame.ts)))
          this.requests.resolveOldest('ping', '', frame.ts);
        break;
      case 'error':
        this.refused(frame);
        break;
      case 'conversations':
        if (!(frame.ref !== undefined && this.requests.resolve(frame.ref, frame)))
          this.requests.resolveOldest('conversations', '', frame);
        this.events.emit('conversations', frame);
        break;
      case 'read':
        this.events.emit('read', frame);
        break;
    }
  }

  private incoming(message: IncomingMessage): void {
    const self = this.welcomed?.user ?? '';
    const conversation = conversationOf(message, self);
    const verdict = this.dedupe.admit(message, conversation);
    if (verdict.repeat) {
      // The server resends until it has our ack: say it again.
      const again =
        verdict.acked === undefined ? (this.autoAck ? 'delivered' : undefined) : verdict.acked;
      if (again !== undefined && again !== 'none') this.ack(message, again);
      return;
    }
    if (message.from === self) this.receipts.track(message.id, conversation);
    if (this.autoAck) this.ack(message, 'delivered');
    this.events.emit('message', message);
  }

  private stored(frame: SentAckFrame): void {
    if (!this.outbox.ack(frame.id, frame.ts)) return;
    this.retries = 0;
    this.receipts.sent(frame.id);
    this.events.emit('sent', frame);
  }

  private refused(frame: ErrorFrame): void {
    const error = new ParleyClientError(frame.code, frame.message, {
      ref: frame.ref,
      id: frame.id,
    });
    if (frame.ref !== undefined && this.requests.reject(frame.ref, error)) return;
    if (frame.id !== undefined && this.outbox.has(frame.id)) {
      if (frame.code === 'unavailable' || frame.code === 'rate_limited') {
        const delayMs = backoffDelayMs(this.retries, this.retryBackoff, this.random);
        this.retries += 1;
        this.outbox.defer(frame.id, this.timers.now() + delayMs);
      } else this.outbox.fail(frame.id, error);
      return;
    }
    this.events.emit('error', frame);
  }

  // ---- outbound ---------------------------------------------------------

  private write(frame: object): void {
    this.connection.write(this.wire.encode(frame));
  }

  private ack(message: MessageRef, status: ReceiptStatus): void {
    this.dedupe.acked(message.from, message.id, status);
    const frame: ClientFrame = {
      type: 'ack',
      id: message.id,
      from: message.from,
      status,
      ...(message.group === undefined ? {} : { group: message.group }),
    };
    if (this.connection.state === 'ready') {
      this.write(frame);
      return;
    }
    if (this.ackQueue.length >= ACK_QUEUE_MAX) this.ackQueue.shift();
    this.ackQueue.push(frame);
  }

  private sendPresence(users: Iterable<string>): void {
    let chunk: string[] = [];
    for (const user of users) {
      chunk.push(user);
      if (chunk.length === PRESENCE_CHUNK) {
        this.write({ type: 'presence.subscribe', users: chunk });
        chunk = [];
      }
    }
    if (chunk.length > 0) this.write({ type: 'presence.subscribe', users: chunk });
  }

  private request<T>(
    frame: ClientFrame,
    ref: string,
    kind: RequestKind,
    key: string,
    timeoutMs: number = this.requestTimeoutMs,
  ): Promise<T> {
    if (this.connection.state !== 'ready')
      return Promise.reject(
        new ParleyClientError('not_connected', `cannot send ${frame.type} while disconnected`, {
          ref,
        }),
      );
    const encoded = this.wire.encode(frame);
    const bytes = this.wire.size(encoded);
    if (bytes > FRAME_BYTES_MAX)
      return Promise.reject(
        new ParleyClientError(
          'too_large',
          `${frame.type} is ${bytes} bytes; the limit is ${FRAME_BYTES_MAX}`,
          {
            ref,
          },
        ),
      );
    const promise = this.requests.open<T>(ref, kind, key, timeoutMs);
    this.connection.write(encoded);
    return promise;
  }
}

function historyKey(conversation: Conversation): string {
  return conversation.group !== undefined ? `g:${conversation.group}` : `u:${conversation.with}`;
}

function closedError(): ParleyClientError {
  return new ParleyClientError('closed', 'the client was closed');
}
