/**
 * A placement bound after the node has started: the node's edge and actors
 * exist before its membership (which needs the node's addresses), and until
 * the membership is bound this node cannot place keys (`owner` is undefined,
 * so the activator holds messages). Binding announces a change.
 * `handoffExpected` is the bound placement's (true until bound): without it a
 * key gained from a crashed node would wait for a handoff nobody sends.
 */
import type { Placement } from '../virtual/index.ts';

export class LatePlacement implements Placement {
  private inner: Placement | undefined;
  private readonly listeners = new Set<() => void>();
  private unsubscribe: (() => void) | undefined;

  owner(key: string): string | undefined {
    return this.inner?.owner(key);
  }

  handoffExpected(key: string): boolean {
    return this.inner?.handoffExpected?.(key) ?? true;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  /** Delegates to `placement` from now on and tells every listener. */
  bind(placement: Placement): void {
    this.unsubscribe?.();
    this.inner = placement;
    this.unsubscribe = placement.onChange(() => this.changed());
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
