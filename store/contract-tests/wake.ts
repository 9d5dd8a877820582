/**
 * Contract: the wake list. Marked owners are listed in UTF-8 byte order
 * (Unicode code point order), strictly after `after`, at most `limit`; mark
 * and clear are idempotent; a mark survives reopening the store (where the
 * harness can reopen it). That marks never expire is in `retention.ts`.
 *
 * The list is global to a store, and the other tests of a fixture share the
 * store: each test marks owners under its own prefix P and lists from P.
 * Its owners then come first, whatever else is marked: every string that
 * starts with P sorts before every other string greater than P.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../contract.ts';
import { type Fixture, rejection, uid } from './kit.ts';

/** A fresh prefix of owner names, ending with a separator so no prefix extends another. */
function freshPrefix(kind: 'user' | 'group' = 'user'): string {
  return `${kind}:${uid('wake')}/`;
}

/** One `listWake(after, limit)` page, cut to the owners under `prefix` (which must come first). */
async function pageUnder(
  store: Store,
  prefix: string,
  after: string,
  limit: number,
): Promise<{ owners: string[]; full: boolean }> {
  const page = await store.listWake(after, limit);
  expect(page.length).toBeLessThanOrEqual(limit);
  const owners = page.filter((o) => o.startsWith(prefix));
  expect(page.slice(0, owners.length)).toEqual(owners);
  return { owners, full: owners.length === limit };
}

/** Every owner marked under `prefix`, paging with `limit` from `prefix` itself. */
async function listUnder(store: Store, prefix: string, limit: number): Promise<string[]> {
  const out: string[] = [];
  let after = prefix;
  for (;;) {
    const { owners, full } = await pageUnder(store, prefix, after, limit);
    out.push(...owners);
    if (!full) return out;
    after = owners.at(-1) ?? after;
  }
}

/** Strictly ascending in UTF-8 byte order. */
function expectAscending(list: readonly string[]): void {
  for (let i = 1; i < list.length; i++)
    expect(
      Buffer.compare(Buffer.from(list[i - 1]!), Buffer.from(list[i]!)),
      `${JSON.stringify(list[i - 1])} before ${JSON.stringify(list[i])}`,
    ).toBe(-1);
}

