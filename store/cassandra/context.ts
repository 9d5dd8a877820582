/**
 * What every operation module of the store shares: the executor, the
 * per-partition queue of LWTs, the statements of the keyspace, the retention
 * and the clock.
 */
import type { types } from 'cassandra-driver';
import type { Clock } from '../../runtime/index.ts';
import type { Retention } from '../contract.ts';
import { isLive } from './expiry.ts';
import type { PartitionLock } from './partition-lock.ts';
import type { Exec } from './session.ts';
import type { Statements } from './statements.ts';

export interface Ctx {
  readonly exec: Exec;
  /** Queues this process's LWTs per partition (`u:<user>`, `g:<group>`, `m:<group>`, `o:<owner>`). */
  readonly lock: PartitionLock;
  readonly st: Statements;
  readonly retention: Retention;
  readonly clock: Clock;
}

/** The largest bigint: `seq < SEQ_MAX` selects every row. */
export const SEQ_MAX = 9_223_372_036_854_775_807n;

/** A read filter keeping the rows not yet expired by the store's clock now. */
export function live(ctx: Ctx): (row: types.Row) => boolean {
  const now = ctx.clock.now();
  return (row) => isLive(row, now);
}
