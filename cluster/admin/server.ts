/**
 * The admin API server of one node (`protos/admin/v1/admin.proto`). Any node
 * answers for the whole cluster:
 * - `Nodes`, `Ring`: from this node's view (`local`).
 * - `Actors`, `Tree`, `Stats` with a node: that node's local answer
 *   (forwarded to its admin address); without one: every node in `peers()`
 *   (and this one), asked at once; a node that fails is listed in `errors`
 *   instead of failing the call.
 * - `Inspect`, `Kill`: the key's owner (`ownerOf`), forwarded there.
 * - `Drain NODE`: forwarded to NODE.
 *
 * A forwarded call carries `x-parley-forwarded` and is answered locally,
 * never forwarded again (one hop at most, even when views disagree). Errors
 * map ParleyError codes to gRPC statuses (`status.ts`) and carry
 * `x-parley-error`. Protection: binds to `host` (default `127.0.0.1`); when
 * `token` is set (default `PARLEY_ADMIN_TOKEN` from the environment) every
 * call must carry `authorization: Bearer <token>`, else `UNAUTHENTICATED`;
 * forwarded calls carry the same token.
 */
import { timingSafeEqual } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { type Clock, ErrorCode, ParleyError, quote, systemClock } from '../../runtime/index.ts';
import { AdminClient, FORWARDED_KEY, SERVER_ERROR_KEY } from './client.ts';
import { adminDefinition } from './proto.ts';
import { statusName, toServiceError } from './status.ts';
import type { AdminPeer, NodeAdmin, NodeError } from './types.ts';

export interface AdminServerOptions {
  /** Interface to bind; default `127.0.0.1` (loopback only). */
  readonly host?: string;
  /** Port to bind; 0 picks a free one (see the returned `port`). */
  readonly port: number;
  readonly local: NodeAdmin;
  /** The admin address of every node in the current view (this one may be included). */
  readonly peers: () => readonly AdminPeer[];
  /** The node owning `key` in the current view; undefined while none does. */
  readonly ownerOf: (key: string) => string | undefined;
  /** This node's id. */
  readonly self: string;
  readonly log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
  /** Required bearer token; default `process.env.PARLEY_ADMIN_TOKEN`; unset or empty = none. */
  readonly token?: string;
  /** Deadline of a call forwarded to a peer; default 2,500 (below the CLI's 3 s, so its reason gets back). */
  readonly forwardTimeoutMs?: number;
  readonly clock?: Clock;
}

export interface AdminServer {
  readonly port: number;
  close(): Promise<void>;
}

const KEY_LENGTH_MAX = 1024;

type Handler = (request: Record<string, unknown>, forwarded: boolean) => Promise<unknown>;

