/**
 * The fenced, gapless, idempotent append shared by the inbox and the group
 * log: both keep static `epoch` and `head` in the log's partition and a Key
 * row per idempotency key.
 *
 * One call is one conditional single-partition batch
 *   UPDATE head = h+n IF epoch = e AND head = h   + the rows of the n new items
 *                                                 (+ the spec's `batchRows`: the chat list).
 * Fenced: applied only while the static `epoch` is the caller's. Gapless: the
 * new items get h+1..h+n, applied only if `head` is still h. Atomic: a batch
 * on one partition is one mutation, applied through Paxos or not at all.
 * Idempotent: Key rows are read first; a present (unexpired) key returns its
 * seq and writes nothing; a concurrent writer of the same key moves `head`,
 * so our condition fails and the re-read finds the key.
 */
import type { AppendResult } from '../contract.ts';
import { staleEpoch } from '../errors.ts';
import { type CasAttempt, newWid, runCas } from './cas.ts';
import type { Ctx } from './context.ts';
import type { BatchQuery } from './cql.ts';
import { isLive } from './expiry.ts';
import { num } from './rows.ts';

/** Keys per `IN` read. */
const IN_CHUNK = 100;

interface LogState<X> {
  readonly epoch: number | null;
  readonly head: number;
  readonly keys: KeyRows;
  readonly more: X;
}

export interface AppendSpec<T, X = undefined> {
  /** For messages: `appendInbox("alice")`. */
  readonly what: string;
  /** The fencing owner: `user:alice`, `group:g1`. */
  readonly owner: string;
  /** The partition key value. */
  readonly partition: string;
  /** `SELECT epoch, head ... WHERE <pk> = ? LIMIT 1`. */
  readonly stateQuery: string;
  /** `SELECT tag, seq, wid ... WHERE <pk> = ? AND kind = Key AND tag IN ?`. */
  readonly keysQuery: string;
  /** `UPDATE ... SET head = ? WHERE <pk> = ? IF epoch = ? AND head = ?`. */
  readonly headCas: string;
  readonly keyOf: (item: T) => string;
  /** The rows of one new item (its Key row included), all carrying `wid`; `now` is the clock at the decision. */
  readonly rowsFor: (item: T, seq: bigint, wid: string, now: number) => BatchQuery[];
  /**
   * Reads more state the decision needs (the inbox: its chat list rows), at
   * the ordinary consistency: alongside the other reads, or after them when
   * they are serial (they complete any in-flight proposal first; one more
   * Paxos read of the same partition at once only makes them time out).
   */
  readonly observeMore?: () => Promise<X>;
  /** Rows written once per batch, after the items' rows, from the new items and what `observeMore` read. */
  readonly batchRows?: (
    fresh: readonly { readonly item: T; readonly seq: number }[],
    more: X,
    wid: string,
    now: number,
  ) => BatchQuery[];
}

/** Refuses a write whose epoch is not the owner's current one (null: none taken yet). */
export function fence(owner: string, current: number | null, epoch: number): void {
  if (current !== epoch) throw staleEpoch(owner, epoch, current ?? 0);
}

export interface KeyRows {
  /** The live (unexpired) seq of each key present. */
  readonly live: ReadonlyMap<string, number>;
  /** The write ids of every key row read, expired or not (to recognise a landed attempt). */
  readonly wids: ReadonlySet<string>;
}

/** Key rows of `keys` in `partition`. A key re-appended after it expired has rows for both seqs: the later one counts. */
export async function readKeys(
  ctx: Ctx,
  query: string,
  partition: string,
  keys: readonly string[],
  serial: boolean,
): Promise<KeyRows> {
  const live = new Map<string, number>();
  const wids = new Set<string>();
  const now = ctx.clock.now();
  for (let i = 0; i < keys.length; i += IN_CHUNK) {
    const chunk = keys.slice(i, i + IN_CHUNK);
    const rows = await ctx.exec.rows(query, [partition, chunk], {
      limit: Number.MAX_SAFE_INTEGER,
      serial,
    });
    for (const row of rows) {
      const wid = row.get('wid') as string | null;
      if (wid) wids.add(wid);
      // Rows come by (tag, seq) ascending, so a later live row of a key replaces an earlier one.
      if (isLive(row, now)) live.set(row.get('tag') as string, num(row.get('seq')));
    }
  }
  return { live, wids };
}

export function appendFenced<T, X = undefined>(
  ctx: Ctx,
  spec: AppendSpec<T, X>,
  epoch: number,
  items: readonly T[],
): Promise<AppendResult[]> {
  const keys = [...new Set(items.map(spec.keyOf))];
  return runCas<LogState<X>, AppendResult[]>(
    {
      what: spec.what,
      async observe(serial) {
        const [state, found, early] = await Promise.all([
          ctx.exec.first(spec.stateQuery, [spec.partition], serial),
          readKeys(ctx, spec.keysQuery, spec.partition, keys, serial),
          serial ? undefined : spec.observeMore?.(),
        ]);
        const more = serial ? await spec.observeMore?.() : early;
        const current = state?.get('epoch');
        return {
          epoch: current === null || current === undefined ? null : num(current),
          head: num(state?.get('head')),
          keys: found,
          more: more as X,
        };
      },
      landed(o, uncertain) {
        // Key rows are written once (with the batch that issued their seq), so a wid found there is final.
        return uncertain.find((a) => o.keys.wids.has(a.wid))?.result;
      },
      decide(o) {
        fence(spec.owner, o.epoch, epoch);
        const results: AppendResult[] = [];
        const fresh = new Map<string, number>();
        const rows: BatchQuery[] = [];
        const added: { item: T; seq: number }[] = [];
        const wid = newWid();
        const now = ctx.clock.now();
        for (const item of items) {
          const key = spec.keyOf(item);
          const known = o.keys.live.get(key) ?? fresh.get(key);
          if (known !== undefined) {
            results.push({ seq: known, duplicate: true });
            continue;
          }
          const seq = o.head + fresh.size + 1;
          fresh.set(key, seq);
          results.push({ seq, duplicate: false });
          added.push({ item, seq });
          rows.push(...spec.rowsFor(item, BigInt(seq), wid, now));
        }
        if (fresh.size === 0) return { done: results };
        if (spec.batchRows !== undefined) rows.push(...spec.batchRows(added, o.more, wid, now));
        const head = BigInt(o.head);
        const cas = {
          query: spec.headCas,
          params: [head + BigInt(fresh.size), spec.partition, BigInt(epoch), head],
        };
        const attempt: CasAttempt<AppendResult[]> = {
          wid,
          result: results,
          write: () => ctx.exec.casBatch([cas, ...rows], spec.partition),
        };
        return { attempt };
      },
    },
    ctx.clock,
  );
}
