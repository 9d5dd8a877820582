/**
 * The supervisor: an actor that starts children, watches them through links
 * (it traps exits) and restarts them by its strategy, as OTP's `supervisor`.
 *
 * Invariants:
 * - `children` is in start order; a running child has `ref`, a stopped one null.
 * - A child being stopped by the supervisor is unlinked first, so its exit
 *   is never mistaken for a crash; the supervisor waits for it (up to its
 *   shutdown timeout, then `kill`).
 * - Every decision (restart, ignore, escalate) is written as a supervisor report.
 * - Children stop in reverse start order when the supervisor stops, each with
 *   its own timeout (`simple_one_for_one` children all at once).
 */
import type { ActorContext, Behavior, ExitMessage, SpawnOptions } from '../behavior.ts';
import { ErrorCode, ParleyError, quote } from '../errors.ts';
import { type ExitReason, errorReason, formatReason, isNormalExit } from '../exit-reason.ts';
import type { AnyRef, Ref } from '../ref.ts';
import {
  type ChildSpec,
  type NormalizedChildSpec,
  type NormalizedFlags,
  Strategy,
  type SupervisorSpec,
  splitStart,
  validateChildSpec,
  validateSpec,
} from './child-spec.ts';
import { recordRestart } from './restart-window.ts';

export interface ChildInfo {
  readonly id: string;
  /** Null when the child is not running. */
  readonly ref: AnyRef | null;
  readonly type: 'worker' | 'supervisor';
  readonly restart: 'permanent' | 'transient' | 'temporary';
}

export interface ChildCounts {
  readonly specs: number;
  readonly active: number;
  readonly supervisors: number;
  readonly workers: number;
}

type Reply<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly code: string; readonly message: string };

export type SupervisorMsg =
  | {
      readonly type: 'start_child';
      readonly spec?: ChildSpec;
      readonly args?: readonly unknown[];
      readonly replyTo: Ref<Reply<AnyRef>>;
    }
  | {
      readonly type: 'terminate_child';
      readonly id: string | AnyRef;
      readonly replyTo: Ref<Reply<null>>;
    }
  | { readonly type: 'restart_child'; readonly id: string; readonly replyTo: Ref<Reply<AnyRef>> }
  | { readonly type: 'delete_child'; readonly id: string; readonly replyTo: Ref<Reply<null>> }
  | { readonly type: 'which_children'; readonly replyTo: Ref<Reply<ChildInfo[]>> }
  | { readonly type: 'count_children'; readonly replyTo: Ref<Reply<ChildCounts>> }
  /** Internal: a restart failed; try again, counting against intensity (OTP's try_again_restart). */
  | { readonly type: 'retry_restart'; readonly id: string; readonly reason: ExitReason };

interface Child {
  readonly spec: NormalizedChildSpec;
  ref: AnyRef | null;
  readonly args: readonly unknown[];
}

interface State {
  readonly flags: NormalizedFlags;
  children: Child[];
  restarts: readonly number[];
  /** The template of a simple_one_for_one supervisor. */
  readonly template: NormalizedChildSpec | null;
}

export const MAX_INTENSITY_REASON: ExitReason = { shutdown: 'reached_max_restart_intensity' };

export class ChildStartError extends ParleyError {
  override readonly name = 'ChildStartError';
  constructor(id: string, detail: string) {
    super(ErrorCode.Internal, `child ${quote(id)} failed to start: ${detail}`);
  }
}

/**
 * A supervisor behavior for `spec`, validated now (throws
 * `InvalidSupervisorSpecError` naming the bad value). Spawn it with
 * `startSupervisor`, or return it from a parent's child `start` with
 * `type: 'supervisor'`.
 */
export function supervisor(
  spec: SupervisorSpec,
  name = 'supervisor',
): Behavior<SupervisorMsg, State> {
  const { flags, children } = validateSpec(spec);
  return {
    name,
    init(ctx) {
      ctx.trapExit(true);
      const state: State = {
        flags,
        children: [],
        restarts: [],
        template: flags.strategy === Strategy.SimpleOneForOne ? children[0]! : null,
      };
      if (state.template !== null) return state;
      for (const c of children) {
        const child: Child = { spec: c, ref: null, args: [] };
        startChild(ctx, child);
        state.children.push(child);
      }
      return state;
    },
    receive: (state, msg, ctx) => handleCall(state, msg, ctx),
    exit: (state, exit, ctx) => onChildExit(state, exit, ctx),
    async terminate(state, _reason, ctx) {
      await stopChildren(ctx, state, state.children.slice().reverse());
    },
  };
}

