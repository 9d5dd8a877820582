/**
 * Requests waiting for their reply, correlated by `ref`.
 *
 * Every request gets a ref the server echoes on its reply or error. For a
 * server that does not echo refs on `history` and `pong` (PROTOCOL.md asks
 * it only of group operations), a reply without a ref goes to the oldest
 * waiting request of the same kind and key: replies come in request order on
 * one connection. Each request has a timeout; all are rejected when the
 * connection goes, since a reply can no longer come on it.
 */
import type { Timers } from './environment.ts';
import { ParleyClientError } from './errors.ts';

export type RequestKind = 'history' | 'group' | 'ping' | 'conversations';

interface Pending {
  readonly kind: RequestKind;
  readonly key: string;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: Error) => void;
  readonly timer: unknown;
}

export class Requests {
  private readonly pending = new Map<string, Pending>();
  private counter = 0;

  constructor(private readonly timers: Timers) {}

  get size(): number {
    return this.pending.size;
  }

  /** A ref unique within this client. */
  nextRef(kind: RequestKind): string {
    this.counter += 1;
    return `${kind}-${this.counter}`;
  }

  open<T>(ref: string, kind: RequestKind, key: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.timers.set(() => {
        this.reject(
          ref,
          new ParleyClientError(
            'timeout',
            `no reply to ${kind} request ${ref} in ${timeoutMs} ms`,
            {
              ref,
            },
          ),
        );
      }, timeoutMs);
      this.pending.set(ref, {
        kind,
        key,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer,
      });
    });
  }

  resolve(ref: string, value: unknown): boolean {
    const entry = this.take(ref);
    entry?.resolve(value);
    return entry !== undefined;
  }

  /** Resolves the oldest request of `kind` and `key`, for replies without a ref. */
  resolveOldest(kind: RequestKind, key: string, value: unknown): boolean {
    for (const [ref, entry] of this.pending) {
      if (entry.kind === kind && entry.key === key) return this.resolve(ref, value);
    }
    return false;
  }

  reject(ref: string, error: Error): boolean {
    const entry = this.take(ref);
    entry?.reject(error);
    return entry !== undefined;
  }

  rejectAll(error: (ref: string) => Error): void {
    for (const ref of [...this.pending.keys()]) this.reject(ref, error(ref));
  }

  private take(ref: string): Pending | undefined {
    const entry = this.pending.get(ref);
    if (entry === undefined) return undefined;
    this.pending.delete(ref);
    this.timers.clear(entry.timer);
    return entry;
  }
}
