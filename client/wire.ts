/**
 * How the SDK encodes its frames: JSON in text frames (the default), or
 * MessagePack in binary frames over the `parley.v1.msgpack` subprotocol.
 * Both carry the same frame objects under the same 64 KiB limit, counted in
 * the encoded bytes. Decoding yields the frame as a value (or an unreadable
 * reason); `read-frame.ts` then checks its shape, whatever the wire.
 */
import { Packr, Unpackr } from 'msgpackr';

export type Encoding = 'json' | 'msgpack';

export const MSGPACK_SUBPROTOCOL = 'parley.v1.msgpack';

export type Decoded =
  | { readonly ok: true; readonly value: unknown; readonly shown: string }
  | { readonly ok: false; readonly reason: string };

export interface Wire {
  readonly encoding: Encoding;
  /** The subprotocols to offer in the upgrade; none for JSON. */
  readonly protocols: readonly string[];
  encode(frame: object): string | Uint8Array;
  /** Encoded size in bytes. */
  size(encoded: string | Uint8Array): number;
  decode(data: unknown): Decoded;
}

const encoder = new TextEncoder();

export const jsonWire: Wire = {
  encoding: 'json',
  protocols: [],
  encode: (frame) => JSON.stringify(frame),
  size: (encoded) =>
    typeof encoded === 'string' ? encoder.encode(encoded).byteLength : encoded.byteLength,
  decode(data) {
    if (typeof data !== 'string')
      return { ok: false, reason: 'a binary frame; this connection uses JSON text frames' };
    try {
      return { ok: true, value: JSON.parse(data), shown: data.slice(0, 100) };
    } catch {
      return { ok: false, reason: `not JSON: ${data.slice(0, 100)}` };
    }
  },
};

// msgpackr's records and shared structures are extensions a server does not speak.
const packr = new Packr({ useRecords: false });
const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true });

export const msgpackWire: Wire = {
  encoding: 'msgpack',
  protocols: [MSGPACK_SUBPROTOCOL],
  encode: (frame) => packr.pack(frame),
  size: (encoded) =>
    typeof encoded === 'string' ? encoder.encode(encoded).byteLength : encoded.byteLength,
  decode(data) {
    const bytes = bytesOf(data);
    if (bytes === undefined)
      return { ok: false, reason: 'a text frame; this connection uses MessagePack binary frames' };
    try {
      const value: unknown = unpackr.unpack(bytes);
      return { ok: true, value, shown: `<${bytes.byteLength} MessagePack bytes>` };
    } catch (error) {
      return { ok: false, reason: `not MessagePack: ${(error as Error).message}` };
    }
  },
};

export function wireFor(encoding: Encoding | undefined): Wire {
  return encoding === 'msgpack' ? msgpackWire : jsonWire;
}

/** A binary frame's bytes, as browsers (`ArrayBuffer`) and `ws` (`Buffer`, fragments) give them. */
function bytesOf(data: unknown): Uint8Array | undefined {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data) && data.every((d) => d instanceof Uint8Array)) {
    const total = data.reduce((n, d: Uint8Array) => n + d.byteLength, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const d of data as Uint8Array[]) {
      out.set(d, at);
      at += d.byteLength;
    }
    return out;
  }
  return undefined;
}
