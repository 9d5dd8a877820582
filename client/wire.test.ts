import { describe, expect, it } from 'vitest';
import { jsonWire, msgpackWire } from './wire.ts';

describe('wires', () => {
  it('round-trip a frame and measure it in encoded bytes', () => {
    const frame = { type: 'message', id: 'm', to: 'b', content: { type: 'text', body: 'é' } };
    for (const wire of [jsonWire, msgpackWire]) {
      const encoded = wire.encode(frame);
      expect(
        wire.decode(wire === jsonWire ? encoded : new Uint8Array(encoded as Uint8Array)),
      ).toMatchObject({ ok: true, value: frame });
      expect(wire.size(encoded)).toBe(
        typeof encoded === 'string' ? Buffer.byteLength(encoded) : encoded.byteLength,
      );
    }
    expect(msgpackWire.size(msgpackWire.encode(frame))).toBeLessThan(
      jsonWire.size(jsonWire.encode(frame)),
    );
  });

  it('report a frame of the other kind, and bytes that do not decode', () => {
    expect(jsonWire.decode(new ArrayBuffer(2))).toMatchObject({ ok: false });
    expect(msgpackWire.decode('{"type":"ping"}')).toMatchObject({ ok: false });
    expect(msgpackWire.decode(Uint8Array.of(0x92, 0x01))).toMatchObject({ ok: false });
    expect(
      msgpackWire.decode(new Uint8Array(msgpackWire.encode({ type: 'pong' }) as Uint8Array).buffer),
    ).toMatchObject({ ok: true, value: { type: 'pong' } });
  });
});
