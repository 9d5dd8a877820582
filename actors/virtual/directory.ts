/**
 * Virtual actors: `user:alice`, `group:g1`. They always exist logically; one
 * node owns each key (by `placement`), and that node's activator spawns the
 * actor on its first message, forwards to it, and lets it passivate when
 * idle. Senders address keys, never refs, so an actor can move or restart
 * without anyone holding a stale ref.
 *
 * Everything goes through runtime messages (`sendNamed` to the owner node's
 * activator), so the same code runs on one node, across in-process nodes, and
 * over NATS.
 */
import type { ActorSystem, AnyRef, Ref } from '../../runtime/index.ts';

export const ACTIVATOR_NAME = 'parley.activator';

/** Maps a key to the node that owns it. */
export type Placement = (key: string) => string;

/** To an activator. */
export type ActivatorMsg =
  | { readonly t: 'route'; readonly key: string; readonly msg: unknown }
  /** From a virtual actor: stop me if nothing was forwarded to me after the `received`-th message. */
  | {
      readonly t: 'passivate';
      readonly key: string;
      readonly ref: AnyRef;
      readonly received: number;
    };

export interface Directory {
  /** Sends `msg` to the virtual actor `key`. At most once, FIFO per sender and key. */
  send(key: string, msg: unknown): void;
  /** Request/reply with a virtual actor; `make` builds the request around the reply ref. */
  ask<R>(key: string, make: (replyTo: Ref<R>) => unknown, timeoutMs?: number): Promise<R>;
  /** The node that owns `key`. */
  owner(key: string): string;
}

export class VirtualDirectory implements Directory {
  constructor(
    private readonly system: ActorSystem,
    private readonly placement: Placement,
  ) {}

  send(key: string, msg: unknown): void {
    this.system.sendNamed(
      ACTIVATOR_NAME,
      { t: 'route', key, msg } satisfies ActivatorMsg,
      this.placement(key),
    );
  }

  ask<R>(key: string, make: (replyTo: Ref<R>) => unknown, timeoutMs?: number): Promise<R> {
    return this.system.askNamed<ActivatorMsg, R>(
      ACTIVATOR_NAME,
      (replyTo) => ({ t: 'route', key, msg: make(replyTo) }),
      timeoutMs,
      this.placement(key),
    );
  }

  owner(key: string): string {
    return this.placement(key);
  }
}
