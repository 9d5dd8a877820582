/**
 * PROTOCOL.md `history`: the first page holds the newest `limit` messages,
 * oldest first within the page; `next` pages back until `null`; `limit` is
 * an integer 1..200, default 50; the same for a user and for a group.
 */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../../support/frame-log.ts';
import type { Harness, ProtocolClient } from '../harness.ts';
import { ids, pipeline } from './delivery.ts';

/** Every page of a conversation, newest page first, following `next` until null. */
async function pages(
  c: ProtocolClient,
  query: Record<string, unknown>,
  limit?: number,
): Promise<Frame[]> {
  const out: Frame[] = [];
  let before: unknown;
  for (let i = 0; i < 100; i++) {
    const page = await c.request({
      type: 'history',
      ...query,
      ...(limit !== undefined ? { limit } : {}),
      ...(before !== undefined ? { before } : {}),
    });
    expect(page.type, JSON.stringify(page)).toBe('history');
    out.push(page);
    if (page.next === null) return out;
    expect(page.next).toEqual(expect.any(String));
    before = page.next;
  }
  throw new Error('history did not end within 100 pages');
}

const pageIds = (page: Frame): string[] => ids(page.messages as Frame[]);

export function historyTests(h: Harness): void {
  describe('history', () => {
    it('pages back from the newest: the newest limit messages first, oldest first within a page, next until null', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const sent: string[] = [];
      for (let i = 1; i <= 7; i++) {
        const id = `m${i}`;
        await h.send(i % 2 === 1 ? a : b, { to: i % 2 === 1 ? bob : alice }, id);
        sent.push(id);
      }
      const got = await pages(a, { with: bob }, 3);
      expect(got.map(pageIds)).toEqual([['m5', 'm6', 'm7'], ['m2', 'm3', 'm4'], ['m1']]);
      expect(got[0]).toMatchObject({ type: 'history', with: bob });
      const [first] = got[2]!.messages as Frame[];
      expect(first).toEqual({
        type: 'message',
        id: 'm1',
        from: alice,
        to: bob,
        seq: expect.any(Number),
        ts: expect.any(Number),
        content: { type: 'text', body: 'm1' },
      });
      // Bob sees the same conversation from his side.
      expect((await pages(b, { with: alice }, 3)).map(pageIds)).toEqual(got.map(pageIds));
      expect(sent).toEqual(got.flatMap(pageIds).sort());
    });

    it('defaults limit to 50 and accepts 1 and 200', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const order = await pipeline(a, { to: bob }, 'h', 55);
      const first = await a.request({ type: 'history', with: bob });
      expect(pageIds(first)).toEqual(order.slice(5));
      expect(first.next).toEqual(expect.any(String));
      const rest = await a.request({ type: 'history', with: bob, before: first.next });
      expect(pageIds(rest)).toEqual(order.slice(0, 5));
      expect(rest.next).toBeNull();
      const one = await a.request({ type: 'history', with: bob, limit: 1 });
      expect(pageIds(one)).toEqual(order.slice(54));
      const all = await a.request({ type: 'history', with: bob, limit: 200 });
      expect(pageIds(all)).toEqual(order);
      expect(all.next).toBeNull();
    });

    it.each([0, 201, -1, 1.5, '10', true])('refuses limit %j with bad_frame', async (limit) => {
      const a = await h.connect(h.uid('alice'));
      const reply = await a.request({ type: 'history', with: h.uid('bob'), limit });
      expect(reply).toMatchObject({ type: 'error', code: 'bad_frame' });
    });

    it('answers an empty conversation with no messages and next null', async () => {
      const a = await h.connect(h.uid('alice'));
      const bob = h.uid('bob');
      expect(await a.request({ type: 'history', with: bob })).toMatchObject({
        type: 'history',
        with: bob,
        messages: [],
        next: null,
      });
    });

    it('pages a group’s history the same way', async () => {
      const alice = h.uid('alice');
      const bob = h.uid('bob');
      const a = await h.connect(alice);
      const b = await h.connect(bob, { node: 1 });
      const group = await h.createGroup(a, [bob]);
      for (let i = 1; i <= 5; i++) await h.send(i % 2 === 1 ? a : b, { group }, `g${i}`);
      for (const c of [a, b]) {
        const got = await pages(c, { group }, 2);
        expect(got.map(pageIds)).toEqual([['g4', 'g5'], ['g2', 'g3'], ['g1']]);
        expect(got[0]).toMatchObject({ type: 'history', group });
        for (const m of got.flatMap((p) => p.messages as Frame[]))
          expect(m).toMatchObject({
            type: 'message',
            from: expect.any(String),
            group,
            seq: expect.any(Number),
            ts: expect.any(Number),
            content: { type: 'text', body: m.id },
          });
      }
      const all = await a.request({ type: 'history', group });
      expect(pageIds(all)).toEqual(['g1', 'g2', 'g3', 'g4', 'g5']);
      expect(all.next).toBeNull();
    });
  });
}
