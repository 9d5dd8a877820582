/**
 * The wake list: one key per owner with unfinished work in the `wake`
 * database (`schema.ts`).
 *
 * The appends that create work mark their owner in their own conditional
 * block (`inbox.ts`, `groups.ts`), and `clearPending` clears a user's mark in
 * its transaction when the user's last pending row goes (`inbox.ts`).
 *
 * Mark and clear are a plain put and remove, idempotent by nature; each
 * resolves only after its transaction is durable (`open.ts`), like every
 * write of the store, so a mark reported written survives a crash. Writes of
 * one process apply in the order they were issued, so a mark after a clear of
 * the same owner stays. Marks carry no timestamp and never expire (the sweep
 * does not visit this database).
 *
 * Listing is a range scan from `after` in key order, which for string keys
 * is UTF-8 byte order (`../utf8-order.ts`), the order the contract promises.
 */
import { quote } from '../../runtime/index.ts';
import { checkId, checkIdOrNull, checkLimit } from '../validate.ts';
import { type Ctx, written } from './context.ts';

export async function markWake(ctx: Ctx, owner: string): Promise<void> {
  checkId('owner', owner);
  await written(`markWake(${quote(owner)})`, ctx.dbs.wake.put(owner, true));
}

export async function clearWake(ctx: Ctx, owner: string): Promise<void> {
  checkId('owner', owner);
  await written(`clearWake(${quote(owner)})`, ctx.dbs.wake.remove(owner));
}

export function listWake(ctx: Ctx, after: string | null, limit: number): string[] {
  const from = checkIdOrNull('after', after);
  const max = checkLimit(limit);
  const out: string[] = [];
  // `start` is inclusive: `after` itself, when marked, is skipped.
  for (const owner of ctx.dbs.wake.getKeys(from === null ? {} : { start: from })) {
    if (owner === from) continue;
    out.push(owner);
    if (out.length === max) break;
  }
  return out;
}
