/** Answers a client frame the user actor cannot take. */
import type { ActorContext, Ref } from '../../../runtime/index.ts';
import type { ClientFrame } from '../../protocol/index.ts';
import { errorJson } from '../frames-out.ts';
import type { EdgeMsg, UserMsg } from '../messages.ts';

/** An `error` frame about `frame`: its `ref`, and its `id` only for a message (an ack's id names someone else's message). */
export function refuseClientFrame(
  edge: Ref<EdgeMsg>,
  frame: ClientFrame,
  code: 'bad_frame' | 'unavailable',
  message: string,
  ctx: ActorContext<UserMsg>,
): void {
  const echo = {
    ...(frame.ref !== undefined ? { ref: frame.ref } : {}),
    ...(frame.type === 'message' ? { id: frame.id } : {}),
  };
  ctx.send(edge, { t: 'push', json: errorJson(code, message, echo) });
}
