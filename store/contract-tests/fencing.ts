/**
 * Contract: owners and fencing. Epochs strictly increase per owner; a write
 * carrying any epoch but the owner's current one is refused with FencedError
 * and writes nothing; so two owners in a split brain never issue a seq twice.
 */
import { describe, expect, it } from 'vitest';
import type { AppendResult } from '../contract.ts';
import { dm, expectFenced, expectInvalid, type Fixture, groupRecord, receipt, uid } from './kit.ts';

export function fencingTests(f: Fixture): void {
  describe('fencing', () => {
    it('acquireEpoch returns increasing epochs, counted per owner', async () => {
      const a = `user:${uid('a')}`;
      const b = `group:${uid('g')}`;
      const e1 = await f.store().acquireEpoch(a);
      const e2 = await f.store().acquireEpoch(a);
      const other = await f.store().acquireEpoch(b);
      const e3 = await f.store().acquireEpoch(a);
      expect(e1).toBeGreaterThanOrEqual(1);
      expect(e2).toBeGreaterThan(e1);
      expect(e3).toBeGreaterThan(e2);
      expect(other).toBeGreaterThanOrEqual(1);
    });

    it('concurrent acquireEpoch calls on one owner all get distinct epochs', async () => {
      const owner = `user:${uid('a')}`;
      const epochs = await Promise.all(
        Array.from({ length: 8 }, () => f.store().acquireEpoch(owner)),
      );
      expect(new Set(epochs).size).toBe(8);
    });

    it('an append with a stale epoch is refused with FencedError naming the owner and both epochs, and writes nothing', async () => {
      const user = uid('alice');
      const owner = `user:${user}`;
      const old = await f.store().acquireEpoch(owner);
      await f.store().appendInbox(user, old, [dm('bob', '1', user)]);
      const current = await f.store().acquireEpoch(owner);
      await expectFenced(
        f.store().appendInbox(user, old, [dm('bob', '2', user)]),
        owner,
        old,
        current,
      );
      expect(await f.store().inboxHead(user)).toBe(1);
      expect(await f.store().findByKey(user, 'bob/2')).toBeUndefined();
    });

    it('an epoch that was never acquired is refused with FencedError', async () => {
      const user = uid('alice');
      await expectFenced(
        f.store().appendInbox(user, 1, [dm('bob', '1', user)]),
        `user:${user}`,
        1,
        0,
      );
      const current = await f.store().acquireEpoch(`user:${user}`);
      await expectFenced(
        f.store().appendInbox(user, current + 1, [dm('bob', '1', user)]),
        `user:${user}`,
        current + 1,
        current,
      );
      expect(await f.store().inboxHead(user)).toBe(0);
    });

    it("the new owner's appends are accepted and continue the seq where the old owner stopped", async () => {
      const user = uid('alice');
      const a = await f.store().acquireEpoch(`user:${user}`);
      await f.store().appendInbox(user, a, [dm('bob', '1', user), dm('bob', '2', user)]);
      const b = await f.store().acquireEpoch(`user:${user}`);
      const res = await f
        .store()
        .appendInbox(user, b, [dm('bob', '3', user), dm('bob', '1', user)]);
      expect(res).toEqual([
        { seq: 3, duplicate: false },
        { seq: 1, duplicate: true },
      ]);
    });

    it('recordReceipts is fenced by the epoch of user:<sender>, appendGroupLog by group:<id>', async () => {
      const sender = uid('alice');
      const old = await f.store().acquireEpoch(`user:${sender}`);
      const current = await f.store().acquireEpoch(`user:${sender}`);
      await expectFenced(
        f.store().recordReceipts(sender, old, [receipt('m1', 'bob', 'delivered')]),
        `user:${sender}`,
        old,
        current,
      );
      expect(await f.store().receiptStatus(sender, 'm1', 'bob')).toBeUndefined();

      const group = uid('g');
      const gOld = await f.store().acquireEpoch(`group:${group}`);
      const gNew = await f.store().acquireEpoch(`group:${group}`);
      await expectFenced(
        f.store().appendGroupLog(group, gOld, [groupRecord('bob', '1')]),
        `group:${group}`,
        gOld,
        gNew,
      );
      expect(await f.store().readGroupLog(group, 0, 10)).toEqual([]);
    });

    it('two owners appending in turns around takeovers never issue the same seq', async () => {
      const user = uid('alice');
      const owner = `user:${user}`;
      const issued = new Map<number, string>();
      const first = await f.store().acquireEpoch(owner);
      const epochs = [await f.store().acquireEpoch(owner), first];
      let current = 0;
      for (let round = 0; round < 6; round++) {
        for (const who of [0, 1]) {
          const key = `${who}-${round}`;
          const epoch = epochs[who]!;
          const append = f.store().appendInbox(user, epoch, [dm(`o${who}`, key, user)]);
          if (who !== current) {
            await expectFenced(append, owner, epoch, epochs[current]!);
            continue;
          }
          const [res] = await append;
          expect(res?.duplicate).toBe(false);
          expect(issued.has(res!.seq)).toBe(false);
          issued.set(res!.seq, key);
        }
        // The other owner takes over.
        current = 1 - current;
        epochs[current] = await f.store().acquireEpoch(owner);
      }
      expect([...issued.keys()].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(await f.store().inboxHead(user)).toBe(6);
    });

    it('concurrent appends from two owners around a takeover issue each seq once, gapless', async () => {
      const user = uid('alice');
      const owner = `user:${user}`;
      const a = await f.store().acquireEpoch(owner);
      const calls: Promise<{ key: string; res: AppendResult } | null>[] = [];
      const appendAs = (epoch: Promise<number> | number, key: string) =>
        Promise.resolve(epoch)
          .then((e) => f.store().appendInbox(user, e, [dm('peer', key, user)]))
          .then(
            ([res]) => ({ key, res: res! }),
            (err: unknown) => {
              expect((err as { code?: string }).code).toBe('fenced');
              return null;
            },
          );
      for (let i = 0; i < 10; i++) calls.push(appendAs(a, `a${i}`));
      const b = f.store().acquireEpoch(owner);
      for (let i = 0; i < 10; i++) {
        calls.push(appendAs(a, `a${10 + i}`));
        calls.push(appendAs(b, `b${i}`));
      }
      const done = (await Promise.all(calls)).filter((x) => x !== null);
      const fresh = done.filter((d) => !d.res.duplicate);
      const seqs = fresh.map((d) => d.res.seq).sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
      expect(await f.store().inboxHead(user)).toBe(seqs.length);
      // Every b-append was accepted (b is the newest owner throughout its calls).
      expect(done.filter((d) => d.key.startsWith('b')).length).toBe(10);
      for (const d of fresh)
        expect((await f.store().findByKey(user, `peer/${d.key}`))?.seq).toBe(d.res.seq);
    });

    it('an epoch below 1 or not an integer is invalid_argument', async () => {
      const user = uid('alice');
      await expectInvalid(f.store().appendInbox(user, 0, [dm('bob', '1', user)]), 'epoch', '0');
      await expectInvalid(f.store().appendInbox(user, 1.5, [dm('bob', '1', user)]), 'epoch', '1.5');
      await expectInvalid(f.store().recordReceipts(user, -1, []), 'epoch', '-1');
    });
  });
}
