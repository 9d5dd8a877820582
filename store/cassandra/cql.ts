/**
 * The store's view of the database: a `CqlSession`, the two calls it needs
 * from `cassandra-driver`'s `Client`, so tests can wrap it to inject faults
 * (`wrapSession` in the options).
 */
import type { types } from 'cassandra-driver';

export interface BatchQuery {
  readonly query: string;
  readonly params: readonly unknown[];
}

export interface CqlOptions {
  readonly prepare: boolean;
  readonly consistency: number;
  readonly serialConsistency?: number;
  readonly isIdempotent: boolean;
  readonly fetchSize?: number;
  readonly pageState?: string | Buffer;
  readonly routingKey?: Buffer;
}

export interface CqlResult {
  readonly rows: readonly types.Row[];
  readonly pageState: string | null;
  wasApplied(): boolean;
}

export interface CqlSession {
  execute(query: string, params: readonly unknown[], options: CqlOptions): Promise<CqlResult>;
  batch(queries: readonly BatchQuery[], options: CqlOptions): Promise<CqlResult>;
  shutdown(): Promise<void>;
}
