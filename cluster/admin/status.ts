/**
 * Errors across the admin boundary: a `ParleyError`'s code becomes a gRPC
 * status (and back, for the client), with the message kept as written.
 * Anything that is not a `ParleyError` is a bug and becomes `INTERNAL`.
 */
import { status as Status } from '@grpc/grpc-js';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';

const toGrpc: Record<ErrorCode, Status> = {
  [ErrorCode.InvalidArgument]: Status.INVALID_ARGUMENT,
  [ErrorCode.NotFound]: Status.NOT_FOUND,
  [ErrorCode.AlreadyExists]: Status.ALREADY_EXISTS,
  [ErrorCode.Forbidden]: Status.PERMISSION_DENIED,
  [ErrorCode.Timeout]: Status.DEADLINE_EXCEEDED,
  [ErrorCode.Unavailable]: Status.UNAVAILABLE,
  [ErrorCode.ResourceExhausted]: Status.RESOURCE_EXHAUSTED,
  [ErrorCode.Fenced]: Status.ABORTED,
  [ErrorCode.Stopped]: Status.UNAVAILABLE,
  [ErrorCode.Indeterminate]: Status.UNKNOWN,
  [ErrorCode.Internal]: Status.INTERNAL,
};

const fromGrpc: Partial<Record<Status, ErrorCode>> = {
  [Status.INVALID_ARGUMENT]: ErrorCode.InvalidArgument,
  [Status.NOT_FOUND]: ErrorCode.NotFound,
  [Status.ALREADY_EXISTS]: ErrorCode.AlreadyExists,
  [Status.PERMISSION_DENIED]: ErrorCode.Forbidden,
  [Status.UNAUTHENTICATED]: ErrorCode.Forbidden,
  [Status.DEADLINE_EXCEEDED]: ErrorCode.Timeout,
  [Status.UNAVAILABLE]: ErrorCode.Unavailable,
  [Status.RESOURCE_EXHAUSTED]: ErrorCode.ResourceExhausted,
  [Status.ABORTED]: ErrorCode.Fenced,
  [Status.UNKNOWN]: ErrorCode.Indeterminate,
};

/** The gRPC status a ParleyError code maps to. */
export function grpcStatusOf(code: ErrorCode): Status {
  return toGrpc[code];
}

/** The name of a gRPC status (`NOT_FOUND`), for messages and JSON. */
export function statusName(code: Status): string {
  return Status[code] ?? `STATUS_${code}`;
}

/** A handler's failure as a gRPC service error. */
export function toServiceError(err: unknown): { code: Status; details: string } {
  if (err instanceof ParleyError) return { code: grpcStatusOf(err.code), details: err.message };
  const message = err instanceof Error ? err.message : String(err);
  return { code: Status.INTERNAL, details: `internal error: ${message}` };
}

/** The ParleyError code a gRPC status maps back to. */
export function parleyCodeOf(code: Status): ErrorCode {
  return fromGrpc[code] ?? ErrorCode.Internal;
}
