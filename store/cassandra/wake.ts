/**
 * The wake list in the `wake` table: `PRIMARY KEY ((bucket), owner)`, with
 * every owner in one of `WAKE_BUCKETS` fixed partitions (`wakeBucket`).
 *
 * Why buckets: the list holds only owners with work in flight, but in a busy
 * cluster that can be every active group and many users at once, and every
 * mark and clear is a write; one partition would be one hot replica set and
 * one unbounded row run. A few fixed buckets spread both, while a listing
 * still reads only this table: one query per bucket, clustered by owner
 * (`owner > after`, paged), merged in UTF-8 byte order (`../utf8-order.ts`),
 * the order Cassandra clusters `text` in. A listing reads at most
 * `WAKE_BUCKETS * limit` rows. `wakeBucket` and `WAKE_BUCKETS` place rows:
 * changing either needs a migration that moves them.
 *
 * Appends mark their owner themselves, and users' marks are cleared once
 * their pending set stayed empty (`wake-marks.ts`).
 *
 * Mark is a plain INSERT, clear a plain DELETE, at the configured
 * consistency: idempotent, so the driver may retry them. Neither carries a
 * TTL: marks never expire. Which of a mark and a clear of the same owner wins
 * is decided by their write timestamps, which the driver takes from a clock
 * that is monotonic within one process: one process's mark after its clear
 * always stands. Across processes (a new owner marking after the old one
 * cleared) the later write wins unless the two are closer than the clock skew
 * between the two hosts. The table keeps tombstones for a short
 * `gc_grace_seconds` (`schema.ts`): a tombstone dropped before it reached
 * every replica can only bring back a cleared mark, which the contract
 * allows (a spurious mark costs one wasted wake-up), never lose a mark.
 */
import { quote } from '../../runtime/index.ts';
import { compareUtf8 } from '../utf8-order.ts';
import { checkId, checkIdOrNull, checkLimit } from '../validate.ts';
import type { Ctx } from './context.ts';
import { guard } from './driver-errors.ts';

/** Partitions of the wake list. Part of the schema: see the module doc. */
export const WAKE_BUCKETS = 16;

/** The bucket of `owner`: FNV-1a (32 bit) of its UTF-8 bytes, modulo WAKE_BUCKETS. */
export function wakeBucket(owner: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(owner, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193);
  return (hash >>> 0) % WAKE_BUCKETS;
}

export async function markWake(ctx: Ctx, owner: string): Promise<void> {
  checkId('owner', owner);
  await writeMark(ctx, owner);
}

export async function clearWake(ctx: Ctx, owner: string): Promise<void> {
  checkId('owner', owner);
  await writeClear(ctx, owner);
}

/** Writes `owner`'s mark (a checked id); rejects only with ParleyError. */
export function writeMark(ctx: Ctx, owner: string): Promise<void> {
  return guard(`markWake(${quote(owner)})`, async () => {
    await ctx.exec.write(ctx.st.wakeMark, [wakeBucket(owner), owner]);
  });
}

/** Deletes `owner`'s mark (a checked id); rejects only with ParleyError. */
export function writeClear(ctx: Ctx, owner: string): Promise<void> {
  return guard(`clearWake(${quote(owner)})`, async () => {
    await ctx.exec.write(ctx.st.wakeClear, [wakeBucket(owner), owner]);
  });
}

export async function listWake(ctx: Ctx, after: string | null, limit: number): Promise<string[]> {
  const from = checkIdOrNull('after', after);
  const max = checkLimit(limit);
  const { exec, st } = ctx;
  // Every owner is non-empty, so `owner > ''` lists a whole bucket.
  const perBucket = await guard(`listWake(${quote(after)})`, () =>
    Promise.all(
      Array.from({ length: WAKE_BUCKETS }, (_, bucket) =>
        exec.rows(st.wakeAfter, [bucket, from ?? ''], { limit: max }),
      ),
    ),
  );
  const owners = perBucket.flat().map((row) => row.get('owner') as string);
  return owners.sort(compareUtf8).slice(0, max);
}