function startChild(ctx: ActorContext<SupervisorMsg>, child: Child): AnyRef {
  let ref: AnyRef;
  try {
    const { behavior, options } = splitStart(child.spec.start(...child.args));
    ref = ctx.spawnLink(behavior, options as SpawnOptions | undefined);
  } catch (err) {
    throw new ChildStartError(child.spec.id, err instanceof Error ? err.message : String(err));
  }
  if (!ctx.isAlive(ref))
    throw new ChildStartError(child.spec.id, 'it exited during init (see its crash report)');
  child.ref = ref;
  return ref;
}

async function stopChild(ctx: ActorContext<SupervisorMsg>, child: Child): Promise<void> {
  const ref = child.ref;
  if (ref === null) return;
  child.ref = null;
  ctx.unlink(ref);
  const exited = ctx.awaitExit(ref);
  const { shutdown } = child.spec;
  if (shutdown === 'brutal_kill') {
    ctx.exit(ref, 'kill');
    await exited;
    return;
  }
  ctx.exit(ref, 'shutdown');
  if (shutdown === 'infinity') {
    await exited;
    return;
  }
  let timer: ReturnType<typeof ctx.clock.setTimer> | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = ctx.clock.setTimer(shutdown, () => resolve('timeout'));
  });
  const outcome = await Promise.race([exited, timedOut]);
  if (timer !== undefined) ctx.clock.clearTimer(timer);
  if (outcome === 'timeout') {
    ctx.log.warn(
      {
        supervisor: String(ctx.self),
        child: child.spec.id,
        childRef: String(ref),
        shutdownMs: shutdown,
      },
      'child did not stop within its shutdown timeout: killed',
    );
    ctx.exit(ref, 'kill');
    await exited;
  }
}

async function stopChildren(
  ctx: ActorContext<SupervisorMsg>,
  state: State,
  ordered: Child[],
): Promise<void> {
  if (state.template !== null) {
    await Promise.all(ordered.map((c) => stopChild(ctx, c)));
    return;
  }
  for (const c of ordered) await stopChild(ctx, c);
}

function report(
  ctx: ActorContext<SupervisorMsg>,
  state: State,
  child: Child,
  childRef: string,
  reason: ExitReason,
  decision: string,
): void {
  const level = isNormalExit(reason) ? 'info' : 'error';
  ctx.log[level](
    {
      supervisor: String(ctx.self),
      strategy: state.flags.strategy,
      child: child.spec.id,
      childRef: String(childRef),
      reason: formatReason(reason),
      decision,
    },
    'supervisor report',
  );
}

function needsRestart(child: Child, reason: ExitReason): boolean {
  switch (child.spec.restart) {
    case 'permanent':
      return true;
    case 'transient':
      return !isNormalExit(reason);
    case 'temporary':
      return false;
  }
}

async function onChildExit(
  state: State,
  exit: ExitMessage,
  ctx: ActorContext<SupervisorMsg>,
): Promise<State> {
  const index = state.children.findIndex((c) => c.ref?.equals(exit.from));
  if (index < 0) return state; // an exit from a stopped child or a stranger: not ours to act on
  const child = state.children[index]!;
  const childRef = child.ref!;
  child.ref = null;
  if (!needsRestart(child, exit.reason)) {
    if (child.spec.restart === 'temporary' || state.template !== null)
      state.children.splice(index, 1);
    report(ctx, state, child, String(childRef), exit.reason, 'no restart');
    return state;
  }
  return restart(state, child, String(childRef), exit.reason, ctx);
}

/** Restarts `child` (and its siblings by strategy), or escalates when intensity is reached. */
async function restart(
  state: State,
  child: Child,
  childRef: string,
  reason: ExitReason,
  ctx: ActorContext<SupervisorMsg>,
): Promise<State> {
  const verdict = recordRestart(
    state.restarts,
    ctx.clock.now(),
    state.flags.intensity,
    state.flags.periodMs,
  );
  state.restarts = verdict.history;
  if (!verdict.allowed) {
    report(
      ctx,
      state,
      child,
      childRef,
      reason,
      'escalate: restart intensity reached, shutting down',
    );
    ctx.stop(MAX_INTENSITY_REASON);
    return state;
  }
  report(ctx, state, child, childRef, reason, `restart (${state.flags.strategy})`);
  const index = state.children.indexOf(child);
  let toRestart: Child[];
  switch (state.flags.strategy) {
    case 'one_for_all':
      toRestart = state.children.slice();
      break;
    case 'rest_for_one':
      toRestart = state.children.slice(index);
      break;
    default:
      toRestart = [child];
  }
  await stopChildren(ctx, state, toRestart.filter((c) => c !== child).reverse());
  for (const c of toRestart) {
    if (c !== child && c.spec.restart === 'temporary') {
      state.children.splice(state.children.indexOf(c), 1);
      continue;
    }
    try {
      startChild(ctx, c);
    } catch (err) {
      const failure = errorReason(err);
      ctx.log.error(
        { supervisor: String(ctx.self), child: c.spec.id, reason: formatReason(failure) },
        'restart failed',
      );
      ctx.send(ctx.self, { type: 'retry_restart', id: c.spec.id, reason: failure });
      // Siblings after a failed child wait for its retry, as in OTP.
      break;
    }
  }
  return state;
}

