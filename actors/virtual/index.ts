/** Virtual actors: addressed by key, placed by a `Placement`, activated on demand, handed off when their key moves. */

export { UnknownKindError } from './activation.ts';
export { activator } from './activator.ts';
export {
  ACTIVATOR_NAME,
  type ActivatorHost,
  type Directory,
  VirtualDirectory,
} from './directory.ts';
export {
  type ActivatorMsg,
  type ActorRow,
  HANDOFF,
  type InspectReply,
  type IntrospectMsg,
  type IntrospectReply,
  type KillReply,
  type ListReply,
  PASSIVATED,
} from './messages.ts';
export {
  functionPlacement,
  ManualPlacement,
  type Placement,
  staticPlacement,
} from './placement.ts';
export { type ActivatorOptions, DEFAULT_ACTIVATOR_OPTIONS, type VirtualKind } from './state.ts';
