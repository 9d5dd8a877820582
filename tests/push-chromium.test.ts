/**
 * Push notifications in the web client, in real headless Chromium against a
 * real node with push on (`support/web-harness.ts`).
 *
 * Real here: the app (settings control, permission request, the node's
 * VAPID key fetched and passed as `applicationServerKey`, the `push.subscribe`
 * frame), the node (trigger, payload, RFC 8291 encryption, VAPID signing),
 * the loopback push service that checks VAPID and decrypts
 * (`support/push-service.ts`), and the service worker (`web/sw.js`) showing
 * the notification, read back with `registration.getNotifications()`.
 *
 * Stood in: only the browser vendor's push service. Headless Chromium has
 * no connection to one, so `PushManager.prototype.subscribe` is replaced by
 * an init script that returns a subscription at the loopback service (keys
 * made by the test), and the payload the loopback service decrypted is
 * handed to the service worker through the DevTools protocol
 * (`ServiceWorker.deliverPushMessage`), as the vendor's service would
 * deliver it.
 */
import type { CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVapidKeys } from '../actors/push/index.ts';
import { type BrowserSubscription, LoopbackPushService } from './support/push-service.ts';
import { eventually, STEP_MS, useWebHarness } from './support/web-harness.ts';
import { ScriptUser } from './support/web-pages.ts';

const web = useWebHarness({
  push: (dataDir) => ({
    vapid: loadVapidKeys({ dataDir }),
    config: { allowHttp: true, coalesceMs: 0 },
  }),
});

let service: LoopbackPushService;
beforeAll(async () => {
  service = await LoopbackPushService.start();
});
afterAll(async () => {
  await service?.close();
});

/** Replaces the browser's push subscription with `sub` (and records the key it was asked for). */
function fakePushManager(sub: BrowserSubscription): void {
  let subscribed = false;
  const fake = {
    endpoint: sub.endpoint,
    expirationTime: null,
    options: { userVisibleOnly: true, applicationServerKey: null },
    getKey: () => null,
    toJSON: () => ({ endpoint: sub.endpoint, expirationTime: null, keys: sub.keys }),
    unsubscribe: async () => {
      subscribed = false;
      return true;
    },
  };
  const w = window as unknown as { pushKey?: string };
  PushManager.prototype.subscribe = async (options?: PushSubscriptionOptionsInit) => {
    const key = new Uint8Array(options?.applicationServerKey as ArrayBuffer);
    w.pushKey = btoa(String.fromCharCode(...key))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
    subscribed = true;
    return fake as unknown as PushSubscription;
  };
  PushManager.prototype.getSubscription = async () =>
    subscribed ? (fake as unknown as PushSubscription) : null;
}

/** The registration id of the origin's service worker, once it is activated. */
async function registrationId(cdp: CDPSession): Promise<string> {
  const ids = new Map<string, string>();
  const active = new Set<string>();
  cdp.on('ServiceWorker.workerRegistrationUpdated', (e) => {
    for (const r of e.registrations) if (!r.isDeleted) ids.set(r.registrationId, r.scopeURL);
  });
  cdp.on('ServiceWorker.workerVersionUpdated', (e) => {
    for (const v of e.versions)
      if (v.status === 'activated' && v.runningStatus !== undefined) active.add(v.registrationId);
  });
  await cdp.send('ServiceWorker.enable');
  await eventually(() => [...ids.keys()].filter((id) => active.has(id)).length).toBe(1);
  return [...ids.keys()].find((id) => active.has(id))!;
}

async function notifications(page: Page) {
  return page.evaluate(async () => {
    const reg = await navigator.serviceWorker.getRegistration('/');
    const shown = (await reg?.getNotifications()) ?? [];
    return shown.map((n) => ({ title: n.title, body: n.body, tag: n.tag, data: n.data }));
  });
}

describe('push notifications in the web client', () => {
  it('a web user who went offline gets a push that the service worker shows', async () => {
    const sub = service.subscribe();
    const context = await web.newContext();
    await context.grantPermissions(['notifications'], { origin: web.base });
    await context.addInitScript(fakePushManager, sub);
    const page = await web.newPage('nina', context);
    await web.signIn(page, 'nina');

    // nina turns notifications on (previews stay off, the default).
    await page.getByTestId('settings-button').click();
    await page.getByTestId('setting-notifications').click();
    await eventually(() => page.getByTestId('notifications-status').textContent()).toContain('On:');
    expect(await page.getByTestId('setting-notification-previews').isChecked()).toBe(false);
    const vapid = (await (await fetch(`${web.base}/api/v1/push/vapid`)).json()) as {
      publicKey: string;
    };
    expect(await page.evaluate(() => (window as unknown as { pushKey?: string }).pushKey)).toBe(
      vapid.publicKey,
    );

    // A page of the origin without the app, for the DevTools session and the notifications.
    const probe = await web.newPage('nina-probe', context);
    await web.blankPage(probe);
    const cdp = await context.newCDPSession(probe);
    const registration = await registrationId(cdp);

    // nina closes the app; oscar, watching her presence, writes once she is offline.
    const oscar = await ScriptUser.open(web.base, 'oscar');
    oscar.client.send({ type: 'presence.subscribe', users: ['nina'] });
    await oscar.client.waitFor(
      (f) => f.type === 'presence' && f.user === 'nina' && f.online === true,
    );
    const from = oscar.client.mark();
    await page.close();
    await oscar.client.waitFor(
      (f) => f.type === 'presence' && f.user === 'nina' && f.online === false,
      STEP_MS,
      from,
    );
    await new Promise((r) => setTimeout(r, 100));
    const id = await oscar.text({ to: 'nina' }, 'the door code is 4711');

    const push = await service.waitFor((p) => p.id === sub.id, STEP_MS);
    expect(push.payload).toMatchObject({
      title: 'oscar',
      body: 'New message',
      tag: 'parley:u:oscar',
      data: { from: 'oscar', id, conversation: 'u:oscar', count: 1 },
    });
    expect(push.text).not.toContain('4711');

    await cdp.send('ServiceWorker.deliverPushMessage', {
      origin: web.base,
      registrationId: registration,
      data: push.text,
    });
    await eventually(() => notifications(probe)).toEqual([
      {
        title: 'oscar',
        body: 'New message',
        tag: 'parley:u:oscar',
        data: expect.objectContaining({ from: 'oscar', id, conversation: 'u:oscar' }),
      },
    ]);
    await oscar.close();
  });
});
