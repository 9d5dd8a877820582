/**
 * The lifecycle every virtual chat actor kind shares (user, group), written
 * once: counting the messages the activator routed (its passivation
 * handshake), the periodic tick, passivation when idle, and stopping on
 * `fenced`. Top-level functions over the `Lifecycle` part of an actor's
 * state; what a tick does, and what keeps an actor busy, is the kind's own.
 *
 * Invariants:
 * - At most one tick is awaited (`nextTick`, a fresh object per timer); a
 *   tick that is not it (a timer replaced after it fired) is dropped, so
 *   there is never more than one chain of ticks.
 * - An idle actor keeps no ticking timer: at most one wake-up for its
 *   passivation (when nothing holds it), none while it is passivating or
 *   held (a connected device). The next routed message starts the tick
 *   again, replacing the wake-up.
 * - The next tick is scheduled before the tick's work: a store error in it
 *   must not end resends for good.
 */
import type { ActorContext, AnyRef, Ref, TimerRef } from '../../runtime/index.ts';
import type { ActivatorMsg } from '../virtual/index.ts';
import type { ChatConfig } from './env.ts';

export interface Tick {
  readonly t: 'tick';
}

export interface Lifecycle {
  /** Messages routed to this actor through the activator (for race-free passivation). */
  routed: number;
  lastActiveMs: number;
  /** A passivation request is out; a routed message cancels it (the activator refuses it then). */
  passivating: boolean;
  /** The tick this actor waits for; undefined when it keeps no timer. */
  nextTick: Tick | undefined;
  nextTickTimer: TimerRef | undefined;
  /** `nextTick` is the idle wake-up for passivation, not the regular tick. */
  idleWake: boolean;
}

/** What the lifecycle asks of an actor's context (any message type that includes `Tick`). */
export type LifecycleContext = Pick<
  ActorContext<Tick>,
  'clock' | 'sendAfter' | 'cancelTimer' | 'send' | 'stop' | 'log'
> & { readonly self: AnyRef };

type Timing = Pick<ChatConfig, 'tickMs' | 'idlePassivateMs'>;

/** Messages no one routed: the actor's own and the activator's (never counted). */
export const UNROUTED: ReadonlySet<string> = new Set([
  'tick',
  'passivated',
  'handoff',
  'introspect',
]);

/** A new actor's lifecycle, its first tick scheduled. */
export function startLifecycle(ctx: LifecycleContext, timing: Timing): Lifecycle {
  const life: Lifecycle = {
    routed: 0,
    lastActiveMs: ctx.clock.now(),
    passivating: false,
    nextTick: undefined,
    nextTickTimer: undefined,
    idleWake: false,
  };
  schedule(life, ctx, timing.tickMs, false);
  return life;
}

/**
 * Counts a message the activator routed (not one in `unrouted`), makes the
 * actor active and starts its tick again if it was idle.
 */
export function onRouted(
  life: Lifecycle,
  t: string,
  unrouted: ReadonlySet<string>,
  ctx: LifecycleContext,
  timing: Timing,
): void {
  if (!unrouted.has(t)) noteRouted(life, 1, ctx, timing);
}

/** Counts `n` routed messages taken at once (a batch taken from the mailbox): as `onRouted`. */
export function noteRouted(
  life: Lifecycle,
  n: number,
  ctx: LifecycleContext,
  timing: Timing,
): void {
  life.routed += n;
  life.lastActiveMs = ctx.clock.now();
  life.passivating = false;
  keepTicking(life, ctx, timing);
}

/** Makes sure the regular tick runs (replacing an idle wake-up). */
export function keepTicking(life: Lifecycle, ctx: LifecycleContext, timing: Timing): void {
  if (life.nextTick !== undefined && !life.idleWake) return;
  if (life.nextTickTimer !== undefined) ctx.cancelTimer(life.nextTickTimer);
  schedule(life, ctx, timing.tickMs, false);
}

/** Whether `tick` is the one awaited; takes it. A stale one is to be dropped. */
export function takeTick(life: Lifecycle, tick: Tick): boolean {
  if (tick !== life.nextTick) return false;
  life.nextTick = undefined;
  life.nextTickTimer = undefined;
  return true;
}

/**
 * Schedules what follows this tick, before its work: another tick while
 * `busy`; when not, and nothing holds the actor (`canPassivate`), one
 * wake-up for its passivation; else no timer at all.
 */
export function tickAgain(
  life: Lifecycle,
  ctx: LifecycleContext,
  timing: Timing,
  busy: boolean,
  canPassivate: boolean,
): void {
  if (busy) schedule(life, ctx, timing.tickMs, false);
  else if (canPassivate && !life.passivating) {
    const idleMs = ctx.clock.now() - life.lastActiveMs;
    schedule(life, ctx, Math.max(timing.tickMs, timing.idlePassivateMs - idleMs), true);
  }
}

/** Asks the activator to passivate `key` once idle long enough, when nothing holds the actor. */
export function passivateIfIdle(
  life: Lifecycle,
  ctx: LifecycleContext,
  timing: Timing,
  activator: Ref<ActivatorMsg>,
  key: string,
  canPassivate: boolean,
): void {
  if (life.passivating || !canPassivate) return;
  if (ctx.clock.now() - life.lastActiveMs < timing.idlePassivateMs) return;
  life.passivating = true;
  ctx.send(activator, { t: 'passivate', key, ref: ctx.self, received: life.routed });
}

/** A write was fenced: a newer owner exists, so this incarnation (`kind` named by `fields`) stops. */
export function stopFenced(
  ctx: LifecycleContext,
  kind: 'user' | 'group',
  fields: Readonly<Record<string, string>>,
  err: Error,
): void {
  ctx.log.warn({ ...fields, err: err.message }, `${kind} actor fenced by a newer owner: stopping`);
  ctx.stop({ shutdown: 'fenced' });
}

function schedule(life: Lifecycle, ctx: LifecycleContext, ms: number, idleWake: boolean): void {
  const tick: Tick = { t: 'tick' };
  life.nextTick = tick;
  life.idleWake = idleWake;
  life.nextTickTimer = ctx.sendAfter(ms, tick);
}
