/**
 * The one error base of Parley.
 *
 * Every error carries a `code` from a small closed set. The admin boundary maps
 * codes to gRPC status codes, the WebSocket edge maps them to `error` frame
 * codes. Messages name the thing that was wrong and quote the bad value.
 */

export const ErrorCode = {
  /** A caller passed a value that can never work (bad child spec, bad frame). */
  InvalidArgument: 'invalid_argument',
  /** The thing asked for does not exist (no such actor, name, group). */
  NotFound: 'not_found',
  /** The thing to create exists already (name taken). */
  AlreadyExists: 'already_exists',
  /** The caller may not do this. */
  Forbidden: 'forbidden',
  /** A deadline passed before an answer came (ask timeout). */
  Timeout: 'timeout',
  /** A dependency is down or refused; retrying later may work. */
  Unavailable: 'unavailable',
  /** A bound was hit (mailbox full, rate limit). */
  ResourceExhausted: 'resource_exhausted',
  /** A write was refused because a newer owner holds the key (fencing). */
  Fenced: 'fenced',
  /** The actor or system is stopped or stopping. */
  Stopped: 'stopped',
  /** The outcome is unknown: it may or may not have happened (LWT timeout). */
  Indeterminate: 'indeterminate',
  /** An invariant broke: a bug. */
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export class ParleyError extends Error {
  override readonly name: string = 'ParleyError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Quotes a value for an error message: strings in quotes, the rest as JSON, long values cut. */
export function quote(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = JSON.stringify(value);
  else if (typeof value === 'bigint') text = `${value}n`;
  else if (typeof value === 'function') text = `[function ${value.name || 'anonymous'}]`;
  else if (value === undefined) text = 'undefined';
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
