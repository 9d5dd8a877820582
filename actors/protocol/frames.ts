/**
 * The frames of client protocol v1 and its backward-compatible v1.1
 * additions (`conversations`, `group.info`, `read`) (`PROTOCOL.md`,
 * explained in `docs/protocol.md`), and Parley's push additions
 * (`push.subscribe`, `push.unsubscribe` and their answers, `docs/push.md`).
 *
 * Plain data, one JSON object per WebSocket text frame, discriminated on
 * `type`. `ClientFrame` is what `decodeClientFrame` returns: already
 * validated and normalised (unknown fields dropped, defaults filled in, member
 * lists deduplicated), so code behind the decoder trusts it. `ServerFrame` is
 * what the edge writes; it never carries fields outside these types, except
 * the documented `gseq` and `ref` extensions, which are part of them.
 */

export const ClientFrameType = {
  Message: 'message',
  Ack: 'ack',
  Typing: 'typing',
  PresenceSubscribe: 'presence.subscribe',
  Settings: 'settings',
  History: 'history',
  GroupCreate: 'group.create',
  GroupAdd: 'group.add',
  GroupRemove: 'group.remove',
  GroupLeave: 'group.leave',
  Ping: 'ping',
  /** v1.1 */
  Conversations: 'conversations',
  /** v1.1 */
  GroupInfo: 'group.info',
  /** Parley addition */
  PushSubscribe: 'push.subscribe',
  /** Parley addition */
  PushUnsubscribe: 'push.unsubscribe',
} as const;
export type ClientFrameType = (typeof ClientFrameType)[keyof typeof ClientFrameType];

export const ServerFrameType = {
  Welcome: 'welcome',
  Ack: 'ack',
  Message: 'message',
  Typing: 'typing',
  Presence: 'presence',
  History: 'history',
  Group: 'group',
  Error: 'error',
  Pong: 'pong',
  /** v1.1 */
  Conversations: 'conversations',
  /** v1.1 */
  Read: 'read',
  /** Parley addition */
  PushSubscribed: 'push.subscribed',
  /** Parley addition */
  PushUnsubscribed: 'push.unsubscribed',
} as const;
export type ServerFrameType = (typeof ServerFrameType)[keyof typeof ServerFrameType];

/** Codes of `error` frames. The first three come from the decoder. */
export const ErrorFrameCode = {
  BadFrame: 'bad_frame',
  UnknownType: 'unknown_type',
  TooLarge: 'too_large',
  RateLimited: 'rate_limited',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  Unavailable: 'unavailable',
} as const;
export type ErrorFrameCode = (typeof ErrorFrameCode)[keyof typeof ErrorFrameCode];

/** A recipient's receipt, as sent by the recipient (`ack` client frame). */
export const ReceiptStatus = { Delivered: 'delivered', Read: 'read' } as const;
export type ReceiptStatus = (typeof ReceiptStatus)[keyof typeof ReceiptStatus];

export const TypingStatus = { Started: 'started', Stopped: 'stopped' } as const;
export type TypingStatus = (typeof TypingStatus)[keyof typeof TypingStatus];

export const LastSeenVisibility = { Everyone: 'everyone', Nobody: 'nobody' } as const;
export type LastSeenVisibility = (typeof LastSeenVisibility)[keyof typeof LastSeenVisibility];

export const MediaType = {
  Image: 'image',
  Video: 'video',
  Audio: 'audio',
  Document: 'document',
} as const;
export type MediaType = (typeof MediaType)[keyof typeof MediaType];

/** User and device ids: 1..64 of `[A-Za-z0-9_.-]`. */
export type UserId = string;
/** Group ids: 1..64 chars, minted by the server. */
export type GroupId = string;
/** Client-chosen message ids and request refs: 1..64 chars. */
export type ClientId = string;
/** Server time, ms since the epoch. */
export type Millis = number;

export interface TextContent {
  readonly type: 'text';
  /** Never interpreted by the server: may be ciphertext. */
  readonly body: string;
}
export interface MediaContent {
  readonly type: MediaType;
  /** From `POST /api/v1/media`. */
  readonly url: string;
  readonly key?: string;
  readonly mime?: string;
  /** Bytes; a non-negative integer. */
  readonly size?: number;
  readonly caption?: string;
  readonly thumbnail?: string;
}
export type Content = TextContent | MediaContent;

/** Exactly one of a user peer and a group. */
export type Target =
  | { readonly to: UserId; readonly group?: undefined }
  | { readonly group: GroupId; readonly to?: undefined };

/** Exactly one of a user conversation and a group, for `history`. */
export type Conversation =
  | { readonly with: UserId; readonly group?: undefined }
  | { readonly group: GroupId; readonly with?: undefined };

