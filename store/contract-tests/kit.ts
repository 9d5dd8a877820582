/**
 * Shared helpers of the storage contract suite (`../contract-suite.ts`):
 * the harness types, fresh ids, record builders and exact error checks.
 *
 * Every test uses ids no other test (or run) used, so one store serves a
 * whole file, which keeps the suite fast against a real Cassandra.
 */
import { expect } from 'vitest';
import { type Clock, type ErrorCode, ParleyError, systemRandom } from '../../runtime/index.ts';
import type { VirtualClock } from '../../runtime/testing/index.ts';
import type {
  GroupLogRecord,
  InboxAppend,
  InboxEntry,
  InboxRecord,
  Receipt,
  ReceiptStatus,
  Retention,
  Store,
} from '../contract.ts';
import { FencedError } from '../errors.ts';

export interface ContractOpenOptions {
  /**
   * The suite's clock: it moves only when a test says so. Pass it to the
   * store; an implementation whose expiry runs on server time (Cassandra TTL)
   * ignores it and makes `elapse` wait for real.
   */
  readonly clock: Clock;
  readonly retention: Retention;
}

export interface ContractHarness {
  readonly store: Store;
  readonly cleanup: () => Promise<void>;
  /**
   * Called after the suite moved its clock by `ms`: lets that much time pass
   * for the store (e.g. sleep for real when TTLs run on the server, or run
   * an expiry sweep). Default: nothing more.
   */
  readonly elapse?: (ms: number) => Promise<void>;
  /**
   * Closes the store and opens a new one on the same data; resolves with it.
   * Later tests use the new store, and `cleanup` (and `elapse`) must act on
   * it. Omitted by a store that keeps nothing across an open (memory): the
   * tests that reopen are then skipped.
   */
  readonly reopen?: () => Promise<Store>;
}

export type OpenStore = (options: ContractOpenOptions) => Promise<ContractHarness>;

export interface ContractSettings {
  /** Runs per fast-check property; default 40. */
  readonly modelRuns?: number;
  /** How the store writes derived wake marks (`wake-derived.ts`); default `atomic`. */
  readonly wakeDerivation?: WakeDerivation;
}

/** How a store writes the wake marks it derives: with the append (`atomic`) or before it. */
export type WakeDerivation = 'atomic' | 'before-append';

/** A store opened for one `describe`, with the clock it was given. */
export interface Fixture {
  readonly store: () => Store;
  readonly clock: VirtualClock;
  /** Moves the clock by `ms` and lets the store see it. */
  readonly elapse: (ms: number) => Promise<void>;
  /** Whether the harness can `reopen` the store. */
  readonly canReopen: () => boolean;
  /** Closes the store and opens it again on the same data; `store()` is then the new one. */
  readonly reopen: () => Promise<void>;
}

/** The seed of every property test: `FC_SEED` (set by vitest.config.ts). */
export function fcSeed(): number {
  const raw = process.env.FC_SEED ?? '20261122';
  const seed = Number(raw);
  if (!Number.isSafeInteger(seed)) throw new Error(`FC_SEED must be an integer, got ${raw}`);
  return seed;
}

const runTag = systemRandom.int(36 ** 6).toString(36);
let counter = 0;

/** An id no other test of this run (or of another run) uses. */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${runTag}-${counter}`;
}

export const TS = 1_700_000_000_000;

/** A 1:1 message from `from` (client id `id`) to `to`, in conversation `u:<from>`. */
export function dm(
  from: string,
  id: string,
  to: string,
  extra: { tag?: string; pendingFor?: readonly string[]; conversation?: string } = {},
): InboxAppend<InboxRecord> {
  return {
    record: {
      key: `${from}/${id}`,
      from,
      id,
      to,
      ts: TS,
      content: { type: 'text', text: extra.tag ?? `hello ${id}` },
    },
    conversation: extra.conversation ?? `u:${from}`,
    ...(extra.pendingFor ? { pendingFor: extra.pendingFor } : {}),
  };
}

/** The entry `dm(...)` becomes at `seq` in `user`'s inbox. */
export function entryOf(user: string, seq: number, item: InboxAppend<InboxRecord>): InboxEntry {
  return { ...item.record, user, seq };
}

export function groupRecord(from: string, id: string, text = `hi ${id}`): GroupLogRecord {
  return { key: `${from}/${id}`, from, id, ts: TS, content: { type: 'text', text } };
}

export function receipt(id: string, by: string, status: ReceiptStatus, ts = TS): Receipt {
  return { id, by, status, ts };
}

/** The rejection of `p`, which must be a ParleyError with `code` (and of `cls` when given). */
export async function rejection(
  p: Promise<unknown>,
  code: ErrorCode,
  cls: new (...args: never[]) => ParleyError = ParleyError,
): Promise<ParleyError> {
  let outcome: unknown;
  try {
    outcome = await p;
  } catch (err) {
    expect(err).toBeInstanceOf(cls);
    expect((err as ParleyError).code).toBe(code);
    return err as ParleyError;
  }
  throw new Error(`expected a rejection with code ${code}, got ${JSON.stringify(outcome)}`);
}

/** Checks a fencing refusal: FencedError, code `fenced`, naming the owner and both epochs. */
export async function expectFenced(
  p: Promise<unknown>,
  owner: string,
  stale: number,
  current: number,
): Promise<void> {
  const err = await rejection(p, 'fenced', FencedError);
  expect(err.message).toContain(owner);
  expect(err.message).toMatch(new RegExp(`\\bepoch ${stale}\\b`));
  if (current > 0) expect(err.message).toMatch(new RegExp(`\\b${current}\\b`));
}

/** Checks an argument refusal: ParleyError `invalid_argument` whose message starts `invalid <what> <value>:`. */
export async function expectInvalid(
  p: Promise<unknown>,
  what: string,
  value: string,
): Promise<void> {
  const err = await rejection(p, 'invalid_argument');
  expect(err.message.startsWith(`invalid ${what} ${value}: `)).toBe(true);
}
