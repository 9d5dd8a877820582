/**
 * Owner state and the conditional commit every sequenced write goes through.
 *
 * `decide(label, owner, decide)` is the one path of a sequenced write:
 * - Operations on one owner run one after another (the next decides when the
 *   previous settled), so each decides on the committed result of the one
 *   before. Different owners run concurrently and their writes share LMDB
 *   transactions (lmdb-js batches every write issued in one event-loop turn
 *   into one transaction).
 * - `decide(seen)` is synchronous: it reads what it needs and returns either
 *   a result (nothing to write) or the rows to write with the new state. The
 *   rows and the new state are issued as one conditional block: LMDB applies
 *   them, in one transaction, only if the owner's entry version is still
 *   `seen.version`; otherwise nothing of it is written and the owner decides
 *   again on fresh state (another process, or a failed earlier commit, moved
 *   the state), at most `COMMIT_ATTEMPTS_MAX` times.
 * - The promise resolves after the transaction is durable; a failed commit
 *   rejects `indeterminate`.
 * - A bounded cache of the last committed state per owner spares the read on
 *   the hot path, with the chat list heads of the conversations it appended
 *   to (`ChatHead`). It is only a guess: the version condition is the truth,
 *   and a failed or refused commit drops the entry with its heads. Every
 *   write of a chat summary row goes through `decide` on its owner, so the
 *   heads are valid exactly as long as the state they are cached with.
 *
 * The uncontended path allocates no promise of its own: the caller gets the
 * `.then` of LMDB's write promise.
 */
import { quote } from '../../runtime/index.ts';
import { indeterminate, toStoreError, unavailable } from '../errors.ts';
import { type Dbs, NO_OWNER_STATE, type OwnerState } from './schema.ts';

/** Decisions per call before giving up on a key that keeps changing under us. */
export const COMMIT_ATTEMPTS_MAX = 8;
/** Conversations whose chat list head is cached per owner. */
export const CHAT_HEADS_MAX = 32;

/** What the next append to a conversation needs of its chat list summary. */
export interface ChatHead {
  /** `last.seq` of the summary: the activity row to move. */
  readonly lastSeq: number;
  readonly unread: number;
  readonly readUpTo: number;
}

export interface SeenState {
  /** Entry version of the state row; 0 when there is none. */
  readonly version: number;
  readonly state: OwnerState;
  /**
   * Chat list heads known at this version (a cache: absent is not "none").
   * `NO_CHATS` until the first head is remembered: most owners never need one.
   */
  chats: Map<string, ChatHead>;
}

/** Shared and always empty: only `rememberChat` writes heads, into a map of the owner's own. */
const NO_CHATS: Map<string, ChatHead> = new Map();

/** What one decision returns: the call's result with nothing to write, or a write. */
export type Decision<T> =
  | { readonly done: T }
  | {
      /** Resolved once the write is durable. */
      readonly result: T;
      readonly next: OwnerState;
      /** Issues the rows; must not throw (encode before). */
      readonly rows: () => void;
      /** Runs after the write applied, to update the cached heads of `seen`. */
      readonly applied?: (seen: SeenState) => void;
    };

/** Caches `head` for `conversation` in `seen`, dropping the oldest head beyond `CHAT_HEADS_MAX`. */
export function rememberChat(seen: SeenState, conversation: string, head: ChatHead): void {
  if (seen.chats === NO_CHATS) seen.chats = new Map();
  const { chats } = seen;
  chats.delete(conversation);
  chats.set(conversation, head);
  if (chats.size > CHAT_HEADS_MAX) {
    const oldest = chats.keys().next();
    if (!oldest.done) chats.delete(oldest.value);
  }
}

type Write<T> = Exclude<Decision<T>, { readonly done: T }>;

export class Owners {
  private readonly cache = new Map<string, SeenState>();
  /** Owners with an operation under way, with the starts of those waiting (null: none). */
  private readonly busy = new Map<string, (() => void)[] | null>();
  private idle: (() => void)[] = [];

  constructor(
    private readonly dbs: Dbs,
    private readonly cacheMax: number,
  ) {}