export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { local, self, log } = options;
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? process.env.PARLEY_ADMIN_TOKEN ?? '';
  const clients = new Map<string, AdminClient>();

  const peerClient = (address: string): AdminClient => {
    let client = clients.get(address);
    if (client === undefined) {
      client = new AdminClient(address, {
        token: token === '' ? undefined : token,
        timeoutMs: options.forwardTimeoutMs ?? 2500,
        forwarded: true,
        clock: options.clock ?? systemClock,
      });
      clients.set(address, client);
    }
    return client;
  };

  /** Every node to ask, sorted by id, this one included once. */
  const everyNode = (): AdminPeer[] => {
    const byNode = new Map(options.peers().map((p) => [p.node, p]));
    byNode.set(self, { node: self, admin: '' });
    return [...byNode.values()].sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
  };

  const addressOf = (node: string): string => {
    const peer = options.peers().find((p) => p.node === node);
    if (peer === undefined || peer.admin === '')
      throw new ParleyError(
        ErrorCode.NotFound,
        `no node ${quote(node)} with an admin address in the view of node ${quote(self)}`,
      );
    return peer.admin;
  };

  /** `node`'s answer to a per-node call: here, or forwarded to it. */
  const onNode = async <T>(
    node: string,
    forwarded: boolean,
    here: () => T | Promise<T>,
    there: (client: AdminClient) => Promise<T>,
  ): Promise<T> => {
    if (node === self) return here();
    if (forwarded)
      throw new ParleyError(
        ErrorCode.NotFound,
        `a call for node ${quote(node)} was forwarded to node ${quote(self)}; views disagree, retry`,
      );
    return via(node, there(peerClient(addressOf(node))));
  };

  /** The key's owner's answer: here, or forwarded to the owner. */
  const onOwner = async <T>(
    key: string,
    forwarded: boolean,
    here: () => T | Promise<T>,
    there: (client: AdminClient) => Promise<T>,
  ): Promise<T> => {
    if (forwarded) return here();
    const owner = options.ownerOf(key);
    if (owner === undefined)
      throw new ParleyError(
        ErrorCode.Unavailable,
        `no node owns key ${quote(key)} in the view of node ${quote(self)} (no node up, or this node is cut off)`,
      );
    if (owner === self) return here();
    const address = options.peers().find((p) => p.node === owner)?.admin;
    if (address === undefined || address === '')
      throw new ParleyError(
        ErrorCode.Unavailable,
        `key ${quote(key)} is owned by node ${quote(owner)}, whose admin address node ${quote(self)} does not know`,
      );
    return via(owner, there(peerClient(address)));
  };

  /** Asks one node or (node empty) every node; gathers the answers and the nodes that failed. */
  const fanOut = async <T>(
    node: string,
    forwarded: boolean,
    here: () => T | Promise<T>,
    there: (client: AdminClient, node: string) => Promise<T>,
  ): Promise<{ results: T[]; errors: NodeError[] }> => {
    if (node !== '') {
      const one = await onNode(node, forwarded, here, (c) => there(c, node));
      return { results: [one], errors: [] };
    }
    const nodes = forwarded ? [{ node: self, admin: '' }] : everyNode();
    const settled = await Promise.allSettled(
      nodes.map(async (p) => {
        if (p.node === self) return here();
        if (p.admin === '')
          throw new ParleyError(
            ErrorCode.NotFound,
            `node ${quote(p.node)} has no admin address in the view`,
          );
        return there(peerClient(p.admin), p.node);
      }),
    );
    const results: T[] = [];
    const errors: NodeError[] = [];
    settled.forEach((s, i) => {
      if (s.status === 'fulfilled') results.push(s.value);
      else errors.push(nodeError(nodes[i]!.node, s.reason));
    });
    return { results, errors };
  };

  const handlers: Record<string, Handler> = {
    nodes: async () => local.nodes(),
    ring: async () => local.ring(),
    actors: async (req, fwd) => {
      const node = optionalNode(req.node);
      const { results, errors } = await fanOut(
        node,
        fwd,
        async () => ({ actors: await local.actors(), errors: [] }),
        (c, n) => c.actors(n),
      );
      return {
        actors: results.flatMap((r) => r.actors),
        errors: [...results.flatMap((r) => r.errors), ...errors],
      };
    },
    inspect: async (req, fwd) => {
      const key = requiredKey(req.key);
      return onOwner(
        key,
        fwd,
        () => local.inspect(key),
        (c) => c.inspect(key),
      );
    },
    kill: async (req, fwd) => {
      const key = requiredKey(req.key);
      const result = await onOwner(
        key,
        fwd,
        () => local.kill(key),
        (c) => c.kill(key),
      );
      log?.info({ key, node: result.node, killed: result.killed }, 'admin kill');
      return result;
    },
    tree: async (req, fwd) => {
      const node = optionalNode(req.node);
      const { results, errors } = await fanOut(
        node,
        fwd,
        async () => ({ trees: [{ node: self, root: await local.tree() }], errors: [] }),
        (c, n) => c.tree(n),
      );
      return {
        trees: results.flatMap((r) => r.trees),
        errors: [...results.flatMap((r) => r.errors), ...errors],
      };
    },
    drain: async (req, fwd) => {
      const node = requiredNode(req.node);
      const result = await onNode(
        node,
        fwd,
        () => local.drain(),
        (c) => c.drain(node),
      );
      log?.info({ node, state: result.state }, 'admin drain');
      return result;
    },
    stats: async (req, fwd) => {
      const node = optionalNode(req.node);
      const { results, errors } = await fanOut(
        node,
        fwd,
        async () => ({ nodes: [await local.stats()], errors: [] }),
        (c, n) => c.stats(n),
      );
      return {
        nodes: results.flatMap((r) => r.nodes),
        errors: [...results.flatMap((r) => r.errors), ...errors],
      };
    },
  };

  const implementation: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(handlers)) {
    implementation[name] = (
      call: grpc.ServerUnaryCall<Record<string, unknown>, unknown>,
      callback: grpc.sendUnaryData<unknown>,
    ) => {
      const refused = authorize(call.metadata, token, self);
      if (refused !== undefined) {
        callback(refused);
        return;
      }
      const forwarded = call.metadata.get(FORWARDED_KEY).length > 0;
      handler(call.request, forwarded).then(
        (response) => callback(null, response),
        (err: unknown) => {
          if (!(err instanceof ParleyError))
            log?.warn({ method: name, err: String(err) }, 'admin call failed');
          callback(serviceError(toServiceError(err)));
        },
      );
    };
  }

  const server = new grpc.Server();
  server.addService(adminDefinition().service, implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      `${host}:${options.port}`,
      grpc.ServerCredentials.createInsecure(),
      (err, bound) => {
        if (err !== null)
          reject(
            new ParleyError(
              ErrorCode.Unavailable,
              `admin API could not listen on ${host}:${options.port}: ${err.message}`,
              { cause: err },
            ),
          );
        else resolve(bound);
      },
    );
  });
  log?.info({ host, port, token: token !== '' }, 'admin API listening');

  return {
    port,
    close: async () => {
      for (const client of clients.values()) client.close();
      clients.clear();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    },
  };
}

