/**
 * Push subscriptions in `push_subscriptions`: `PRIMARY KEY ((uid), id)`, one
 * partition per user, the checked record as JSON in `body`.
 *
 * Put is a plain INSERT (an upsert), delete a plain DELETE: idempotent, so
 * the driver may retry them. A user holds a handful of records (the registry
 * bounds them), so listing reads the whole partition and sorts it in the
 * contract's order.
 */
import { quote } from '../../runtime/index.ts';
import type { PushSubscriptionRecord } from '../contract.ts';
import {
  checkId,
  checkPushSubscription,
  comparePushSubscriptions,
  READ_LIMIT_MAX,
} from '../validate.ts';
import type { Ctx } from './context.ts';
import { guard } from './driver-errors.ts';

export async function putPushSubscription(ctx: Ctx, sub: PushSubscriptionRecord): Promise<void> {
  const saved = checkPushSubscription(sub);
  await guard(`putPushSubscription(${quote(saved.user)})`, () =>
    ctx.exec.write(ctx.st.pushPut, [saved.user, saved.id, JSON.stringify(saved)]),
  );
}

export async function listPushSubscriptions(
  ctx: Ctx,
  user: string,
): Promise<PushSubscriptionRecord[]> {
  checkId('user', user);
  const rows = await guard(`listPushSubscriptions(${quote(user)})`, () =>
    ctx.exec.rows(ctx.st.pushList, [user], { limit: READ_LIMIT_MAX }),
  );
  return rows
    .map((row) => JSON.parse(row.get('body') as string) as PushSubscriptionRecord)
    .sort(comparePushSubscriptions);
}

export async function deletePushSubscription(ctx: Ctx, user: string, id: string): Promise<void> {
  checkId('user', user);
  checkId('id', id);
  await guard(`deletePushSubscription(${quote(user)})`, () =>
    ctx.exec.write(ctx.st.pushDelete, [user, id]),
  );
}
