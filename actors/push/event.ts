/**
 * What the chat tells the push notifier: a message stored for a user with no
 * connected device. The notifier is a role interface, so the user actor knows
 * nothing of push services; `notify` never blocks, never throws and sends
 * nothing over the network in the caller's turn.
 */
import type { Content } from '../../store/index.ts';

export interface PushEvent {
  /** The recipient, offline. */
  readonly user: string;
  readonly from: string;
  /** Set for a group message. */
  readonly group?: string;
  /** The sender's message id. */
  readonly id: string;
  /** The recipient's inbox seq of the message. */
  readonly seq: number;
  /** Server time of the message, ms since epoch. */
  readonly ts: number;
  /** As stored: may be ciphertext, never shown unless the user allowed previews. */
  readonly content: Content;
}

export interface PushNotifier {
  /** Takes note of `event`; returns at once. */
  notify(event: PushEvent): void;
}

/** The conversation of an event, named as in the store: `u:<peer>` or `g:<group>`. */
export function conversationOf(event: PushEvent): string {
  return event.group !== undefined ? `g:${event.group}` : `u:${event.from}`;
}