function ok<T>(value: T): Reply<T> {
  return { ok: true, value };
}
function fail(code: string, message: string): Reply<never> {
  return { ok: false, code, message };
}

async function handleCall(
  state: State,
  msg: SupervisorMsg,
  ctx: ActorContext<SupervisorMsg>,
): Promise<State> {
  switch (msg.type) {
    case 'start_child': {
      let child: Child;
      if (state.template !== null) {
        child = { spec: state.template, ref: null, args: msg.args ?? [] };
      } else {
        if (msg.spec === undefined) {
          ctx.send(msg.replyTo, fail(ErrorCode.InvalidArgument, 'start_child needs a child spec'));
          return state;
        }
        let spec: NormalizedChildSpec;
        try {
          spec = validateChildSpec(msg.spec);
        } catch (err) {
          ctx.send(msg.replyTo, fail(ErrorCode.InvalidArgument, (err as Error).message));
          return state;
        }
        if (state.children.some((c) => c.spec.id === spec.id)) {
          ctx.send(
            msg.replyTo,
            fail(ErrorCode.AlreadyExists, `child ${quote(spec.id)} already exists`),
          );
          return state;
        }
        child = { spec, ref: null, args: [] };
      }
      try {
        const ref = startChild(ctx, child);
        state.children.push(child);
        ctx.send(msg.replyTo, ok(ref));
      } catch (err) {
        ctx.send(msg.replyTo, fail(ErrorCode.Internal, (err as Error).message));
      }
      return state;
    }
    case 'terminate_child': {
      const child = findChild(state, msg.id);
      if (child === undefined) {
        ctx.send(msg.replyTo, fail(ErrorCode.NotFound, `no child ${describeId(msg.id)}`));
        return state;
      }
      await stopChild(ctx, child);
      if (state.template !== null || child.spec.restart === 'temporary') {
        state.children.splice(state.children.indexOf(child), 1);
      }
      ctx.send(msg.replyTo, ok(null));
      return state;
    }
    case 'restart_child': {
      const child = findChild(state, msg.id);
      if (child === undefined || state.template !== null) {
        ctx.send(msg.replyTo, fail(ErrorCode.NotFound, `no child ${quote(msg.id)}`));
        return state;
      }
      if (child.ref !== null) {
        ctx.send(msg.replyTo, fail(ErrorCode.AlreadyExists, `child ${quote(msg.id)} is running`));
        return state;
      }
      try {
        ctx.send(msg.replyTo, ok(startChild(ctx, child)));
      } catch (err) {
        ctx.send(msg.replyTo, fail(ErrorCode.Internal, (err as Error).message));
      }
      return state;
    }
    case 'delete_child': {
      const child = findChild(state, msg.id);
      if (child === undefined || state.template !== null) {
        ctx.send(msg.replyTo, fail(ErrorCode.NotFound, `no child ${quote(msg.id)}`));
      } else if (child.ref !== null) {
        ctx.send(
          msg.replyTo,
          fail(ErrorCode.AlreadyExists, `child ${quote(msg.id)} is running; terminate it first`),
        );
      } else {
        state.children.splice(state.children.indexOf(child), 1);
        ctx.send(msg.replyTo, ok(null));
      }
      return state;
    }
    case 'which_children':
      ctx.send(
        msg.replyTo,
        ok(
          state.children.map((c) => ({
            id: c.spec.id,
            ref: c.ref,
            type: c.spec.type,
            restart: c.spec.restart,
          })),
        ),
      );
      return state;
    case 'retry_restart': {
      const child = findChild(state, msg.id);
      if (child === undefined || child.ref !== null) return state;
      return restart(state, child, '(not started)', msg.reason, ctx);
    }
    case 'count_children': {
      const sups = state.children.filter((c) => c.spec.type === 'supervisor').length;
      ctx.send(
        msg.replyTo,
        ok({
          specs: state.children.length,
          active: state.children.filter((c) => c.ref !== null).length,
          supervisors: sups,
          workers: state.children.length - sups,
        }),
      );
      return state;
    }
  }
  return state;
}

function findChild(state: State, id: string | AnyRef): Child | undefined {
  if (typeof id === 'string') return state.children.find((c) => c.spec.id === id);
  return state.children.find((c) => c.ref?.equals(id));
}

function describeId(id: string | AnyRef): string {
  return typeof id === 'string' ? quote(id) : String(id);
}
