/**
 * What every operation module of the LMDB store shares: the databases, the
 * owner state machinery, the clock (the only source of time in the store)
 * and the retention TTLs.
 */
import type { Clock } from '../../runtime/index.ts';
import type { Retention } from '../contract.ts';
import { indeterminate } from '../errors.ts';
import type { Owners } from './owners.ts';
import type { Dbs } from './schema.ts';

export interface Ctx {
  readonly dbs: Dbs;
  readonly owners: Owners;
  readonly clock: Clock;
  readonly retention: Retention;
}

/** Awaits an LMDB write; a failed commit is `indeterminate` (re-read before retrying). */
export async function written<T>(what: string, write: Promise<T>): Promise<T> {
  try {
    return await write;
  } catch (err) {
    throw indeterminate(what, 'the LMDB commit failed', err);
  }
}
