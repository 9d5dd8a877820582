import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { decodeClientFrame } from './decode.ts';
import { decodeMsgpackFrame } from './msgpack-wire.ts';

const params = { seed: Number(process.env.FC_SEED), verbose: true };
const CODES = new Set(['bad_frame', 'unknown_type', 'too_large']);
const packr = new Packr({ useRecords: false });

/** Any MessagePack value a client could send, frames of known types among them. */
const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: 'small' },
    fc.string(),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.uint8Array({ maxLength: 16 }),
    fc.date({ noInvalidDate: true }),
    fc.array(tie('any'), { maxLength: 4 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('any'), { maxKeys: 4 }),
    tie('frame'),
  ),
  frame: fc.record(
    {
      type: fc.constantFrom('message', 'ack', 'ping', 'history', 'typing', 'group.create', 'x'),
      id: fc.string({ maxLength: 70 }),
      ref: tie('any'),
      to: fc.constantFrom('bob', 'b b', ''),
      with: fc.string({ maxLength: 8 }),
      content: fc.oneof(tie('any'), fc.record({ type: fc.constant('text'), body: fc.string() })),
      status: fc.constantFrom('delivered', 'read', 'started', 'nope'),
      limit: fc.oneof(fc.integer(), fc.double()),
      name: fc.string({ maxLength: 8 }),
      members: fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
    },
    { requiredKeys: ['type'] },
  ),
}));

describe('decodeMsgpackFrame (property)', () => {
  it('never throws on any bytes, and answers only with the protocol codes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const r = decodeMsgpackFrame(bytes);
        if (!r.ok) expect(CODES.has(r.error.code)).toBe(true);
      }),
      { ...params, numRuns: 2000 },
    );
  });

  it('decodes any MessagePack value exactly as JSON decodes the same value, or refuses it', () => {
    fc.assert(
      fc.property(value.any, (v) => {
        const r = decodeMsgpackFrame(packr.pack(v));
        if (r.ok) expect(decodeClientFrame(JSON.stringify(r.frame))).toEqual(r);
        else expect(CODES.has(r.error.code)).toBe(true);
      }),
      { ...params, numRuns: 1000 },
    );
  });
});
