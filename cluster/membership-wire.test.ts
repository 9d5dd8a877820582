import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import type { MemberInfo } from './membership-core.ts';
import { decodeWire, encodeWire, type WireMessage } from './membership-wire.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };
const raw = (value: unknown) => new Packr({ useRecords: false }).pack(value);
const member: MemberInfo = { node: 'n1', creation: 3, status: 'up', startedAt: 1 };

const memberArb: fc.Arbitrary<MemberInfo> = fc.record(
  {
    node: fc.string({ minLength: 1, maxLength: 255 }),
    creation: fc.maxSafeNat(),
    status: fc.constantFrom('up' as const, 'draining' as const, 'leaving' as const),
    startedAt: fc.integer({ min: 0, max: 2 ** 45 }),
    http: fc.webUrl(),
    ws: fc.webUrl(),
    admin: fc.string({ maxLength: 40 }),
  },
  { requiredKeys: ['node', 'creation', 'status', 'startedAt'] },
);

const messageArb: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.record({
    v: fc.constant(1 as const),
    type: fc.constant('heartbeat' as const),
    join: fc.boolean(),
    member: memberArb,
  }),
  fc.record({
    v: fc.constant(1 as const),
    type: fc.constant('leave' as const),
    node: fc.string({ minLength: 1, maxLength: 255 }),
    creation: fc.maxSafeNat(),
  }),
);

describe('membership wire', () => {
  it('decodes what it encodes', () => {
    fc.assert(
      fc.property(messageArb, (msg) => {
        expect(decodeWire(encodeWire(msg))).toEqual(msg);
      }),
      fcOptions,
    );
  });

  it('never throws anything but an invalid_argument ParleyError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array(), fc.anything().map(raw)), (bytes) => {
        try {
          decodeWire(bytes);
        } catch (err) {
          expect(err).toMatchObject({ name: 'ParleyError', code: 'invalid_argument' });
        }
      }),
      fcOptions,
    );
  });

  it.each([
    [new Uint8Array([0xdc]), 'membership message is not msgpack'],
    [raw(7), 'membership message must be a map, got 7'],
    [raw({ v: 2 }), 'membership message version must be 1, got 2'],
    [
      raw({ v: 1, type: 'ping' }),
      'membership message type must be "heartbeat" or "leave", got "ping"',
    ],
    [
      raw({ v: 1, type: 'leave', node: '', creation: 1 }),
      'membership message node must be a name of 1..255 characters, got ""',
    ],
    [
      raw({ v: 1, type: 'leave', node: 'n', creation: -1 }),
      'membership message creation must be an integer >= 0, got -1',
    ],
    [
      raw({ v: 1, type: 'heartbeat', join: false }),
      'membership message member must be a map, got undefined',
    ],
    [
      raw({ v: 1, type: 'heartbeat', member: { ...member, node: 'x'.repeat(256) } }),
      `membership message node must be a name of 1..255 characters, got "${'x'.repeat(116)}...`,
    ],
    [
      raw({ v: 1, type: 'heartbeat', member: { ...member, creation: 1.5 } }),
      'membership message creation must be an integer >= 0, got 1.5',
    ],
    [
      raw({ v: 1, type: 'heartbeat', member: { ...member, status: 'gone' } }),
      'membership message status unknown, got "gone"',
    ],
    [
      raw({ v: 1, type: 'heartbeat', member: { ...member, startedAt: 'x' } }),
      'membership message startedAt must be a number, got "x"',
    ],
    [
      raw({ v: 1, type: 'heartbeat', member: { ...member, ws: 5 } }),
      'membership message ws must be a string, got 5',
    ],
  ])('rejects a bad message with a message naming the bad part (%#)', (bytes, message) => {
    expect(() => decodeWire(bytes)).toThrow(
      expect.objectContaining({ code: 'invalid_argument', message }),
    );
  });

  it('drops unknown fields and treats a missing join as false', () => {
    const decoded = decodeWire(raw({ v: 1, type: 'heartbeat', member: { ...member, extra: 1 } }));
    expect(decoded).toEqual({ v: 1, type: 'heartbeat', join: false, member });
  });
});
