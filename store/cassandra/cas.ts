/**
 * The loop around every lightweight transaction (LWT): observe, decide, write
 * conditionally, and learn the outcome when the write's fate is unknown.
 *
 * Each attempt carries a fresh write id (`wid`) that it stores in the rows it
 * writes. When an attempt fails with an unknown outcome (a timeout, a
 * connection lost after sending) it is kept as *uncertain*, and the next
 * observation is made at serial consistency, which completes or kills any
 * in-flight Paxos proposal, so the rows of an attempt that landed are then
 * visible. If an uncertain attempt's `wid` is found, its result is returned;
 * otherwise the loop decides again from the observed state (write again,
 * report a duplicate, or refuse as fenced). Every attempt is conditioned on
 * the state it observed, which its own success changes (a head, a version),
 * so at most one attempt of a call can ever apply, and a stale one can never
 * apply once the state moved on. (Epoch acquisition is the exception that
 * needs no `wid`: an unseen earlier attempt only skips an epoch number.)
 *
 * Results: the decided value, or ParleyError `fenced` / `already_exists`
 * (thrown by `decide`), `unavailable` (nothing was applied: no uncertain
 * attempt), or `indeterminate` (an attempt is uncertain and re-reading failed).
 */
import { type Clock, sleep, systemRandom } from '../../runtime/index.ts';
import { indeterminate, unavailable } from '../errors.ts';
import type { CqlResult } from './cql.ts';
import { Outcome, outcomeOf, toParleyError, unknownOutcome } from './driver-errors.ts';

/** Attempts per call: each one either saw someone else's progress or failed. */
export const CAS_ATTEMPTS_MAX = 16;
/** Pause after an attempt with an unknown outcome, before re-reading. */
const UNCERTAIN_BACKOFF_MS = 50;

export interface CasAttempt<R> {
  /** Stored with the attempt's rows so a later read can recognise them. */
  readonly wid: string;
  /** What the call returns when this attempt applied. */
  readonly result: R;
  /** Runs the conditional write. */
  readonly write: () => Promise<CqlResult>;
}

export type CasDecision<R> = { readonly done: R } | { readonly attempt: CasAttempt<R> };

export interface CasSpec<O, R> {
  /** For messages: the call, e.g. `appendInbox("alice")`. */
  readonly what: string;
  /** Reads the state to decide on; at serial consistency when `serial`. */
  observe(serial: boolean): Promise<O>;
  /** The result of the uncertain attempt that applied, if one did (`o` was read at serial consistency). */
  landed(o: O, uncertain: readonly CasAttempt<R>[]): Promise<R | undefined> | R | undefined;
  /** Returns a result without writing, an attempt to make, or throws (fenced, conflict). */
  decide(o: O, uncertainCount: number): CasDecision<R>;
}

/** A fresh write id: 128 random bits in hex (unique across every node's writes). */
export function newWid(): string {
  let hex = '';
  for (const b of systemRandom.bytes(16)) hex += b.toString(16).padStart(2, '0');
  return hex;
}

export async function runCas<O, R>(spec: CasSpec<O, R>, clock: Clock): Promise<R> {
  try {
    return await casLoop(spec, clock);
  } catch (err) {
    // Fenced, conflicts, unavailable, indeterminate pass; anything else is a bug.
    throw toParleyError(err, spec.what);
  }
}

async function casLoop<O, R>(spec: CasSpec<O, R>, clock: Clock): Promise<R> {
  const uncertain: CasAttempt<R>[] = [];
  for (let attempt = 0; attempt < CAS_ATTEMPTS_MAX; attempt++) {
    let observed: O;
    try {
      observed = await spec.observe(uncertain.length > 0);
    } catch (err) {
      if (uncertain.length > 0) throw unknownOutcome(spec.what, err);
      throw toParleyError(err, spec.what);
    }
    if (uncertain.length > 0) {
      let result: R | undefined;
      try {
        result = await spec.landed(observed, uncertain);
      } catch (err) {
        throw unknownOutcome(spec.what, err);
      }
      if (result !== undefined) return result;
    }
    const decision = spec.decide(observed, uncertain.length);
    if ('done' in decision) return decision.done;
    try {
      const written = await decision.attempt.write();
      if (written.wasApplied()) return decision.attempt.result;
      // The condition failed: someone moved the state; observe again.
    } catch (err) {
      if (outcomeOf(err) === Outcome.Unknown) {
        uncertain.push(decision.attempt);
        await sleep(clock, UNCERTAIN_BACKOFF_MS);
        continue;
      }
      if (uncertain.length > 0) throw unknownOutcome(spec.what, err);
      throw toParleyError(err, spec.what);
    }
  }
  if (uncertain.length > 0)
    throw indeterminate(
      spec.what,
      `the write may or may not have been applied (${CAS_ATTEMPTS_MAX} attempts, ${uncertain.length} with unknown outcome)`,
    );
  throw unavailable(
    spec.what,
    `gave up after ${CAS_ATTEMPTS_MAX} contended attempts; nothing was written`,
  );
}
