/**
 * Contract: the wake list derived from the writes that create work (the
 * contract's "Wake list"). An append with pending marks lists its user, a
 * group log append lists its group, and the mark stays while any pending
 * mark of the user does. Stores that write the mark atomically with the
 * append (`atomic`: memory, LMDB) also clear it with the user's last
 * pending mark, and a refused append marks nothing; a store that marks
 * before the append (Cassandra) may leave a mark behind in both cases.
 *
 * Each test uses owners under a fresh prefix and lists from it, so its
 * owners come first whatever else the shared store has marked.
 */
import { describe, expect, it } from 'vitest';
import type { Store } from '../contract.ts';
import { dm, expectFenced, type Fixture, groupRecord, uid, type WakeDerivation } from './kit.ts';

/** Marked owners under `prefix` (which must come first after `prefix`). */
async function markedUnder(store: Store, prefix: string): Promise<string[]> {
  const page = await store.listWake(prefix, 10);
  return page.filter((o) => o.startsWith(prefix));
}

/** A fresh user id whose owner key `user:<id>` is the only one under the returned prefix. */
function freshUser(): { user: string; owner: string; prefix: string } {
  const base = uid('wd');
  return { user: `${base}/u`, owner: `user:${base}/u`, prefix: `user:${base}/` };
}

export function wakeDerivedTests(f: Fixture, derivation: WakeDerivation): void {
  describe(`wake list derived from pending marks (${derivation})`, () => {
    it('an append with pending marks lists the user; one without lists nobody', async () => {
      const store = f.store();
      const quiet = freshUser();
      const e1 = await store.acquireEpoch(quiet.owner);
      await store.appendInbox(quiet.user, e1, [
        dm(quiet.user, 'a', 'bob'),
        dm(quiet.user, 'b', 'bob', { pendingFor: [] }),
      ]);
      expect(await markedUnder(store, quiet.prefix)).toEqual([]);

      const busy = freshUser();
      const e2 = await store.acquireEpoch(busy.owner);
      await store.appendInbox(busy.user, e2, [
        dm(busy.user, 'a', 'bob'),
        dm(busy.user, 'b', 'bob', { pendingFor: ['bob'] }),
      ]);
      expect(await markedUnder(store, busy.prefix)).toEqual([busy.owner]);
    });

    it('the mark stays while any pending mark of the user does', async () => {
      const store = f.store();
      const { user, owner, prefix } = freshUser();
      const epoch = await store.acquireEpoch(owner);
      const [first, second] = await store.appendInbox(user, epoch, [
        dm(user, 'a', 'bob', { pendingFor: ['bob', 'carol'] }),
        dm(user, 'b', 'bob', { pendingFor: ['bob'] }),
      ]);
      await store.clearPending(user, first!.seq, 'bob');
      await store.clearPending(user, second!.seq, 'bob');
      // Clearing a mark again, or one that never existed, changes nothing.
      await store.clearPending(user, second!.seq, 'bob');
      await store.clearPending(user, second!.seq, 'dave');
      expect((await store.listPending(user, 10)).map((p) => p.recipient)).toEqual(['carol']);
      expect(await markedUnder(store, prefix)).toEqual([owner]);

      await store.clearPending(user, first!.seq, 'carol');
      expect(await store.listPending(user, 10)).toEqual([]);
      const left = await markedUnder(store, prefix);
      if (derivation === 'atomic') expect(left).toEqual([]);
      // Before-append stores may keep the mark (spurious), never list another owner.
      else expect(left.filter((o) => o !== owner)).toEqual([]);

      // New work marks the user again, whatever the clear left.
      await store.appendInbox(user, epoch, [dm(user, 'c', 'bob', { pendingFor: ['bob'] })]);
      expect(await markedUnder(store, prefix)).toEqual([owner]);
    });

    it('an append after a clearWake of its user marks it again', async () => {
      const store = f.store();
      const { user, owner, prefix } = freshUser();
      const epoch = await store.acquireEpoch(owner);
      await store.appendInbox(user, epoch, [dm(user, 'a', 'bob', { pendingFor: ['bob'] })]);
      await store.clearWake(owner);
      expect(await markedUnder(store, prefix)).toEqual([]);
      await store.appendInbox(user, epoch, [dm(user, 'b', 'bob', { pendingFor: ['bob'] })]);
      expect(await markedUnder(store, prefix)).toEqual([owner]);
    });

    it('a group log append lists the group until it is cleared', async () => {
      const store = f.store();
      const base = uid('wdg');
      const group = `${base}/g`;
      const owner = `group:${group}`;
      const epoch = await store.acquireEpoch(owner);
      await store.appendGroupLog(group, epoch, [groupRecord('alice', 'm1')]);
      expect(await markedUnder(store, `group:${base}/`)).toEqual([owner]);
      await store.clearWake(owner);
      expect(await markedUnder(store, `group:${base}/`)).toEqual([]);
      await store.appendGroupLog(group, epoch, [groupRecord('alice', 'm2')]);
      expect(await markedUnder(store, `group:${base}/`)).toEqual([owner]);
    });

    if (derivation === 'atomic')
      it('a fenced append marks nothing, user or group', async () => {
        const store = f.store();
        const { user, owner, prefix } = freshUser();
        const stale = await store.acquireEpoch(owner);
        const current = await store.acquireEpoch(owner);
        await expectFenced(
          store.appendInbox(user, stale, [dm(user, 'a', 'bob', { pendingFor: ['bob'] })]),
          owner,
          stale,
          current,
        );
        expect(await markedUnder(store, prefix)).toEqual([]);
        expect(await store.listPending(user, 10)).toEqual([]);

        const base = uid('wdg');
        const group = `${base}/g`;
        const gStale = await store.acquireEpoch(`group:${group}`);
        const gCurrent = await store.acquireEpoch(`group:${group}`);
        await expectFenced(
          store.appendGroupLog(group, gStale, [groupRecord('alice', 'm1')]),
          `group:${group}`,
          gStale,
          gCurrent,
        );
        expect(await markedUnder(store, `group:${base}/`)).toEqual([]);
      });
  });
}