/** A forwarded call's failure, saying which node it came from. */
async function via<T>(node: string, answer: Promise<T>): Promise<T> {
  try {
    return await answer;
  } catch (err) {
    if (!(err instanceof ParleyError)) throw err;
    throw new ParleyError(err.code, `node ${quote(node)}: ${err.message}`, { cause: err });
  }
}

function serviceError(e: { code: grpc.status; details: string }): Partial<grpc.ServiceError> {
  const metadata = new grpc.Metadata();
  metadata.set(SERVER_ERROR_KEY, '1');
  return { code: e.code, details: e.details, metadata };
}

/** Refuses a call without the right bearer token (when one is required). */
function authorize(
  metadata: grpc.Metadata,
  token: string,
  self: string,
): Partial<grpc.ServiceError> | undefined {
  if (token === '') return undefined;
  const given = String(metadata.get('authorization')[0] ?? '');
  const expected = `Bearer ${token}`;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  if (a.length === b.length && timingSafeEqual(a, b)) return undefined;
  return serviceError({
    code: grpc.status.UNAUTHENTICATED,
    details:
      given === ''
        ? `the admin API of node ${quote(self)} requires a token (set PARLEY_ADMIN_TOKEN)`
        : `the admin API of node ${quote(self)} refused the token given (check PARLEY_ADMIN_TOKEN)`,
  });
}

function nodeError(node: string, reason: unknown): NodeError {
  const { code, details } = toServiceError(reason);
  return { node, code: statusName(code), message: details };
}

function optionalNode(value: unknown): string {
  if (typeof value === 'string' && value.length <= KEY_LENGTH_MAX) return value;
  throw new ParleyError(ErrorCode.InvalidArgument, `node must be a node id, got ${quote(value)}`);
}

function requiredNode(value: unknown): string {
  const node = optionalNode(value);
  if (node !== '') return node;
  throw new ParleyError(ErrorCode.InvalidArgument, 'node must be a node id, got ""');
}

function requiredKey(value: unknown): string {
  if (typeof value === 'string' && value.length > 0 && value.length <= KEY_LENGTH_MAX) return value;
  throw new ParleyError(
    ErrorCode.InvalidArgument,
    `key must be a non-empty string of at most ${KEY_LENGTH_MAX} characters, got ${quote(value)}`,
  );
}
