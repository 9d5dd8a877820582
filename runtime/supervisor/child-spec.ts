/**
 * Supervisor flags and child specs, with OTP's vocabulary and defaults:
 *
 * - strategy: `one_for_one` (default) restarts the child that exited;
 *   `one_for_all` stops all others (in reverse start order) and restarts all
 *   (in start order); `rest_for_one` does that for the exited child and those
 *   started after it; `simple_one_for_one` has one child template and children
 *   added at run time with `startChild(args)`, restarted individually.
 * - intensity 1, period 5 s: more than `intensity` restarts within `period`
 *   and the supervisor stops its children and exits with
 *   `{shutdown: 'reached_max_restart_intensity'}`: its own parent decides next.
 * - restart: `permanent` (default) always restarted; `transient` restarted only
 *   after an abnormal exit (not normal, shutdown or {shutdown}); `temporary`
 *   never restarted (and forgotten when it exits).
 * - shutdown: ms to wait after the `shutdown` exit signal before `kill`;
 *   default 5000 for workers, `infinity` for supervisors; `brutal_kill` kills
 *   at once.
 *
 * Validation happens when a supervisor is defined, before anything starts;
 * each error names the child and quotes the bad value.
 */
import type { Behavior, SpawnOptions } from '../behavior.ts';
import { ErrorCode, ParleyError, quote } from '../errors.ts';

export const Strategy = {
  OneForOne: 'one_for_one',
  OneForAll: 'one_for_all',
  RestForOne: 'rest_for_one',
  SimpleOneForOne: 'simple_one_for_one',
} as const;
export type Strategy = (typeof Strategy)[keyof typeof Strategy];

export const Restart = {
  Permanent: 'permanent',
  Transient: 'transient',
  Temporary: 'temporary',
} as const;
export type Restart = (typeof Restart)[keyof typeof Restart];

export type Shutdown = number | 'brutal_kill' | 'infinity';
export type ChildType = 'worker' | 'supervisor';

/** What a child's start function returns: a behavior, or a behavior with spawn options. */
export type ChildStart =
  | Behavior<any, any>
  | { readonly behavior: Behavior<any, any>; readonly options?: SpawnOptions };

export interface ChildSpec {
  readonly id: string;
  /** Called for every (re)start; for `simple_one_for_one`, with the `startChild` arguments. */
  readonly start: (...args: any[]) => ChildStart;
  readonly restart?: Restart;
  readonly shutdown?: Shutdown;
  readonly type?: ChildType;
}

export interface SupervisorFlags {
  readonly strategy?: Strategy;
  /** Default 1. */
  readonly intensity?: number;
  /** Seconds; default 5. */
  readonly period?: number;
}

export interface SupervisorSpec {
  readonly flags?: SupervisorFlags;
  readonly children: readonly ChildSpec[];
}

export interface NormalizedChildSpec {
  readonly id: string;
  readonly start: (...args: any[]) => ChildStart;
  readonly restart: Restart;
  readonly shutdown: Shutdown;
  readonly type: ChildType;
}

export interface NormalizedFlags {
  readonly strategy: Strategy;
  readonly intensity: number;
  readonly periodMs: number;
}

export const DEFAULT_FLAGS = { strategy: Strategy.OneForOne, intensity: 1, period: 5 } as const;
export const DEFAULT_WORKER_SHUTDOWN_MS = 5000;

export class InvalidSupervisorSpecError extends ParleyError {
  override readonly name = 'InvalidSupervisorSpecError';
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
  }
}

const strategies: readonly string[] = Object.values(Strategy);
const restarts: readonly string[] = Object.values(Restart);

