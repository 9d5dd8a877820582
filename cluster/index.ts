/**
 * The public surface of Parley's cluster layer. Outside `cluster/`, import
 * only from here.
 */

export * from './admin/index.ts';
export {
  ClusterPlacement,
  type ClusterPlacementOptions,
  type MembershipLike,
  shardOwners,
} from './cluster-placement.ts';
export {
  type DetectorOptions,
  type ResolvedDetectorOptions,
  resolveDetectorOptions,
} from './detector-options.ts';
export {
  Membership,
  type MembershipDriverStats,
  type MembershipOptions,
  type MembershipSelf,
} from './membership.ts';
export {
  type MemberInfo,
  MemberStatus,
  MembershipCore,
  type MembershipStats,
  type RemovalReason,
  type Step as MembershipStep,
  type View,
  type ViewChange,
} from './membership-core.ts';
export {
  decodeWire as decodeMembershipMessage,
  encodeWire as encodeMembershipMessage,
  type WireMessage as MembershipMessage,
} from './membership-wire.ts';
export type { NatsLike } from './nats-like.ts';
export {
  type ConnectNatsTransportOptions,
  connectNatsTransport,
  NatsTransport,
  type NatsTransportOptions,
  type NatsTransportStats,
} from './nats-transport.ts';
export { ShardMap, type ShardMove } from './placement.ts';
export { hashString, SHARD_COUNT, SHARD_COUNT_MAX, shardOf } from './shards.ts';
