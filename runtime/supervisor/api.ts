/**
 * Calling a supervisor: start it, add and remove children, look inside.
 * Each call is an `ask` (default timeout 5000 ms, or `infinity`-like long
 * waits where stopping a child may take its shutdown timeout); a refusal
 * rejects with a `ParleyError` whose code says why.
 */
import type { SpawnOptions } from '../behavior.ts';
import { type ErrorCode, ParleyError } from '../errors.ts';
import type { AnyRef, Ref } from '../ref.ts';
import type { ActorSystem } from '../system.ts';
import type { ChildSpec, SupervisorSpec } from './child-spec.ts';
import { type ChildCounts, type ChildInfo, type SupervisorMsg, supervisor } from './supervisor.ts';

/** Anything that can ask: an `ActorSystem` or an `ActorContext`. */
export interface Asker {
  ask<T, R>(to: Ref<T>, make: (replyTo: Ref<R>) => T, timeoutMs?: number): Promise<R>;
}

/** Long enough for a child's default 5 s shutdown plus slack. */
const CALL_TIMEOUT_MS = 15_000;

type Reply<T> = { ok: true; value: T } | { ok: false; code: string; message: string };

async function call<T>(
  asker: Asker,
  sup: Ref<SupervisorMsg>,
  make: (r: Ref<Reply<T>>) => SupervisorMsg,
): Promise<T> {
  const reply = await asker.ask<SupervisorMsg, Reply<T>>(sup, make, CALL_TIMEOUT_MS);
  if (!reply.ok) throw new ParleyError(reply.code as ErrorCode, reply.message);
  return reply.value;
}

/** Validates `spec` (throws `InvalidSupervisorSpecError`), then spawns the supervisor and its children. */
export function startSupervisor(
  system: ActorSystem,
  spec: SupervisorSpec,
  options?: SpawnOptions & { behaviorName?: string },
): Ref<SupervisorMsg> {
  return system.spawn(supervisor(spec, options?.behaviorName), options);
}

/** Adds a child (a spec; for simple_one_for_one, the arguments for the template's start). */
export function startChild(
  asker: Asker,
  sup: Ref<SupervisorMsg>,
  specOrArgs: ChildSpec | readonly unknown[],
): Promise<AnyRef> {
  return call(asker, sup, (replyTo) =>
    Array.isArray(specOrArgs)
      ? { type: 'start_child', args: specOrArgs, replyTo }
      : { type: 'start_child', spec: specOrArgs as ChildSpec, replyTo },
  );
}

/** Stops a child (by id, or by ref for simple_one_for_one) with its shutdown rules; its spec stays unless temporary. */
export function terminateChild(
  asker: Asker,
  sup: Ref<SupervisorMsg>,
  id: string | AnyRef,
): Promise<null> {
  return call(asker, sup, (replyTo) => ({ type: 'terminate_child', id, replyTo }));
}

export function restartChild(asker: Asker, sup: Ref<SupervisorMsg>, id: string): Promise<AnyRef> {
  return call(asker, sup, (replyTo) => ({ type: 'restart_child', id, replyTo }));
}

export function deleteChild(asker: Asker, sup: Ref<SupervisorMsg>, id: string): Promise<null> {
  return call(asker, sup, (replyTo) => ({ type: 'delete_child', id, replyTo }));
}

export function whichChildren(asker: Asker, sup: Ref<SupervisorMsg>): Promise<ChildInfo[]> {
  return call(asker, sup, (replyTo) => ({ type: 'which_children', replyTo }));
}

export function countChildren(asker: Asker, sup: Ref<SupervisorMsg>): Promise<ChildCounts> {
  return call(asker, sup, (replyTo) => ({ type: 'count_children', replyTo }));
}
