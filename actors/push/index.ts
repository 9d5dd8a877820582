/**
 * Push notifications for offline users (`docs/push.md`): web push (RFC
 * 8030/8291, VAPID) and a signed webhook to the operator's relay for native
 * apps, with coalescing, a per-user rate limit, bounded sends and retries.
 */
export { checkPushConfig, DEFAULT_PUSH_CONFIG, type PushConfig } from './config.ts';
export { lateCounters, noPushCounters, type PushCounters } from './counters.ts';
export { conversationOf, type PushEvent, type PushNotifier } from './event.ts';
export { type Nudge, type PushPayload, pushPayload } from './payload.ts';
export { PushRefusal, PushRegistry, subscriptionId } from './registry.ts';
export type { Fetch, PushSender, SendOutcome, SendRequest } from './sender.ts';
export {
  createPushService,
  type PushService,
  type PushServiceOptions,
  type WebhookSettings,
} from './service.ts';
export {
  checkVapidKeys,
  loadVapidKeys,
  VAPID_FILE,
  VAPID_SUBJECT_DEFAULT,
  type VapidKeys,
} from './vapid.ts';
export { SIGNATURE_HEADER, signWebhook } from './webhook-sender.ts';
