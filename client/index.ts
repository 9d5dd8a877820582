/**
 * The Parley client SDK: a reconnecting, deduplicating, receipt-tracking
 * connection to a Parley server over protocol v1 and its v1.1 additions. Runs in browsers (global
 * `WebSocket`) and in Node (`ws`). Imports nothing of the server.
 */

export { type BackoffOptions, backoffDelayMs, DEFAULT_BACKOFF } from './backoff.ts';
export {
  type ClientEvents,
  type ClientOptions,
  type CloseEvent,
  type ConversationsQuery,
  type HistoryQuery,
  type MessageRef,
  ParleyClient,
  type SendInput,
} from './client.ts';
export {
  systemTimers,
  type Timers,
  WEBSOCKET_OPEN,
  type WebSocketConstructor,
  type WebSocketLike,
} from './environment.ts';
export { type ClientErrorCode, ParleyClientError } from './errors.ts';
export {
  type ClientFrame,
  type Content,
  type Conversation,
  type ConversationItem,
  type ConversationsFrame,
  type ErrorCode,
  type ErrorFrame,
  FRAME_BYTES_MAX,
  type GroupFrame,
  type HistoryFrame,
  ID_LENGTH_MAX,
  type IncomingMessage,
  type LastSeenVisibility,
  type MediaContent,
  type MediaType,
  type OutgoingMessage,
  type PongFrame,
  type PresenceFrame,
  type ReadFrame,
  type ReceiptFrame,
  type ReceiptStatus,
  type SentAckFrame,
  type ServerFrame,
  type Target,
  type TextContent,
  type TypingFrame,
  type TypingStatus,
  type WelcomeFrame,
} from './frames.ts';
export type { SentAck } from './outbox.ts';
export type { MessageStatus, Receipt, ReceiptUpdate } from './receipts.ts';
export { type Encoding, MSGPACK_SUBPROTOCOL } from './wire.ts';
