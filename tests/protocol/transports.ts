/**
 * How the acceptance suite reaches a target: a `ClientTransport` opens raw
 * clients (all `FrameLog`s, so every section is written once) and names the
 * wire their frames use (`WireKit`: how a frame is encoded, a ping padded to
 * an exact size, payloads that are not a frame), so the size, `bad_frame`
 * and rate-limit rules are checked on every wire. Sections about one kind of
 * transport only (WebSocket upgrades and close codes) ask `websocket`.
 */
import { Packr } from 'msgpackr';
import type { FrameLog } from '../support/frame-log.ts';
import { type OpenOptions, WsClient } from '../support/ws-client.ts';

export interface WireKit {
  readonly encoding: 'json' | 'msgpack';
  /** A `ping` padded with an unknown field to exactly `bytes` bytes. */
  paddedPing(bytes: number): string | Uint8Array;
  /** Payloads that are not a frame on this wire, each answered `bad_frame`. */
  readonly malformed: readonly (readonly [string, string | Uint8Array])[];
}

export interface TransportTarget {
  /** `ws://HOST:PORT/ws` of each node. */
  readonly urls: readonly string[];
  /** `mqtt://HOST:PORT` of each node, when they serve MQTT (`mqtt-transport.ts`). */
  readonly mqttUrls?: readonly string[];
}

export interface ClientTransport {
  /** `ws-json`, `ws-msgpack`, `mqtt`, ... (in test names). */
  readonly name: string;
  /** WebSocket upgrades, close codes, text and binary frames apply. */
  readonly websocket: boolean;
  readonly wire: WireKit;
  /** Opens a client to node `node` of `target` (modulo the nodes). */
  open(target: TransportTarget, node: number, options: OpenOptions): Promise<FrameLog>;
}

export const jsonWire: WireKit = {
  encoding: 'json',
  paddedPing(bytes) {
    const head = '{"type":"ping","pad":"';
    const tail = '"}';
    return `${head}${'x'.repeat(bytes - head.length - tail.length)}${tail}`;
  },
  malformed: [
    ['text that is not JSON', 'hello'],
    ['truncated JSON', '{"type":"ping"'],
    ['an empty frame', ''],
    ['a JSON array', '[{"type":"ping"}]'],
    ['a JSON number', '42'],
    ['JSON null', 'null'],
    ['a JSON string', '"ping"'],
    ['an object without type', '{"ref":"r1"}'],
    ['a non-string type', '{"type":7}'],
  ],
};

const packr = new Packr({ useRecords: false });
const pack = (value: unknown): Uint8Array => packr.pack(value);
const ping = pack({ type: 'ping' });

export const msgpackWire: WireKit = {
  encoding: 'msgpack',
  paddedPing(bytes) {
    // The string header grows with the string (str8/16/32): settle on a length that fits.
    let pad = bytes;
    for (;;) {
      const size = pack({ type: 'ping', pad: 'x'.repeat(pad) }).byteLength;
      if (size === bytes) return pack({ type: 'ping', pad: 'x'.repeat(pad) });
      pad -= size - bytes;
    }
  },
  malformed: [
    ['bytes that are not MessagePack', Uint8Array.of(0xc1)],
    ['truncated MessagePack', ping.subarray(0, ping.byteLength - 1)],
    ['an empty frame', new Uint8Array(0)],
    ['a MessagePack array', pack([{ type: 'ping' }])],
    ['a MessagePack number', pack(42)],
    ['MessagePack nil', pack(null)],
    ['a MessagePack string', pack('ping')],
    ['a map without type', pack({ ref: 'r1' })],
    ['a non-string type', pack({ type: 7 })],
    ['a binary type', pack({ type: Buffer.from('ping') })],
    ['a timestamp extension as the id', pack({ type: 'ping', ref: new Date(0) })],
    ['a map followed by trailing bytes', Uint8Array.of(...ping, 0x01)],
  ],
};

function wsTransport(name: string, wire: WireKit): ClientTransport {
  return {
    name,
    websocket: true,
    wire,
    open: (target, node, options) =>
      WsClient.open(target.urls[node % target.urls.length]!, {
        encoding: wire.encoding,
        ...options,
      }),
  };
}

/** JSON in text frames: the protocol's default. */
export const wsJson = wsTransport('ws-json', jsonWire);
/** The `parley.v1.msgpack` subprotocol: MessagePack in binary frames. */
export const wsMsgpack = wsTransport('ws-msgpack', msgpackWire);
