/**
 * The simulated store: the production memory store (which implements the
 * store contract exactly) behind a network of seeded latency and faults,
 * shared by every node as one Cassandra cluster would be.
 *
 * A call travels to the store (half its latency), is applied there, and its
 * answer travels back (the other half). Faults, drawn per call from the
 * run's random:
 * - outage: every call is answered `unavailable` without being applied;
 * - failure (writes only): answered `unavailable`, not applied;
 * - indeterminate (writes only): applied, then answered `unavailable`: the
 *   write landed and the reply was lost;
 * - slow: another latency distribution.
 * A node that crashes while a call is out never sees the answer (its fence);
 * the call itself still lands. Every successful inbox append is recorded
 * (`issued`) for the "two owners issued one seq" checker.
 */

import type { Clock, Random } from '../../runtime/index.ts';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import type { MemoryStore, Store } from '../../store/index.ts';
import type { Issued } from '../types.ts';
import type { Sampler } from './distributions.ts';
import type { Fence } from './fence.ts';
import type { Trace } from './trace.ts';

const READS = new Set([
  'readInbox',
  'inboxHead',
  'findByKey',
  'listPending',
  'cursors',
  'readReceipts',
  'receiptStatus',
  'history',
  'conversations',
  'getGroup',
  'readGroupLog',
  'groupHistory',
  'listWake',
  'getMedia',
  'listPushSubscriptions',
]);

/** Writes fenced by an epoch, and the kind of key that owns them. */
const EPOCH_OWNER: Record<string, string> = {
  appendInbox: 'user',
  recordReceipts: 'user',
  markRead: 'user',
  appendGroupLog: 'group',
};

export interface StoreFaults {
  outage: boolean;
  failureRate: number;
  indeterminateRate: number;
  /** Replaces the scenario's latency while set. */
  slow: Sampler | undefined;
}

export class SimStore {
  readonly issued: Issued[] = [];
  readonly faults: StoreFaults;
  readonly stats = { calls: 0, failed: 0, indeterminate: 0 };
  /** Mutant `forget-write`: the forward append with this number (1-based) is answered but not stored. */
  forgetAppend = 0;
  /** Mutant `split-ownership`: writes are never fenced (any epoch is taken as current). */
  noFencing = false;
  private appends = 0;

  constructor(
    readonly inner: MemoryStore,
    private readonly clock: Clock,
    private readonly random: Random,
    private readonly latency: Sampler,
    private readonly trace: Trace,
    private readonly t0: number,
    base: { failureRate: number; indeterminateRate: number },
  ) {
    this.faults = { outage: false, slow: undefined, ...base };
  }

  /** The store as node `fence` sees it. */
  forNode(fence: Fence): Store {
    const cache = new Map<PropertyKey, unknown>();
    return new Proxy(this.inner as unknown as Store, {
      get: (target, prop, receiver) => {
        const v = Reflect.get(target, prop, receiver);
        if (typeof v !== 'function' || prop === 'close') {
          return typeof v === 'function' ? () => Promise.resolve() : v;
        }
        let w = cache.get(prop);
        if (w === undefined) {
          const name = String(prop);
          w = (...args: unknown[]) => this.call(fence, name, args);
          cache.set(prop, w);
        }
        return w;
      },
    });
  }

  private call(fence: Fence, method: string, args: unknown[]): Promise<unknown> {
    this.stats.calls++;
    const total = (this.faults.slow ?? this.latency)();
    const there = Math.floor(total / 2);
    const back = total - there;
    const write = !READS.has(method);
    this.trace.add(`s${fence.node}:${method}:${String(args[0])}`);
    return new Promise((resolve, reject) => {
      const answer = (fn: () => void) =>
        this.clock.setTimer(back, () => {
          if (fence.alive) fn();
        });
      this.clock.setTimer(there, () => {
        const f = this.faults;
        if (f.outage) {
          this.stats.failed++;
          answer(() => reject(unavailable(method, 'the store is down')));
          return;
        }
        if (write && f.failureRate > 0 && this.random.next() < f.failureRate) {
          this.stats.failed++;
          answer(() => reject(unavailable(method, 'the write failed')));
          return;
        }
        const lost = write && f.indeterminateRate > 0 && this.random.next() < f.indeterminateRate;
        if (this.noFencing && EPOCH_OWNER[method] !== undefined) {
          const epochs = (this.inner as unknown as { epochs: Map<string, number> }).epochs;
          args[1] = epochs.get(`${EPOCH_OWNER[method]}:${String(args[0])}`) ?? 0;
        }
        // Counted over appends of a message to its recipient (not own copies), so the lost write is one a device waits for.
        if (method === 'appendInbox' && isForward(args) && ++this.appends === this.forgetAppend) {
          void this.inner.inboxHead(String(args[0])).then((head) => {
            const items = args[2] as readonly unknown[];
            answer(() => resolve(items.map((_, i) => ({ seq: head + 1 + i, duplicate: false }))));
          });
          return;
        }
        const applied = (
          this.inner as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>
        )[method]!(...args);
        applied.then(
          (value) => {
            if (method === 'appendInbox') this.record(args, value);
            if (lost) {
              this.stats.indeterminate++;
              answer(() => reject(unavailable(method, 'the write landed but its answer was lost')));
            } else answer(() => resolve(value));
          },
          (err: unknown) => answer(() => reject(err)),
        );
      });
    });
  }

  private record(args: unknown[], value: unknown): void {
    const user = args[0] as string;
    const epoch = args[1] as number;
    const items = args[2] as readonly { record: { key: string } }[];
    const results = value as readonly { seq: number; duplicate: boolean }[];
    const t = this.clock.now() - this.t0;
    results.forEach((r, i) => {
      if (!r.duplicate) this.issued.push({ t, user, epoch, seq: r.seq, key: items[i]!.record.key });
    });
  }
}

/** An inbox append of a message from another user (a forward to its recipient). */
function isForward(args: unknown[]): boolean {
  const items = args[2] as readonly { record: { from: string } }[];
  return items[0]?.record.from !== args[0];
}

function unavailable(method: string, why: string): ParleyError {
  return new ParleyError(ErrorCode.Unavailable, `store ${method}: ${why} (simulated); retry later`);
}
