/**
 * Push subscriptions: one row per (user, id) in the `push` database
 * (`schema.ts`), keyed `[user, id]` so a user's records are one prefix scan.
 *
 * Put and delete are a plain put and remove, idempotent by nature, durable
 * when they resolve (`open.ts`). Records carry no TTL (the sweep does not
 * visit this database); listing sorts them oldest first as the contract says.
 */
import { quote } from '../../runtime/index.ts';
import type { PushSubscriptionRecord } from '../contract.ts';
import { checkId, checkPushSubscription, comparePushSubscriptions } from '../validate.ts';
import { type Ctx, written } from './context.ts';
import { END } from './schema.ts';

export async function putPushSubscription(ctx: Ctx, sub: PushSubscriptionRecord): Promise<void> {
  const saved = checkPushSubscription(sub);
  await written(
    `putPushSubscription(${quote(saved.user)})`,
    ctx.dbs.push.put([saved.user, saved.id], saved),
  );
}

export function listPushSubscriptions(ctx: Ctx, user: string): PushSubscriptionRecord[] {
  checkId('user', user);
  const out: PushSubscriptionRecord[] = [];
  for (const { value } of ctx.dbs.push.getRange({ start: [user], end: [user, END] }))
    out.push(value);
  return out.sort(comparePushSubscriptions);
}

export async function deletePushSubscription(ctx: Ctx, user: string, id: string): Promise<void> {
  checkId('user', user);
  checkId('id', id);
  await written(`deletePushSubscription(${quote(user)})`, ctx.dbs.push.remove([user, id]));
}