// ---- client → server ------------------------------------------------------

/**
 * Our extension: every client frame may carry a `ref`; the server echoes it on
 * the direct reply (`group`, `history`, `pong`) and on an `error` about the
 * frame. Group operations require it (PROTOCOL.md).
 */
interface Referenced {
  readonly ref?: ClientId;
}

export type ClientMessageFrame = Referenced &
  Target & { readonly type: 'message'; readonly id: ClientId; readonly content: Content };

export interface ClientAckFrame extends Referenced {
  readonly type: 'ack';
  /** The id the original sender gave the message. */
  readonly id: ClientId;
  /** The original sender. */
  readonly from: UserId;
  readonly status: ReceiptStatus;
  readonly group?: GroupId;
}

export type ClientTypingFrame = Referenced &
  Target & { readonly type: 'typing'; readonly status: TypingStatus };

export interface PresenceSubscribeFrame extends Referenced {
  readonly type: 'presence.subscribe';
  /** Deduplicated, at most `PRESENCE_USERS_MAX`. */
  readonly users: readonly UserId[];
}

export interface SettingsFrame extends Referenced {
  readonly type: 'settings';
  readonly lastSeen: LastSeenVisibility;
}

export type HistoryRequestFrame = Referenced &
  Conversation & {
    readonly type: 'history';
    /** The opaque `next` cursor of the previous page; absent for the newest page. */
    readonly before?: string;
    /** 1..200, `HISTORY_LIMIT_DEFAULT` when the client left it out. */
    readonly limit: number;
  };

export interface GroupCreateFrame {
  readonly type: 'group.create';
  readonly ref: ClientId;
  readonly name: string;
  /** Deduplicated, at most `GROUP_MEMBERS_MAX`; may be empty; may name the creator. */
  readonly members: readonly UserId[];
}

export interface GroupMembersFrame {
  readonly type: 'group.add' | 'group.remove';
  readonly ref: ClientId;
  readonly group: GroupId;
  /** Deduplicated, 1..`GROUP_MEMBERS_MAX`. */
  readonly members: readonly UserId[];
}

export interface GroupLeaveFrame {
  readonly type: 'group.leave';
  readonly ref: ClientId;
  readonly group: GroupId;
}

export interface PingFrame extends Referenced {
  readonly type: 'ping';
}

/** v1.1: a page of the user's chat list, most recent activity first. */
export interface ConversationsRequestFrame {
  readonly type: 'conversations';
  readonly ref: ClientId;
  /** The opaque `next` cursor of the previous page; absent for the first page. */
  readonly before?: string;
  /** 1..200, `HISTORY_LIMIT_DEFAULT` (50) when the client left it out. */
  readonly limit: number;
}

/** v1.1: a group's members and admins; members only. */
export interface GroupInfoFrame {
  readonly type: 'group.info';
  readonly ref: ClientId;
  readonly group: GroupId;
}

/** A browser's `PushSubscription.toJSON()` (RFC 8030 endpoint, RFC 8291 keys, base64url). */
export interface WebPushTarget {
  readonly kind: 'webpush';
  readonly endpoint: string;
  readonly keys: { readonly p256dh: string; readonly auth: string };
}

/** A native app's device token, pushed through the operator's webhook relay (APNs, FCM, ...). */
export interface WebhookTarget {
  readonly kind: 'webhook';
  readonly platform: string;
  readonly token: string;
}

export type PushTarget = WebPushTarget | WebhookTarget;

/** Parley addition: register a push endpoint of this user. */
export interface PushSubscribeFrame extends Referenced {
  readonly type: 'push.subscribe';
  readonly subscription: PushTarget;
  /** Plain text bodies may be shown in notifications; default false. */
  readonly previews: boolean;
}

/** Which subscription `push.unsubscribe` removes: exactly one of these. */
export type PushUnsubscribeBy =
  | { readonly id: string }
  | { readonly endpoint: string }
  | { readonly token: string };

/** Parley addition: remove one of this user's push endpoints. */
export type PushUnsubscribeFrame = Referenced & {
  readonly type: 'push.unsubscribe';
} & PushUnsubscribeBy;

export type ClientFrame =
  | ClientMessageFrame
  | ClientAckFrame
  | ClientTypingFrame
  | PresenceSubscribeFrame
  | SettingsFrame
  | HistoryRequestFrame
  | GroupCreateFrame
  | GroupMembersFrame
  | GroupLeaveFrame
  | PingFrame
  | ConversationsRequestFrame
  | GroupInfoFrame
  | PushSubscribeFrame
  | PushUnsubscribeFrame;

