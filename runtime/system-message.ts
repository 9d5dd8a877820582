/**
 * What a cell (`cell.ts`) receives besides user messages, and the error a
 * full mailbox gives a local sender. Kept apart from the cell so the system
 * and the public surface name them without the cell's internals.
 */
import { ErrorCode, ParleyError } from './errors.ts';
import type { ExitReason } from './exit-reason.ts';
import type { AnyRef, MonitorRef } from './ref.ts';

/** System messages: delivered ahead of user messages. */
export type SystemMessage =
  | {
      readonly k: 'exit';
      readonly from: AnyRef;
      readonly reason: ExitReason;
      readonly link: boolean;
    }
  | {
      readonly k: 'down';
      readonly monitor: MonitorRef;
      readonly from: AnyRef;
      readonly reason: ExitReason;
    }
  | { readonly k: 'link'; readonly from: AnyRef }
  | { readonly k: 'unlink'; readonly from: AnyRef }
  | { readonly k: 'monitor'; readonly from: AnyRef; readonly monitor: MonitorRef }
  | { readonly k: 'demonitor'; readonly monitor: MonitorRef };

export class MailboxFullError extends ParleyError {
  override readonly name = 'MailboxFullError';
  constructor(ref: AnyRef, capacity: number) {
    super(
      ErrorCode.ResourceExhausted,
      `mailbox of ${ref} is full (capacity ${capacity}); slow down or raise the actor's mailbox capacity`,
    );
  }
}
