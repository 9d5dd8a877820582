/**
 * What a notification says. Bodies may be ciphertext (the server never reads
 * them), so the text of a message is shown only when its content is `text`
 * AND the subscription allowed previews; otherwise the body is "New message",
 * or "N new messages" for a trailing push of a coalescing window. The title
 * names the sender (and the group): who wrote is known to the server anyway.
 */
import type { PushSubscriptionRecord } from '../../store/index.ts';
import type { PushEvent } from './event.ts';

export interface PushPayload {
  readonly title: string;
  readonly body: string;
  /** Notifications with the same tag replace each other: one per conversation. */
  readonly tag: string;
  readonly data: {
    readonly from: string;
    readonly group?: string;
    readonly id: string;
    readonly seq: number;
    readonly conversation: string;
    /** Messages this push stands for. */
    readonly count: number;
  };
}

/** One push's worth of messages: the newest one and how many it stands for. */
export interface Nudge {
  readonly event: PushEvent;
  readonly conversation: string;
  readonly count: number;
}

export function pushPayload(
  nudge: Nudge,
  sub: Pick<PushSubscriptionRecord, 'previews'>,
  groupName: string | undefined,
  previewLengthMax: number,
): PushPayload {
  const { event, conversation, count } = nudge;
  const title =
    event.group === undefined ? event.from : `${event.from} in ${groupName ?? event.group}`;
  const data: PushPayload['data'] = {
    from: event.from,
    ...(event.group !== undefined ? { group: event.group } : {}),
    id: event.id,
    seq: event.seq,
    conversation,
    count,
  };
  return {
    title,
    body: bodyOf(nudge, sub.previews, previewLengthMax),
    tag: `parley:${conversation}`,
    data,
  };
}

function bodyOf(nudge: Nudge, previews: boolean, max: number): string {
  if (nudge.count > 1) return `${nudge.count} new messages`;
  const { content } = nudge.event;
  if (previews && content.type === 'text' && typeof content.body === 'string')
    return truncate(content.body, max);
  return 'New message';
}

/** At most `max` code points (never half a surrogate pair), with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const points = Array.from(text);
  return points.length <= max ? text : `${points.slice(0, max - 1).join('')}…`;
}
