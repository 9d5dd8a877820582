/**
 * What one node answers about itself to the admin API (`NodeAdmin`), and the
 * result types, mirroring `protos/admin/v1/admin.proto` field for field (in
 * camelCase, as `@grpc/proto-loader` reads them). The admin server turns these
 * into cluster-wide answers by forwarding (`server.ts`); a node implements
 * only its local view.
 *
 * A `NodeAdmin` method may throw (or reject with) a `ParleyError`; its code
 * becomes the gRPC status (`status.ts`). `inspect`/`kill` of a key this node
 * does not own should still answer from what it has (the server routes keys
 * to their owner; a node asked directly answers for itself).
 */

/** A value or a promise of it. */
export type MaybePromise<T> = T | Promise<T>;

export interface NodeInfo {
  readonly id: string;
  /** `up`, `draining` or `leaving`. */
  readonly status: string;
  readonly creation: number;
  readonly http: string;
  readonly ws: string;
  readonly admin: string;
  readonly startedAtMs: number;
  readonly shards: number;
}

export interface NodesResult {
  readonly viewVersion: number;
  readonly answeredBy: string;
  readonly nodes: readonly NodeInfo[];
}

export interface RingNode {
  readonly node: string;
  readonly shards: number;
  readonly shardIds: readonly number[];
}

export interface RingResult {
  readonly viewVersion: number;
  readonly shardCount: number;
  readonly nodes: readonly RingNode[];
}

export interface ActorInfo {
  readonly node: string;
  readonly key: string;
  readonly ref: string;
  readonly mailbox: number;
  /** `active`, or `handing_off` while its shard moves away. */
  readonly state: string;
}

export interface DeviceInfo {
  readonly device: string;
  /** The node it is connected to; `''` when not connected. */
  readonly node: string;
}

export interface InspectResult {
  readonly key: string;
  readonly node: string;
  readonly shard: number;
  readonly active: boolean;
  readonly ref: string;
  readonly mailbox: number;
  readonly epoch: number;
  readonly devices: readonly DeviceInfo[];
  readonly members: number;
}

export interface KillResult {
  readonly key: string;
  readonly node: string;
  readonly killed: boolean;
}

export interface TreeNode {
  readonly id: string;
  readonly ref: string;
  readonly behavior: string;
  /** `supervisor` or `worker`. */
  readonly kind: string;
  /** `permanent`, `transient`, `temporary`; `''` for the root. */
  readonly restart: string;
  readonly children: readonly TreeNode[];
}

export interface NodeTree {
  readonly node: string;
  readonly root: TreeNode;
}

export interface DrainResult {
  readonly node: string;
  /** `draining` (started now) or `already_draining`. */
  readonly state: string;
  readonly shards: number;
  readonly clients: number;
}

export interface NodeStats {
  readonly node: string;
  readonly actors: number;
  readonly mailboxes: number;
  readonly messages: number;
  /** Dead letters by reason; a `total` entry, when present, is their sum (else tables add them up). */
  readonly deadLetters: Readonly<Record<string, number>>;
  readonly store: Readonly<Record<string, number>>;
  readonly transport: Readonly<Record<string, number>>;
  readonly uptimeMs: number;
  readonly memoryRssBytes: number;
  readonly heapUsedBytes: number;
  readonly clients: number;
}

/** A node that did not answer a call that asked every node. */
export interface NodeError {
  readonly node: string;
  /** The gRPC status name, such as `UNAVAILABLE`. */
  readonly code: string;
  readonly message: string;
}

export interface ActorsResult {
  readonly actors: readonly ActorInfo[];
  readonly errors: readonly NodeError[];
}

export interface TreeResult {
  readonly trees: readonly NodeTree[];
  readonly errors: readonly NodeError[];
}

export interface StatsResult {
  readonly nodes: readonly NodeStats[];
  readonly errors: readonly NodeError[];
}

/** What ONE node answers locally; the admin server makes the cluster-wide answers. */
export interface NodeAdmin {
  /** The membership view as this node sees it. */
  nodes(): MaybePromise<NodesResult>;
  /** The shard placement of this node's view. */
  ring(): MaybePromise<RingResult>;
  /** The virtual actors active on this node. */
  actors(): MaybePromise<readonly ActorInfo[]>;
  /** `key` as this node knows it. */
  inspect(key: string): MaybePromise<InspectResult>;
  /** Kills `key`'s actor on this node, if active. */
  kill(key: string): MaybePromise<KillResult>;
  /** This node's supervision tree. */
  tree(): MaybePromise<TreeNode>;
  /** Starts draining this node (returns once started, not when done). */
  drain(): MaybePromise<DrainResult>;
  /** This node's counters. */
  stats(): MaybePromise<NodeStats>;
}

/** Where a peer's admin API listens. */
export interface AdminPeer {
  readonly node: string;
  /** `host:port`. */
  readonly admin: string;
}
