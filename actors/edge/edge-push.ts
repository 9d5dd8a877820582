/**
 * The push frames at the edge (`docs/push.md`): `push.subscribe` is answered
 * `push.subscribed` with the subscription's id, `push.unsubscribe`
 * `push.unsubscribed`. A subscription the node will not keep (an `http:`
 * endpoint where only `https:` is allowed, a webhook one without a relay,
 * or a node without push at all) is refused `bad_frame` saying why; a store
 * failure becomes `unavailable` (`edge-frames.ts`).
 */
import {
  encodeServerFrame,
  type PushSubscribeFrame,
  type PushUnsubscribeFrame,
} from '../protocol/index.ts';
import { PushRefusal } from '../push/index.ts';
import type { EdgeState } from './edge-state.ts';
import { sendError, writeFrame } from './edge-writes.ts';

export async function subscribePush(state: EdgeState, frame: PushSubscribeFrame): Promise<void> {
  const { push } = state;
  if (push === undefined) {
    sendError(state, 'bad_frame', 'push notifications are off on this node', { ref: frame.ref });
    return;
  }
  let id: string;
  try {
    id = await push.subscribe(state.user, frame.subscription, frame.previews);
  } catch (err) {
    if (!(err instanceof PushRefusal)) throw err;
    sendError(state, 'bad_frame', err.message, { ref: frame.ref });
    return;
  }
  const reply = { type: 'push.subscribed' as const, id };
  writeFrame(
    state,
    encodeServerFrame(frame.ref === undefined ? reply : { ...reply, ref: frame.ref }),
  );
}

export async function unsubscribePush(
  state: EdgeState,
  frame: PushUnsubscribeFrame,
): Promise<void> {
  const { push } = state;
  if (push === undefined) {
    sendError(state, 'bad_frame', 'push notifications are off on this node', { ref: frame.ref });
    return;
  }
  await push.unsubscribe(state.user, frame);
  const reply = { type: 'push.unsubscribed' as const };
  writeFrame(
    state,
    encodeServerFrame(frame.ref === undefined ? reply : { ...reply, ref: frame.ref }),
  );
}
