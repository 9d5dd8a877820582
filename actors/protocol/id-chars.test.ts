import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeClientFrame } from './decode.ts';

const params = { seed: Number(process.env.FC_SEED), verbose: true, numRuns: 2000 };
const text = { type: 'text', body: 'hi' };
const CHARS = 'an id without control characters (U+0000-U+001F, U+007F-U+009F) or lone surrogates';

const decode = (frame: unknown) => decodeClientFrame(JSON.stringify(frame));

/** Every frame field that holds an id (or a cursor), with a frame that carries `value` there. */
const placements: [string, (value: string) => unknown][] = [
  ['message id', (v) => ({ type: 'message', id: v, to: 'bob', content: text })],
  ['message group', (v) => ({ type: 'message', id: 'm', group: v, content: text })],
  ['ack id', (v) => ({ type: 'ack', id: v, from: 'alice', status: 'read' })],
  ['ack group', (v) => ({ type: 'ack', id: 'm', from: 'alice', status: 'read', group: v })],
  ['ping ref', (v) => ({ type: 'ping', ref: v })],
  ['typing group', (v) => ({ type: 'typing', group: v, status: 'started' })],
  ['history group', (v) => ({ type: 'history', group: v })],
  ['history before', (v) => ({ type: 'history', with: 'bob', before: v })],
  ['group.create ref', (v) => ({ type: 'group.create', ref: v, name: 'n', members: [] })],
  ['group.add group', (v) => ({ type: 'group.add', ref: 'r', group: v, members: ['bob'] })],
  ['group.leave group', (v) => ({ type: 'group.leave', ref: 'r', group: v })],
];
/** Fields that take user ids: already `[A-Za-z0-9_.-]`, so refused for any of these too. */
const userPlacements: [string, (value: string) => unknown][] = [
  ['message to', (v) => ({ type: 'message', id: 'm', to: v, content: text })],
  ['ack from', (v) => ({ type: 'ack', id: 'm', from: v, status: 'read' })],
  ['presence users', (v) => ({ type: 'presence.subscribe', users: [v] })],
  ['history with', (v) => ({ type: 'history', with: v })],
  ['group.create members', (v) => ({ type: 'group.create', ref: 'r', name: 'n', members: [v] })],
  ['group.remove members', (v) => ({ type: 'group.remove', ref: 'r', group: 'g', members: [v] })],
];

const forbidden: [string, string][] = [
  ['NUL', 'a\u0000b'],
  ['U+0001', '\u0001'],
  ['a newline', 'm\n'],
  ['U+001F', 'x\u001f'],
  ['DEL', '\u007f'],
  ['U+0080 (C1)', 'a\u0080'],
  ['U+009F (C1)', '\u009fz'],
  ['a lone high surrogate', 'a\ud800'],
  ['a lone low surrogate', '\udfffb'],
  ['a reversed pair', '\udc00\ud800'],
];

describe('ids refuse control characters and lone surrogates', () => {
  it.each(forbidden)('refuses %s in every id field with bad_frame', (_name, bad) => {
    for (const [where, frame] of [...placements, ...userPlacements]) {
      const result = decode(frame(bad));
      expect(result.ok, `${where} with ${JSON.stringify(bad)}`).toBe(false);
      if (!result.ok) expect(result.error.code, where).toBe('bad_frame');
    }
  });

  it('names the field and quotes the id with its control character escaped', () => {
    expect(decode(placements[0]![1]('a\u0000b'))).toEqual({
      ok: false,
      error: { code: 'bad_frame', message: `field "id" must be ${CHARS}, got "a\\u0000b"` },
    });
    expect(decode(placements[7]![1]('1\u0000'))).toEqual({
      ok: false,
      error: {
        code: 'bad_frame',
        message: `field "before" must be a cursor: ${CHARS}, got "1\\u0000"`,
      },
    });
  });

  it('does not echo a refused id back in the error', () => {
    const result = decode({ type: 'message', id: 'm\u0000', to: 'bob', content: text, ref: 'r' });
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'bad_frame',
        message: `field "id" must be ${CHARS}, got "m\\u0000"`,
        ref: 'r',
      },
    });
  });

  it('accepts private use, non-characters, astral code points and U+00A0', () => {
    for (const good of [
      '\ue000',
      '\uf8ff',
      '\ufdd0',
      '\ufffe\uffff',
      '\u{10ffff}',
      '\u{f0000}',
      '😀',
      '\u00a0',
      'a b',
    ]) {
      const result = decode(placements[0]![1](good));
      expect(result.ok, JSON.stringify(good)).toBe(true);
    }
  });

  it('bounds ids by UTF-16 units: 64 are accepted (192 UTF-8 bytes at most), 65 refused', () => {
    const accepted = (id: string) => decode(placements[0]![1](id)).ok;
    expect(accepted('\uffff'.repeat(64))).toBe(true);
    expect(Buffer.byteLength('\uffff'.repeat(64))).toBe(192);
    expect(accepted('\uffff'.repeat(65))).toBe(false);
    expect(accepted('😀'.repeat(32))).toBe(true);
    expect(accepted('😀'.repeat(33))).toBe(false);
    expect(accepted(`${'x'.repeat(63)}😀`)).toBe(false);
    expect(accepted('')).toBe(false);
  });
});

// ---- property: over every code point class and the whole length range ---------------

const range = (lo: number, hi: number) => fc.integer({ min: lo, max: hi });
/** One UTF-16 string piece from a code point class; surrogates come alone. */
const piece = fc
  .oneof(
    range(0, 0x1f), // C0
    fc.constant(0x7f), // DEL
    range(0x80, 0x9f), // C1
    range(0x20, 0x7e), // printable ASCII
    range(0xa0, 0xd7ff), // the rest of the BMP below the surrogates
    range(0xd800, 0xdbff), // high surrogates
    range(0xdc00, 0xdfff), // low surrogates
    range(0xe000, 0xf8ff), // private use
    range(0xfdd0, 0xfdef), // non-characters
    fc.constantFrom(0xfffe, 0xffff), // non-characters
    range(0xf900, 0xfffd),
    range(0x10000, 0x10ffff), // astral, supplementary private use and non-characters included
  )
  .map((cp) => (cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp)));
/** A string of 0..65 UTF-16 units; the cut may split a pair (one more lone surrogate). */
const candidate = fc
  .tuple(fc.array(piece, { maxLength: 65 }), fc.integer({ min: 0, max: 65 }))
  .map(([pieces, n]) => pieces.join('').slice(0, n));

/** The oracle, written apart from the decoder: by code point, not by regex. */
function storableId(s: string): boolean {
  if (s.length < 1 || s.length > 64) return false;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f)) return false;
    if (cp >= 0xd800 && cp <= 0xdfff) return false;
  }
  return true;
}

describe('id fuzzing over every code point class', () => {
  it('accepts exactly the storable ids, and every accepted one survives UTF-8 within 256 bytes', () => {
    fc.assert(
      fc.property(candidate, fc.constantFrom(...placements), (s, [where, frame]) => {
        const result = decode(frame(s));
        const expected =
          where === 'history before' ? s.length >= 1 && storableId(s) : storableId(s);
        expect(result.ok, `${where} ${JSON.stringify(s)}`).toBe(expected);
        if (!result.ok) {
          expect(result.error.code).toBe('bad_frame');
          return;
        }
        const bytes = Buffer.from(s, 'utf8');
        expect(bytes.toString('utf8')).toBe(s);
        expect(bytes.length).toBeLessThanOrEqual(256);
        expect(bytes.includes(0)).toBe(false);
      }),
      params,
    );
  });
});
