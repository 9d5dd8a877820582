/**
 * Exit reasons, with OTP's vocabulary and rules.
 *
 * - `normal`: the actor finished; linked actors that do not trap exits ignore it.
 * - `shutdown` / `{ shutdown }`: an orderly stop asked by a supervisor or owner.
 * - `kill`: only as a signal sent with `exit(ref, 'kill')`; cannot be trapped;
 *   the target dies with `killed`, which is what its links then see.
 * - `noproc`: the target of a link or monitor did not exist.
 * - `noconnection`: the node holding the other end was lost.
 * - an error: the actor crashed; carried as plain data so it crosses nodes.
 */
import { quote } from './errors.ts';

export interface ErrorReason {
  readonly error: string;
  readonly message: string;
  readonly code?: string;
  readonly stack?: string;
}

export type ExitReason =
  | 'normal'
  | 'shutdown'
  | 'kill'
  | 'killed'
  | 'noproc'
  | 'noconnection'
  | { readonly shutdown: string }
  | ErrorReason;

/** Turns anything thrown into a serialisable reason. */
export function errorReason(thrown: unknown): ErrorReason {
  if (thrown instanceof Error) {
    const code = (thrown as { code?: unknown }).code;
    return {
      error: thrown.name,
      message: thrown.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(thrown.stack !== undefined ? { stack: thrown.stack } : {}),
    };
  }
  return { error: 'NonError', message: `threw a non-Error value: ${quote(thrown)}` };
}

/** OTP: `normal`, `shutdown` and `{shutdown, _}` are the reasons a transient child is not restarted for. */
export function isNormalExit(reason: ExitReason): boolean {
  return (
    reason === 'normal' ||
    reason === 'shutdown' ||
    (typeof reason === 'object' && 'shutdown' in reason)
  );
}

export function formatReason(reason: ExitReason): string {
  if (typeof reason === 'string') return reason;
  if ('shutdown' in reason) return `{shutdown, ${reason.shutdown}}`;
  return `${reason.error}: ${reason.message}`;
}
