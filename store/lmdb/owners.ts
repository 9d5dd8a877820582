/**
 * Owner state and the conditional commit every sequenced write goes through.
 *
 * - `serialize(owner, op)`: operations on one owner run one after another
 *   (the next starts when the previous settled), so each decides on the
 *   committed result of the one before. Different owners run concurrently and
 *   their writes share LMDB transactions (lmdb-js batches every write issued in
 *   one event-loop turn into one transaction).
 * - `commit(owner, seen, next, rows)`: issues `rows` and the new state as one
 *   conditional block: LMDB applies them, in one transaction, only if the
 *   owner's entry version is still `seen.version`; otherwise nothing of it is
 *   written and the result is `false` (another process, or a failed earlier
 *   commit, moved the state), and the caller decides again on fresh state.
 * - A bounded cache of the last committed state per owner spares the read on
 *   the hot path. It is only a guess: the version condition is the truth, and
 *   a failed or refused commit drops the entry.
 */
import { quote } from '../../runtime/index.ts';
import { indeterminate, unavailable } from '../errors.ts';
import { type Dbs, NO_OWNER_STATE, type OwnerState } from './schema.ts';

/** Decisions per call before giving up on a key that keeps changing under us. */
export const COMMIT_ATTEMPTS_MAX = 8;

export interface SeenState {
  /** Entry version of the state row; 0 when there is none. */
  readonly version: number;
  readonly state: OwnerState;
}

/** What one decision returns: the call's result, or `retry` after a refused commit. */
export type Attempt<T> = { readonly done: T } | { readonly retry: true };

export class Owners {
  private readonly cache = new Map<string, SeenState>();
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    private readonly dbs: Dbs,
    private readonly cacheMax: number,
  ) {}

  /** Runs `op` once every earlier operation on `owner` has settled. */
  serialize<T>(owner: string, op: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(owner);
    const run = prev === undefined ? op() : prev.then(op, op);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(owner, tail);
    void tail.then(() => {
      if (this.tails.get(owner) === tail) this.tails.delete(owner);
    });
    return run;
  }

  /** Resolves when every operation under way has settled. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  /** The owner's state as last committed (cached or read). Call inside `serialize`. */
  read(owner: string): SeenState {
    const hit = this.cache.get(owner);
    if (hit !== undefined) return hit;
    const entry = this.dbs.owners.getEntry(owner);
    const seen: SeenState =
      entry === undefined
        ? { version: 0, state: NO_OWNER_STATE }
        : { version: entry.version ?? 0, state: { ...NO_OWNER_STATE, ...entry.value } };
    this.remember(owner, seen);
    return seen;
  }

  /** The committed state, bypassing the cache (for reads outside `serialize`). */
  committed(owner: string): OwnerState {
    const value = this.dbs.owners.get(owner);
    return value === undefined ? NO_OWNER_STATE : { ...NO_OWNER_STATE, ...value };
  }

  /**
   * Writes `rows()` and `next` iff the state is still `seen`. Resolves after
   * the transaction is durable: true when applied, false when the condition
   * failed (nothing written). Rejects `indeterminate` when the commit failed.
   */
  async commit(
    label: string,
    owner: string,
    seen: SeenState,
    next: OwnerState,
    rows: () => void,
  ): Promise<boolean> {
    const { owners } = this.dbs;
    const version = seen.version + 1;
    const block = () => {
      rows();
      void owners.put(owner, next, version);
    };
    let applied: boolean;
    try {
      applied = await (seen.version === 0
        ? owners.ifNoExists(owner, block)
        : owners.ifVersion(owner, seen.version, block));
    } catch (err) {
      this.cache.delete(owner);
      throw indeterminate(`${label}(${quote(owner)})`, 'the LMDB commit failed', err);
    }
    if (applied) this.remember(owner, { version, state: next });
    else this.cache.delete(owner);
    return applied;
  }

  /**
   * Runs `decide` (inside `serialize(owner)`) until it returns a result,
   * deciding again on fresh state after each refused commit.
   */
  async decideLoop<T>(label: string, owner: string, decide: () => Promise<Attempt<T>>): Promise<T> {
    for (let attempt = 0; attempt < COMMIT_ATTEMPTS_MAX; attempt++) {
      const outcome = await decide();
      if ('done' in outcome) return outcome.done;
    }
    throw unavailable(
      `${label}(${quote(owner)})`,
      `the state of ${quote(owner)} changed under ${COMMIT_ATTEMPTS_MAX} attempts in a row (another process writing?)`,
    );
  }

  private remember(owner: string, seen: SeenState): void {
    this.cache.delete(owner);
    this.cache.set(owner, seen);
    if (this.cache.size > this.cacheMax) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
  }
}
