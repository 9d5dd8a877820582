import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeClientFrame } from './decode.ts';
import { FRAME_BYTES_MAX } from './limits.ts';
import {
  decodeMsgpackFrame,
  encodeMsgpackFrame,
  JSON_SUBPROTOCOL,
  MSGPACK_SUBPROTOCOL,
  selectSubprotocol,
  wireOf,
} from './msgpack-wire.ts';

const packr = new Packr({ useRecords: false });
const pack = (v: unknown) => packr.pack(v);

describe('msgpack wire', () => {
  it('decodes a MessagePack frame to exactly what the same JSON frame decodes to', () => {
    const frames = [
      { type: 'message', id: 'm1', to: 'bob', content: { type: 'text', body: 'hé 🙂' }, x: 1 },
      { type: 'ack', id: 'm1', from: 'bob', status: 'read', group: 'g1' },
      { type: 'history', with: 'bob', limit: 20, ref: 'h1' },
      { type: 'group.create', ref: 'r', name: 'n', members: ['a', 'b', 'a'] },
      { type: 'ping' },
    ];
    for (const f of frames)
      expect(decodeMsgpackFrame(pack(f))).toEqual(decodeClientFrame(JSON.stringify(f)));
  });

  it('refuses what is not one map of a frame with bad_frame, never throwing', () => {
    const ping = pack({ type: 'ping' });
    const bad = [
      new Uint8Array(0),
      Uint8Array.of(0xc1),
      ping.subarray(0, ping.length - 1),
      Uint8Array.of(...ping, 0),
      pack([{ type: 'ping' }]),
      pack('ping'),
      pack(null),
      pack({ type: Buffer.from('ping') }),
      pack({ type: 'ping', ref: new Date(0) }),
      pack({ type: 'history', with: 'bob', limit: 2n ** 60n }),
      Uint8Array.of(0xc7, 1, 5, 1),
    ];
    for (const bytes of bad) {
      const result = decodeMsgpackFrame(bytes);
      expect(result.ok, Buffer.from(bytes).toString('hex')).toBe(false);
      if (!result.ok) expect(result.error.code).toBe('bad_frame');
    }
  });

  it('answers unknown_type and echoes ref and id like the JSON wire', () => {
    expect(decodeMsgpackFrame(pack({ type: 'nope', ref: 'r1' }))).toMatchObject({
      ok: false,
      error: { code: 'unknown_type', ref: 'r1' },
    });
    expect(decodeMsgpackFrame(pack({ type: 'message', id: 'm9', to: 'b' }))).toMatchObject({
      ok: false,
      error: { code: 'bad_frame', id: 'm9' },
    });
  });

  it('refuses a frame over 64 KiB of bytes with too_large, and takes one of exactly 64 KiB', () => {
    const sized = (bytes: number) => {
      let pad = bytes;
      for (;;) {
        const b = pack({ type: 'ping', pad: 'x'.repeat(pad) });
        if (b.length === bytes) return b;
        pad -= b.length - bytes;
      }
    };
    expect(decodeMsgpackFrame(sized(FRAME_BYTES_MAX))).toMatchObject({ ok: true });
    expect(decodeMsgpackFrame(sized(FRAME_BYTES_MAX + 1))).toMatchObject({
      ok: false,
      error: { code: 'too_large' },
    });
  });

  it('encodes a server frame given as JSON into the same value in MessagePack', () => {
    const frame = {
      type: 'message',
      id: 'm1',
      from: 'a',
      to: 'b',
      seq: 12,
      ts: 1_796_000_000_000,
      content: { type: 'text', body: 'x' },
      next: null,
      ok: true,
    };
    const bytes = encodeMsgpackFrame(JSON.stringify(frame));
    expect(packr.unpack(bytes)).toEqual(frame);
    expect(bytes.length).toBeLessThan(JSON.stringify(frame).length);
  });

  it('selects MessagePack when offered, the named JSON subprotocol next, else none', () => {
    expect(selectSubprotocol(new Set(['x', MSGPACK_SUBPROTOCOL, JSON_SUBPROTOCOL]))).toBe(
      MSGPACK_SUBPROTOCOL,
    );
    expect(selectSubprotocol(new Set([JSON_SUBPROTOCOL]))).toBe(JSON_SUBPROTOCOL);
    expect(selectSubprotocol(new Set(['mqtt']))).toBe(false);
    expect(wireOf(MSGPACK_SUBPROTOCOL)).toBe('msgpack');
    expect(wireOf(JSON_SUBPROTOCOL)).toBe('json');
    expect(wireOf('')).toBe('json');
  });
});
