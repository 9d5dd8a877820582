/**
 * The storage contract suite: one set of vitest tests that every `Store`
 * implementation must pass (`contract.ts` is the specification).
 *
 *   runStoreContract('lmdb', async ({ clock, retention }) => {
 *     const store = await openLmdbStore({ path, clock, retention });
 *     return { store, cleanup: () => store.close() };
 *   });
 *
 * `open` is called twice per suite: once with the default retention for
 * everything but expiry, once with short TTLs (`TEST_RETENTION`) for the
 * retention tests. The clock it gets moves only when a test moves it;
 * implementations with server-side expiry make `elapse` wait for real.
 * Tests use fresh ids, so one store serves all tests of a fixture.
 *
 * Covered: fencing (epochs, stale writes refused with FencedError, two
 * owners never issue a seq twice), inbox (gapless seq from 1, idempotency on
 * key within and across calls, atomic appends with key index, history rows
 * and pending marks, concurrent appends), pending marks, delivery cursors,
 * receipts (monotonic status, gapless rseq), history paging, groups
 * (create/update compare-and-set), the group log, media metadata, push
 * subscriptions, retention
 * TTLs, the wake list (ordered paging, idempotent mark and clear, marks that
 * survive reopening when the harness can `reopen`, and never expire; marks
 * derived from pending marks and group log appends), the
 * chat list (one summary per conversation kept by the append, fenced
 * monotonic read watermarks, paging by last activity), group messages by
 * reference (content read from the group log, expired with it), and
 * fast-check model-based and concurrency properties seeded with `FC_SEED`
 * (a failure prints the seed and the shrunk counterexample).
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import { VirtualClock } from '../runtime/testing/index.ts';
import { DEFAULT_RETENTION, type Retention, type Store } from './contract.ts';
import { conversationTests } from './contract-tests/conversations.ts';
import { checkChatListModel } from './contract-tests/conversations-model.ts';
import { fencingTests } from './contract-tests/fencing.ts';
import { groupRefRetentionTests, groupRefTests } from './contract-tests/group-refs.ts';
import { inboxTests } from './contract-tests/inbox.ts';
import {
  type ContractHarness,
  type ContractSettings,
  type Fixture,
  fcSeed,
  type OpenStore,
} from './contract-tests/kit.ts';
import { checkConcurrentAppends, checkInboxModel } from './contract-tests/model.ts';
import { otherTests } from './contract-tests/others.ts';
import { pushTests } from './contract-tests/push.ts';
import { retentionTests, TEST_RETENTION } from './contract-tests/retention.ts';
import { wakeTests } from './contract-tests/wake.ts';
import { wakeDerivedTests } from './contract-tests/wake-derived.ts';

export type {
  ContractHarness,
  ContractOpenOptions,
  ContractSettings,
  OpenStore,
} from './contract-tests/kit.ts';
export { TEST_RETENTION } from './contract-tests/retention.ts';

/** Opens a store in `beforeAll`, cleans it up in `afterAll`. */
function fixture(open: OpenStore, retention: Retention): Fixture {
  const clock = new VirtualClock();
  let harness: ContractHarness | undefined;
  let store: Store | undefined;
  beforeAll(async () => {
    harness = await open({ clock, retention });
    store = harness.store;
  });
  afterAll(async () => {
    await harness?.cleanup();
  });
  const current = () => {
    if (!harness || !store) throw new Error('the contract fixture is not open (beforeAll failed?)');
    return { harness, store };
  };
  return {
    clock,
    store: () => current().store,
    async elapse(ms) {
      clock.setNow(clock.now() + ms);
      await current().harness.elapse?.(ms);
    },
    canReopen: () => current().harness.reopen !== undefined,
    async reopen() {
      const { reopen } = current().harness;
      if (!reopen) throw new Error('this store cannot be reopened (check canReopen first)');
      store = await reopen();
    },
  };
}

export function runStoreContract(
  name: string,
  open: OpenStore,
  settings: ContractSettings = {},
): void {
  const runs = settings.modelRuns ?? 40;
  describe(`storage contract: ${name}`, () => {
    describe('with the default retention', () => {
      const f = fixture(open, DEFAULT_RETENTION);
      fencingTests(f);
      inboxTests(f);
      otherTests(f);
      pushTests(f);
      wakeTests(f);
      wakeDerivedTests(f, settings.wakeDerivation ?? 'atomic');
      conversationTests(f);
      groupRefTests(f);
      describe('properties (fast-check, FC_SEED)', () => {
        it('random interleavings of takeovers, appends, duplicates, reads, cursor moves, pending clears and receipts agree with the reference model', async () => {
          await checkInboxModel(f.store(), fcSeed(), runs);
        }, 120_000);
        it('concurrent bursts of appends with duplicate keys and a takeover keep seqs gapless and each key once', async () => {
          await checkConcurrentAppends(f.store(), fcSeed(), runs);
        }, 120_000);
        it('random appends and read marks keep the chat list equal to one derived from the entries', async () => {
          await checkChatListModel(f.store(), fcSeed(), Math.max(5, Math.floor(runs / 2)));
        }, 120_000);
      });
    });
    describe('with short TTLs', () => {
      const short = fixture(open, TEST_RETENTION);
      retentionTests(short);
      groupRefRetentionTests(short);
    });
  });
}
