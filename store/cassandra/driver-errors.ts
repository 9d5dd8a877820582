/**
 * Maps `cassandra-driver` failures to the contract's error codes.
 *
 * Invariant: a failure is `unavailable` only when the request is known not to
 * have been applied (no host took it, the coordinator refused it up front) or
 * when the request is a read or an idempotent write (repeating it is safe).
 * A lightweight transaction that may have reached a coordinator (timeouts,
 * a connection lost after the request was written, write failures, unknown
 * server errors) is `Outcome.Unknown`: the caller must learn what happened.
 */
import { errors, types } from 'cassandra-driver';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';
import { indeterminate, unavailable } from '../errors.ts';

export const Outcome = {
  /** The request was certainly not applied. */
  NotApplied: 'not_applied',
  /** The request may or may not have been applied. */
  Unknown: 'unknown',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

const codes = types.responseErrorCodes;

/** Server errors sent before anything is applied (the coordinator refused the request). */
const refusedUpFront = new Set<number>([
  codes.unavailableException,
  codes.overloaded,
  codes.isBootstrapping,
  codes.truncateError,
  codes.badCredentials,
  codes.protocolError,
  codes.syntaxError,
  codes.unauthorized,
  codes.invalid,
  codes.configError,
  codes.alreadyExists,
  codes.unprepared,
]);

/** Server errors that mean our CQL or data is wrong: a bug, or a value the database rejects. */
const ourFault = new Set<number>([
  codes.syntaxError,
  codes.invalid,
  codes.configError,
  codes.alreadyExists,
  codes.unauthorized,
  codes.protocolError,
]);

/** Whether a failed request may have been applied. */
export function outcomeOf(err: unknown): Outcome {
  if (err instanceof errors.NoHostAvailableError) return Outcome.NotApplied;
  if (err instanceof errors.BusyConnectionError) return Outcome.NotApplied;
  if (err instanceof errors.ArgumentError) return Outcome.NotApplied;
  if (err instanceof errors.ResponseError)
    return refusedUpFront.has(err.code) ? Outcome.NotApplied : Outcome.Unknown;
  const socket = err as { isSocketError?: boolean; requestNotWritten?: boolean } | null;
  if (socket?.isSocketError && socket.requestNotWritten) return Outcome.NotApplied;
  return Outcome.Unknown;
}

/**
 * The ParleyError for a failure whose outcome does not matter (reads,
 * idempotent writes) or is known to be "not applied": `unavailable` for the
 * driver's and the network's failures, `invalid_argument`/`internal` when the
 * database rejected our statement, `internal` for anything else (a bug).
 */
export function toParleyError(err: unknown, what: string): ParleyError {
  if (err instanceof ParleyError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (err instanceof errors.ResponseError && ourFault.has(err.code)) {
    const code = err.code === codes.invalid ? ErrorCode.InvalidArgument : ErrorCode.Internal;
    return new ParleyError(code, `${what}: the database rejected the statement: ${message}`, {
      cause: err,
    });
  }
  const fromDriver =
    (err instanceof errors.DriverError && !(err instanceof errors.ArgumentError)) ||
    (err as { isSocketError?: boolean } | null)?.isSocketError === true;
  if (!fromDriver)
    return new ParleyError(ErrorCode.Internal, `${what}: ${message}`, { cause: err });
  return unavailable(what, message, err);
}

/** The ParleyError for a conditional write whose outcome could not be learned. */
export function unknownOutcome(what: string, cause: unknown): ParleyError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return indeterminate(
    what,
    `the write may or may not have been applied, and re-reading failed too: ${message}`,
    cause,
  );
}

/** Runs a read or an idempotent write, mapping every driver failure to a ParleyError. */
export async function guard<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toParleyError(err, what);
  }
}
