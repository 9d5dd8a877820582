/**
 * The notification setting, kept in step with the server (`docs/push.md`):
 * turning it on asks the browser for permission and a push subscription
 * (`push.js`) and sends it as `push.subscribe`; turning it off unsubscribes
 * the browser and sends `push.unsubscribe`. Previews (the text of plain
 * messages in the notification) are off unless the user allows them. While
 * on, the subscription is sent again on every connect (the server keeps one
 * record per endpoint, so a repeat only refreshes it).
 *
 * `status` is what the settings dialog shows: `off`, `pending`, `on`, or an
 * error message. The state's `settings.notifications` (`{on, previews}`)
 * persists with the rest of the settings.
 */
import { currentSubscription, disableNotifications, enableNotifications } from './push.js';

export class NotificationSync {
  /** @param {import('./chat.js').ChatController} controller */
  constructor(controller) {
    this.controller = controller;
    this.status = controller.state.settings.notifications?.on ? 'on' : 'off';
  }

  get settings() {
    return this.controller.state.settings.notifications ?? { on: false, previews: false };
  }

  /** Turns notifications on (previews as given); rejects with a message to show. */
  async enable(previews) {
    this.setStatus('pending');
    try {
      const subscription = await enableNotifications();
      this.save({ on: true, previews });
      this.subscribe(subscription, previews);
    } catch (err) {
      this.save({ on: false, previews });
      this.setStatus(err instanceof Error ? err.message : String(err));
      throw err;
    }
  }

  async disable() {
    const endpoint = await disableNotifications().catch(() => null);
    this.save({ on: false, previews: this.settings.previews });
    if (endpoint !== null) this.controller.request('push.unsubscribe', { endpoint });
    this.setStatus('off');
  }

  /** Changes previews; sent to the server at once when notifications are on. */
  async setPreviews(previews) {
    this.save({ ...this.settings, previews });
    if (!this.settings.on) return;
    const sub = await currentSubscription();
    if (sub !== null) this.subscribe(sub.toJSON(), previews);
  }

  onOpen() {
    if (!this.settings.on) return;
    void currentSubscription().then((sub) => {
      if (sub !== null) this.subscribe(sub.toJSON(), this.settings.previews);
    });
  }

  /** Takes `push.subscribed` / `push.unsubscribed`. */
  onFrame(frame) {
    const request = this.controller.take(frame.ref);
    if (frame.type === 'push.subscribed' && request?.kind === 'push.subscribe')
      this.setStatus('on');
  }

  /** An `error` answering one of our requests: shown in the dialog too. */
  onError(frame, request) {
    if (request.kind !== 'push.subscribe') return;
    this.save({ ...this.settings, on: false });
    this.setStatus(frame.message ?? frame.code);
  }

  subscribe(subscription, previews) {
    this.setStatus('pending');
    this.controller.request('push.subscribe', { subscription, previews });
  }

  save(notifications) {
    const { state } = this.controller;
    state.settings = { ...state.settings, notifications };
    state.save();
    state.changed();
  }

  setStatus(status) {
    this.status = status;
    this.controller.state.changed();
  }
}
