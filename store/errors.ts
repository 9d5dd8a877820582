/**
 * Errors of the storage layer. Kept tiny on purpose: every store rejects only
 * with `ParleyError`; fencing has its own class so owners can tell "a newer
 * owner holds this key" apart from everything else.
 *
 * The helpers below build the canonical messages, so every implementation
 * words the same failure the same way (the contract suite checks that a
 * fencing message names the owner, the refused epoch and the current one).
 */
import { ErrorCode, ParleyError, quote } from '../runtime/index.ts';

/** A write carried an epoch older than (or other than) the owner's current one: a newer owner holds the key. */
export class FencedError extends ParleyError {
  override readonly name: string = 'FencedError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.Fenced, message, options);
  }
}

/**
 * The refusal of a write fenced by `epoch` when the owner's current epoch is
 * `current` (0: none was ever acquired). Names the owner and both epochs.
 */
export function staleEpoch(owner: string, epoch: number, current: number): FencedError {
  if (current === 0)
    return new FencedError(`${quote(owner)}: epoch ${epoch} refused: no epoch was ever acquired`);
  if (current > epoch)
    return new FencedError(
      `${quote(owner)}: epoch ${epoch} is stale: epoch ${current} was acquired since`,
    );
  return new FencedError(
    `${quote(owner)}: epoch ${epoch} was never acquired (the current one is ${current})`,
  );
}

/** A compare-and-set on a group's version that found another version (`stored`, 0: no such group). */
export function versionConflict(group: string, expected: number, stored: number): FencedError {
  return new FencedError(
    stored === 0
      ? `group ${quote(group)} does not exist; expected version ${expected}`
      : `group ${quote(group)} is at version ${stored}, not the expected ${expected}`,
  );
}

/** Creating a group that exists. */
export function groupExists(group: string, stored: number): ParleyError {
  return new ParleyError(
    ErrorCode.AlreadyExists,
    `group ${quote(group)} already exists (version ${stored})`,
  );
}

/** A caller bug: `what` (an argument path such as `items[2].record.key`) holds `value`, which breaks `why`. */
export function invalidArgument(what: string, value: unknown, why: string): ParleyError {
  return new ParleyError(ErrorCode.InvalidArgument, `invalid ${what} ${quote(value)}: ${why}`);
}

/** The database cannot be reached (closed, refused, timed out); nothing of `what` is known to be written. */
export function unavailable(what: string, reason: string, cause?: unknown): ParleyError {
  return new ParleyError(
    ErrorCode.Unavailable,
    `${what}: store unavailable: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

/** `what` may or may not have been written: re-read before retrying. */
export function indeterminate(what: string, reason: string, cause?: unknown): ParleyError {
  return new ParleyError(
    ErrorCode.Indeterminate,
    `${what}: outcome unknown: ${reason}`,
    cause === undefined ? undefined : { cause },
  );
}

/** `err` as a ParleyError: ParleyErrors pass through, anything else becomes `unavailable` with it as cause. */
export function toStoreError(err: unknown, what: string): ParleyError {
  if (err instanceof ParleyError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return unavailable(what, reason, err);
}