// ---- server → client ------------------------------------------------------

export interface WelcomeFrame {
  readonly type: 'welcome';
  readonly user: UserId;
  readonly device: UserId;
  readonly ts: Millis;
}

/** The message `id` is durably stored. */
export interface SentAckFrame {
  readonly type: 'ack';
  readonly id: ClientId;
  readonly status: 'sent';
  readonly ts: Millis;
}

/** A recipient's receipt, relayed to every device of the original sender. */
export interface ReceiptFrame {
  readonly type: 'ack';
  readonly id: ClientId;
  readonly status: ReceiptStatus;
  /** The recipient that sent the receipt. */
  readonly by: UserId;
  readonly ts: Millis;
  readonly group?: GroupId;
}

/**
 * A message for this user. `seq` is the recipient's inbox seq; a group
 * message also carries `gseq`, the group's own order (our extension). In a
 * `history` page of a group, `seq` is the group seq too (see docs/protocol.md).
 */
export type ServerMessageFrame = Target & {
  readonly type: 'message';
  readonly id: ClientId;
  readonly from: UserId;
  readonly seq: number;
  readonly gseq?: number;
  readonly ts: Millis;
  readonly content: Content;
};

export interface ServerTypingFrame {
  readonly type: 'typing';
  readonly from: UserId;
  readonly group?: GroupId;
  readonly status: TypingStatus;
}

export interface PresenceFrame {
  readonly type: 'presence';
  readonly user: UserId;
  readonly online: boolean;
  /** `null` when hidden by the user's settings or never seen. */
  readonly lastSeen: Millis | null;
}

export type HistoryFrame = Conversation & {
  readonly type: 'history';
  readonly ref?: ClientId;
  /** Oldest first. */
  readonly messages: readonly ServerMessageFrame[];
  /** Cursor for the next older page, `null` when there is none. */
  readonly next: string | null;
};

export interface GroupFrame {
  readonly type: 'group';
  /** Present on the reply to a group operation, absent when pushed. */
  readonly ref?: ClientId;
  readonly id: GroupId;
  readonly name: string;
  readonly members: readonly UserId[];
  readonly admins: readonly UserId[];
}

export interface ErrorFrame {
  readonly type: 'error';
  readonly code: ErrorFrameCode;
  readonly message: string;
  readonly ref?: ClientId;
  readonly id?: ClientId;
}

export interface PongFrame {
  readonly type: 'pong';
  readonly ref?: ClientId;
  readonly ts: Millis;
}

/** v1.1: one conversation of the chat list. */
export type ConversationItem = (
  | { readonly with: UserId; readonly group?: undefined; readonly name?: undefined }
  | { readonly group: GroupId; readonly name: string; readonly with?: undefined }
) & {
  /** The conversation's last message, as the `message` frame this user got for it. */
  readonly last: ServerMessageFrame;
  /** Messages from others after `readUpTo`. */
  readonly unread: number;
  /** The inbox `seq` up to which the user has read, on any device; 0 when none. */
  readonly readUpTo: number;
};

/** v1.1: the reply to `conversations`. */
export interface ConversationsFrame {
  readonly type: 'conversations';
  readonly ref: ClientId;
  readonly items: readonly ConversationItem[];
  /** Cursor for the next page, `null` when there is none. */
  readonly next: string | null;
}

/** v1.1: another device of this user read up to `upTo` (an inbox seq) in a conversation. */
export type ReadFrame = (
  | { readonly with: UserId; readonly group?: undefined }
  | { readonly group: GroupId; readonly with?: undefined }
) & {
  readonly type: 'read';
  readonly upTo: number;
  readonly ts: Millis;
};

/** Parley addition: the answer to `push.subscribe`. */
export interface PushSubscribedFrame {
  readonly type: 'push.subscribed';
  readonly ref?: ClientId;
  /** The subscription's id (for `push.unsubscribe` and `DELETE /api/v1/push/subscriptions/{id}`). */
  readonly id: string;
}

/** Parley addition: the answer to `push.unsubscribe`. */
export interface PushUnsubscribedFrame {
  readonly type: 'push.unsubscribed';
  readonly ref?: ClientId;
}

export type ServerFrame =
  | WelcomeFrame
  | SentAckFrame
  | ReceiptFrame
  | ServerMessageFrame
  | ServerTypingFrame
  | PresenceFrame
  | HistoryFrame
  | GroupFrame
  | ErrorFrame
  | PongFrame
  | ConversationsFrame
  | ReadFrame
  | PushSubscribedFrame
  | PushUnsubscribedFrame;

/** Serialises a server frame: one JSON text frame. */
export function encodeServerFrame(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
