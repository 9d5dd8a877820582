/**
 * A client of one node's admin API, used by `parleyctl` and by admin servers
 * forwarding to their peers.
 *
 * Guarantees: every call has a deadline (`timeoutMs`, default 3,000) and
 * fails with a `ParleyError` whose message names the address: `unavailable`
 * "admin API at HOST:PORT is unreachable: ..." when no connection could be
 * made, `timeout` when it did not answer in time, and otherwise the code and
 * message the server sent (a server marks its own errors with
 * `x-parley-error`, so a peer that the server could not reach is not
 * mistaken for this address being down).
 */
import * as grpc from '@grpc/grpc-js';
import { type Clock, ErrorCode, ParleyError, systemClock } from '../../runtime/index.ts';
import { adminDefinition } from './proto.ts';
import { parleyCodeOf } from './status.ts';
import type {
  ActorsResult,
  DrainResult,
  InspectResult,
  KillResult,
  NodesResult,
  RingResult,
  StatsResult,
  TreeResult,
} from './types.ts';

export const DEFAULT_ADMIN_TIMEOUT_MS = 3000;
/** Metadata key a server sets on the errors it answers with. */
export const SERVER_ERROR_KEY = 'x-parley-error';
/** Metadata key of a call one admin server forwards to another: answered locally, never forwarded again. */
export const FORWARDED_KEY = 'x-parley-forwarded';

export interface AdminClientOptions {
  /** Sent as `authorization: Bearer <token>` when set. */
  readonly token?: string;
  readonly timeoutMs?: number;
  /** Marks calls as forwarded by a peer (admin servers only). */
  readonly forwarded?: boolean;
  readonly clock?: Clock;
}

type Unary = (
  request: object,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (err: grpc.ServiceError | null, response: unknown) => void,
) => void;

export class AdminClient {
  private readonly client: grpc.Client;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly forwarded: boolean;
  private readonly clock: Clock;

  constructor(
    readonly address: string,
    options: AdminClientOptions = {},
  ) {
    const { Client } = adminDefinition();
    this.client = new Client(address, grpc.credentials.createInsecure());
    this.token = options.token;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_ADMIN_TIMEOUT_MS;
    this.forwarded = options.forwarded ?? false;
    this.clock = options.clock ?? systemClock;
  }

  nodes(): Promise<NodesResult> {
    return this.call('nodes', {});
  }

  ring(): Promise<RingResult> {
    return this.call('ring', {});
  }

  /** Actors of `node`, or of every node when `node` is empty. */
  actors(node = ''): Promise<ActorsResult> {
    return this.call('actors', { node });
  }

  inspect(key: string): Promise<InspectResult> {
    return this.call('inspect', { key });
  }

  kill(key: string): Promise<KillResult> {
    return this.call('kill', { key });
  }

  /** The tree of `node`, or of every node when `node` is empty. */
  tree(node = ''): Promise<TreeResult> {
    return this.call('tree', { node });
  }

  drain(node: string): Promise<DrainResult> {
    return this.call('drain', { node });
  }

  /** Counters of `node`, or of every node when `node` is empty. */
  stats(node = ''): Promise<StatsResult> {
    return this.call('stats', { node });
  }

  close(): void {
    this.client.close();
  }

  private call<T>(method: string, request: object): Promise<T> {
    const metadata = new grpc.Metadata();
    if (this.token !== undefined) metadata.set('authorization', `Bearer ${this.token}`);
    if (this.forwarded) metadata.set(FORWARDED_KEY, '1');
    const deadline = new Date(this.clock.now() + this.timeoutMs);
    const unary = (this.client as unknown as Record<string, Unary>)[method]!.bind(this.client);
    return new Promise<T>((resolve, reject) => {
      unary(request, metadata, { deadline }, (err, response) => {
        if (err === null) resolve(response as T);
        else reject(this.failure(err));
      });
    });
  }

  private failure(err: grpc.ServiceError): ParleyError {
    const fromServer = err.metadata?.get(SERVER_ERROR_KEY).length > 0;
    if (fromServer) return new ParleyError(parleyCodeOf(err.code), err.details, { cause: err });
    if (err.code === grpc.status.DEADLINE_EXCEEDED)
      return new ParleyError(
        ErrorCode.Timeout,
        `admin API at ${this.address} did not answer within ${this.timeoutMs} ms`,
        { cause: err },
      );
    if (err.code === grpc.status.UNAVAILABLE)
      return new ParleyError(
        ErrorCode.Unavailable,
        `admin API at ${this.address} is unreachable: ${connectReason(err.details)}`,
        { cause: err },
      );
    return new ParleyError(
      parleyCodeOf(err.code),
      `admin API at ${this.address} failed: ${err.details}`,
      { cause: err },
    );
  }
}

/** The useful part of grpc-js's "No connection established. Last error: Error: connect ECONNREFUSED ...". */
function connectReason(details: string): string {
  const m = /Last error: (?:Error: )?(.*?)\.?\s*(?:Resolution note:.*)?$/s.exec(details);
  return m?.[1] || details;
}
