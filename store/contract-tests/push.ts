/**
 * Contract: push subscriptions (upsert on (user, id), listed oldest first,
 * idempotent delete, kept across reopening, fields checked).
 */
import { describe, expect, it } from 'vitest';
import type { PushSubscriptionRecord } from '../contract.ts';
import { expectInvalid, type Fixture, TS, uid } from './kit.ts';

function webPush(user: string, id: string, ts: number): PushSubscriptionRecord {
  return {
    id,
    user,
    kind: 'webpush',
    target: `https://push.example/send/${id}`,
    p256dh: 'BOr4Kx9-key',
    auth: 'c2VjcmV0',
    previews: false,
    ts,
  };
}

export function pushTests(f: Fixture): void {
  describe('push subscriptions', () => {
    it('put then list returns them oldest first (by ts, then id); an unknown user has none', async () => {
      const user = uid('alice');
      const b = webPush(user, 'b', TS + 5);
      const a = webPush(user, 'a', TS + 5);
      const c: PushSubscriptionRecord = {
        id: 'c',
        user,
        kind: 'webhook',
        target: 'apns-token-1',
        platform: 'apns',
        previews: true,
        ts: TS,
      };
      await f.store().putPushSubscription(b);
      await f.store().putPushSubscription(c);
      await f.store().putPushSubscription(a);
      expect(await f.store().listPushSubscriptions(user)).toEqual([c, a, b]);
      expect(await f.store().listPushSubscriptions(uid('nobody'))).toEqual([]);
    });

    it('a second put of the same (user, id) replaces the record; other users are apart', async () => {
      const user = uid('alice');
      const other = uid('bob');
      await f.store().putPushSubscription(webPush(user, 's1', TS));
      await f.store().putPushSubscription(webPush(other, 's1', TS));
      const again = { ...webPush(user, 's1', TS + 9), previews: true };
      await f.store().putPushSubscription(again);
      expect(await f.store().listPushSubscriptions(user)).toEqual([again]);
      expect(await f.store().listPushSubscriptions(other)).toEqual([webPush(other, 's1', TS)]);
    });

    it('delete removes only that record and is idempotent', async () => {
      const user = uid('alice');
      await f.store().putPushSubscription(webPush(user, 's1', TS));
      await f.store().putPushSubscription(webPush(user, 's2', TS + 1));
      await f.store().deletePushSubscription(user, 's1');
      await f.store().deletePushSubscription(user, 's1');
      await f.store().deletePushSubscription(user, 'never');
      expect(await f.store().listPushSubscriptions(user)).toEqual([webPush(user, 's2', TS + 1)]);
    });

    it('records survive reopening the store', async (ctx) => {
      if (!f.canReopen()) ctx.skip('this store keeps nothing across an open');
      const user = uid('alice');
      await f.store().putPushSubscription(webPush(user, 's1', TS));
      await f.reopen();
      expect(await f.store().listPushSubscriptions(user)).toEqual([webPush(user, 's1', TS)]);
    });

    it('a bad kind, previews or target is invalid_argument', async () => {
      const user = uid('alice');
      const good = webPush(user, 's1', TS);
      await expectInvalid(
        f.store().putPushSubscription({ ...good, kind: 'pigeon' as 'webpush' }),
        'sub.kind',
        '"pigeon"',
      );
      await expectInvalid(
        f.store().putPushSubscription({ ...good, previews: 'yes' as unknown as boolean }),
        'sub.previews',
        '"yes"',
      );
      await expectInvalid(
        f.store().putPushSubscription({ ...good, target: '' }),
        'sub.target',
        '""',
      );
      expect(await f.store().listPushSubscriptions(user)).toEqual([]);
    });
  });
}
