/**
 * The membership's data types, shared by the core (`membership-core.ts`),
 * its NATS driver and placement: member info, views, view changes, the
 * core's step outcome and its stats. No logic.
 */
export const MemberStatus = {
  /** Owns shards. */
  Up: 'up',
  /** Being drained: a member, but owns no shards. */
  Draining: 'draining',
  /** About to leave: owns no shards. */
  Leaving: 'leaving',
} as const;
export type MemberStatus = (typeof MemberStatus)[keyof typeof MemberStatus];

/** What a node announces about itself in each heartbeat. */
export interface MemberInfo {
  readonly node: string;
  /** The incarnation: larger for every start of the node (as Erlang's `creation`). */
  readonly creation: number;
  readonly status: MemberStatus;
  /** Base URL of its HTTP server, for clients sent elsewhere. */
  readonly http?: string;
  /** WebSocket URL. */
  readonly ws?: string;
  /** `host:port` of its gRPC admin API. */
  readonly admin?: string;
  /** Wall time (ms) at which this incarnation started. */
  readonly startedAt: number;
}

export interface View {
  /** Grows by one with every change; local to the node that computed it. */
  readonly version: number;
  /** Sorted by node name, one per node. */
  readonly members: readonly MemberInfo[];
}

export type RemovalReason = 'down' | 'left' | 'replaced';

export interface ViewChange {
  readonly view: View;
  readonly previous: View;
  readonly added: readonly MemberInfo[];
  readonly removed: readonly { readonly member: MemberInfo; readonly reason: RemovalReason }[];
  /** Same incarnation, new status or addresses. */
  readonly updated: readonly { readonly from: MemberInfo; readonly to: MemberInfo }[];
}

/** The outcome of one input. */
export interface Step {
  readonly change?: ViewChange;
  /** Present only when isolation flipped: the new value. */
  readonly isolated?: boolean;
}

export interface MembershipStats {
  ticks: number;
  /** Ticks later than `tickMs + pauseToleranceMs`: our own process was paused. */
  lateTicks: number;
  maxTickGapMs: number;
  suspicions: number;
  /** Suspects heard again before being declared down: near misses. */
  suspicionsCleared: number;
  downs: number;
  /** Downs on a probe's "no responders" before `downAfterMs` (a subset of `downs`). */
  fastDowns: number;
  /** Down verdicts held back by a grace period after a late tick. */
  downsDeferred: number;
  /** Nodes heard again, same incarnation, after we declared them down. */
  rejoins: number;
  replaced: number;
  left: number;
  /** Heartbeats of older or left incarnations, ignored. */
  staleHeartbeats: number;
  /** Heartbeats under our own name but another incarnation. */
  foreignSelf: number;
  isolations: number;
}
