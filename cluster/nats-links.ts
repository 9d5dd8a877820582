/**
 * Link bookkeeping of the NATS transport, pure (no I/O): the numbering of
 * outbound messages per receiver and the gap check of inbound ones per
 * sender, after Erlang's distribution links.
 *
 * Outbound: each receiver gets seq 1, 2, 3... within this node's current
 * `epoch`; `breakAll()` (a NATS disconnect: the client may drop what it
 * publishes meanwhile) starts a new epoch and renumbers every link from 1.
 *
 * Inbound, per sender node, the receiver expects (same creation, same epoch,
 * seq = last + 1). Anything else is a broken link: `accept` answers DOWN, so
 * the transport fires `onNodeDown(sender)` once, and the message that showed
 * the break becomes the new baseline ("a fresh link starting where it now
 * is"). Cases that are DOWN: a seq gap (or a repeat), a new epoch, a new
 * creation (the sender restarted), and a first message that is not seq 1
 * (frames were lost before we heard of the sender). After `markAllFresh()`
 * (our own disconnect, which already fired DOWN for every peer) the next
 * message of each sender is a baseline without another DOWN, so one loss
 * fires one DOWN. A silent gap is impossible: every message is checked.
 */

/** `accept` result bits. */
export const ACCEPT = 0;
/** The link broke: fire onNodeDown for the sender. */
export const DOWN = 1;
/** The sender is a new incarnation: restart our numbering towards it. */
export const NEW_CREATION = 2;
/** The break was a seq gap within one epoch (for stats). */
export const GAP = 4;

interface Inbound {
  creation: number;
  epoch: number;
  seq: number;
  fresh: boolean;
}

export class Links {
  /** This node's current outbound epoch (1 at start). */
  epoch = 1;
  private readonly out = new Map<string, number>();
  private readonly inbound = new Map<string, Inbound>();

  /** The seq of the next message to `node`. */
  nextSeq(node: string): number {
    const seq = (this.out.get(node) ?? 0) + 1;
    this.out.set(node, seq);
    return seq;
  }

  /** Every outbound link is broken: a new epoch, numbering from 1. */
  breakAll(): void {
    this.epoch = this.epoch >= 0xffff_ffff ? 1 : this.epoch + 1;
    this.out.clear();
  }

  /** The link to `node` starts over at seq 1 (it restarted: its new incarnation knows nothing of ours). */
  restartTo(node: string): void {
    this.out.delete(node);
  }

  /** After our own disconnect: the next message of every sender is a baseline, not a new break. */
  markAllFresh(): void {
    for (const s of this.inbound.values()) s.fresh = true;
  }

  /** Forget a sender (it left, or membership dropped it): its next message starts a new link. */
  forget(node: string): void {
    this.inbound.delete(node);
    this.out.delete(node);
  }

  /** Senders we hold link state for. */
  senders(): string[] {
    return [...this.inbound.keys()];
  }

  /** Checks an inbound message's link position; returns ACCEPT or DOWN with NEW_CREATION/GAP bits. */
  accept(from: string, creation: number, epoch: number, seq: number): number {
    const s = this.inbound.get(from);
    if (s === undefined) {
      this.inbound.set(from, { creation, epoch, seq, fresh: false });
      return seq === 1 ? ACCEPT : DOWN | GAP;
    }
    let result = ACCEPT;
    if (creation !== s.creation) result = DOWN | NEW_CREATION;
    else if (epoch !== s.epoch) result = DOWN;
    else if (seq !== s.seq + 1) result = DOWN | GAP;
    if (s.fresh) result &= ~(DOWN | GAP);
    s.creation = creation;
    s.epoch = epoch;
    s.seq = seq;
    s.fresh = false;
    return result;
  }
}
