/**
 * The row encodings of `row-bytes.ts`: a chat summary spliced from an entry's
 * history row is byte for byte what encoding the summary whole gives, so
 * rows written before and after the splice read the same.
 */
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { encodeEntry, stamped, stampedSummary } from './row-bytes.ts';

const packr = new Packr({ useRecords: false, variableMapSize: true });
const bytes = (binary: unknown) =>
  Buffer.from((binary as { '\x10binary-data\x02': Uint8Array })['\x10binary-data\x02']);

const entry = {
  key: 'bob/m1',
  from: 'bob',
  id: 'm1',
  to: 'alice',
  ts: 1_700_000_000_123,
  content: { type: 'text', text: 'héllo, ünïcode and a longer text '.repeat(9) },
  user: 'alice',
  seq: 70_000,
};

describe('lmdb row encoding', () => {
  for (const writtenAt of [0, 31, 200, 70_000, 2 ** 32 + 5, 1_764_650_000_000])
    it(`splices a chat summary equal to encoding it whole (written at ${writtenAt})`, () => {
      const encoded = encodeEntry(entry, writtenAt);
      expect(bytes(encoded.row)).toEqual(bytes(stamped(entry, writtenAt)));
      for (const [unread, readUpTo] of [
        [0, 0],
        [1, 69_999],
        [127, 128],
        [255, 256],
        [65_535, 65_536],
        [300, 2 ** 32 - 1],
        [300, 2 ** 40],
      ] as const) {
        const summary = { last: entry, unread, readUpTo };
        const spliced = bytes(stampedSummary(encoded, unread, readUpTo));
        expect(spliced).toEqual(bytes(stamped(summary, writtenAt)));
        expect(packr.unpack(spliced)).toEqual([writtenAt, summary]);
      }
    });

  it('keeps every row it carved as it was, across slabs and rows too big to carve', () => {
    const values = Array.from({ length: 3000 }, (_, n) => ({
      n,
      text: 'x'.repeat(n % 7 === 0 ? 9000 : n % 300),
    }));
    const raw = (binary: unknown) =>
      (binary as { '\x10binary-data\x02': Uint8Array })['\x10binary-data\x02'];
    const rows: Uint8Array[] = [];
    const copies: Buffer[] = [];
    for (const [n, v] of values.entries()) {
      rows.push(raw(stamped(v, n)));
      copies.push(Buffer.from(rows[n] as Uint8Array));
    }
    const changed = rows.filter((r, n) => !Buffer.from(r).equals(copies[n] as Buffer));
    expect(changed).toHaveLength(0);
    for (const [n, v] of values.entries())
      expect(packr.unpack(copies[n] as Buffer)).toEqual([n, v]);
  });
});
