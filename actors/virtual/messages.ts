/**
 * Messages of the virtual-actor layer: what reaches an activator (routed
 * messages, passivation requests, view changes, handoff bundles, the admin's
 * introspection), what an activator tells its actors, and the replies.
 * Plain data: every one of them can cross nodes through the runtime's codec.
 */
import type { AnyRef, Ref } from '../../runtime/index.ts';

/** One live virtual actor, as `list` reports it. */
export interface ActorRow {
  readonly key: string;
  readonly ref: string;
  readonly mailbox: number;
  readonly state: 'active' | 'handing_off';
}

export interface ListReply {
  readonly actors: readonly ActorRow[];
  /** Messages held on this node now (no owner known, handoff in progress, hop limit, activation grace). */
  readonly held: number;
  /** Routed messages this node forwarded to another node's activator, since start. */
  readonly forwarded: number;
  /** Handoffs begun on this node since start. */
  readonly handoffs: number;
}

/** What a virtual actor answers to `introspect` (user: devices; group: members count). */
export interface IntrospectReply {
  readonly epoch: number;
  readonly devices?: readonly string[];
  readonly members?: number;
}

export interface InspectReply {
  readonly key: string;
  /** The node that answered. */
  readonly node: string;
  /** The owner of `key` in that node's view (null: none known). */
  readonly owner: string | null;
  readonly active: boolean;
  readonly state?: 'active' | 'handing_off';
  readonly ref?: string;
  readonly mailbox?: number;
  readonly epoch?: number;
  readonly devices?: readonly string[];
  readonly members?: number;
}

export interface KillReply {
  readonly killed: boolean;
}

/** To an activator. */
export type ActivatorMsg =
  /**
   * A message for the virtual actor `key`; `hops` counts activator-to-activator forwards (absent: 0).
   * `local`: sent by this node's directory and counted in its `LocalRoutes` (see `local-routes.ts`).
   */
  | {
      readonly t: 'route';
      readonly key: string;
      readonly msg: unknown;
      readonly hops?: number;
      readonly local?: boolean;
    }
  /** One message for several virtual actors (a fan-out): routed to each key as `route` would. One payload per node. */
  | {
      readonly t: 'route_many';
      readonly keys: readonly string[];
      readonly msg: unknown;
      readonly local?: boolean;
    }
  /** From a virtual actor: stop me if nothing was forwarded to me after the `received`-th message. */
  | {
      readonly t: 'passivate';
      readonly key: string;
      readonly ref: AnyRef;
      readonly received: number;
    }
  /** From the old owner: its actor for `key` stopped; `msgs` were held for it meanwhile, in order. */
  | { readonly t: 'handed_off'; readonly key: string; readonly msgs: readonly unknown[] }
  /** Internal: the placement's view changed. */
  | { readonly t: 'view' }
  /** Internal: the activation grace of view change `view` is over. */
  | { readonly t: 'grace_end'; readonly view: number }
  /** Internal: try held messages again. */
  | { readonly t: 'retry' }
  /** Internal: the actor `ref` has not finished its handoff in time. */
  | { readonly t: 'handoff_timeout'; readonly key: string; readonly ref: AnyRef }
  | { readonly t: 'list'; readonly replyTo: Ref<ListReply> }
  | { readonly t: 'inspect'; readonly key: string; readonly replyTo: Ref<InspectReply> }
  | { readonly t: 'kill'; readonly key: string; readonly replyTo: Ref<KillReply> };

/** What the activator tells a virtual actor when its passivation is accepted. */
export const PASSIVATED = { t: 'passivated' } as const;

/**
 * What the activator tells a virtual actor whose key moved away: queued
 * behind everything already in its mailbox. The actor finishes that (and its
 * in-flight store work), writes what it buffered, and stops `normal`.
 */
export const HANDOFF = { t: 'handoff' } as const;

/** The activator asks a live virtual actor about itself (admin `inspect`). */
export interface IntrospectMsg {
  readonly t: 'introspect';
  readonly replyTo: Ref<IntrospectReply>;
}