export function validateFlags(flags: SupervisorFlags | undefined): NormalizedFlags {
  const f = flags ?? {};
  const strategy = f.strategy ?? DEFAULT_FLAGS.strategy;
  if (!strategies.includes(strategy)) {
    throw new InvalidSupervisorSpecError(
      `invalid supervisor flags: strategy must be one of ${strategies.join(', ')}, got ${quote(strategy)}`,
    );
  }
  const intensity = f.intensity ?? DEFAULT_FLAGS.intensity;
  if (!Number.isInteger(intensity) || intensity < 0) {
    throw new InvalidSupervisorSpecError(
      `invalid supervisor flags: intensity must be a non-negative integer, got ${quote(intensity)}`,
    );
  }
  const period = f.period ?? DEFAULT_FLAGS.period;
  if (typeof period !== 'number' || !(period > 0) || !Number.isFinite(period)) {
    throw new InvalidSupervisorSpecError(
      `invalid supervisor flags: period must be a positive number of seconds, got ${quote(period)}`,
    );
  }
  return { strategy, intensity, periodMs: period * 1000 };
}

export function validateChildSpec(spec: ChildSpec): NormalizedChildSpec {
  if (spec === null || typeof spec !== 'object') {
    throw new InvalidSupervisorSpecError(
      `invalid child spec: must be an object, got ${quote(spec)}`,
    );
  }
  const { id } = spec;
  if (typeof id !== 'string' || id.length === 0) {
    throw new InvalidSupervisorSpecError(
      `invalid child spec: id must be a non-empty string, got ${quote(id)}`,
    );
  }
  const bad = (field: string, want: string, got: unknown) =>
    new InvalidSupervisorSpecError(
      `invalid child spec ${quote(id)}: ${field} must be ${want}, got ${quote(got)}`,
    );
  if (typeof spec.start !== 'function')
    throw bad('start', 'a function returning a behavior', spec.start);
  const restart = spec.restart ?? Restart.Permanent;
  if (!restarts.includes(restart)) throw bad('restart', `one of ${restarts.join(', ')}`, restart);
  const type = spec.type ?? 'worker';
  if (type !== 'worker' && type !== 'supervisor') throw bad('type', 'worker or supervisor', type);
  const shutdown =
    spec.shutdown ?? (type === 'supervisor' ? 'infinity' : DEFAULT_WORKER_SHUTDOWN_MS);
  if (
    shutdown !== 'brutal_kill' &&
    shutdown !== 'infinity' &&
    !(typeof shutdown === 'number' && Number.isInteger(shutdown) && shutdown >= 0)
  ) {
    throw bad('shutdown', "a non-negative integer of ms, 'brutal_kill' or 'infinity'", shutdown);
  }
  return { id, start: spec.start, restart, shutdown, type };
}

/** Validates a whole supervisor spec: flags, each child, unique ids, one template for simple_one_for_one. */
export function validateSpec(spec: SupervisorSpec): {
  flags: NormalizedFlags;
  children: NormalizedChildSpec[];
} {
  if (spec === null || typeof spec !== 'object' || !Array.isArray(spec.children)) {
    throw new InvalidSupervisorSpecError(
      `invalid supervisor spec: children must be an array, got ${quote(spec?.children)}`,
    );
  }
  const flags = validateFlags(spec.flags);
  const children = spec.children.map(validateChildSpec);
  const seen = new Set<string>();
  for (const c of children) {
    if (seen.has(c.id))
      throw new InvalidSupervisorSpecError(
        `invalid supervisor spec: duplicate child id ${quote(c.id)}`,
      );
    seen.add(c.id);
  }
  if (flags.strategy === Strategy.SimpleOneForOne && children.length !== 1) {
    throw new InvalidSupervisorSpecError(
      `invalid supervisor spec: simple_one_for_one needs exactly one child template, got ${children.length}`,
    );
  }
  return { flags, children };
}

export function splitStart(start: ChildStart): {
  behavior: Behavior<any, any>;
  options: SpawnOptions | undefined;
} {
  if ('behavior' in start && typeof (start as { receive?: unknown }).receive !== 'function') {
    return { behavior: start.behavior, options: start.options };
  }
  return { behavior: start as Behavior<any, any>, options: undefined };
}
