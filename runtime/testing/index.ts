/** Test support for the runtime: virtual time, seeded order, probes, captured logs. */

export {
  type CapturedLog,
  captureLogger,
  Deterministic,
  flushMicrotasks,
} from './deterministic.ts';
export { DeterministicScheduler } from './deterministic-scheduler.ts';
export { type Probe, probe } from './probe.ts';
export { VirtualClock } from './virtual-clock.ts';
