/**
 * Parley's service worker: shows push notifications (`docs/push.md`) and
 * opens the app on the conversation a notification is about. Served from
 * the site root so its scope covers the whole app. It caches nothing.
 *
 * A push's data is the node's JSON payload
 * `{"title","body","tag","data":{"from","group"?,"id","seq","conversation","count"}}`;
 * `tag` makes a newer notification of a conversation replace the older one.
 */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch {
    payload = {};
  }
  const title = typeof payload.title === 'string' ? payload.title : 'Parley';
  const body = typeof payload.body === 'string' ? payload.body : 'New message';
  const options = { body, data: payload.data ?? {} };
  if (typeof payload.tag === 'string') options.tag = payload.tag;
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const conversation = event.notification.data?.conversation;
  event.waitUntil(openApp(typeof conversation === 'string' ? conversation : null));
});

/** Focuses an open tab of the app (telling it which conversation to show), or opens one. */
async function openApp(conversation) {
  const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const tab = tabs.find((c) => new URL(c.url).origin === self.location.origin);
  if (tab !== undefined) {
    if (conversation !== null) tab.postMessage({ type: 'parley.open', conversation });
    return tab.focus();
  }
  const url = new URL('/', self.location.origin);
  if (conversation !== null) url.searchParams.set('open', conversation);
  return self.clients.openWindow(url.href);
}
