/**
 * Notifications while away (`docs/push.md`): the service worker (`/sw.js`),
 * the browser's push subscription, and the node's VAPID key.
 *
 * `registerServiceWorker` runs at start (no permission asked).
 * `enableNotifications` asks for permission (on a click), subscribes with
 * the node's `applicationServerKey` and returns the subscription's JSON,
 * which the controller sends as `push.subscribe`. `disableNotifications`
 * unsubscribes the browser and returns the endpoint to unsubscribe on the
 * server. `currentSubscription` is the browser's subscription, if any.
 */

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

export function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return Promise.resolve(undefined);
  return navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => undefined);
}

/** Calls `onOpen(conversation)` when a notification click asks this tab to show one. */
export function onNotificationOpen(onOpen) {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event) => {
    const msg = event.data;
    if (msg?.type === 'parley.open' && typeof msg.conversation === 'string')
      onOpen(msg.conversation);
  });
}

async function vapidKey() {
  const res = await fetch('/api/v1/push/vapid', { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error('this server does not send notifications');
  const { publicKey } = await res.json();
  return publicKey;
}

/** base64url → bytes, as `applicationServerKey` wants them. */
function keyBytes(base64url) {
  const b64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const raw = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

export async function currentSubscription() {
  if (!pushSupported()) return null;
  const reg = await navigator.serviceWorker.getRegistration('/');
  return (await reg?.pushManager.getSubscription()) ?? null;
}

/** Asks permission and subscribes; resolves to `PushSubscription.toJSON()`. Rejects with a message to show. */
export async function enableNotifications() {
  if (!pushSupported()) throw new Error('this browser cannot show notifications');
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new Error('notifications are blocked for this site');
  const reg = (await registerServiceWorker()) ?? (await navigator.serviceWorker.ready);
  const key = await vapidKey();
  const sub = await reg.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: keyBytes(key),
  });
  return sub.toJSON();
}

/** Unsubscribes the browser; resolves to the endpoint it had (or null). */
export async function disableNotifications() {
  const sub = await currentSubscription();
  if (sub === null) return null;
  const { endpoint } = sub;
  await sub.unsubscribe();
  return endpoint;
}
