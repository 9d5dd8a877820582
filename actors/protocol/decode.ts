/**
 * The decoder of client frames: the hot path every inbound frame takes.
 *
 * `decodeClientFrame` never throws on any input. It returns either a
 * validated, normalised `ClientFrame` (a fresh object holding only the known
 * fields, defaults filled in, member lists deduplicated) or an error with the
 * code and message the edge sends back in an `error` frame:
 *
 * - `too_large`: more than `FRAME_BYTES_MAX` UTF-8 bytes (not parsed, nothing echoed);
 * - `bad_frame`: not UTF-8, not JSON, not an object, a field missing or wrong;
 * - `unknown_type`: `type` is a string naming no client frame.
 *
 * Give it text frames only (as a string, or the bytes `ws` hands over for a
 * text frame); a binary frame is answered with `BINARY_FRAME_REFUSAL`.
 * A refused frame's `ref` and `id` are echoed in the error when they are
 * themselves valid ids, so a client can tell which request failed. Unknown
 * fields are ignored; an optional field that is `null` counts as absent.
 *
 * Every id the decoder reads (`id`, `ref`, `to`, `from`, `group`, `members`,
 * `users`, `with`) and the `before` cursor refuse control characters (C0 with
 * NUL, DEL, C1) and lone surrogates with `bad_frame`: whatever is accepted
 * here is storable (at most 64 UTF-16 units, so at most 192 UTF-8 bytes,
 * within the store's 256) and never makes the store answer `invalid_argument`.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import {
  hasSafeChars,
  ID_CHARS_RULE,
  id,
  integer,
  isId,
  isObject,
  type Obj,
  oneOf,
  optional,
  Refusal,
  refuse,
  show,
  text,
  userId,
  userIds,
} from './fields.ts';
import type {
  ClientAckFrame,
  ClientFrame,
  ClientMessageFrame,
  ClientTypingFrame,
  Content,
  ConversationsRequestFrame,
  HistoryRequestFrame,
  MediaContent,
  MediaType,
  PingFrame,
  PresenceSubscribeFrame,
  SettingsFrame,
  Target,
} from './frames.ts';
import {
  FRAME_BYTES_MAX,
  GROUP_MEMBERS_MAX,
  GROUP_NAME_LENGTH_MAX,
  HISTORY_CURSOR_LENGTH_MAX,
  HISTORY_LIMIT_DEFAULT,
  HISTORY_LIMIT_MAX,
  MEDIA_CAPTION_LENGTH_MAX,
  MEDIA_KEY_LENGTH_MAX,
  MEDIA_MIME_LENGTH_MAX,
  MEDIA_THUMBNAIL_LENGTH_MAX,
  MEDIA_URL_LENGTH_MAX,
  PRESENCE_USERS_MAX,
  TEXT_BODY_LENGTH_MAX,
} from './limits.ts';

export type DecodeErrorCode = 'bad_frame' | 'unknown_type' | 'too_large';

export interface DecodeError {
  readonly code: DecodeErrorCode;
  readonly message: string;
  readonly ref?: string;
  readonly id?: string;
}

export type DecodeResult =
  | { readonly ok: true; readonly frame: ClientFrame }
  | { readonly ok: false; readonly error: DecodeError };

/** The answer to a binary WebSocket frame: the protocol is JSON in text frames. */
export const BINARY_FRAME_REFUSAL: DecodeError = {
  code: 'bad_frame',
  message: 'binary frames are not accepted; send JSON in text frames',
};

/** UTF-8 size of a frame. */
export function frameByteLength(data: string | Uint8Array): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'utf8') : data.byteLength;
}

/**
 * The `too_large` error for a frame over `FRAME_BYTES_MAX`, or undefined when
 * it fits. Strings short enough to fit even at 3 bytes per UTF-16 unit are
 * not measured.
 */
export function checkFrameSize(data: string | Uint8Array): DecodeError | undefined {
  if (typeof data === 'string' && data.length * 3 <= FRAME_BYTES_MAX) return undefined;
  const bytes = frameByteLength(data);
  if (bytes <= FRAME_BYTES_MAX) return undefined;
  return {
    code: 'too_large',
    message: `frame is ${bytes} bytes; the limit is ${FRAME_BYTES_MAX}`,
  };
}

