/**
 * The deliveries an acked message owes: one per recipient device connected at
 * the end of the run (see `facts.ts`). `lost` and `convergence` both judge
 * these, over different sets of messages.
 */
import type { DeliverEvent, DeviceRef, Facts, Message, SendFact, SentFact } from './facts.ts';
import { forEachRecipient } from './recipients.ts';

export interface Required {
  readonly message: Message & { readonly send: SendFact; readonly sent: SentFact };
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
  for (const m of facts.acked) {
    if (!which(m.sent!)) continue;
    messages++;
    if (m.send === undefined) continue;
    const message = m as Required['message'];
    forEachRecipient(facts, message, (device) => {
      if (facts.connectedAtEnd[device.index] === 0) return;
      fn({ message, device, delivered: facts.firstAt[device.index]!.get(m.index) });
    });
  }
  return messages;
}
