/**
 * The MQTT topic scheme of protocol v1 (docs/mqtt.md): one pair of topics
 * per user and device, named from the token's `sub` and `dev`.
 *
 * - `parley/v1/<user>/<device>/down`: server → client frames, QoS 1.
 * - `parley/v1/<user>/<device>/up`: client → server frames.
 *
 * User and device ids are 1..64 of `[A-Za-z0-9_.-]`, so a topic level never
 * holds `/`, `+` or `#`, and no two identities share a topic.
 */
import type { Identity } from '../../protocol/index.ts';

export const TOPIC_PREFIX = 'parley/v1';

/** The topic the server publishes `identity`'s frames to. */
export function downTopic(identity: Identity): string {
  return `${TOPIC_PREFIX}/${identity.user}/${identity.device}/down`;
}

/** The topic `identity` publishes its frames to. */
export function upTopic(identity: Identity): string {
  return `${TOPIC_PREFIX}/${identity.user}/${identity.device}/up`;
}