  /**
   * Decides once every earlier operation on `owner` has settled, and writes
   * what `decide` returned (see the module doc). Rejects only with
   * ParleyError: what `decide` threw, `indeterminate`, or `unavailable`.
   */
  decide<T>(label: string, owner: string, decide: (seen: SeenState) => Decision<T>): Promise<T> {
    const waiting = this.busy.get(owner);
    if (waiting === undefined) {
      this.busy.set(owner, null);
      return this.attempt(label, owner, decide, 1);
    }
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.attempt(label, owner, decide, 1).then(resolve, reject);
      };
      if (waiting === null) this.busy.set(owner, [start]);
      else waiting.push(start);
    });
  }

  /** Resolves when every operation under way has settled. */
  async drain(): Promise<void> {
    while (this.busy.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  /** The committed state, bypassing the cache (for reads outside `decide`). */
  committed(owner: string): OwnerState {
    const value = this.dbs.owners.get(owner);
    return value === undefined ? NO_OWNER_STATE : { ...NO_OWNER_STATE, ...value };
  }

  /** One decision and its write; settles the call (releasing the owner) unless it decides again. */
  private attempt<T>(
    label: string,
    owner: string,
    decide: (seen: SeenState) => Decision<T>,
    attempt: number,
  ): Promise<T> {
    let seen: SeenState;
    let decision: Decision<T>;
    try {
      seen = this.read(owner);
      decision = decide(seen);
    } catch (err) {
      this.release(owner);
      return Promise.reject(toStoreError(err, `${label}(${quote(owner)})`));
    }
    if ('done' in decision) {
      this.release(owner);
      return Promise.resolve(decision.done);
    }
    const write = decision;
    let pending: Promise<boolean>;
    try {
      pending = this.issue(owner, seen, write);
    } catch (err) {
      return Promise.reject(this.failed(label, owner, err));
    }
    return pending.then(
      (applied) => {
        if (applied) {
          const after: SeenState = {
            version: seen.version + 1,
            state: write.next,
            chats: seen.chats,
          };
          this.remember(owner, after);
          write.applied?.(after);
          this.release(owner);
          return write.result;
        }
        this.cache.delete(owner);
        if (attempt < COMMIT_ATTEMPTS_MAX) return this.attempt(label, owner, decide, attempt + 1);
        this.release(owner);
        throw unavailable(
          `${label}(${quote(owner)})`,
          `the state of ${quote(owner)} changed under ${COMMIT_ATTEMPTS_MAX} attempts in a row (another process writing?)`,
        );
      },
      (err: unknown) => {
        throw this.failed(label, owner, err);
      },
    );
  }

  /** `write`'s rows and new state as one block, conditional on the owner's version `seen.version`. */
  private issue<T>(owner: string, seen: SeenState, write: Write<T>): Promise<boolean> {
    const { owners } = this.dbs;
    const version = seen.version + 1;
    if (seen.version === 0)
      return owners.ifNoExists(owner, () => {
        write.rows();
        void owners.put(owner, write.next, version);
      });
    return owners.ifVersion(owner, seen.version, () => {
      write.rows();
      void owners.put(owner, write.next, version);
    });
  }

  private failed(label: string, owner: string, err: unknown): Error {
    this.cache.delete(owner);
    this.release(owner);
    return indeterminate(`${label}(${quote(owner)})`, 'the LMDB commit failed', err);
  }

  /** The owner's state as last committed (cached or read). */
  private read(owner: string): SeenState {
    const hit = this.cache.get(owner);
    if (hit !== undefined) return hit;
    const entry = this.dbs.owners.getEntry(owner);
    const seen: SeenState =
      entry === undefined
        ? { version: 0, state: NO_OWNER_STATE, chats: NO_CHATS }
        : {
            version: entry.version ?? 0,
            state: { ...NO_OWNER_STATE, ...entry.value },
            chats: NO_CHATS,
          };
    this.remember(owner, seen);
    return seen;
  }

  /** Ends the operation under way on `owner`: starts the next one waiting, if any. */
  private release(owner: string): void {
    const waiting = this.busy.get(owner);
    const next = waiting?.shift();
    if (next === undefined) {
      this.busy.delete(owner);
      if (this.busy.size === 0 && this.idle.length > 0) {
        const idle = this.idle;
        this.idle = [];
        for (const resolve of idle) resolve();
      }
      return;
    }
    if (waiting?.length === 0) this.busy.set(owner, null);
    // In a later microtask: a long queue of decisions that write nothing must not recurse.
    void Promise.resolve().then(next);
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
