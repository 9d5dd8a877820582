/** Supervision trees, after OTP's `supervisor`. */

export {
  type Asker,
  countChildren,
  deleteChild,
  restartChild,
  startChild,
  startSupervisor,
  terminateChild,
  whichChildren,
} from './api.ts';
export {
  type ChildSpec,
  type ChildStart,
  type ChildType,
  DEFAULT_FLAGS,
  DEFAULT_WORKER_SHUTDOWN_MS,
  InvalidSupervisorSpecError,
  Restart,
  type Shutdown,
  Strategy,
  type SupervisorFlags,
  type SupervisorSpec,
  validateChildSpec,
  validateFlags,
  validateSpec,
} from './child-spec.ts';
export { type RestartVerdict, recordRestart } from './restart-window.ts';
export {
  type ChildCounts,
  type ChildInfo,
  ChildStartError,
  MAX_INTENSITY_REASON,
  type SupervisorMsg,
  supervisor,
} from './supervisor.ts';
