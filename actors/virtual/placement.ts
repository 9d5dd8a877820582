/**
 * Placement: which node owns a virtual actor key, in this node's current
 * view. Actor code depends only on this interface; the cluster's
 * `ClusterPlacement` (cluster/) satisfies it structurally, so actors/ never
 * imports cluster/.
 *
 * Guarantees an implementation must keep:
 * - `owner(key)` is a pure read of the current view: the same key gives the
 *   same answer until the next change, and every change is announced.
 * - `undefined` means "cannot place keys now" (no view yet, cut off from the
 *   cluster, or this node owns nothing and knows no owner): the activator then
 *   holds messages instead of activating or forwarding them.
 * - Listeners run synchronously after the view changed; they must be cheap
 *   (the activator's sends itself one message).
 */

export interface Placement {
  /** The node that owns `key` in this node's current view; undefined while this node cannot place keys (no view yet, cut off from the cluster). */
  owner(key: string): string | undefined;
  /** Calls `listener` after every change of the view; returns an unsubscribe. */
  onChange(listener: () => void): () => void;
  /**
   * Optional: whether a handoff of `key` may still come from its previous
   * owner (it is still a member: a graceful move). False when that owner left
   * the view (crashed, left, cut off): the activator then activates `key` at
   * once instead of holding it through the activation grace. Absent: every
   * key waits out the grace (or its `handed_off`).
   */
  handoffExpected?(key: string): boolean;
}

const never = (): (() => void) => () => {};

/** One node owns everything (the single-node default). Never changes. */
export function staticPlacement(node: string): Placement {
  return { owner: () => node, onChange: never };
}

/** Places by a fixed function (tests that place by hash). Never changes. */
export function functionPlacement(fn: (key: string) => string): Placement {
  return { owner: fn, onChange: never };
}

/**
 * A placement a test (or the simulator) switches by hand: `set` installs a
 * new view and tells every listener. Views may disagree across nodes (give
 * each node its own instance), which is how split brain is staged.
 */
export class ManualPlacement implements Placement {
  private view: (key: string) => string | undefined;
  private readonly listeners = new Set<() => void>();
  /** Views installed so far (the first one counts as 0). */
  version = 0;

  /** Optional `handoffExpected` answer (see `Placement`); absent unless given. */
  handoffExpected?: (key: string) => boolean;

  constructor(
    view: (key: string) => string | undefined = () => undefined,
    handoffExpected?: (key: string) => boolean,
  ) {
    this.view = view;
    if (handoffExpected) this.handoffExpected = handoffExpected;
  }

  owner(key: string): string | undefined {
    return this.view(key);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Listeners subscribed now. */
  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Installs `view` and notifies every listener. */
  set(view: (key: string) => string | undefined): void {
    this.view = view;
    this.version++;
    for (const listener of [...this.listeners]) listener();
  }
}
