/**
 * The public shapes of `ParleyClient`: its options, its events, and the
 * inputs of its calls. Kept apart so the client's file holds its behaviour.
 */
import type { BackoffOptions } from './backoff.ts';
import type { Timers, WebSocketConstructor } from './environment.ts';
import type {
  Content,
  Conversation,
  ConversationsFrame,
  ErrorFrame,
  GroupFrame,
  HistoryFrame,
  IncomingMessage,
  PresenceFrame,
  ReadFrame,
  SentAckFrame,
  Target,
  TypingFrame,
  WelcomeFrame,
} from './frames.ts';
import type { ReceiptUpdate } from './receipts.ts';
import type { Encoding } from './wire.ts';

export interface ClientOptions {
  /**
   * `ws://HOST:PORT/ws`; the token is added as `?token=`. Several URLs (the
   * nodes of one cluster): each reconnect moves on to the next one.
   */
  readonly url: string | readonly string[];
  /** The JWT, or a function asked for a fresh one before every (re)connect. */
  readonly token: string | (() => string | Promise<string>);
  /** Default: the global `WebSocket`, else the `ws` package. */
  readonly WebSocket?: WebSocketConstructor;
  /**
   * Frames as JSON text (`json`, the default) or MessagePack binary frames
   * over the `parley.v1.msgpack` subprotocol (`msgpack`): the same frames and
   * limits, smaller on the wire.
   */
  readonly encoding?: Encoding;
  /** Ack every received message `delivered` as it arrives. Default true. */
  readonly autoAckDelivered?: boolean;
  /** Reconnect backoff, or false to stay down after a drop. */
  readonly reconnect?: Partial<BackoffOptions> | false;
  /** App-level ping while connected; a missing pong drops and reconnects. False to disable. */
  readonly heartbeat?: { readonly intervalMs: number; readonly timeoutMs: number } | false;
  /** Longest wait from opening a socket to its `welcome` before trying again. Default 30 s. */
  readonly connectTimeoutMs?: number;
  /** Timeout of history, group and ping requests. Default 30 s. */
  readonly requestTimeoutMs?: number;
  /** Resend an unacked message after this long while connected. Default 20 s. */
  readonly ackTimeoutMs?: number;
  /** How often the outbox is checked for messages due for resending. Default 1 s. */
  readonly sweepIntervalMs?: number;
  /** Unacked messages kept at most; `send` beyond it fails with `outbox_full`. Default 1000. */
  readonly outboxMax?: number;
  /** Messages and conversations remembered for dropping repeats. Default 10 000. */
  readonly dedupeCapacity?: number;
  /** Sent messages whose receipts are tracked. Default 10 000. */
  readonly receiptCapacity?: number;
  readonly timers?: Timers;
  /** Floats in [0, 1): the backoff jitter. */
  readonly random?: () => number;
  /** Message ids for `send` calls without one. Default: a UUID. */
  readonly newId?: () => string;
}

export interface CloseEvent {
  readonly code: number;
  readonly reason: string;
  readonly willReconnect: boolean;
}

export interface ClientEvents {
  /** The socket opened; `welcome` follows. */
  open: undefined;
  welcome: WelcomeFrame;
  message: IncomingMessage;
  /** A message of this device was stored by the server. */
  sent: SentAckFrame;
  receipt: ReceiptUpdate;
  typing: TypingFrame;
  presence: PresenceFrame;
  /** Every history page, including those a `history()` call resolves with. */
  history: HistoryFrame;
  /** Every group frame: replies and changes pushed by the server. */
  group: GroupFrame;
  /** v1.1: every chat list page, including those a `conversations()` call resolves with. */
  conversations: ConversationsFrame;
  /** v1.1: another device of this user read a conversation up to `upTo`: clear its unread count. */
  read: ReadFrame;
  /** An `error` frame not tied to a pending request or message of this client. */
  error: ErrorFrame;
  /** A server frame the SDK could not read. */
  protocolError: { readonly reason: string };
  close: CloseEvent;
  reconnecting: { readonly attempt: number; readonly delayMs: number };
}

export type SendInput = Target & { readonly content: Content; readonly id?: string };
export type HistoryQuery = Conversation & { readonly before?: string; readonly limit?: number };
/** v1.1: a chat list page; pass the previous page's `next` as `before`. */
export interface ConversationsQuery {
  readonly before?: string;
  readonly limit?: number;
}
/** What identifies a received message for an ack. */
export type MessageRef = Pick<IncomingMessage, 'id' | 'from' | 'group'>;
