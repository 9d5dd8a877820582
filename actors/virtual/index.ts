/** Virtual actors: addressed by key, activated on demand, passivated when idle. */

export { activator, PASSIVATED, UnknownKindError, type VirtualKind } from './activator.ts';
export {
  ACTIVATOR_NAME,
  type ActivatorMsg,
  type Directory,
  type Placement,
  VirtualDirectory,
} from './directory.ts';
