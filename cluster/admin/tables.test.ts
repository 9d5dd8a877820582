import { describe, expect, test } from 'vitest';
import { bytes, duration, ranges, statsTable, table } from './tables.ts';

describe('parleyctl tables', () => {
  test('pads columns to the widest cell, with no trailing spaces', () => {
    expect(
      table(
        ['A', 'LONG'],
        [
          ['xyz', ''],
          ['1', '2'],
        ],
      ),
    ).toBe('A    LONG\nxyz\n1    2\n');
  });

  test('writes consecutive shard ids as ranges and cuts a long list', () => {
    expect(ranges([0, 1, 2, 5, 7, 8])).toBe('0-2,5,7-8');
    expect(ranges([])).toBe('');
    const scattered = Array.from({ length: 100 }, (_, i) => i * 3);
    expect(ranges(scattered)).toHaveLength(60);
    expect(ranges(scattered).endsWith('...')).toBe(true);
  });

  test('shows durations and sizes briefly', () => {
    expect([0, 12_999, 250_000, 7_500_000, 90_000_000].map(duration)).toEqual([
      '0s',
      '12s',
      '4m10s',
      '2h5m',
      '1d1h',
    ]);
    expect([512, 1536, 241_172_480, 1.3 * 2 ** 30].map(bytes)).toEqual([
      '512B',
      '1.5KiB',
      '230.0MiB',
      '1.3GiB',
    ]);
  });

  test('counts dead letters by their total when the node sends one, else by their sum', () => {
    const node = {
      actors: 1,
      mailboxes: 0,
      messages: 0,
      store: {},
      transport: {},
      uptimeMs: 0,
      memoryRssBytes: 0,
      heapUsedBytes: 0,
      clients: 0,
    };
    const text = statsTable({
      nodes: [
        { ...node, node: 'a', deadLetters: { no_proc: 2, total: 2 } },
        { ...node, node: 'b', deadLetters: { no_proc: 2, mailbox_full: 3 } },
      ],
      errors: [],
    });
    expect(text.split('\n').slice(1, 3)).toEqual([
      'a     1       0       0         2     0        0s  0B   0B',
      'b     1       0       0         5     0        0s  0B   0B',
    ]);
  });
});