export function wakeTests(f: Fixture): void {
  describe('wake list', () => {
    it('lists marked owners ascending, strictly after `after`, at most `limit`', async () => {
      const store = f.store();
      const p = freshPrefix();
      for (const name of ['b', 'a', 'c', 'ab']) await store.markWake(`${p}${name}`);
      const [a, ab, b, c] = ['a', 'ab', 'b', 'c'].map((n) => `${p}${n}`);

      expect((await pageUnder(store, p, p, 10)).owners).toEqual([a, ab, b, c]);
      expect(await store.listWake(p, 2)).toEqual([a, ab]);
      // Strictly after `after`, whether or not `after` is marked itself.
      expect(await store.listWake(a!, 2)).toEqual([ab, b]);
      expect((await pageUnder(store, p, `${p}aa`, 10)).owners).toEqual([ab, b, c]);
      expect((await pageUnder(store, p, c!, 10)).owners).toEqual([]);
      // A limit above the read cap is capped, not refused.
      expect((await pageUnder(store, p, p, Number.MAX_SAFE_INTEGER)).owners).toEqual([a, ab, b, c]);

      // From the start (null): every marked owner, ours among them in order.
      const all = await store.listWake(null, 10_000);
      expectAscending(all);
      expect(all.filter((o) => o.startsWith(p))).toEqual([a, ab, b, c]);
    });

    it('paging with `after` visits every marked owner once, in order, users and groups alike', async () => {
      const store = f.store();
      for (const kind of ['user', 'group'] as const) {
        const p = freshPrefix(kind);
        const names = Array.from({ length: 37 }, (_, i) => `${p}m${(i * 7) % 37}`);
        names.push(`${p}M`, `${p}-`, `${p}~`, `${p}m`, `${p}m0/x`);
        // Concurrent marks all land, duplicates once.
        await Promise.all([...names, ...names.slice(0, 5)].map((o) => store.markWake(o)));
        const expected = [...names].sort();
        for (const limit of [1, 4, 37, 100])
          expect(await listUnder(store, p, limit), `limit ${limit}`).toEqual(expected);
      }
    });

    it('orders by Unicode code point (UTF-8 bytes), not by UTF-16 units', async () => {
      const store = f.store();
      const p = freshPrefix();
      // UTF-16 would put U+1F600 (a surrogate pair, 0xD83D...) before U+FFFD.
      const expected = ['z', 'é', '中', '\uFFFD', '😀'].map((n) => `${p}${n}`);
      for (const o of [...expected].reverse()) await store.markWake(o);
      expect(await listUnder(store, p, 2)).toEqual(expected);
      expect((await pageUnder(store, p, `${p}\uFFFD`, 10)).owners).toEqual([`${p}😀`]);
    });

    it('mark and clear are idempotent, and the last of them stands', async () => {
      const store = f.store();
      const p = freshPrefix('group');
      const [a, b] = [`${p}a`, `${p}b`];
      await store.markWake(a);
      await store.markWake(a);
      expect(await listUnder(store, p, 10)).toEqual([a]);
      await store.clearWake(a);
      expect(await listUnder(store, p, 10)).toEqual([]);
      await store.clearWake(a);
      // Clearing an owner never marked is no error.
      await store.clearWake(b);
      expect(await listUnder(store, p, 10)).toEqual([]);
      await store.markWake(a);
      await store.markWake(b);
      await store.clearWake(b);
      expect(await listUnder(store, p, 10)).toEqual([a]);
    });

    it('a mark survives closing and reopening the store; a clear too', async (ctx) => {
      if (!f.canReopen()) ctx.skip('this store keeps nothing across an open');
      const p = freshPrefix();
      const [a, b, c] = [`${p}a`, `${p}b`, `${p}c`];
      for (const o of [a, b, c]) await f.store().markWake(o);
      await f.store().clearWake(b);
      await f.reopen();
      expect(await listUnder(f.store(), p, 10)).toEqual([a, c]);
      await f.store().clearWake(a);
      expect(await listUnder(f.store(), p, 10)).toEqual([c]);
    });

    it('bad arguments are invalid_argument, naming the argument and quoting the value', async () => {
      const store = f.store();
      const bounds = 'a non-empty string of at most 512 UTF-8 bytes without NUL';
      const cases: [() => Promise<unknown>, string][] = [
        [() => store.markWake(''), `invalid owner "": must be ${bounds}`],
        [() => store.markWake(7 as never), `invalid owner 7: must be ${bounds}`],
        [
          () => store.markWake('x'.repeat(513)),
          `invalid owner "${'x'.repeat(116)}...: must be ${bounds}`,
        ],
        [
          () => store.clearWake('user:a\u0000b'),
          `invalid owner "user:a\\u0000b": must be ${bounds}`,
        ],
        [() => store.clearWake(null as never), `invalid owner null: must be ${bounds}`],
        [() => store.listWake(null, 0), 'invalid limit 0: must be a safe integer >= 1'],
        [() => store.listWake(null, 1.5), 'invalid limit 1.5: must be a safe integer >= 1'],
        [
          () => store.listWake(null, '10' as never),
          'invalid limit "10": must be a safe integer >= 1',
        ],
        [() => store.listWake('', 10), `invalid after "": must be null or ${bounds}`],
        [
          () => store.listWake(undefined as never, 10),
          `invalid after undefined: must be null or ${bounds}`,
        ],
        [() => store.listWake(3 as never, 10), `invalid after 3: must be null or ${bounds}`],
      ];
      for (const [call, message] of cases)
        expect((await rejection(call(), 'invalid_argument')).message).toBe(message);
    });
  });
}