export function decodeClientFrame(data: string | Uint8Array): DecodeResult {
  const tooLarge = checkFrameSize(data);
  if (tooLarge !== undefined) return { ok: false, error: tooLarge };
  let text: string;
  if (typeof data === 'string') text = data;
  else if (!isUtf8(data)) return fail('bad_frame', 'frame is not valid UTF-8');
  else
    text = (
      Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
    ).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return fail('bad_frame', `frame is not valid JSON, got ${show(text)}`);
  }
  if (!isObject(value)) return fail('bad_frame', `frame must be a JSON object, got ${show(value)}`);
  return decodeFrameObject(value);
}

/**
 * Validates a frame already parsed from its wire encoding (JSON here, msgpack
 * in `msgpack-wire.ts`): the same checks and normalisation for every wire.
 */
export function decodeFrameObject(value: Obj): DecodeResult {
  try {
    return { ok: true, frame: decodeObject(value) };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    const ref = isId(value.ref) ? value.ref : undefined;
    const echoedId = isId(value.id) ? value.id : undefined;
    return {
      ok: false,
      error: {
        code: error.code,
        message: error.message,
        ...(ref === undefined ? {} : { ref }),
        ...(echoedId === undefined ? {} : { id: echoedId }),
      },
    };
  }
}

function fail(code: DecodeErrorCode, message: string): DecodeResult {
  return { ok: false, error: { code, message } };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const RECEIPT_STATUSES = ['delivered', 'read'] as const;
const TYPING_STATUSES = ['started', 'stopped'] as const;
const LAST_SEEN = ['everyone', 'nobody'] as const;

// Frames are built field by field rather than by spreading partial objects:
// this is the hot path, and it saves an allocation per optional field.
function decodeObject(f: Obj): ClientFrame {
  const type = f.type;
  if (typeof type !== 'string') return refuse('type', 'a string', type);
  switch (type) {
    case 'message': {
      const frame = { type, id: id(f.id, 'id'), content: content(f.content) };
      return withRef<ClientMessageFrame>(withTarget(frame, f, type), f);
    }
    case 'ack': {
      const frame: Mutable<ClientAckFrame> = {
        type,
        id: id(f.id, 'id'),
        from: userId(f.from, 'from'),
        status: oneOf(f.status, 'status', RECEIPT_STATUSES),
      };
      const group = optional(f.group);
      if (group !== undefined) frame.group = id(group, 'group');
      return withRef(frame, f);
    }
    case 'typing': {
      const frame = withTarget(
        { type, status: oneOf(f.status, 'status', TYPING_STATUSES) },
        f,
        type,
      );
      return withRef<ClientTypingFrame>(frame, f);
    }
    case 'presence.subscribe':
      return withRef<PresenceSubscribeFrame>(
        { type, users: userIds(f.users, 'users', 0, PRESENCE_USERS_MAX) },
        f,
      );
    case 'settings':
      return withRef<SettingsFrame>(
        { type, lastSeen: oneOf(f.lastSeen, 'lastSeen', LAST_SEEN) },
        f,
      );
    case 'history':
      return history(f);
    case 'group.create':
      return {
        type,
        ref: id(f.ref, 'ref'),
        name: text(f.name, 'name', 1, GROUP_NAME_LENGTH_MAX),
        members: userIds(f.members, 'members', 0, GROUP_MEMBERS_MAX),
      };
    case 'group.add':
    case 'group.remove':
      return {
        type,
        ref: id(f.ref, 'ref'),
        group: id(f.group, 'group'),
        members: userIds(f.members, 'members', 1, GROUP_MEMBERS_MAX),
      };
    case 'group.leave':
      return { type, ref: id(f.ref, 'ref'), group: id(f.group, 'group') };
    case 'ping':
      return withRef<PingFrame>({ type }, f);
    case 'conversations':
      return conversations(f);
    case 'group.info':
      return { type, ref: id(f.ref, 'ref'), group: id(f.group, 'group') };
    default:
      throw new Refusal('unknown_type', `unknown frame type ${show(type)}`);
  }
}

/** Adds the optional `ref` any frame may carry (our extension; group operations require it). */
function withRef<T extends { readonly ref?: string }>(frame: T, f: Obj): T {
  const value = optional(f.ref);
  if (value !== undefined) (frame as { ref?: string }).ref = id(value, 'ref');
  return frame;
}

/** Adds exactly one of `to` (a user) and `group`. */
function withTarget<T extends object>(frame: T, f: Obj, frameType: string): T & Target {
  const to = optional(f.to);
  const group = optional(f.group);
  const target = frame as { to?: string; group?: string };
  if (to !== undefined && group !== undefined)
    throw new Refusal('bad_frame', `${frameType} needs exactly one of "to" and "group", got both`);
  if (to !== undefined) target.to = userId(to, 'to');
  else if (group !== undefined) target.group = id(group, 'group');
  else
    throw new Refusal(
      'bad_frame',
      `${frameType} needs exactly one of "to" and "group", got neither`,
    );
  return frame as T & Target;
}

function history(f: Obj): HistoryRequestFrame {
  const peer = optional(f.with);
  const group = optional(f.group);
  if (peer !== undefined && group !== undefined)
    throw new Refusal('bad_frame', 'history needs exactly one of "with" and "group", got both');
  if (peer === undefined && group === undefined)
    throw new Refusal('bad_frame', 'history needs exactly one of "with" and "group", got neither');
  const frame = (
    peer !== undefined
      ? { type: 'history', with: userId(peer, 'with'), limit: HISTORY_LIMIT_DEFAULT }
      : { type: 'history', group: id(group, 'group'), limit: HISTORY_LIMIT_DEFAULT }
  ) as Mutable<HistoryRequestFrame>;
  const before = optional(f.before);
  if (before !== undefined) frame.before = cursor(before, 'before');
  const limit = optional(f.limit);
  if (limit !== undefined) frame.limit = integer(limit, 'limit', 1, HISTORY_LIMIT_MAX);
  return withRef(frame, f);
}

/** v1.1: a chat list page; `before` and `limit` follow `history`'s rules. */
function conversations(f: Obj): ConversationsRequestFrame {
  const frame: Mutable<ConversationsRequestFrame> = {
    type: 'conversations',
    ref: id(f.ref, 'ref'),
    limit: HISTORY_LIMIT_DEFAULT,
  };
  const before = optional(f.before);
  if (before !== undefined) frame.before = cursor(before, 'before');
  const limit = optional(f.limit);
  if (limit !== undefined) frame.limit = integer(limit, 'limit', 1, HISTORY_LIMIT_MAX);
  return frame;
}

/** An opaque cursor: a string of 1..128 chars under the same character rule as ids. */
function cursor(value: unknown, path: string): string {
  const s = text(value, path, 1, HISTORY_CURSOR_LENGTH_MAX);
  return hasSafeChars(s) ? s : refuse(path, `a cursor: ${ID_CHARS_RULE}`, s);
}

const MEDIA_TYPES: readonly MediaType[] = ['image', 'video', 'audio', 'document'];
const CONTENT_TYPES = ['text', ...MEDIA_TYPES] as const;

function content(value: unknown): Content {
  if (!isObject(value)) return refuse('content', 'an object', value);
  const type = oneOf(value.type, 'content.type', CONTENT_TYPES);
  if (type === 'text')
    return { type, body: text(value.body, 'content.body', 0, TEXT_BODY_LENGTH_MAX) };
  const media: { -readonly [K in keyof MediaContent]: MediaContent[K] } = {
    type,
    url: text(value.url, 'content.url', 1, MEDIA_URL_LENGTH_MAX),
  };
  const key = optional(value.key);
  if (key !== undefined) media.key = text(key, 'content.key', 0, MEDIA_KEY_LENGTH_MAX);
  const mime = optional(value.mime);
  if (mime !== undefined) media.mime = text(mime, 'content.mime', 1, MEDIA_MIME_LENGTH_MAX);
  const size = optional(value.size);
  if (size !== undefined) media.size = integer(size, 'content.size', 0, Number.MAX_SAFE_INTEGER);
  const caption = optional(value.caption);
  if (caption !== undefined)
    media.caption = text(caption, 'content.caption', 0, MEDIA_CAPTION_LENGTH_MAX);
  const thumbnail = optional(value.thumbnail);
  if (thumbnail !== undefined)
    media.thumbnail = text(thumbnail, 'content.thumbnail', 0, MEDIA_THUMBNAIL_LENGTH_MAX);
  return media;
}
