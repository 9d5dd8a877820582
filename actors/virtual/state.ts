/**
 * The activator's state and options, shared by its handler files
 * (`activator.ts` dispatch, `activation.ts`, `routing.ts`, `handoff.ts`,
 * `introspect.ts`), so none of them imports another's internals.
 *
 * Invariants:
 * - `entries` holds at most one live actor per key; `byRef` is its inverse.
 * - An entry is `active` (routed messages go to it) or `handing_off` (its
 *   key moved: it got `HANDOFF` and nothing more is forwarded to it; what
 *   arrives meanwhile is held until its exit arrives).
 */
import type { AnyRef, Behavior, Ref, TimerRef } from '../../runtime/index.ts';
import type { ActivatorHost } from './directory.ts';
import { Held } from './hold.ts';
import type { ActivatorMsg } from './messages.ts';

/** Makes the behavior for the id part of a key (`alice` in `user:alice`); `activator` is where it asks to passivate. */
export type VirtualKind = (id: string, activator: Ref<ActivatorMsg>) => Behavior<any, any>;

export interface ActivatorOptions {
  /** Forwards a routed message may take between activators before it is held. Default 3. */
  readonly hopsMax: number;
  /** Messages held for one key, at most. Default 1000. */
  readonly heldPerKeyMax: number;
  /** Messages held in total, at most. Default 100,000. */
  readonly heldTotalMax: number;
  /** Held messages are routed again this often while any are held. Default 1000 ms. */
  readonly retryMs: number;
  /**
   * After a view change, a key with no live actor here is not activated for
   * this long unless its old owner reports `handed_off` first: the old
   * owner's actor may still be finishing its mailbox. 0 disables. Default 1000 ms.
   */
  readonly graceMs: number;
  /** An actor that has not stopped this long after `HANDOFF` is killed. Default 10,000 ms. */
  readonly handoffTimeoutMs: number;
  /** How long `inspect` waits for the actor's `introspect` answer. Default 2000 ms. */
  readonly introspectTimeoutMs: number;
}

export const DEFAULT_ACTIVATOR_OPTIONS: ActivatorOptions = {
  hopsMax: 3,
  heldPerKeyMax: 1000,
  heldTotalMax: 100_000,
  retryMs: 1000,
  graceMs: 1000,
  handoffTimeoutMs: 10_000,
  introspectTimeoutMs: 2000,
};

export interface Entry {
  readonly key: string;
  readonly ref: AnyRef;
  /** Routed messages forwarded to this incarnation (for race-free passivation). */
  forwarded: number;
  state: 'active' | 'handing_off';
  /** While handing off: the timer that kills it if it does not stop in time. */
  handoffTimer?: TimerRef;
}

export interface State {
  readonly kinds: Readonly<Record<string, VirtualKind>>;
  readonly host: ActivatorHost;
  readonly options: ActivatorOptions;
  readonly entries: Map<string, Entry>;
  /** Ref key → virtual key, to forget an actor when it exits. */
  readonly byRef: Map<string, string>;
  readonly held: Held;
  /** View changes seen; names the grace period in `grace_end`. */
  view: number;
  /** Until this time (clock ms) keys with no live actor are not activated (see `graceMs`). */
  graceUntilMs: number;
  /** Keys whose old owner reported `handed_off` during the current grace: they may activate. */
  readonly graceReleased: Set<string>;
  /** A `view` message is queued (coalesces bursts of changes). */
  viewQueued: boolean;
  /** A `retry` timer is pending. */
  retryQueued: boolean;
  unsubscribe: () => void;
  readonly stats: { forwarded: number; handoffs: number };
}

export function newState(
  kinds: Readonly<Record<string, VirtualKind>>,
  host: ActivatorHost,
  options: ActivatorOptions,
): State {
  return {
    kinds,
    host,
    options,
    entries: new Map(),
    byRef: new Map(),
    held: new Held(options.heldPerKeyMax, options.heldTotalMax),
    view: 0,
    graceUntilMs: 0,
    graceReleased: new Set(),
    viewQueued: false,
    retryQueued: false,
    unsubscribe: () => {},
    stats: { forwarded: 0, handoffs: 0 },
  };
}
