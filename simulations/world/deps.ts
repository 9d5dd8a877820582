/**
 * The production code the simulated world is made of, imported in one
 * place: the nodes are built by `composeMember`, sessions by
 * `spawnEdgeSession`, clients are `ParleyClient`s.
 */
export type { EdgeMsg } from '../../actors/chat/index.ts';
export { type EdgeSocket, spawnEdgeSession } from '../../actors/edge/index.ts';
export { composeMember, type Member } from '../../actors/member/index.ts';
export { MemoryPresence, type Presence } from '../../actors/presence/index.ts';
export type { Placement } from '../../actors/virtual/index.ts';
export { ParleyClient } from '../../client/index.ts';
