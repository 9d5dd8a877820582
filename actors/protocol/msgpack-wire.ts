/**
 * The binary wire of protocol v1: the WebSocket subprotocol
 * `parley.v1.msgpack`, one MessagePack map per binary frame, holding exactly
 * the frame a JSON text frame would (same fields, same limits: 64 KiB per
 * frame, measured in the frame's bytes). JSON in text frames stays the
 * default (no subprotocol, or `parley.v1`).
 *
 * Decoding never throws. A frame must be a single MessagePack map with
 * string keys; every value is then checked by the same validator as a JSON
 * frame (`decodeFrameObject`), so MessagePack-only types (binary, extension
 * types such as timestamps, 64-bit integers past 2^53) are refused there as
 * the wrong type. Trailing bytes after the map are refused.
 *
 * Encoding turns a server frame already encoded as JSON (the chat actors
 * encode each frame once, for every device) into MessagePack: JSON's values
 * (strings, finite numbers, booleans, null, arrays, objects) map one to one,
 * integers to MessagePack integers.
 */
import { Packr, Unpackr } from 'msgpackr';
import { checkFrameSize, type DecodeResult, decodeFrameObject } from './decode.ts';
import { show } from './fields.ts';

/** The subprotocol a client asks for to speak MessagePack. */
export const MSGPACK_SUBPROTOCOL = 'parley.v1.msgpack';
/** The subprotocol naming the default JSON wire explicitly. */
export const JSON_SUBPROTOCOL = 'parley.v1';

/** Which encoding a connection's frames use. */
export type Wire = 'json' | 'msgpack';

/** The subprotocol to select among those a client offers, or false for none (JSON). */
export function selectSubprotocol(offered: ReadonlySet<string>): string | false {
  if (offered.has(MSGPACK_SUBPROTOCOL)) return MSGPACK_SUBPROTOCOL;
  if (offered.has(JSON_SUBPROTOCOL)) return JSON_SUBPROTOCOL;
  return false;
}

/** The wire of a connection that agreed on `subprotocol` ('' when none). */
export function wireOf(subprotocol: string): Wire {
  return subprotocol === MSGPACK_SUBPROTOCOL ? 'msgpack' : 'json';
}

// Records and structure sharing are msgpackr extensions other clients do not speak.
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });
const packr = new Packr({ useRecords: false });

/** The answer to a text frame on the MessagePack wire. */
export const TEXT_FRAME_REFUSAL = {
  code: 'bad_frame',
  message: `text frames are not accepted on ${MSGPACK_SUBPROTOCOL}; send one MessagePack map per binary frame`,
} as const;

export function decodeMsgpackFrame(data: Uint8Array): DecodeResult {
  const tooLarge = checkFrameSize(data);
  if (tooLarge !== undefined) return { ok: false, error: tooLarge };
  let value: unknown;
  try {
    value = unpackr.unpack(data);
  } catch (err) {
    return refused(`frame is not valid MessagePack (${(err as Error).message})`);
  }
  if (!isPlainObject(value))
    return refused(`frame must be a MessagePack map, got ${show(describe(value))}`);
  return decodeFrameObject(value);
}

/** A server frame, encoded as JSON, in MessagePack. */
export function encodeMsgpackFrame(json: string): Buffer {
  return packr.pack(JSON.parse(json));
}

function refused(message: string): DecodeResult {
  return { ok: false, error: { code: 'bad_frame', message } };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): unknown {
  if (value instanceof Uint8Array) return `<${value.byteLength} binary bytes>`;
  if (value instanceof Date) return '<timestamp>';
  if (typeof value === 'object' && value !== null && !Array.isArray(value))
    return `<${value.constructor?.name ?? 'object'}>`;
  return value;
}
