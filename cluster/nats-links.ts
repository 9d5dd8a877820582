/**
 * Link bookkeeping of the NATS transport, pure (no I/O): the numbering of
 * outbound messages per receiver and the gap check of inbound ones per
 * sender, after Erlang's distribution links. A broken link is broken on both
 * sides, as in Erlang: a lost connection gives `noconnection` at both ends.
 *
 * Outbound: each receiver's link has an `epoch` and numbers messages 1, 2,
 * 3... within it. `breakAll()` (a NATS disconnect: the client may drop what
 * it publishes meanwhile) starts a new epoch for every link; `restartEpoch`
 * starts one for a single receiver (it told us, by a RESET, that it saw our
 * current epoch towards it broken); `forget` too (we declared it down). Epochs
 * come from one counter, so a link never reuses an epoch within a creation.
 *
 * Inbound, per sender node, the receiver expects (same creation, same epoch,
 * seq = last + 1). Anything else is a broken link: `accept` answers DOWN, so
 * the transport fires `onNodeDown(sender)` once. Cases that are DOWN: a seq
 * gap (or a repeat), a new epoch, a new creation (the sender restarted), and
 * a first message that is not seq 1 (frames were lost before we heard of the
 * sender).
 *
 * A new epoch at seq 1 or a new creation means the sender broke the link
 * itself (and fired its own down): that message is the baseline of the fresh
 * link. A loss only we can see (a gap, a new epoch or a first message not at
 * seq 1) also answers RESET_PEER: the transport tells the sender, which fires
 * its own down and starts a new epoch towards us; until that epoch arrives
 * every message of the broken epoch is DISCARD (sent before the sender knew,
 * so delivering it after our down would rebuild one side of a link the other
 * side is about to tear down). The new epoch's seq 1 is then expected, not a
 * second down; so a gap costs one down per side and cannot loop (honouring a
 * RESET sends none back; only a further loss does). A new epoch that does not start at
 * seq 1 is a new loss: DOWN, RESET_PEER again.
 *
 * After `markAllFresh()` (our own disconnect, which already fired DOWN for
 * every peer) the next message of each sender is a baseline without another
 * DOWN, so one loss fires one DOWN. A silent gap is impossible: every message
 * is checked.
 */

/** `accept` result bits. */
export const ACCEPT = 0;
/** The link broke: fire onNodeDown for the sender. */
export const DOWN = 1;
/** The sender is a new incarnation: restart our numbering towards it. */
export const NEW_CREATION = 2;
/** The break was a seq gap (for stats). */
export const GAP = 4;
/** Only we saw the break: tell the sender (a RESET naming the message's creation and epoch). */
export const RESET_PEER = 8;
/** The message belongs to a link we declared broken: drop its frames. */
export const DISCARD = 16;

interface Inbound {
  creation: number;
  epoch: number;
  seq: number;
  fresh: boolean;
  /** We saw this (creation, epoch) broken and asked the sender for a new epoch. */
  broken: boolean;
}

interface Outbound {
  epoch: number;
  seq: number;
}

export class Links {
  /** The epoch new outbound links start in (1 at start; rises on every break). */
  epoch = 1;
  private readonly out = new Map<string, Outbound>();
  private readonly inbound = new Map<string, Inbound>();

  /** The seq of the next message to `node` (read `epochTo(node)` after it for its epoch). */
  nextSeq(node: string): number {
    let o = this.out.get(node);
    if (o === undefined) this.out.set(node, (o = { epoch: this.epoch, seq: 0 }));
    return ++o.seq;
  }

  /** The epoch of our current link to `node`; undefined when we hold none. */
  epochTo(node: string): number | undefined {
    return this.out.get(node)?.epoch;
  }

  /** Every outbound link is broken: a new epoch, numbering from 1. */
  breakAll(): void {
    this.bump();
    this.out.clear();
  }

  /** Our link to `node` starts a new epoch at seq 1 (it saw the current one broken). */
  restartEpoch(node: string): void {
    this.out.set(node, { epoch: this.bump(), seq: 0 });
  }

  /**
   * `node` says it saw our link towards it in `brokenEpoch` broken (a RESET
   * naming our creation). If that is our current epoch towards it, starts a
   * new one and answers true (fire onNodeDown once); a RESET of an older epoch
   * (we already broke that link) answers false and changes nothing.
   */
  onReset(node: string, brokenEpoch: number): boolean {
    if (this.out.get(node)?.epoch !== brokenEpoch) return false;
    this.restartEpoch(node);
    return true;
  }

  /** The link to `node` starts over at seq 1 (it restarted: its new incarnation knows nothing of ours). */
  restartTo(node: string): void {
    this.out.delete(node);
  }

  /** After our own disconnect: the next message of every sender is a baseline, not a new break. */
  markAllFresh(): void {
    for (const s of this.inbound.values()) {
      s.fresh = true;
      s.broken = false;
    }
  }

  /**
   * Forget a sender (it left, or membership dropped it): its next message
   * starts a new link, and ours to it starts a new epoch (which it reads as
   * our break, not as a loss to report back).
   */
  forget(node: string): void {
    this.inbound.delete(node);
    if (this.out.has(node)) this.restartEpoch(node);
  }

  /** Senders we hold link state for. */
  senders(): string[] {
    return [...this.inbound.keys()];
  }

  /** Checks an inbound message's link position; returns ACCEPT or a mix of the bits above. */
  accept(from: string, creation: number, epoch: number, seq: number): number {
    const s = this.inbound.get(from);
    if (s === undefined) {
      if (seq === 1) {
        this.inbound.set(from, { creation, epoch, seq, fresh: false, broken: false });
        return ACCEPT;
      }
      this.inbound.set(from, { creation, epoch, seq, fresh: false, broken: true });
      return DOWN | GAP | RESET_PEER | DISCARD;
    }
    let result = ACCEPT;
    if (creation !== s.creation) result = DOWN | NEW_CREATION;
    else if (epoch === s.epoch) {
      if (s.broken) result = DISCARD;
      else if (seq !== s.seq + 1) result = DOWN | GAP | RESET_PEER | DISCARD;
    } else if (seq !== 1) result = DOWN | GAP | RESET_PEER | DISCARD;
    else if (!s.broken) result = DOWN;
    if (s.fresh) result &= ~(DOWN | GAP | RESET_PEER | DISCARD);
    s.creation = creation;
    s.epoch = epoch;
    s.seq = seq;
    s.fresh = false;
    s.broken = (result & RESET_PEER) !== 0 || (s.broken && (result & DISCARD) !== 0);
    return result;
  }

  private bump(): number {
    this.epoch = this.epoch >= 0xffff_ffff ? 1 : this.epoch + 1;
    return this.epoch;
  }
}
