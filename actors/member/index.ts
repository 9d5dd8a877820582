/**
 * A cluster member's core (`composeMember`): transport and membership over
 * one NATS-like connection, the chat's actors on a placement bound to it.
 */
export {
  composeMember,
  type LeaveResult,
  linkPeers,
  type Member,
  type MemberAddresses,
  type MemberDeps,
} from './compose.ts';
export { LatePlacement } from './late-placement.ts';
