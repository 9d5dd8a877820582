/**
 * Virtual actors: `user:alice`, `group:g1`. They always exist logically; one
 * node owns each key (by its `Placement`), and that node's activator spawns
 * the actor on its first message, forwards to it, and lets it passivate when
 * idle. Senders address keys, never refs, so an actor can move or restart
 * without anyone holding a stale ref.
 *
 * Addressing: `send(key)` goes to the activator of `placement.owner(key)` in
 * this node's view; when no owner is known it goes to the local activator,
 * which holds it until the view settles. No directory lookup on the hot path.
 * A key this node owns whose actor the local activator armed
 * (`local-routes.ts`) goes straight to that actor while it is alive: no
 * activator turn per message, the same order per sender.
 *
 * Everything goes through runtime messages (`sendNamed` to an activator, or
 * `send` to an armed local actor), so the same code runs on one node, across
 * in-process nodes, and over NATS.
 */
import type { ActorSystem, AnyRef, DeadLetterReason, Ref } from '../../runtime/index.ts';
import { LocalRoutes, type Route } from './local-routes.ts';
import type { ActivatorMsg, InspectReply, KillReply, ListReply } from './messages.ts';
import type { Placement } from './placement.ts';

export const ACTIVATOR_NAME = 'parley.activator';

export interface Directory {
  /** Sends `msg` to the virtual actor `key`. At most once, FIFO per sender and key while the view holds. */
  send(key: string, msg: unknown): void;
  /**
   * Sends one `msg` to every key: one payload per owner node (its activator
   * fans it out there), the same guarantees per key as `send`.
   */
  sendMany(keys: readonly string[], msg: unknown): void;
  /** Request/reply with a virtual actor; `make` builds the request around the reply ref. */
  ask<R>(key: string, make: (replyTo: Ref<R>) => unknown, timeoutMs?: number): Promise<R>;
  /** The node that owns `key` in this node's view; undefined when none is known. */
  owner(key: string): string | undefined;
}

/**
 * What an activator needs from its node beyond its own context: the
 * placement, the local routes it arms, named sends to other activators,
 * dead-letter counting and the mailbox depth of its actors.
 * `VirtualDirectory` provides it.
 */
export interface ActivatorHost {
  readonly placement: Placement;
  /** The direct path of local senders to the actors the activator arms. */
  readonly routes: LocalRoutes;
  /** Sends to the activator registered on `node`. */
  toActivator(node: string, msg: ActivatorMsg): void;
  /** Counts a dropped message as a dead letter. */
  deadLetter(to: string, msg: unknown, reason: DeadLetterReason, count?: number): void;
  /** User messages waiting in the local actor `ref`; undefined when it is not alive here. */
  mailboxDepth(ref: AnyRef): number | undefined;
}

export class VirtualDirectory implements Directory, ActivatorHost {
  readonly routes = new LocalRoutes();

  constructor(
    private readonly system: ActorSystem,
    readonly placement: Placement,
  ) {}

  send(key: string, msg: unknown): void {
    const owner = this.placement.owner(key);
    const here = this.system.node;
    if (owner === here) {
      const route = this.directRoute(key);
      if (route !== undefined) {
        this.system.send(route.ref, msg);
        return;
      }
    }
    if (owner === undefined || owner === here)
      this.toActivator(here, { t: 'route', key, msg, local: this.queueLocal(key) });
    else this.toActivator(owner, { t: 'route', key, msg });
  }

  sendMany(keys: readonly string[], msg: unknown): void {
    const here = this.system.node;
    const byNode = new Map<string, string[]>();
    for (const key of keys) {
      const owner = this.placement.owner(key);
      if (owner === here) {
        const route = this.directRoute(key);
        if (route !== undefined) {
          this.system.send(route.ref, msg);
          continue;
        }
      }
      const node = owner ?? here;
      let list = byNode.get(node);
      if (list === undefined) byNode.set(node, (list = []));
      list.push(key);
    }
    for (const [node, list] of byNode) {
      if (node === here && this.routes.attached) {
        for (const key of list) this.routes.queue(key);
        this.toActivator(node, { t: 'route_many', keys: list, msg, local: true });
      } else this.toActivator(node, { t: 'route_many', keys: list, msg });
    }
  }

  ask<R>(key: string, make: (replyTo: Ref<R>) => unknown, timeoutMs?: number): Promise<R> {
    const owner = this.placement.owner(key);
    const here = this.system.node;
    if (owner === here) {
      const route = this.directRoute(key);
      if (route !== undefined) return this.system.ask<unknown, R>(route.ref, make, timeoutMs);
    }
    const local = owner === undefined || owner === here;
    // Counted once the request exists: a `make` that throws, or no activator, queues nothing.
    return this.system.askNamed<ActivatorMsg, R>(
      ACTIVATOR_NAME,
      (replyTo) =>
        local
          ? { t: 'route', key, msg: make(replyTo), local: this.queueLocal(key) }
          : { t: 'route', key, msg: make(replyTo) },
      timeoutMs,
      owner ?? here,
    );
  }

  /**
   * The armed route of a key this node owns, if its actor is still alive
   * (between its death and its exit reaching the activator it is armed but
   * dead): the caller sends to it, counted as a routed message.
   */
  private directRoute(key: string): Route | undefined {
    const route = this.routes.direct(key);
    if (route === undefined || !this.system.isAlive(route.ref)) return undefined;
    route.forwarded++;
    this.routes.directSends++;
    return route;
  }

  /** Counts a route about to enter the local activator's mailbox; whether it is marked `local`. */
  private queueLocal(key: string): boolean {
    if (!this.routes.attached) return false;
    this.routes.queue(key);
    return true;
  }

  owner(key: string): string | undefined {
    return this.placement.owner(key);
  }

  // ---- admin introspection (answered by an activator) ------------------------------

  /** The virtual actors live on `node` (default: this one) and its hold/forward counters. */
  list(node: string = this.system.node, timeoutMs?: number): Promise<ListReply> {
    return this.system.askNamed<ActivatorMsg, ListReply>(
      ACTIVATOR_NAME,
      (replyTo) => ({ t: 'list', replyTo }),
      timeoutMs,
      node,
    );
  }

  /** Asks the owner of `key` (in this node's view; default this node) about it. */
  inspect(key: string, node?: string, timeoutMs?: number): Promise<InspectReply> {
    return this.system.askNamed<ActivatorMsg, InspectReply>(
      ACTIVATOR_NAME,
      (replyTo) => ({ t: 'inspect', key, replyTo }),
      timeoutMs,
      node ?? this.placement.owner(key) ?? this.system.node,
    );
  }

  /** Kills the actor of `key` on its owner (exit `kill`); resolves whether one was live there. */
  kill(key: string, node?: string, timeoutMs?: number): Promise<KillReply> {
    return this.system.askNamed<ActivatorMsg, KillReply>(
      ACTIVATOR_NAME,
      (replyTo) => ({ t: 'kill', key, replyTo }),
      timeoutMs,
      node ?? this.placement.owner(key) ?? this.system.node,
    );
  }

  // ---- ActivatorHost ---------------------------------------------------------------

  toActivator(node: string, msg: ActivatorMsg): void {
    this.system.sendNamed(ACTIVATOR_NAME, msg, node);
  }

  deadLetter(to: string, msg: unknown, reason: DeadLetterReason, count = 1): void {
    this.system.deadLetters.record(to, msg, reason, count);
  }

  mailboxDepth(ref: AnyRef): number | undefined {
    return this.system.localCell(ref)?.depth;
  }
}
