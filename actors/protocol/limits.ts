/**
 * Every bound of client protocol v1, in one place.
 *
 * PROTOCOL.md fixes some of these (64 KiB frames, ids of 1..64 chars, groups
 * of up to 1024, history pages of 1..200); the rest are our choices, listed in
 * `docs/protocol.md`. String lengths are JavaScript string lengths (UTF-16
 * code units), which cost nothing to read; byte sizes are UTF-8 bytes.
 * Whatever is hit first wins: a 32 768-char body of emoji is refused as
 * `too_large` before its length is ever looked at.
 */

/** A client frame above this many UTF-8 bytes is refused with `too_large`; the connection stays. */
export const FRAME_BYTES_MAX = 64 * 1024;
/**
 * The transport's own ceiling (ws `maxPayload`): above it the socket is closed
 * with 1009 instead of reading the frame into memory. Ours, not PROTOCOL.md's.
 */
export const FRAME_BYTES_HARD_MAX = 1024 * 1024;

/** Client-chosen ids (`id`, `ref`) and group ids: 1..64 chars. */
export const ID_LENGTH_MAX = 64;
/** User and device ids: 1..64 chars of this alphabet. */
export const USER_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

/** `content.body` of a text message. */
export const TEXT_BODY_LENGTH_MAX = 32_768;
/** `content.url` of a media message. */
export const MEDIA_URL_LENGTH_MAX = 2048;
/** `content.key` (media decryption key material, typically base64). */
export const MEDIA_KEY_LENGTH_MAX = 1024;
/** `content.mime`. */
export const MEDIA_MIME_LENGTH_MAX = 255;
/** `content.caption`. */
export const MEDIA_CAPTION_LENGTH_MAX = 4096;
/** `content.thumbnail` (an inline preview, typically a base64 JPEG). */
export const MEDIA_THUMBNAIL_LENGTH_MAX = 16_384;

/** Group names: 1..128 chars. */
export const GROUP_NAME_LENGTH_MAX = 128;
/** Members of a group, and the `members` array of one group operation. */
export const GROUP_MEMBERS_MAX = 1024;
/** Users in one `presence.subscribe`. */
export const PRESENCE_USERS_MAX = 1024;

/** `history.limit` when absent, and its range. */
export const HISTORY_LIMIT_DEFAULT = 50;
export const HISTORY_LIMIT_MAX = 200;
/** `history.before`: the opaque cursor a previous page returned as `next`. */
export const HISTORY_CURSOR_LENGTH_MAX = 128;

/** `push.subscribe`: `subscription.endpoint` (a URL) and `subscription.token`. */
export const PUSH_TARGET_LENGTH_MAX = 2048;
