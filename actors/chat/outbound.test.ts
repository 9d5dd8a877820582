import { describe, expect, it } from 'vitest';
import { Outbound } from './outbound.ts';

const msg = {
  from: 'a',
  id: 'x',
  ts: 0,
  content: { type: 'text' as const, body: '' },
  device: 'd',
};
const item = (senderSeq: number) => ({ senderSeq, key: `a/m${senderSeq}`, msg });
const never = () => 'n1';

describe('Outbound resend policy', () => {
  it('keeps send order and names each predecessor', () => {
    const o = new Outbound({ baseMs: 1000, maxMs: 8000, perItemMs: 0 });
    expect(o.add('b', item(1), 1000, 'n1')).toBeNull();
    expect(o.add('b', item(3), 1000, 'n1')).toBe('a/m1');
    // A message stored earlier whose client resend comes late goes in its place.
    expect(o.add('b', item(2), 1000, 'n1')).toBe('a/m1');
    expect(o.resend('b', 10, 0, 'n1').map((r) => [r.item.senderSeq, r.prevKey])).toEqual([
      [1, null],
      [2, 'a/m1'],
      [3, 'a/m2'],
    ]);
  });

  it('backs off while nothing is confirmed, and resets on progress', () => {
    const o = new Outbound({ baseMs: 1000, maxMs: 8000, perItemMs: 0 });
    o.add('b', item(1), 1000, 'n1');
    o.add('b', item(2), 1000, 'n1');
    expect(o.due(999, never)).toEqual([]);
    expect(o.due(1000, never)).toEqual(['b']);
    o.resend('b', 10, 1000, 'n1'); // next after 2 s
    expect(o.due(2999, never)).toEqual([]);
    expect(o.due(3000, never)).toEqual(['b']);
    o.resend('b', 10, 3000, 'n1'); // 4 s
    o.resend('b', 10, 7000, 'n1'); // 8 s
    o.resend('b', 10, 15_000, 'n1'); // capped at 8 s
    expect(o.due(22_999, never)).toEqual([]);
    expect(o.due(23_000, never)).toEqual(['b']);
    expect(o.confirm('b', 1, 23_000)).toEqual([1]);
    expect(o.due(23_999, never)).toEqual([]);
    expect(o.due(24_000, never)).toEqual(['b']);
    expect(o.confirm('b', 2, 24_000)).toEqual([2]);
    expect(o.size).toBe(0);
  });

  it('gives a recipient with a backlog more time', () => {
    const o = new Outbound({ baseMs: 1000, maxMs: 8000, perItemMs: 10 });
    for (let i = 1; i <= 100; i++) o.add('b', item(i), 1000, 'n1');
    o.resend('b', 10, 1000, 'n1');
    expect(o.due(1000 + 2000 + 999, never)).toEqual([]);
    expect(o.due(1000 + 2000 + 1000, never)).toEqual(['b']);
  });

  it('is due at once when the recipient moved to another node', () => {
    const o = new Outbound({ baseMs: 1000, maxMs: 8000, perItemMs: 0 });
    o.add('b', item(1), 5000, 'n1');
    expect(o.due(0, () => 'n1')).toEqual([]);
    expect(o.due(0, () => 'n2')).toEqual(['b']);
    expect(o.due(0, () => undefined)).toEqual(['b']);
    o.resend('b', 10, 0, 'n2');
    expect(o.due(0, () => 'n2')).toEqual([]);
  });

  it('confirms a deep backlog one at a time, keeping order and predecessors', () => {
    const o = new Outbound({ baseMs: 1000, maxMs: 8000, perItemMs: 0 });
    const n = 50_000;
    for (let i = 1; i <= n; i++) o.add('b', item(i), 1000, 'n1');
    const wrong: number[] = [];
    for (let i = 1; i <= n - 3; i++) {
      const removed = o.confirm('b', i, 0);
      if (removed.length !== 1 || removed[0] !== i) wrong.push(i);
    }
    expect(wrong).toEqual([]);
    expect(o.has('b', `a/m${n - 3}`)).toBe(false);
    expect(o.has('b', `a/m${n - 2}`)).toBe(true);
    expect(o.add('b', item(n + 1), 0, 'n1')).toBe(`a/m${n}`);
    expect(o.resend('b', 10, 0, 'n1').map((r) => [r.item.senderSeq, r.prevKey])).toEqual([
      [n - 2, null],
      [n - 1, `a/m${n - 2}`],
      [n, `a/m${n - 1}`],
      [n + 1, `a/m${n}`],
    ]);
    expect(o.confirm('b', n + 1, 0)).toEqual([n - 2, n - 1, n, n + 1]);
    expect(o.size).toBe(0);
  });
});
