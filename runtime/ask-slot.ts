/**
 * Pending asks: the reply mailbox of one `ask`, its errors, and the index of
 * asks waiting on each remote node.
 *
 * Guarantees: an ask settles exactly once: with the first reply, with
 * `AskTimeoutError` when its timeout passes, or with `NodeDownError` at once
 * when the node it asked is unreachable at send time or is lost while it
 * waits (a lost node cannot answer, so waiting out the timeout tells nothing).
 */

import type { TimerHandle } from './clock.ts';
import { ErrorCode, ParleyError, quote } from './errors.ts';
import type { AnyRef, Mailbox } from './ref.ts';

export const DEFAULT_ASK_TIMEOUT_MS = 5000;

export class AskTimeoutError extends ParleyError {
  override readonly name = 'AskTimeoutError';
  constructor(to: AnyRef | string, timeoutMs: number) {
    super(ErrorCode.Timeout, `ask to ${to} got no reply within ${timeoutMs} ms`);
  }
}

/** The node an ask went to is unreachable, or was lost before it answered. */
export class NodeDownError extends ParleyError {
  override readonly name = 'NodeDownError';
  constructor(
    to: AnyRef | string,
    readonly node: string,
    why: 'unreachable' | 'down',
  ) {
    super(
      ErrorCode.Unavailable,
      why === 'unreachable'
        ? `ask to ${to} failed at once: node ${quote(node)} is not reachable`
        : `ask to ${to} failed: node ${quote(node)} went down before it replied`,
    );
  }
}

/** Who settles a slot when a message reaches it (the actor system). */
export interface AskOwner {
  settleAsk(slot: AskSlot, msg: unknown): void;
}

/** A pending `ask`: a mailbox that resolves a promise with the first message. */
export class AskSlot implements Mailbox {
  timer: TimerHandle | undefined;
  constructor(
    readonly id: number,
    readonly owner: AskOwner,
    readonly resolve: (value: unknown) => void,
    readonly reject: (err: unknown) => void,
    /** The asked actor, for error messages. */
    readonly target: string,
    /** The remote node asked, or null for a local target. */
    readonly node: string | null,
  ) {}
  enqueue(msg: unknown): void {
    this.owner.settleAsk(this, msg);
  }
}

/** Pending asks to remote actors, by node, so a lost node rejects them in one sweep. */
export class RemoteAsks {
  private readonly byNode = new Map<string, Set<AskSlot>>();

  add(slot: AskSlot): void {
    if (slot.node === null) return;
    let set = this.byNode.get(slot.node);
    if (set === undefined) this.byNode.set(slot.node, (set = new Set()));
    set.add(slot);
  }

  delete(slot: AskSlot): void {
    if (slot.node === null) return;
    const set = this.byNode.get(slot.node);
    if (set?.delete(slot) && set.size === 0) this.byNode.delete(slot.node);
  }

  /** Removes and returns every pending ask to `node`. */
  take(node: string): AskSlot[] {
    const set = this.byNode.get(node);
    if (set === undefined) return [];
    this.byNode.delete(node);
    return [...set];
  }
}
