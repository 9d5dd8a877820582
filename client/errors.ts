/**
 * The one error class of the SDK.
 *
 * `code` is either the server's `error` frame code (the request was refused)
 * or one of the SDK's own: the connection was not there, went away, the
 * client was closed, a request timed out, the outbox is full, or the call
 * was invalid before anything was sent.
 */
import type { ErrorCode } from './frames.ts';

export type ClientErrorCode =
  | ErrorCode
  | 'not_connected'
  | 'disconnected'
  | 'closed'
  | 'timeout'
  | 'outbox_full'
  | 'invalid';

export class ParleyClientError extends Error {
  override readonly name: string = 'ParleyClientError';
  readonly code: ClientErrorCode;
  /** The request's `ref`, or the message's `id`, when the error concerns one. */
  readonly ref: string | undefined;
  readonly id: string | undefined;

  constructor(
    code: ClientErrorCode,
    message: string,
    about: { ref?: string | undefined; id?: string | undefined } = {},
  ) {
    super(message);
    this.code = code;
    this.ref = about.ref;
    this.id = about.id;
  }
}
