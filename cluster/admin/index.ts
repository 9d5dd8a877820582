/**
 * The admin API of a node (gRPC, `protos/admin/v1/admin.proto`) and the
 * operator CLI `parleyctl` that uses it.
 */

export { type CliIo, runCli } from './cli.ts';
export { AdminClient, type AdminClientOptions, DEFAULT_ADMIN_TIMEOUT_MS } from './client.ts';
export { ADMIN_PROTO_PATH } from './proto.ts';
export { type AdminServer, type AdminServerOptions, startAdminServer } from './server.ts';
export { grpcStatusOf } from './status.ts';
export type {
  ActorInfo,
  ActorsResult,
  AdminPeer,
  DeviceInfo,
  DrainResult,
  InspectResult,
  KillResult,
  MaybePromise,
  NodeAdmin,
  NodeError,
  NodeInfo,
  NodeStats,
  NodesResult,
  NodeTree,
  RingNode,
  RingResult,
  StatsResult,
  TreeNode,
  TreeResult,
} from './types.ts';
