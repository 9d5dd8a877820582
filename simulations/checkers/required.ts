/**
 * The deliveries an acked message owes: one per recipient device connected at
 * the end of the run (see `facts.ts`). `lost` and `convergence` both judge
 * these, over different sets of messages.
 */
import {
  type DeliverEvent,
  type DeviceRef,
  deliveryKey,
  type Facts,
  recipientsOf,
  type SendFact,
  type SentFact,
} from './facts.ts';

export interface Required {
  readonly send: SendFact;
  readonly sent: SentFact;
  readonly device: DeviceRef;
  /** The first delivery at `device`; undefined: it never came. */
  readonly delivered: DeliverEvent | undefined;
}

/**
 * Calls `fn` for each required delivery of every acked message that `which`
 * accepts, in first-sent order. Returns the number of acked messages looked at.
 * An acked message without a `send` event (not something a client records) has
 * no known recipients and owes nothing.
 */
export function forEachRequired(
  facts: Facts,
  which: (sent: SentFact) => boolean,
  fn: (r: Required) => void,
): number {
  let messages = 0;
  for (const [key, sent] of facts.firstSent) {
    if (!which(sent)) continue;
    messages++;
    const send = facts.sends.get(key);
    if (send === undefined) continue;
    for (const device of recipientsOf(facts, send)) {
      if (!facts.connectedAtEnd.has(device.key)) continue;
      const delivered = facts.firstDelivery.get(deliveryKey(device.key, send.user, send.id));
      fn({ send, sent, device, delivered });
    }
  }
  return messages;
}
