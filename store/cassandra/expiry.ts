/**
 * Retention, decided by the store's clock, enforced twice.
 *
 * Every row with a retention carries `exp`, its expiry in ms by the injected
 * `Clock` (null: kept forever), and every read skips rows whose `exp` has
 * passed: expiry is exact to the ms and follows the clock (a test's virtual
 * clock included). The database forgets the rows too: they are written
 * `USING TTL` of the retention plus `EXPIRY_GRACE_S`, so storage stays
 * bounded without a sweep. The grace covers what server TTLs cannot: their
 * whole-second granularity and skew between the application's clock and the
 * database's. Heads (static columns) carry no TTL and never expire.
 */
import type { types } from 'cassandra-driver';

/** Seconds a row outlives its retention in the database. */
export const EXPIRY_GRACE_S = 300;

export interface Expiry {
  /** `exp` column value: ms by the clock, or null for no expiry. */
  readonly exp: bigint | null;
  /** `USING TTL` seconds (0: none). */
  readonly ttl: number;
}

export function expiryOf(retentionMs: number, nowMs: number): Expiry {
  if (retentionMs === 0) return { exp: null, ttl: 0 };
  return { exp: BigInt(nowMs + retentionMs), ttl: Math.ceil(retentionMs / 1000) + EXPIRY_GRACE_S };
}

/** Whether a row read with its `exp` column is still live at `nowMs`. */
export function isLive(row: types.Row, nowMs: number): boolean {
  const exp = row.get('exp') as bigint | null | undefined;
  return exp === null || exp === undefined || Number(exp) > nowMs;
}
