/**
 * The store's connection to the database.
 *
 * `connectSession` builds the driver client: token-aware, DC-aware load
 * balancing (the driver default, with the local DC set), bigints as JS
 * `bigint`, a bounded reconnection backoff so a database that comes back is
 * used again within seconds. `Exec` adds what every call needs: prepared
 * statements, the configured consistency, the idempotence flag, and paging.
 */
import { Client, policies, types } from 'cassandra-driver';
import type { BatchQuery, CqlResult, CqlSession } from './cql.ts';
import type { Consistency, ResolvedOptions, SerialConsistency } from './options.ts';

const consistencyCodes: Record<Consistency | SerialConsistency, number> = {
  ONE: types.consistencies.one,
  LOCAL_ONE: types.consistencies.localOne,
  QUORUM: types.consistencies.quorum,
  LOCAL_QUORUM: types.consistencies.localQuorum,
  EACH_QUORUM: types.consistencies.eachQuorum,
  ALL: types.consistencies.all,
  SERIAL: types.consistencies.serial,
  LOCAL_SERIAL: types.consistencies.localSerial,
};

export function connectSession(options: ResolvedOptions): CqlSession {
  const client = new Client({
    contactPoints: [...options.contactPoints],
    localDataCenter: options.localDataCenter,
    encoding: { useBigIntAsLong: true },
    socketOptions: {
      connectTimeout: options.connectTimeoutMs,
      readTimeout: options.requestTimeoutMs,
    },
    policies: {
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(250, 5_000, true),
    },
    queryOptions: {
      prepare: true,
      consistency: consistencyCodes[options.consistency],
      serialConsistency: consistencyCodes[options.serialConsistency],
    },
  });
  return {
    execute: (query, params, opts) => client.execute(query, [...params], opts),
    batch: (queries, opts) =>
      client.batch(
        queries.map((q) => ({ query: q.query, params: [...q.params] })),
        opts,
      ),
    shutdown: () => client.shutdown(),
  };
}

/** Rows a single read may return in one round trip; longer reads page. */
export const PAGE_ROWS = 500;

export interface ReadOptions {
  /** Rows wanted (kept rows, when `keep` is given); paging stops there. */
  readonly limit: number;
  /** Read at serial consistency, which first completes any in-flight LWT. */
  readonly serial?: boolean;
  /** Keeps only the rows it accepts (e.g. not yet expired); skipped rows do not count. */
  readonly keep?: (row: types.Row) => boolean;
}

/** Runs statements with the store's options; reads page until enough rows. */
export class Exec {
  readonly consistency: number;
  readonly serial: number;

  constructor(
    readonly session: CqlSession,
    options: ResolvedOptions,
  ) {
    this.consistency = consistencyCodes[options.consistency];
    this.serial = consistencyCodes[options.serialConsistency];
  }

  /** A read (idempotent), paged: statements carry no LIMIT when rows may be skipped. */
  async rows(
    query: string,
    params: readonly unknown[],
    options: ReadOptions,
  ): Promise<types.Row[]> {
    const { limit, serial = false, keep } = options;
    const out: types.Row[] = [];
    let pageState: string | undefined;
    let skipped = 0;
    do {
      // Ask for what is missing; once rows were skipped, expect more to skip and take full pages.
      const wanted = skipped > 0 ? PAGE_ROWS : limit - out.length;
      const result = await this.session.execute(query, params, {
        prepare: true,
        consistency: serial ? this.serial : this.consistency,
        isIdempotent: true,
        fetchSize: Math.min(PAGE_ROWS, Math.max(1, wanted)),
        ...(pageState ? { pageState } : {}),
      });
      for (const row of result.rows) {
        if (!keep || keep(row)) out.push(row);
        else skipped += 1;
      }
      pageState = result.pageState ?? undefined;
    } while (pageState && out.length < limit);
    return out.length > limit ? out.slice(0, limit) : out;
  }

  async first(
    query: string,
    params: readonly unknown[],
    serial = false,
  ): Promise<types.Row | undefined> {
    return (await this.rows(query, params, { limit: 1, serial }))[0];
  }

  /** A plain write that may be repeated safely (the driver may retry it). */
  async write(query: string, params: readonly unknown[]): Promise<void> {
    await this.session.execute(query, params, {
      prepare: true,
      consistency: this.consistency,
      isIdempotent: true,
    });
  }

  /** Schema statements: not prepared (they run once), idempotent (`IF NOT EXISTS`). */
  async ddl(cql: string): Promise<void> {
    await this.session.execute(cql, [], {
      prepare: false,
      consistency: this.consistency,
      isIdempotent: true,
    });
  }

  /** One lightweight transaction (never retried by the driver: its outcome is for the caller to learn). */
  cas(query: string, params: readonly unknown[]): Promise<CqlResult> {
    return this.session.execute(query, params, {
      prepare: true,
      consistency: this.consistency,
      serialConsistency: this.serial,
      isIdempotent: false,
    });
  }

  /** A conditional single-partition batch, routed to the partition's replicas. */
  casBatch(queries: readonly BatchQuery[], partitionKey: string): Promise<CqlResult> {
    return this.session.batch(queries, {
      prepare: true,
      consistency: this.consistency,
      serialConsistency: this.serial,
      isIdempotent: false,
      routingKey: Buffer.from(partitionKey, 'utf8'),
    });
  }
}
