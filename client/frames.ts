/**
 * The frames of client protocol v1 and v1.1 (`conversations`, `group.info`,
 * `read`), as the SDK sees them.
 *
 * Re-declared here on purpose: the SDK ships to browsers and apps on its own
 * and imports nothing of the server. Keep in step with `PROTOCOL.md` and
 * `docs/protocol.md`; `ref` on every request and `gseq` on group messages
 * are Parley's documented extensions (a server that ignores them still works
 * with this SDK).
 */

/** Client frames above this many UTF-8 bytes are refused by the server with `too_large`. */
export const FRAME_BYTES_MAX = 64 * 1024;
/** Message ids and refs: 1..64 chars. */
export const ID_LENGTH_MAX = 64;

export type ReceiptStatus = 'delivered' | 'read';
export type TypingStatus = 'started' | 'stopped';
export type LastSeenVisibility = 'everyone' | 'nobody';
export type MediaType = 'image' | 'video' | 'audio' | 'document';
export type ErrorCode =
  | 'bad_frame'
  | 'unknown_type'
  | 'too_large'
  | 'rate_limited'
  | 'forbidden'
  | 'not_found'
  | 'unavailable';

export interface TextContent {
  readonly type: 'text';
  readonly body: string;
}
export interface MediaContent {
  readonly type: MediaType;
  readonly url: string;
  readonly key?: string;
  readonly mime?: string;
  readonly size?: number;
  readonly caption?: string;
  readonly thumbnail?: string;
}
export type Content = TextContent | MediaContent;

/** Exactly one of a user and a group. */
export type Target =
  | { readonly to: string; readonly group?: undefined }
  | { readonly group: string; readonly to?: undefined };

/** Exactly one of a user conversation and a group, for history. */
export type Conversation =
  | { readonly with: string; readonly group?: undefined }
  | { readonly group: string; readonly with?: undefined };

// ---- client → server ------------------------------------------------------

export type OutgoingMessage = Target & {
  readonly type: 'message';
  readonly id: string;
  readonly content: Content;
};

export type ClientFrame =
  | OutgoingMessage
  | {
      readonly type: 'ack';
      readonly id: string;
      readonly from: string;
      readonly status: ReceiptStatus;
      readonly group?: string;
    }
  | (Target & { readonly type: 'typing'; readonly status: TypingStatus })
  | { readonly type: 'presence.subscribe'; readonly users: readonly string[] }
  | { readonly type: 'settings'; readonly lastSeen: LastSeenVisibility }
  | (Conversation & {
      readonly type: 'history';
      readonly ref?: string;
      readonly before?: string;
      readonly limit?: number;
    })
  | {
      readonly type: 'group.create';
      readonly ref: string;
      readonly name: string;
      readonly members: readonly string[];
    }
  | {
      readonly type: 'group.add' | 'group.remove';
      readonly ref: string;
      readonly group: string;
      readonly members: readonly string[];
    }
  | { readonly type: 'group.leave'; readonly ref: string; readonly group: string }
  | { readonly type: 'ping'; readonly ref?: string }
  // v1.1
  | {
      readonly type: 'conversations';
      readonly ref: string;
      readonly before?: string;
      readonly limit?: number;
    }
  | { readonly type: 'group.info'; readonly ref: string; readonly group: string };

// ---- server → client ------------------------------------------------------

export interface WelcomeFrame {
  readonly type: 'welcome';
  readonly user: string;
  readonly device: string;
  readonly ts: number;
}

export interface SentAckFrame {
  readonly type: 'ack';
  readonly id: string;
  readonly status: 'sent';
  readonly ts: number;
}

export interface ReceiptFrame {
  readonly type: 'ack';
  readonly id: string;
  readonly status: ReceiptStatus;
  readonly by: string;
  readonly ts: number;
  readonly group?: string;
}

export type IncomingMessage = Target & {
  readonly type: 'message';
  readonly id: string;
  readonly from: string;
  readonly seq: number;
  readonly gseq?: number;
  readonly ts: number;
  readonly content: Content;
};

export interface TypingFrame {
  readonly type: 'typing';
  readonly from: string;
  readonly group?: string;
  readonly status: TypingStatus;
}

export interface PresenceFrame {
  readonly type: 'presence';
  readonly user: string;
  readonly online: boolean;
  readonly lastSeen: number | null;
}

export type HistoryFrame = Conversation & {
  readonly type: 'history';
  readonly ref?: string;
  readonly messages: readonly IncomingMessage[];
  readonly next: string | null;
};

export interface GroupFrame {
  readonly type: 'group';
  readonly ref?: string;
  readonly id: string;
  readonly name: string;
  readonly members: readonly string[];
  readonly admins: readonly string[];
}

export interface ErrorFrame {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly ref?: string;
  readonly id?: string;
}

export interface PongFrame {
  readonly type: 'pong';
  readonly ref?: string;
  readonly ts: number;
}

/** v1.1: one conversation of the chat list. */
export type ConversationItem = (
  | { readonly with: string; readonly group?: undefined; readonly name?: undefined }
  | { readonly group: string; readonly name: string; readonly with?: undefined }
) & {
  /** The conversation's last message, as this user got it (`seq` is this user's inbox seq). */
  readonly last: IncomingMessage;
  /** Messages from others after `readUpTo`. */
  readonly unread: number;
  /** The inbox seq up to which this user has read, on any device; 0 when none. */
  readonly readUpTo: number;
};

/** v1.1: a page of the chat list, most recent activity first. */
export interface ConversationsFrame {
  readonly type: 'conversations';
  readonly ref?: string;
  readonly items: readonly ConversationItem[];
  /** Pass as `before` for the next page; null when there is none. */
  readonly next: string | null;
}

/** v1.1: another device of this user read the conversation up to inbox seq `upTo`. */
export type ReadFrame = Conversation & {
  readonly type: 'read';
  readonly upTo: number;
  readonly ts: number;
};

export type ServerFrame =
  | WelcomeFrame
  | SentAckFrame
  | ReceiptFrame
  | IncomingMessage
  | TypingFrame
  | PresenceFrame
  | HistoryFrame
  | GroupFrame
  | ErrorFrame
  | PongFrame
  | ConversationsFrame
  | ReadFrame;

/** UTF-8 length of a string, without Buffer (the SDK runs in browsers). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        bytes += 4;
        i++;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}
