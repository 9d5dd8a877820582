/**
 * The group actor lives in `group/` (one file per concern, top-level
 * functions over its state); this module keeps the import path of its
 * users.
 */
export { groupActor } from './group/actor.ts';
export type { GroupState } from './group/state.ts';
