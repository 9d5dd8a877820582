/**
 * Fencing and gapless sequences through lightweight transactions, on a real
 * Cassandra, with two store instances standing in for two nodes in a split
 * brain.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import type { InboxAppend } from '../contract.ts';
import { FencedError } from '../errors.ts';
import type { CassandraStore } from './cassandra-store.ts';
import { freshKeyspace, openTestStore } from './test-kit.ts';

const item = (from: string, id: string): InboxAppend => ({
  record: { key: `${from}/${id}`, from, id, to: 'x', ts: 1, content: { type: 'text', text: id } },
  conversation: `u:${from}`,
});

async function rejection(promise: Promise<unknown>): Promise<ParleyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ParleyError)) throw new Error(`expected a ParleyError, got ${String(err)}`);
  return err;
}

describe('fencing with epochs', () => {
  const keyspace = freshKeyspace('fence');
  let nodeA: CassandraStore;
  let nodeB: CassandraStore;

  beforeAll(async () => {
    nodeA = await openTestStore(keyspace);
    nodeB = await openTestStore(keyspace);
  });
  afterAll(async () => {
    await nodeA?.close();
    await nodeB?.close();
  });

  test('a stale epoch is refused with FencedError and the newer epoch is accepted', async () => {
    const old = await nodeA.acquireEpoch('user:f1');
    const fresh = await nodeB.acquireEpoch('user:f1');
    expect(fresh).toBe(old + 1);
    const err = await rejection(nodeA.appendInbox('f1', old, [item('a', '1')]));
    expect(err).toBeInstanceOf(FencedError);
    expect(err.code).toBe(ErrorCode.Fenced);
    expect(err.message).toBe(`"user:f1": epoch ${old} is stale: epoch ${fresh} was acquired since`);
    expect(await nodeB.appendInbox('f1', fresh, [item('b', '1')])).toEqual([
      { seq: 1, duplicate: false },
    ]);
    expect(await nodeA.inboxHead('f1')).toBe(1);
  });

  test('an epoch never acquired is refused, for inbox, receipts and group log alike', async () => {
    const never = await rejection(nodeA.appendInbox('f0', 1, [item('a', '1')]));
    expect(never.message).toBe('"user:f0": epoch 1 refused: no epoch was ever acquired');
    const epoch = await nodeA.acquireEpoch('user:f2');
    const ahead = await rejection(nodeA.appendInbox('f2', epoch + 1, [item('a', '1')]));
    expect(ahead.message).toBe(
      `"user:f2": epoch ${epoch + 1} was never acquired (the current one is ${epoch})`,
    );
    await nodeB.acquireEpoch('user:f2');
    const receipts = await rejection(
      nodeA.recordReceipts('f2', epoch, [{ id: 'm', by: 'b', status: 'delivered', ts: 1 }]),
    );
    expect(receipts).toBeInstanceOf(FencedError);
    const g = await nodeA.acquireEpoch('group:g9');
    await nodeB.acquireEpoch('group:g9');
    const log = await rejection(
      nodeA.appendGroupLog('g9', g, [
        { key: 'a/1', from: 'a', id: '1', ts: 1, content: { type: 't' } },
      ]),
    );
    expect(log.message).toBe(`"group:g9": epoch ${g} is stale: epoch ${g + 1} was acquired since`);
  });

  test('two owners appending concurrently under different epochs never issue the same seq', async () => {
    const epochA = await nodeA.acquireEpoch('user:race');
    const accepted: Array<{ key: string; seq: number; by: 'A' | 'B' }> = [];
    const refusedA: ParleyError[] = [];
    let takeover: Promise<number> | undefined;
    const ownerA = async (lane: number) => {
      for (let i = 0; i < 12; i++) {
        const key = `a${lane}/${i}`;
        try {
          const [r] = await nodeA.appendInbox('race', epochA, [item(`a${lane}`, String(i))]);
          accepted.push({ key, seq: r!.seq, by: 'A' });
        } catch (err) {
          if (!(err instanceof FencedError)) throw err;
          refusedA.push(err);
        }
        // B takes over once A has a few accepted, while A's lanes keep writing.
        if (accepted.length >= 6 && !takeover) takeover = nodeB.acquireEpoch('user:race');
      }
    };
    const ownerB = async () => {
      while (!takeover) await new Promise((r) => setTimeout(r, 5));
      const epochB = await takeover;
      for (let i = 0; i < 10; i++) {
        const [r] = await nodeB.appendInbox('race', epochB, [item('b', String(i))]);
        accepted.push({ key: `b/${i}`, seq: r!.seq, by: 'B' });
      }
    };
    await Promise.all([ownerA(0), ownerA(1), ownerA(2), ownerB()]);

    const seqs = accepted.map((a) => a.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(refusedA.length).toBeGreaterThan(0);
    const lastA = Math.max(...accepted.filter((a) => a.by === 'A').map((a) => a.seq));
    const firstB = Math.min(...accepted.filter((a) => a.by === 'B').map((a) => a.seq));
    expect(lastA).toBeLessThan(firstB);
    const stored = await nodeA.readInbox('race', 0, 1000);
    expect(stored.map((e) => e.seq)).toEqual(
      Array.from({ length: accepted.length }, (_, i) => i + 1),
    );
    const bySeq = new Map(stored.map((e) => [e.seq, e.key]));
    for (const a of accepted) expect(bySeq.get(a.seq)).toBe(a.key);
  });

  test('concurrent appends under one epoch stay gapless, and one key is issued one seq', async () => {
    const epoch = await nodeA.acquireEpoch('user:same');
    const results = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) =>
        nodeA.appendInbox('same', epoch, [item('s', String(i))]),
      ),
      nodeA.appendInbox('same', epoch, [item('dup', '1')]),
      nodeB.appendInbox('same', epoch, [item('dup', '1')]),
    ]);
    const dups = results.slice(6).map((r) => r[0]!);
    expect(dups[0]!.seq).toBe(dups[1]!.seq);
    expect(dups.filter((d) => !d.duplicate)).toHaveLength(1);
    const stored = await nodeA.readInbox('same', 0, 100);
    expect(stored.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  test('concurrent acquisitions from two nodes each get a distinct, increasing epoch', async () => {
    const epochs = await Promise.all(
      Array.from({ length: 8 }, (_, i) => (i % 2 ? nodeA : nodeB).acquireEpoch('group:contended')),
    );
    expect([...epochs].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
